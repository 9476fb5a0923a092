package main

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// A workload that names the registry with an explicit port pulls with credentials keyed by
// that host form: the kubelet compares ports (pkg/credentialprovider/keyring.go, urlsMatch),
// so the Secret's entry for myregistry.azurecr.io does not serve it. check finds the Secret
// lacking the form (issue 18 §2); render gives the Secret an auths entry for each form, each
// entry what kubectl writes for that server, and records the forms in the plaintext
// annotation; a second render changes nothing.
func TestExplicitPortHostForm(t *testing.T) {
	dir, secret, recipient := renderedTree(t)
	keyFile := os.Getenv("SOPS_AGE_KEY_FILE") // renderedTree's
	write(t, filepath.Join(dir, "port.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: port\nspec:\n  imagePullSecrets:\n  - name: acr-secret\n  containers:\n  - name: a\n    image: myregistry.azurecr.io:443/app:v1\n")

	r := acrgen(t, "", nil, "check", dir, "-r", "myregistry")
	want := regexp.MustCompile(`(?m)^\S*acr-secret\.enc\.yaml:\d+: problem: Secret acr-secret holds credentials for myregistry\.azurecr\.io, not for myregistry\.azurecr\.io:443`)
	if r.code != exitDrift || !want.MatchString(r.stdout) {
		t.Fatalf("check: want exit 1 and %s, got %d\n%s%s", want, r.code, r.stdout, r.stderr)
	}

	r = acrgen(t, testPassword, nil, "render", dir, "-r", "myregistry", "-u", testUser, "--password-stdin", "--age", recipient)
	if r.code != 0 {
		t.Fatalf("render: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	plain := sopsDecrypt(t, secret, keyFile)
	if !strings.Contains(string(plain), "acrgen.dev/registry: myregistry.azurecr.io,myregistry.azurecr.io:443\n") {
		t.Fatalf("the annotation does not record both host forms:\n%s", strings.Split(string(plain), "\ndata:")[0])
	}
	got := auths(t, dataField(t, plain))
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, []string{"myregistry.azurecr.io", "myregistry.azurecr.io:443"}) {
		t.Fatalf("auths entries %v, want one per host form", keys)
	}
	for _, server := range []string{"myregistry.azurecr.io", "myregistry.azurecr.io:443"} {
		if ref := auths(t, kubectlDockerConfig(t, server))[server]; string(got[server]) != string(ref) {
			t.Errorf("entry %s is %s, kubectl writes %s", server, got[server], ref)
		}
	}
	if r := acrgen(t, "", nil, "check", dir, "-r", "myregistry"); r.code != 0 || !strings.Contains(r.stdout, "ok: every workload") {
		t.Fatalf("check after render: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	before := testtool.Snapshot(t, dir)
	if r := acrgen(t, testPassword, nil, "render", dir, "-r", "myregistry", "-u", testUser, "--password-stdin", "--age", recipient); r.code != 0 || !strings.Contains(r.stdout, "nothing to do") {
		t.Fatalf("second render: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
		t.Fatalf("a second render changed files: %s", d)
	}
	assertNoLeak(t, dir, r.stdout, r.stderr)
}

// The function gives the Secret the same entries as the CLI (one core).
func TestExplicitPortHostFormFunction(t *testing.T) {
	keyFile, recipient := ageKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	in := `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: port
    namespace: apps
  spec:
    containers:
    - name: a
      image: myregistry.azurecr.io:443/app:v1
functionConfig:
  apiVersion: acrgen.dev/v1alpha1
  kind: ACRPullSecret
  metadata:
    name: acr
  spec:
    registries: [myregistry]
    username: ` + testUser + `
    passwordFrom: env:ACRGEN_PASSWORD
    age: [` + recipient + `]
`
	r := acrgen(t, in, map[string]string{"ACRGEN_PASSWORD": testPassword}, "fn")
	if r.code != 0 {
		t.Fatalf("fn: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "acrgen.dev/registry: myregistry.azurecr.io,myregistry.azurecr.io:443\n") {
		t.Fatalf("the function's Secret does not record both host forms:\n%s", r.stdout)
	}
}

// auths decodes a .dockerconfigjson value (base64, as in data) into its entries, each as its
// JSON text.
func auths(t *testing.T, data string) map[string]json.RawMessage {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Auths map[string]json.RawMessage `json:"auths"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Auths
}
