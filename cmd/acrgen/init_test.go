package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The .sops.yaml init writes drives the real sops CLI to encrypt a Secret file the way acrgen
// encrypts its own: the same encrypted_regex and the same recipients, both files decrypting
// with the key.
func TestInitSopsYAMLDrivesSopsCLI(t *testing.T) {
	keyFile, recipient := ageKey(t)
	dir := t.TempDir()
	if r := acrgen(t, "", nil, "init", dir, "--registry", "myregistry", "--age", recipient); r.code != 0 {
		t.Fatalf("init: exit %d\n%s", r.code, r.stderr)
	}
	apps := filepath.Join(dir, "apps")
	if err := os.WriteFile(filepath.Join(apps, "kustomization.yaml"), []byte("resources: [web.yaml]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(apps, "web.yaml"), []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n    - name: web\n      image: myregistry.azurecr.io/web:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// No --age: the recipients come from init's .sops.yaml.
	if r := acrgen(t, testPassword, nil, "render", apps, "-r", "myregistry", "-u", testUser, "--password-stdin"); r.code != 0 {
		t.Fatalf("render: exit %d\n%s", r.code, r.stderr)
	}
	// sops, run from the repository root as users run it, on a file named like acrgen's.
	plain := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: acr-secret\n  namespace: other\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: e30=\n"
	cliFile := filepath.Join(apps, "acr-secret.other.enc.yaml")
	if err := os.WriteFile(cliFile, []byte(plain), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testtool.Path(t, "sops"), "-e", "-i", "apps/acr-secret.other.enc.yaml")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sops -e with init's .sops.yaml: %v\n%s", err, out)
	}
	regexA, recA := sopsMeta(t, filepath.Join(apps, "acr-secret.enc.yaml"))
	regexB, recB := sopsMeta(t, cliFile)
	if regexA != "^(data|stringData)$" || regexA != regexB {
		t.Errorf("encrypted_regex: acrgen %q, sops CLI %q; want both ^(data|stringData)$", regexA, regexB)
	}
	if strings.Join(recA, ",") != recipient || strings.Join(recB, ",") != recipient {
		t.Errorf("age recipients: acrgen %v, sops CLI %v; want [%s]", recA, recB, recipient)
	}
	if got := string(sopsDecrypt(t, cliFile, keyFile)); !strings.Contains(got, ".dockerconfigjson: e30=") {
		t.Errorf("sops -d of the CLI's file:\n%s", got)
	}
	if got := dataField(t, sopsDecrypt(t, filepath.Join(apps, "acr-secret.enc.yaml"), keyFile)); got != kubectlDockerConfig(t, "myregistry.azurecr.io") {
		t.Error("acrgen's Secret does not decrypt to kubectl's .dockerconfigjson")
	}
}

func sopsMeta(t *testing.T, file string) (encryptedRegex string, ageRecipients []string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sops struct {
			EncryptedRegex string `yaml:"encrypted_regex"`
			Age            []struct {
				Recipient string `yaml:"recipient"`
			} `yaml:"age"`
		} `yaml:"sops"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, a := range doc.Sops.Age {
		ageRecipients = append(ageRecipients, a.Recipient)
	}
	sort.Strings(ageRecipients)
	return doc.Sops.EncryptedRegex, ageRecipients
}

// Bad input to init exits 2 and writes nothing; an existing file is never overwritten without
// --force.
func TestInitRefuses(t *testing.T) {
	_, recipient := ageKey(t)
	for name, args := range map[string][]string{
		"registry name":   {"--registry", "my-registry", "--age", recipient},
		"age private key": {"--registry", "myregistry", "--age", "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"},
		"no recipient":    {"--registry", "myregistry"},
		"key vault url":   {"--registry", "myregistry", "--azure-kv", "https://myvault.vault.azure.net/secrets/x"},
		"two dirs":        {"--registry", "myregistry", "--age", recipient, "other"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "repo")
			r := acrgen(t, "", nil, append([]string{"init", dir}, args...)...)
			if r.code != exitUsage || !strings.HasPrefix(r.stderr, "acrgen: error: ") {
				t.Fatalf("want exit 2 with an error, got %d\n%s", r.code, r.stderr)
			}
			if strings.Contains(r.stderr, "AGE-SECRET-KEY") {
				t.Error("the private key was echoed")
			}
			if _, err := os.Stat(dir); err == nil {
				t.Error("a refused init created the directory")
			}
		})
	}

	dir := t.TempDir()
	sopsYAML := filepath.Join(dir, ".sops.yaml")
	if err := os.WriteFile(sopsYAML, []byte("creation_rules: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := testtool.Snapshot(t, dir)
	r := acrgen(t, "", nil, "init", dir, "-r", "myregistry", "--age", recipient)
	if r.code != exitUsage || !strings.Contains(r.stderr, "--force") || !strings.Contains(r.stderr, ".sops.yaml") {
		t.Fatalf("want exit 2 naming .sops.yaml and --force, got %d\n%s", r.code, r.stderr)
	}
	if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
		t.Fatalf("a refused init touched files: %s", d)
	}
	if r := acrgen(t, "", nil, "init", dir, "-r", "myregistry", "--age", recipient, "--force"); r.code != 0 || !strings.Contains(r.stdout, "wrote "+sopsYAML) {
		t.Fatalf("--force: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
