package fn_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoSopsOrAzureImports keeps the function's package free of sops and the Azure SDK: it
// defines the Encrypter it needs, and cmd/acrgen wires pkg/encrypt in.
func TestNoSopsOrAzureImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/acrgen/acrgen/pkg/fn").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/getsops/", "github.com/Azure/", "github.com/acrgen/acrgen/pkg/encrypt", "github.com/acrgen/acrgen/pkg/provision"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("pkg/fn depends on %s", dep)
			}
		}
	}
}
