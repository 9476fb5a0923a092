package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// TestRenderExamples is the whole promise of render on the bundled examples, checked with
// the real kustomize, sops and kubectl.
func TestRenderExamples(t *testing.T) {
	dir, keyFile, _ := examplesCopy(t)
	t.Chdir(dir)
	base := testtool.Snapshot(t, filepath.Join(dir, "base"))

	for _, overlay := range []string{"overlays/prod", "overlays/staging"} {
		before := acrgen(t, "", nil, "check", overlay, "--registry", "myregistry")
		if before.code != exitDrift || !strings.Contains(before.stdout, "problem:") {
			t.Fatalf("check before render: want exit 1 with problems, got %d\n%s%s", before.code, before.stdout, before.stderr)
		}
		r := acrgen(t, testPassword+"\n", nil, "render", overlay, "--registry", "myregistry", "--username", testUser, "--password-stdin")
		if r.code != exitOK {
			t.Fatalf("render %s: exit %d\n%s%s", overlay, r.code, r.stdout, r.stderr)
		}
		assertNoLeak(t, dir, r.stdout, r.stderr)

		built := kustomizeBuild(t, overlay)
		if n := assertBuildPulls(t, built, "myregistry.azurecr.io"); n == 0 {
			t.Fatalf("%s: no workload pulls from the registry in the build; the example is broken", overlay)
		}
		// The Secret file decrypts with the real sops to exactly kubectl's dockerconfigjson.
		plain := sopsDecrypt(t, filepath.Join(overlay, "acr-secret.enc.yaml"), keyFile)
		if got, want := dataField(t, plain), kubectlDockerConfig(t, "myregistry.azurecr.io"); got != want {
			t.Errorf("%s: .dockerconfigjson differs from kubectl's:\n got %s\nwant %s", overlay, got, want)
		}

		// A second identical run changes no byte.
		snap := testtool.Snapshot(t, dir)
		again := acrgen(t, testPassword+"\n", nil, "render", overlay, "--registry", "myregistry", "--username", testUser, "--password-stdin")
		if again.code != exitOK || !strings.Contains(again.stdout, "nothing to do") {
			t.Fatalf("second render: exit %d\n%s%s", again.code, again.stdout, again.stderr)
		}
		if diff := diffSnap(snap, testtool.Snapshot(t, dir)); diff != "" {
			t.Fatalf("second render changed files: %s", diff)
		}
		after := acrgen(t, "", nil, "check", overlay, "--registry", "myregistry")
		if after.code != exitOK {
			t.Fatalf("check after render: exit %d\n%s%s", after.code, after.stdout, after.stderr)
		}
		if !strings.Contains(after.stdout, "username "+testUser) {
			t.Errorf("check does not report the Secret's username annotation:\n%s", after.stdout)
		}
	}
	if diff := diffSnap(base, testtool.Snapshot(t, filepath.Join(dir, "base"))); diff != "" {
		t.Fatalf("rendering overlays edited the shared base: %s", diff)
	}
}

func diffSnap(a, b map[string]string) string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			out = append(out, "removed "+k)
		} else if v != w {
			out = append(out, "changed "+k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, "added "+k)
		}
	}
	return strings.Join(out, ", ")
}

// A changed password rewrites only the Secret, and the new password decrypts.
func TestRenderRotatesPassword(t *testing.T) {
	dir, keyFile, _ := examplesCopy(t)
	t.Chdir(dir)
	args := []string{"render", "overlays/prod", "-r", "myregistry", "-u", testUser, "--password-stdin"}
	if r := acrgen(t, testPassword, nil, args...); r.code != 0 {
		t.Fatalf("render: %d %s", r.code, r.stderr)
	}
	snap := testtool.Snapshot(t, dir)
	r := acrgen(t, testPassword+"-2", nil, args...)
	if r.code != 0 {
		t.Fatalf("render with a new password: %d %s", r.code, r.stderr)
	}
	changes := diffSnap(snap, testtool.Snapshot(t, dir))
	if changes != "changed overlays/prod/acr-secret.enc.yaml" {
		t.Fatalf("want only the Secret changed, got: %s", changes)
	}
	plain := sopsDecrypt(t, filepath.Join("overlays/prod", "acr-secret.enc.yaml"), keyFile)
	if !strings.Contains(string(plain), ".dockerconfigjson") || dataField(t, plain) == kubectlDockerConfig(t, "myregistry.azurecr.io") {
		t.Fatal("the Secret still holds the old password")
	}
}

// Without a key to decrypt, a given password re-encrypts with a warning; without a password,
// an existing Secret is kept untouched.
func TestRenderWithoutDecryptionKey(t *testing.T) {
	dir, _, _ := examplesCopy(t)
	t.Chdir(dir)
	args := []string{"render", "overlays/prod", "-r", "myregistry", "-u", testUser, "--password-stdin"}
	if r := acrgen(t, testPassword, nil, args...); r.code != 0 {
		t.Fatalf("render: %d %s", r.code, r.stderr)
	}
	t.Setenv("SOPS_AGE_KEY_FILE", filepath.Join(dir, "no-such-key"))
	snap := testtool.Snapshot(t, dir)
	keep := acrgen(t, "", nil, "render", "overlays/prod", "-r", "myregistry")
	if keep.code != 0 || diffSnap(snap, testtool.Snapshot(t, dir)) != "" {
		t.Fatalf("render without a credential must keep the Secret: %d %s %s", keep.code, keep.stderr, diffSnap(snap, testtool.Snapshot(t, dir)))
	}
	r := acrgen(t, testPassword, nil, args...)
	if r.code != 0 || !strings.Contains(r.stderr, "no key to decrypt") {
		t.Fatalf("want a re-encryption warning, got %d\n%s", r.code, r.stderr)
	}
	assertNoLeak(t, dir, r.stdout, r.stderr)
}

// Several namespaces without a namespace: in the root get one Secret each, with the
// namespace set; a plain directory (no kustomization) works the same way.
func TestRenderPlainDirectorySeveralNamespaces(t *testing.T) {
	dir := t.TempDir()
	keyFile, recipient := ageKey(t)
	write(t, filepath.Join(dir, "a.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: team-a\nspec:\n  containers:\n  - name: a\n    image: myregistry.azurecr.io/a:v1\n")
	write(t, filepath.Join(dir, "sub", "b.yaml"), "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: b\n  namespace: team-b\nspec:\n  template:\n    spec:\n      containers:\n      - name: b\n        image: myregistry.azurecr.io/b:v1\n")
	write(t, filepath.Join(dir, "values.yaml"), "image:\n  repository: myregistry.azurecr.io/a\n")
	r := acrgen(t, testPassword, nil, "render", dir, "-r", "myregistry.azurecr.io", "-u", testUser, "--password-stdin", "--age", recipient)
	if r.code != 0 {
		t.Fatalf("render: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, ns := range []string{"team-a", "team-b"} {
		plain := sopsDecrypt(t, filepath.Join(dir, "acr-secret."+ns+".enc.yaml"), keyFile)
		if !strings.Contains(string(plain), "namespace: "+ns) {
			t.Errorf("Secret for %s lacks its namespace:\n%s", ns, plain)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "values.yaml")); string(b) != "image:\n  repository: myregistry.azurecr.io/a\n" {
		t.Errorf("values.yaml was changed: %s", b)
	}
	assertNoLeak(t, dir, r.stdout, r.stderr)
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Adding a registry without giving the credential again is an error, not a silently
// incomplete Secret; with the credential, the Secret gets both auths entries.
func TestRenderNewRegistryNeedsCredential(t *testing.T) {
	dir, keyFile, _ := examplesCopy(t)
	t.Chdir(dir)
	if r := acrgen(t, testPassword, nil, "render", "overlays/prod", "-r", "myregistry", "-u", testUser, "--password-stdin"); r.code != 0 {
		t.Fatalf("render: %d %s", r.code, r.stderr)
	}
	snap := testtool.Snapshot(t, dir)
	r := acrgen(t, "", nil, "render", "overlays/prod", "-r", "myregistry", "-r", "other")
	if r.code != exitUsage || !strings.Contains(r.stderr, "not for other.azurecr.io") {
		t.Fatalf("want exit 2 asking for the credential, got %d\n%s", r.code, r.stderr)
	}
	if d := diffSnap(snap, testtool.Snapshot(t, dir)); d != "" {
		t.Fatalf("files touched: %s", d)
	}
	r = acrgen(t, testPassword, nil, "render", "overlays/prod", "-r", "myregistry", "-r", "other", "-u", testUser, "--password-stdin")
	if r.code != 0 {
		t.Fatalf("render with two registries: %d %s", r.code, r.stderr)
	}
	plain := string(sopsDecrypt(t, "overlays/prod/acr-secret.enc.yaml", keyFile))
	if !strings.Contains(plain, "acrgen.dev/registry: myregistry.azurecr.io,other.azurecr.io") {
		t.Fatalf("the registry annotation does not list both:\n%s", strings.Split(plain, "data:")[0])
	}
}

// A plain directory honours .krmignore, as kpt does: a chart's templates can be excluded
// instead of failing the run.
func TestPlainDirectoryKrmignore(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "app.yaml"), goodDeployment)
	write(t, filepath.Join(dir, "chart", "templates", "deploy.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n")
	if r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry"); r.code != exitUsage {
		t.Fatalf("without .krmignore the template must be reported, got %d", r.code)
	}
	write(t, filepath.Join(dir, ".krmignore"), "chart/\n")
	r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry")
	if r.code != 0 || !strings.Contains(r.stdout, "app.yaml") {
		t.Fatalf("with .krmignore: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A render for another registry keeps the registries the Secret already served: workloads in
// the tree may still pull from them.
func TestRenderKeepsEarlierRegistries(t *testing.T) {
	dir := t.TempDir()
	keyFile, recipient := ageKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	pod := func(name, image string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\nspec:\n  containers:\n  - name: a\n    image: " + image + "\n"
	}
	write(t, filepath.Join(dir, "a.yaml"), pod("a", "myregistry.azurecr.io/a:v1"))
	write(t, filepath.Join(dir, "b.yaml"), pod("b", "other.azurecr.io/b:v1"))
	for _, reg := range []string{"myregistry", "other"} {
		if r := acrgen(t, testPassword, nil, "render", dir, "-r", reg, "-u", testUser, "--password-stdin", "--age", recipient); r.code != 0 {
			t.Fatalf("render -r %s: %d %s", reg, r.code, r.stderr)
		}
	}
	plain := string(sopsDecrypt(t, filepath.Join(dir, "acr-secret.enc.yaml"), keyFile))
	if !strings.Contains(plain, "acrgen.dev/registry: myregistry.azurecr.io,other.azurecr.io") {
		t.Fatalf("the Secret dropped a registry:\n%s", strings.Split(plain, "\ndata:")[0])
	}
}

// Docker Hub short names have no host in the file: --registry docker.io (or index.docker.io)
// still finds them.
// --cloud takes a cloud's name in any case, as the function's spec.cloud does.
func TestCloudNameAnyCase(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: myregistry.azurecr.us/app:1\n")
	for _, mode := range []string{"check", "patch"} {
		r := acrgen(t, "", nil, mode, dir, "-r", "myregistry", "--cloud", "azureusgovernment")
		if want := map[string]int{"check": 1, "patch": 0}[mode]; r.code != want || !strings.Contains(r.stdout, "myregistry.azurecr.us") {
			t.Fatalf("%s --cloud azureusgovernment: want exit %d naming myregistry.azurecr.us, got %d\n%s%s", mode, want, r.code, r.stdout, r.stderr)
		}
	}
}

// A Secret whose registry annotation names the host in another case covers it: check agrees
// with the function, which always compared hosts ignoring case.
func TestSecretRegistryAnyCase(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: myregistry.azurecr.io/app:1\n  imagePullSecrets:\n  - name: acr-secret\n")
	write(t, filepath.Join(dir, "acr-secret.enc.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: acr-secret\n  annotations:\n    acrgen.dev/registry: MyRegistry.azurecr.io\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: e30=\n")
	r := acrgen(t, "", nil, "check", dir, "-r", "myregistry")
	if strings.Contains(r.stdout+r.stderr, "not for myregistry.azurecr.io") {
		t.Errorf("check says a Secret for MyRegistry.azurecr.io does not cover myregistry.azurecr.io:\n%s%s", r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout+r.stderr, "registry MyRegistry.azurecr.io") {
		t.Errorf("check did not look at the Secret:\n%s%s", r.stdout, r.stderr)
	}
}

func TestDockerHubShortNames(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n")
	r := acrgen(t, "", nil, "patch", dir, "-r", "index.docker.io")
	if r.code != 0 || !strings.Contains(r.stdout, "pulls from docker.io") {
		t.Fatalf("want nginx:1.27 patched for docker.io, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
