package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/acrgen/acrgen/internal/testing/testtool"
)

const (
	kustomization = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: apps
resources:
  - web.yaml
`
	web = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: myregistry.azurecr.io/web:1.0
`
	// api is the Deployment a later commit adds, without the pull secret.
	api = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: myregistry.azurecr.io/api:2.0
`
)

// TestPreCommitHooks runs the hooks of .pre-commit-hooks.yaml with the real pre-commit, which
// builds acrgen from a snapshot of this repository (language: golang), in a scratch git
// repository: a commit adding a Deployment that pulls from the registry without the secret is
// stopped; once the patch hook's change is staged, it passes; an unrelated commit passes with
// both hooks skipped.
func TestPreCommitHooks(t *testing.T) {
	preCommit := testtool.Path(t, "pre-commit")
	hookRepo, rev := repoSnapshot(t)

	// The user's repository: a tree acrgen has rendered, committed before the hooks exist.
	user := t.TempDir()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	write(t, user, "deploy/kustomization.yaml", kustomization)
	write(t, user, "deploy/web.yaml", web)
	r := command(t, user, append(os.Environ(), "ACRGEN_PASSWORD=fake-Passw0rd-for-tests-only"), nil, acrgenBinary(t),
		"render", "deploy", "--registry", "myregistry", "--username", "00000000-0000-0000-0000-000000000000", "--age", id.Recipient().String())
	if r.code != 0 {
		t.Fatalf("render: exit %d\n%s", r.code, r.output)
	}
	write(t, user, ".pre-commit-config.yaml", `repos:
  - repo: `+hookRepo+`
    rev: `+rev+`
    hooks:
      - id: acrgen-patch
        args: [deploy, --registry, myregistry]
      - id: acrgen-check
        args: [deploy, --registry, myregistry]
`)
	goModCache := strings.TrimSpace(must(t, user, os.Environ(), "go", "env", "GOMODCACHE"))
	// pre-commit sets GOPATH to its hook environment; the module cache stays the warm one.
	env := gitEnv("PRE_COMMIT_HOME="+t.TempDir(), "GOMODCACHE="+goModCache, "PRE_COMMIT_COLOR=never")
	must(t, user, env, "git", "init", "-q")
	must(t, user, env, "git", "add", "-A")
	must(t, user, env, "git", "commit", "-q", "-m", "rendered tree")
	must(t, user, env, preCommit, "install")
	// Building the hook environment (go install) is the slow part; do it once, visibly.
	if r := command(t, user, env, nil, preCommit, "install-hooks"); r.code != 0 {
		t.Fatalf("pre-commit install-hooks: exit %d\n%s", r.code, r.output)
	}
	head := strings.TrimSpace(must(t, user, env, "git", "rev-parse", "HEAD"))

	// A Deployment that pulls from the registry without the secret.
	write(t, user, "deploy/api.yaml", api)
	write(t, user, "deploy/kustomization.yaml", read(t, user, "deploy/kustomization.yaml")+"  - api.yaml\n")
	must(t, user, env, "git", "add", "-A")

	// The check hook alone stops it and changes nothing.
	r = command(t, user, env, nil, preCommit, "run", "acrgen-check")
	if r.code == 0 || !strings.Contains(r.output, "Deployment") || !strings.Contains(r.output, "api") {
		t.Fatalf("acrgen-check passed a Deployment without the pull secret: exit %d\n%s", r.code, r.output)
	}
	if got := read(t, user, "deploy/api.yaml"); got != api {
		t.Fatalf("acrgen-check changed deploy/api.yaml:\n%s", got)
	}

	// git commit: the patch hook adds the secret, so pre-commit stops the commit.
	r = command(t, user, env, nil, "git", "commit", "-m", "add api")
	if r.code == 0 {
		t.Fatalf("the commit went through:\n%s", r.output)
	}
	if !strings.Contains(r.output, "files were modified by this hook") {
		t.Errorf("pre-commit does not say the patch hook modified files:\n%s", r.output)
	}
	if now := strings.TrimSpace(must(t, user, env, "git", "rev-parse", "HEAD")); now != head {
		t.Fatal("a commit was made although a hook failed")
	}
	if got := read(t, user, "deploy/api.yaml"); !strings.Contains(got, "imagePullSecrets:") || !strings.Contains(got, "- name: acr-secret") {
		t.Fatalf("the patch hook did not add the pull secret:\n%s", got)
	}

	// Re-staged, the commit passes, both hooks having run.
	must(t, user, env, "git", "add", "-A")
	r = command(t, user, env, nil, "git", "commit", "-m", "add api")
	if r.code != 0 {
		t.Fatalf("the re-staged commit was stopped: exit %d\n%s", r.code, r.output)
	}
	if strings.Count(r.output, "Passed") != 2 {
		t.Errorf("want both hooks passed:\n%s", r.output)
	}

	// A commit that touches no YAML or JSON: both hooks are skipped.
	write(t, user, "NOTES.md", "release notes\n")
	must(t, user, env, "git", "add", "-A")
	r = command(t, user, env, nil, "git", "commit", "-m", "notes")
	if r.code != 0 {
		t.Fatalf("an unrelated commit was stopped: exit %d\n%s", r.code, r.output)
	}
	if strings.Count(r.output, "Skipped") != 2 {
		t.Errorf("want both hooks skipped for a commit without manifests:\n%s", r.output)
	}
	if out := must(t, user, env, "git", "status", "--porcelain"); out != "" {
		t.Errorf("the hooks left changes behind:\n%s", out)
	}
}

func write(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, dir, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
