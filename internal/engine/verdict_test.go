package engine_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/engine"
)

// render and the function follow one rule for an expired Secret (render.JudgeSecret): it must
// be re-created, so render without the credential refuses (exit 2) where it used to warn and
// keep it; with the credential it is replaced; check reports it.
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
	_, err = engine.Plan(opts)
	var ue *engine.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "acr-secret.apps.enc.yaml: Secret acr-secret cannot be kept (its credential expired on 2026-02-01T00:00:00Z)") {
		t.Fatalf("render without a credential: got %v, want a usage error naming the file and the expiry", err)
	}

	opts.Mode = engine.Check
	res, err = engine.Plan(opts)
	if err != nil || len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "expired on 2026-02-01T00:00:00Z") {
		t.Fatalf("check: %v, problems %q", err, res.Problems)
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
	_, err := engine.Plan(renderOpts(dir, enc))
	var ue *engine.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), `secret.yaml: Secret acr-secret is of type "Opaque", not kubernetes.io/dockerconfigjson: choose another --secret-name, or remove it`) {
		t.Fatalf("render: got %v, want a usage error naming the file and the type", err)
	}
	opts := renderOpts(dir, enc)
	opts.Mode = engine.Check
	res, err := engine.Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range res.Problems {
		found = found || strings.Contains(p, `is of type "Opaque"`)
	}
	if !found {
		t.Fatalf("check: want the type reported, got %q", res.Problems)
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
	_, err = engine.Plan(renderOpts(dir, enc))
	var ue *engine.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "acr-secret.apps.enc.yaml and "+filepath.Join(dir, "copy.yaml")+": two Secrets named acr-secret in namespace apps: keep one") {
		t.Fatalf("got %v, want a usage error naming both files", err)
	}
}
