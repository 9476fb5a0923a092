package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The function has no flags: without recipients it names the functionConfig fields, never
// --age, and for the CLI the flags stay in the message.
func TestNoRecipientsMessage(t *testing.T) {
	const in = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" +
		"- {apiVersion: v1, kind: Pod, metadata: {name: p, namespace: apps}, spec: {containers: [{name: a, image: myregistry.azurecr.io/app:1}]}}\n" +
		"functionConfig: {apiVersion: acrgen.dev/v1alpha1, kind: ACRPullSecret, metadata: {name: c}, spec: {registries: [myregistry], username: u, passwordFrom: env:ACRGEN_PASSWORD}}\n"
	for _, tc := range []struct{ name, sopsYAML, want string }{
		{"no .sops.yaml", "", "add a .sops.yaml creation rule for acr-secret.apps.enc.yaml"},
		{"rule without keys", "creation_rules:\n  - path_regex: .*\n", "add keys to the rule"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.sopsYAML != "" {
				if err := os.WriteFile(filepath.Join(dir, ".sops.yaml"), []byte(tc.sopsYAML), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			t.Chdir(dir)
			r := acrgen(t, in, map[string]string{"ACRGEN_PASSWORD": testPassword}, "fn")
			if r.code != exitDrift || strings.Contains(r.stderr, "--age") || !strings.Contains(r.stderr, "set age, pgp or azureKeyVault in the functionConfig") || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("want exit 1 naming the functionConfig fields and %q, no flags; got %d\n%s", tc.want, r.code, r.stderr)
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

// acrgen fn prints each error result on stderr as printError does: a name from the items or
// the functionConfig that holds a line break or another control character never starts a line
// of its own (a CI workflow command) nor reaches the terminal verbatim.
func TestFnErrorsQuoteNames(t *testing.T) {
	const in = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n" +
		"functionConfig: {apiVersion: acrgen.dev/v1alpha1, kind: ACRPullSecret, metadata: {name: \"c\\n::error::name\"}, spec: {registries: [myregistry], \"k\\n::error::key\\u001b[31m\": x}}\n"
	t.Chdir(t.TempDir())
	r := acrgen(t, in, nil, "fn")
	if r.code != exitDrift || !strings.Contains(r.stderr, "unknown") {
		t.Fatalf("want exit 1 naming the unknown field; got %d\n%s", r.code, r.stderr)
	}
	for _, line := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
		if !strings.HasPrefix(line, "acrgen: ") || strings.ContainsRune(line, 0x1b) {
			t.Errorf("stderr line %q is not an acrgen line, or holds an escape character:\n%s", line, r.stderr)
		}
	}
}
