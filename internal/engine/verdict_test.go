package engine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/pkg/finding"
)

// render and the function follow one rule for an expired Secret (judge.JudgeSecret): it must
// be re-created, so render without the credential finds a problem (the CLI refuses, exit 2)
// where it used to warn and keep it; with the credential it is replaced; check reports it.
func TestRenderRefusesExpiredSecretWithoutCredential(t *testing.T) {
	dir := fakeTree(t)
	enc := &fakeEncrypter{sealer: &fakeSealer{sameRecipients: true}}
	opts := renderOpts(dir, enc)
	opts.Expires = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	res, err := engine.Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeResult(dir, res); err != nil {
		t.Fatal(err)
	}
	later := func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }

	opts = renderOpts(dir, enc)
	opts.Credential, opts.Now = nil, later
	res, err = engine.Plan(opts)
	if err != nil || !hasProblem(res, filepath.Join(dir, "acr-secret.apps.enc.yaml"), "Secret acr-secret cannot be kept (its credential expired on 2026-02-01T00:00:00Z)") {
		t.Fatalf("render without a credential: got %v, %+v, want a problem naming the file and the expiry", err, res)
	}

	opts.Mode = engine.Check
	res, err = engine.Plan(opts)
	if err != nil || res.Count(finding.Problem) != 1 || !hasProblem(res, "", "expired on 2026-02-01T00:00:00Z") {
		t.Fatalf("check: %v, findings %+v", err, res.Findings)
	}

	opts = renderOpts(dir, enc)
	opts.Now = later
	res, err = engine.Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 || filepath.Base(res.Changes[0].Path) != "acr-secret.apps.enc.yaml" || strings.Contains(string(res.Changes[0].New), "2026-02-01") {
		t.Fatalf("render with the credential: want the Secret replaced, got %+v", res.Changes)
	}
}

// A Secret of another type that has the pull Secret's name is refused, as the function does:
// render used to overwrite it with the pull Secret.
func TestRenderRefusesSecretOfAnotherType(t *testing.T) {
	dir := fakeTree(t)
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources:\n- pod.yaml\n- secret.yaml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secret.yaml"), []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: acr-secret\n  namespace: apps\ntype: Opaque\nstringData:\n  token: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	enc := &fakeEncrypter{sealer: &fakeSealer{sameRecipients: true}}
	res, err := engine.Plan(renderOpts(dir, enc))
	if err != nil || !hasProblem(res, filepath.Join(dir, "secret.yaml"), `Secret acr-secret is of type "Opaque", not kubernetes.io/dockerconfigjson`) {
		t.Fatalf("render: got %v, %+v, want a problem naming the file and the type", err, res)
	}
	opts := renderOpts(dir, enc)
	opts.Mode = engine.Check
	res, err = engine.Plan(opts)
	if err != nil || !hasProblem(res, "", `is of type "Opaque"`) {
		t.Fatalf("check: want the type reported, got %v, %+v", err, res)
	}
}

// Two Secrets of the pull Secret's name in one namespace are refused, naming both files, as
// the function refuses them: render used to bring the first up to date and leave the other.
func TestRenderRefusesTwoSecretsInANamespace(t *testing.T) {
	dir, enc := renderedTree(t)
	b, err := os.ReadFile(filepath.Join(dir, "acr-secret.apps.enc.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "copy.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	k, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), append(k, "- copy.yaml\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := engine.Plan(renderOpts(dir, enc))
	if err != nil || !hasProblem(res, filepath.Join(dir, "copy.yaml"), "2 Secrets named acr-secret in namespace apps, one of them in "+filepath.Join(dir, "acr-secret.apps.enc.yaml")) {
		t.Fatalf("got %v, %+v, want a problem naming both files", err, res)
	}
}

// hasProblem reports whether res holds a problem in file ("" for any) whose message holds msg.
func hasProblem(res *engine.Result, file, msg string) bool {
	for _, f := range res.Findings {
		if f.Severity == finding.Problem && (file == "" || f.File == file) && strings.Contains(f.Message(), msg) {
			return true
		}
	}
	return false
}
