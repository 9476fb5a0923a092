package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/settings"
)

// A Secret whose file holds another document that the prefilter skips (it mentions no
// registry) is refused as sharing its file, with the prefilter on and off, also when that
// document is not valid YAML: the prefilter never parses it, and the guard must not be
// defeated (encrypt.Inspect would then fail with a vaguer message, and check would pass).
func TestSharedFileSameWithPrefilterOnAndOff(t *testing.T) {
	const secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: acr-secret\n  namespace: apps\ntype: kubernetes.io/dockerconfigjson\n"
	for _, tc := range []struct {
		name, other string
		// offLine is the line of the full parse's error with the prefilter off (0: none).
		offLine int
	}{
		{"well-formed", "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n", 0},
		{"malformed", "---\nkind: ConfigMap\nmetadata:\n  name: other\n   bad: indent\n", 11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range map[string]string{
				"kustomization.yaml": "resources:\n- pod.yaml\n- acr-secret.yaml\n",
				"pod.yaml":           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: apps\nspec:\n  containers:\n  - name: a\n    image: myregistry.azurecr.io/app:1\n",
				"acr-secret.yaml":    secret + tc.other,
			} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			display := func(p string) string { return strings.TrimPrefix(p, dir+"/") }
			for _, prefilter := range []bool{true, false} {
				// docker.io turns the prefilter off: short names carry no host to look for.
				registries := []string{"myregistry.azurecr.io"}
				if !prefilter {
					registries = append(registries, "docker.io")
				}
				_, err := Plan(Options{Dir: dir, Mode: Check, Registries: registries, SecretName: settings.DefaultSecretName, Display: display})
				var ie *tree.InputError
				if !errors.As(err, &ie) {
					t.Fatalf("prefilter %v: got %v, want an input error", prefilter, err)
				}
				want := "acr-secret.yaml:1: Secret acr-secret shares this file with other documents; acrgen re-encrypts whole files: move it to a file of its own"
				if !prefilter && tc.offLine > 0 {
					// The full parse meets the malformed document first.
					want = fmt.Sprintf("acr-secret.yaml:%d: mapping values are not allowed in this context", tc.offLine)
				}
				if err.Error() != want {
					t.Errorf("prefilter %v: got %q, want %q", prefilter, err, want)
				}
			}
		})
	}
}
