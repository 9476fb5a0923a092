package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sopsRule is a .sops.yaml whose one creation rule encrypts for recipient.
func sopsRule(recipient string) string {
	return "creation_rules:\n  - path_regex: \\.yaml$\n    encrypted_regex: ^(data|stringData)$\n    age: " + recipient + "\n"
}

// A .sops.yaml above the repository's top level does not choose the recipients of the Secret
// that render writes (issue 18): render says where it looked, and writes nothing. The
// repository's own .sops.yaml does, and render names it.
func TestRenderTakesRecipientsOnlyFromTheRepository(t *testing.T) {
	_, above := ageKey(t)
	_, inside := ageKey(t)
	parent := t.TempDir()
	repo := filepath.Join(parent, "repo")
	dir := filepath.Join(repo, "overlays", "prod")
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	if err := os.Mkdir(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(parent, ".sops.yaml"), sopsRule(above))
	t.Chdir(repo)
	args := []string{"render", "overlays/prod", "-r", "myregistry", "-u", testUser, "--password-stdin"}

	r := acrgen(t, testPassword, nil, args...)
	if r.code != exitUsage || !strings.Contains(r.stderr, "no .sops.yaml was found in its directory or any parent up to "+repo) {
		t.Fatalf("want exit 2 saying the search stopped at the repository, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "acr-secret.enc.yaml")); err == nil {
		t.Fatal("a Secret was written for the recipients of the .sops.yaml above the repository")
	}

	write(t, filepath.Join(repo, ".sops.yaml"), sopsRule(inside))
	r = acrgen(t, testPassword, nil, args...)
	if r.code != 0 || !strings.Contains(r.stdout, "overlays/prod/acr-secret.enc.yaml: action: new encrypted Secret acr-secret in the default namespace (recipients from .sops.yaml)") {
		t.Fatalf("want the Secret made for the repository's .sops.yaml, which render names; got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "acr-secret.enc.yaml")); !strings.Contains(string(b), inside) || strings.Contains(string(b), above) {
		t.Errorf("the Secret is not encrypted for the repository's recipient only:\n%s", b)
	}
}

// The function looks for .sops.yaml from its working directory up to the git top level (or,
// outside git, in the working directory only): a .sops.yaml above does not choose.
func TestFunctionTakesRecipientsOnlyFromTheRepository(t *testing.T) {
	_, above := ageKey(t)
	parent := t.TempDir()
	pkg := filepath.Join(parent, "repo", "pkg")
	if err := os.MkdirAll(filepath.Join(parent, "repo", ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(parent, ".sops.yaml"), sopsRule(above))
	t.Chdir(pkg)
	rl := strings.Replace(hostileRL("", "env:ACRGEN_PASSWORD"), "    age: []\n", "", 1)
	r := acrgen(t, rl, map[string]string{"ACRGEN_PASSWORD": testPassword}, "fn")
	if r.code != 1 || !strings.Contains(r.stderr, "no SOPS recipients") || !strings.Contains(r.stderr, "up to "+filepath.Join(parent, "repo")) || strings.Contains(r.stdout, "ENC[") {
		t.Fatalf("want an error result saying the search stopped at the repository, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	write(t, filepath.Join(parent, "repo", ".sops.yaml"), sopsRule(above))
	if r := acrgen(t, rl, map[string]string{"ACRGEN_PASSWORD": testPassword}, "fn"); r.code != 0 || !strings.Contains(r.stdout, "ENC[") {
		t.Fatalf("want the Secret for the repository's .sops.yaml, got %d\n%s", r.code, r.stderr)
	}
}
