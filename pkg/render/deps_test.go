package render

import (
	"os/exec"
	"strings"
	"testing"
)

// The core stays pure: it never links encryption or the Azure SDK.
func TestRenderImportsNoSideEffectLibraries(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/getsops/", "github.com/Azure/"} {
			if strings.HasPrefix(pkg, banned) {
				t.Errorf("pkg/render imports %s", pkg)
			}
		}
	}
}
