package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// noKeys leaves sops no key to find: no SOPS_AGE_KEY* variable (sops reads one that is set
// even when empty), and a home without an age keys.txt or a gpg keyring.
func noKeys(t *testing.T) {
	t.Helper()
	for _, k := range []string{"SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY", "SOPS_AGE_KEY_CMD", "SOPS_AGE_SSH_PRIVATE_KEY_FILE"} {
		t.Setenv(k, "") // restored after the test
		os.Unsetenv(k)
	}
	home := t.TempDir()
	for k, v := range map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config"), "GNUPGHOME": filepath.Join(home, ".gnupg")} {
		t.Setenv(k, v)
	}
}

// A plaintext annotation edited after encryption passes every structural check, but sops -d
// (and Flux) refuse the file: with a key at hand, check verifies the MAC as sops -d does and
// finds it (issue 18 §2). Without a key, it says that it could not verify, in a note that
// the ok verdict names; the exit stays 0, --strict too.
func TestCheckVerifiesMAC(t *testing.T) {
	dir, secret, _ := renderedTree(t)
	keyFile := os.Getenv("SOPS_AGE_KEY_FILE")
	if r := acrgen(t, "", nil, "check", dir, "-r", "myregistry"); r.code != 0 || strings.Contains(r.stdout, "not verified") {
		t.Fatalf("check of the rendered tree: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	edit(t, secret, `acrgen.dev/registry: myregistry.azurecr.io`, "acrgen.dev/registry: myregistry.azurecr.io,other.azurecr.io")
	cmd := exec.Command(testtool.Path(t, "sops"), "-d", secret)
	cmd.Env = append(os.Environ(), "SOPS_AGE_KEY_FILE="+keyFile)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "MAC mismatch") {
		t.Fatalf("sops -d accepts the edited file (%v):\n%s", err, out)
	}
	r := acrgen(t, "", nil, "check", dir, "-r", "myregistry")
	want := regexp.MustCompile(`(?m)^\S*acr-secret\.enc\.yaml:\d+: problem: Secret acr-secret does not match its sops MAC \(mac mismatch: .*\): sops -d and Flux refuse it \[ACR081\]$`)
	if r.code != exitDrift || !want.MatchString(r.stdout) || strings.Contains(r.stdout, "ok") {
		t.Fatalf("check with the key: want exit 1 and %s, got %d\n%s%s", want, r.code, r.stdout, r.stderr)
	}

	noKeys(t)
	for _, args := range [][]string{nil, {"--strict"}} {
		r = acrgen(t, "", nil, append([]string{"check", dir, "-r", "myregistry"}, args...)...)
		if r.code != 0 || !strings.Contains(r.stdout, "note: Secret acr-secret: its sops MAC was not verified (no age or PGP key here decrypts it: it is encrypted for age:age1") ||
			!strings.Contains(r.stdout, "ok, as far as acrgen could see: every workload that pulls from the registry references its Secret, and every Secret is encrypted (not verified: a Secret's sops MAC, which covers its annotations, for lack of a key)") {
			t.Fatalf("check %v without a key: want exit 0, a note and an ok that names what it did not verify, got %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
}

// check compares each Secret's recipients with those the applicable .sops.yaml rule names now
// (or --age, --pgp, --azure-kv), as render --check does, and names the .sops.yaml that chose
// (issue 18 §2). After render re-encrypts it, check passes.
func TestCheckRecipients(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	keyFile, first := ageKey(t)
	_, second := ageKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	rule := func(recipient string) {
		write(t, filepath.Join(dir, ".sops.yaml"), "creation_rules:\n  - path_regex: \\.enc\\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: "+recipient+"\n")
	}
	rule(first)
	if r := acrgen(t, testPassword, nil, "render", dir, "-r", "myregistry", "-u", testUser, "--password-stdin"); r.code != 0 {
		t.Fatalf("render: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := acrgen(t, "", nil, "check", dir, "-r", "myregistry"); r.code != 0 {
		t.Fatalf("check: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := acrgen(t, "", nil, "check", dir, "-r", "myregistry", "--age", second)
	if r.code != exitDrift || !strings.Contains(r.stdout, "problem: Secret acr-secret is encrypted for other recipients than --age, --pgp and --azure-kv names now [ACR080]") {
		t.Fatalf("check --age other: want exit 1, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	rule(second)
	r = acrgen(t, "", nil, "check", dir, "-r", "myregistry")
	want := regexp.MustCompile(`(?m)^\S*acr-secret\.enc\.yaml:\d+: problem: Secret acr-secret is encrypted for other recipients than \S*\.sops\.yaml names now \[ACR080\]$`)
	if r.code != exitDrift || !want.MatchString(r.stdout) {
		t.Fatalf("check after the rule changed: want exit 1 and %s, got %d\n%s%s", want, r.code, r.stdout, r.stderr)
	}
	if r := acrgen(t, "", nil, "render", dir, "-r", "myregistry", "--check"); r.code != exitDrift || !strings.Contains(r.stderr+r.stdout, "re-encrypted for the recipients wanted") {
		t.Fatalf("render --check says the same: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := acrgen(t, "", nil, "render", dir, "-r", "myregistry"); r.code != 0 {
		t.Fatalf("render: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := acrgen(t, "", nil, "check", dir, "-r", "myregistry"); r.code != 0 {
		t.Fatalf("check after the re-encryption: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A .sops.yaml that names an Azure Key Vault key without a version can be resolved only by
// asking Key Vault: a plain check stays offline and says that it did not compare.
func TestCheckRecipientsOffline(t *testing.T) {
	dir, _, _ := renderedTree(t)
	write(t, filepath.Join(dir, ".sops.yaml"), "creation_rules:\n  - azure_keyvault: https://myvault.vault.azure.net/keys/sops\n")
	r := acrgen(t, "", nil, "check", dir, "-r", "myregistry")
	if r.code != 0 || !strings.Contains(r.stdout, "note: Secret acr-secret: its recipients were not compared with the configured ones (naming the keys needs the network: ") ||
		!strings.Contains(r.stdout, "(not verified: a Secret's recipients, whose keys only the network can name)") {
		t.Fatalf("check: want exit 0 and a note, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
