package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/fn"
)

// The function has no flags: without recipients it names the functionConfig fields, never
// --age, and for the CLI the flags stay in the message.
func TestNoRecipientsMessage(t *testing.T) {
	for _, tc := range []struct{ name, sopsYAML, want string }{
		{"no .sops.yaml", "", "add a .sops.yaml creation rule for"},
		{"rule without keys", "creation_rules:\n  - path_regex: .*\n", "add keys to the rule"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.sopsYAML != "" {
				if err := os.WriteFile(filepath.Join(dir, ".sops.yaml"), []byte(tc.sopsYAML), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			t.Chdir(dir) // the function's working directory: its package
			_, err := configFor("acr-secret.enc.yaml", fn.Recipients{})
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if strings.Contains(msg, "--") || !strings.Contains(msg, "set age, pgp or azureKeyVault in the functionConfig") || !strings.Contains(msg, tc.want) {
				t.Errorf("got %q, want the functionConfig fields and %q, no flags", msg, tc.want)
			}
		})
	}
}

func TestNoRecipientsMessageCLI(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: myregistry.azurecr.io/app:1\n")
	r := acrgen(t, "", map[string]string{"ACRGEN_PASSWORD": testPassword}, "render", dir, "-r", "myregistry", "--username", testUser)
	if r.code != exitUsage || !strings.Contains(r.stderr, "no .sops.yaml was found") || !strings.Contains(r.stderr, "pass --age, --pgp or --azure-kv, or add a .sops.yaml creation rule for it") {
		t.Errorf("want exit 2 naming the flags, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
