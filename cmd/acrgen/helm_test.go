package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/kio"
	k8syaml "sigs.k8s.io/yaml"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// TestFluxHelmRelease: with --helm-release, check fails until render has given the HelmRelease
// its post-renderer and written the Secret into the release namespace, next to the HelmRelease
// in the Flux path that applies it; a second render changes nothing; without the flag check
// only warns.
func TestFluxHelmRelease(t *testing.T) {
	dir, _ := fluxRepo(t)
	t.Chdir(dir)
	hr := filepath.Join(dir, "clusters/prod/hello.yaml")
	orig := mustRead(t, hr)

	bad := acrgen(t, "", nil, "check", "clusters/prod", "--registry", "myregistry", "--helm-release", "nosuch")
	if bad.code != exitUsage || !strings.Contains(bad.stderr, "flux-system/hello") {
		t.Errorf("an unknown --helm-release: want exit 2 naming the releases found, got %d\n%s", bad.code, bad.stderr)
	}
	before := acrgen(t, "", nil, "check", "clusters/prod", "--registry", "myregistry", "--helm-release", "hello")
	if before.code != exitDrift {
		t.Fatalf("check before render: want exit 1, got %d\n%s%s", before.code, before.stdout, before.stderr)
	}
	for _, want := range []string{"clusters/prod/hello.yaml:3: problem: HelmRelease hello in namespace flux-system has no spec.postRenderers patch", "no Secret acr-secret in namespace hello"} {
		if !strings.Contains(before.stdout, want) {
			t.Errorf("check before render does not report %q:\n%s", want, before.stdout)
		}
	}
	if strings.Contains(before.stderr, "cannot see into the chart") {
		t.Errorf("a selected HelmRelease must not get the cannot-see warning:\n%s", before.stderr)
	}

	// patch edits the HelmRelease but writes no Secret.
	p := acrgen(t, "", nil, "patch", "clusters/prod", "--registry", "myregistry", "--helm-release", "flux-system/hello")
	if p.code != exitOK {
		t.Fatalf("patch: exit %d\n%s%s", p.code, p.stdout, p.stderr)
	}
	patched := mustRead(t, hr)
	if !strings.HasPrefix(patched, orig) || !strings.Contains(patched, "  postRenderers:\n  - kustomize:\n      patches:\n") {
		t.Errorf("patch must only append a post-renderer to the HelmRelease:\n%s", patched)
	}
	if _, err := os.Stat(filepath.Join(dir, "clusters/prod/acr-secret.hello.enc.yaml")); err == nil {
		t.Errorf("patch wrote a Secret")
	}

	r := acrgen(t, testPassword, nil, "render", "clusters/prod", "--registry", "myregistry", "--helm-release", "all", "--username", testUser, "--password-stdin")
	if r.code != exitOK {
		t.Fatalf("render: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := mustRead(t, hr); got != patched {
		t.Errorf("render after patch changed the HelmRelease again:\n%s", got)
	}
	secret := mustRead(t, filepath.Join(dir, "clusters/prod/acr-secret.hello.enc.yaml"))
	if !strings.Contains(secret, "namespace: hello") || !strings.Contains(secret, "sops:") {
		t.Errorf("the Secret must be encrypted, in the release namespace hello:\n%s", secret)
	}
	after := acrgen(t, "", nil, "check", "clusters/prod", "--registry", "myregistry", "--helm-release", "hello")
	if after.code != exitOK {
		t.Fatalf("check after render: want exit 0, got %d\n%s%s", after.code, after.stdout, after.stderr)
	}
	snap := testtool.Snapshot(t, dir)
	again := acrgen(t, testPassword, nil, "render", "clusters/prod", "--registry", "myregistry", "--helm-release", "hello", "--username", testUser, "--password-stdin")
	if again.code != exitOK || !strings.Contains(again.stdout, "nothing to do") {
		t.Fatalf("a second render must change nothing: exit %d\n%s%s", again.code, again.stdout, again.stderr)
	}
	for rel, content := range testtool.Snapshot(t, dir) {
		if snap[rel] != content {
			t.Errorf("second render changed %s", rel)
		}
	}
	// Without the flag, check judges the release as the function does: it carries acrgen's
	// post-renderer, so its chart's pods get the secret and its namespace has the Secret.
	plain := acrgen(t, "", nil, "check", "clusters/prod", "--registry", "myregistry")
	if plain.code != exitOK || strings.Contains(plain.stderr, "HelmRelease hello in namespace flux-system: its values name") {
		t.Errorf("without --helm-release, check must take the post-renderer the release carries: exit %d\n%s%s", plain.code, plain.stdout, plain.stderr)
	}
	rm(t, filepath.Join(dir, "clusters/prod/acr-secret.hello.enc.yaml"))
	if gone := acrgen(t, "", nil, "check", "clusters/prod", "--registry", "myregistry"); gone.code != exitDrift || !strings.Contains(gone.stdout, "no Secret acr-secret in namespace hello") {
		t.Errorf("its release namespace needs the Secret: exit %d\n%s%s", gone.code, gone.stdout, gone.stderr)
	}
	assertNoLeak(t, dir, r.stdout, r.stderr, after.stdout, after.stderr)
}

// TestFluxHelmReleaseKeepsPostRenderers: an existing post-renderer stays, the new one follows it.
func TestFluxHelmReleaseKeepsPostRenderers(t *testing.T) {
	dir, _ := fluxRepo(t)
	t.Chdir(dir)
	hr := filepath.Join(dir, "clusters/prod/hello.yaml")
	existing := "  postRenderers:\n    - kustomize:\n        images:\n          - name: hello\n            newTag: \"1.0.1\"\n"
	if err := os.WriteFile(hr, []byte(mustRead(t, hr)+existing), 0o644); err != nil {
		t.Fatal(err)
	}
	orig := mustRead(t, hr)
	p := acrgen(t, "", nil, "patch", "clusters/prod", "--registry", "myregistry", "--helm-release", "hello")
	if p.code != exitOK {
		t.Fatalf("patch: exit %d\n%s%s", p.code, p.stdout, p.stderr)
	}
	got := mustRead(t, hr)
	if !strings.HasPrefix(got, orig) || !strings.Contains(got[len(orig):], "    - kustomize:\n        patches:\n        - target:\n") {
		t.Errorf("the existing post-renderer must be kept and the new one appended in its style:\n%s", got)
	}
}

// TestFluxHelmProof renders the example chart with the pinned helm as helm-controller would
// (the release's values, its target namespace), applies the HelmRelease's post-renderer
// patches with the pinned kustomize as helm-controller does, and checks with the Flux proof's
// verifier that every pod template pulling from the registry lists a Secret present, encrypted
// and right in the release namespace, where Flux's build of clusters/prod puts it. Without the
// post-renderer, the same check fails.
func TestFluxHelmProof(t *testing.T) {
	helm, kustomize := testtool.Path(t, "helm"), testtool.Path(t, "kustomize")
	dir, _ := fluxRepo(t)
	t.Chdir(dir)
	r := acrgen(t, testPassword, nil, "render", ".", "--registry", "myregistry", "--helm-release", "flux-system/hello", "--username", testUser, "--password-stdin")
	if r.code != exitOK {
		t.Fatalf("render: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var hr struct {
		Metadata struct{ Name, Namespace string }
		Spec     struct {
			TargetNamespace string          `json:"targetNamespace"`
			Values          json.RawMessage `json:"values"`
			Chart           struct {
				Spec struct{ Chart string } `json:"spec"`
			} `json:"chart"`
			PostRenderers []struct {
				Kustomize struct {
					Patches []map[string]any `json:"patches"`
				} `json:"kustomize"`
			} `json:"postRenderers"`
		}
	}
	if err := k8syaml.Unmarshal([]byte(mustRead(t, "clusters/prod/hello.yaml")), &hr); err != nil {
		t.Fatal(err)
	}
	ns := hr.Spec.TargetNamespace
	work := t.TempDir()
	values := filepath.Join(work, "values.json")
	if err := os.WriteFile(values, hr.Spec.Values, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(helm, "template", hr.Metadata.Name, filepath.Join(dir, hr.Spec.Chart.Spec.Chart), "--namespace", ns, "--values", values).Output()
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	if err := os.WriteFile(filepath.Join(work, "all.yaml"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	// helm-controller's post-renderer: a kustomization of the rendered manifests with the
	// post-renderer's patches, built with kustomize.
	build := func(withPatches bool) []fluxObject {
		k := map[string]any{"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": []string{"all.yaml"}}
		if withPatches {
			var ps []map[string]any
			for _, pr := range hr.Spec.PostRenderers {
				ps = append(ps, pr.Kustomize.Patches...)
			}
			k["patches"] = ps
		}
		b, err := k8syaml.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, "kustomization.yaml"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		built, err := exec.Command(kustomize, "build", work).Output()
		if err != nil {
			t.Fatalf("kustomize build of the post-renderer: %v", err)
		}
		nodes, err := kio.FromBytes(built)
		if err != nil {
			t.Fatal(err)
		}
		var objs []fluxObject
		for _, n := range nodes {
			js, err := n.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			u := &unstructured.Unstructured{}
			if err := u.UnmarshalJSON(js); err != nil {
				t.Fatal(err)
			}
			if u.GetNamespace() == "" {
				u.SetNamespace(ns) // helm installs into the release namespace
			}
			objs = append(objs, fluxObject{obj: u, from: "HelmRelease " + hr.Metadata.Namespace + "/" + hr.Metadata.Name})
		}
		return objs
	}
	applied := fluxBuildAll(t, dir, 5)
	want := kubectlDockerConfig(t, "myregistry.azurecr.io")
	pulls, fails := verifyFluxOutput(append(build(true), applied...), "myregistry.azurecr.io", want)
	for _, f := range fails {
		t.Error(f)
	}
	if pulls != 2+3 { // the chart's Deployment and CronJob, and the Kustomizations' three workloads
		t.Errorf("want 5 pod templates pulling from the registry, got %d", pulls)
	}
	if _, fails := verifyFluxOutput(append(build(false), applied...), "myregistry.azurecr.io", want); len(fails) != 2 {
		t.Errorf("without the post-renderer the chart's 2 pod templates must fail the check, got %d failures: %v", len(fails), fails)
	}
	var noSecret []fluxObject
	for _, o := range applied {
		if o.obj.GetKind() != "Secret" || o.obj.GetNamespace() != ns {
			noSecret = append(noSecret, o)
		}
	}
	if _, fails := verifyFluxOutput(append(build(true), noSecret...), "myregistry.azurecr.io", want); len(fails) != 2 {
		t.Errorf("without the Secret in namespace %s the chart's 2 pod templates must fail the check, got %d failures", ns, len(fails))
	}
}

// helmReleaseYAML is a HelmRelease of a chart in the repository.
func helmReleaseYAML(name, ns, targetNS string) string {
	s := "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\nspec:\n  interval: 10m\n"
	if targetNS != "" {
		s += "  targetNamespace: " + targetNS + "\n"
	}
	return s + "  chart:\n    spec:\n      chart: ./charts/x\n      sourceRef:\n        kind: GitRepository\n        name: flux-system\n  values:\n    image: myregistry.azurecr.io/x\n"
}

// TestFluxHelmReleaseSelection: a bare name that two releases share is refused; namespace/name
// picks one, whose Secret goes into the directory of the kustomization that lists it, listed
// under its resources; a release namespace that the applying Flux Kustomization's
// targetNamespace would override is refused with nothing written.
func TestFluxHelmReleaseSelection(t *testing.T) {
	dir := fluxSpecRepo(t, "  path: ./apps/h\n", map[string]string{
		"apps/h/kustomization.yaml": "resources:\n- a.yaml\n- b.yaml\n",
		"apps/h/a.yaml":             helmReleaseYAML("x", "n1", ""),
		"apps/h/b.yaml":             helmReleaseYAML("x", "n2", "rel"),
	})
	t.Chdir(dir)
	amb := acrgen(t, "", nil, "check", "clusters/c", "--registry", "myregistry", "--helm-release", "x")
	if amb.code != exitUsage || !strings.Contains(amb.stderr, "give namespace/name") {
		t.Errorf("an ambiguous --helm-release: want exit 2 asking for namespace/name, got %d\n%s", amb.code, amb.stderr)
	}
	r := acrgen(t, testPassword, nil, "render", "clusters/c", "--registry", "myregistry", "--helm-release", "n2/x", "--username", testUser, "--password-stdin")
	if r.code != exitOK {
		t.Fatalf("render: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(mustRead(t, "apps/h/kustomization.yaml"), "- acr-secret.rel.enc.yaml\n") {
		t.Errorf("the Secret of release namespace rel must be listed in apps/h/kustomization.yaml:\n%s", mustRead(t, "apps/h/kustomization.yaml"))
	}
	if !strings.Contains(mustRead(t, "apps/h/acr-secret.rel.enc.yaml"), "namespace: rel") {
		t.Errorf("the Secret must be in the release namespace rel")
	}
	if mustRead(t, "apps/h/a.yaml") != helmReleaseYAML("x", "n1", "") || !strings.Contains(mustRead(t, "apps/h/b.yaml"), "postRenderers:") {
		t.Errorf("only n2/x gets the post-renderer")
	}

	dir = fluxSpecRepo(t, "  path: ./apps/h\n  targetNamespace: team\n", map[string]string{
		"apps/h/kustomization.yaml": "resources:\n- b.yaml\n",
		"apps/h/b.yaml":             helmReleaseYAML("x", "n2", "rel"),
	})
	t.Chdir(dir)
	snap := testtool.Snapshot(t, dir)
	c := acrgen(t, testPassword, nil, "render", "clusters/c", "--registry", "myregistry", "--helm-release", "all", "--username", testUser, "--password-stdin")
	if c.code != exitUsage || !strings.Contains(c.stderr, "releases into namespace rel") || !strings.Contains(c.stderr, "namespace team") {
		t.Errorf("a release namespace the Flux Kustomization overrides: want exit 2 naming both, got %d\n%s", c.code, c.stderr)
	}
	for rel, content := range testtool.Snapshot(t, dir) {
		if snap[rel] != content {
			t.Errorf("a refused run changed %s", rel)
		}
	}
}

// TestHelmReleaseInPlainTree: a HelmRelease in a plain kustomize directory (no Flux
// Kustomization points at it) whose values name the registry gets the warning that acrgen
// cannot see into its chart, and the registry is no typo; one whose values name no registry is
// listed among the charts acrgen cannot see into (its defaults or valuesFrom may). check does
// not call that "ok" without saying what it could not see.
func TestHelmReleaseInPlainTree(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for name, body := range map[string]string{
		"app/kustomization.yaml": "resources:\n- release.yaml\n- quiet.yaml\n",
		"app/quiet.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: quiet\n  namespace: web\n" +
			"spec:\n  interval: 5m\n  chart:\n    spec:\n      chart: quiet\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n" +
			"  valuesFrom:\n  - kind: ConfigMap\n    name: quiet-values\n",
		"app/release.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: web\n" +
			"spec:\n  interval: 5m\n  chart:\n    spec:\n      chart: web\n      sourceRef:\n        kind: HelmRepository\n        name: charts\n" +
			"  values:\n    image:\n      repository: myregistry.azurecr.io/web\n",
	} {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := acrgen(t, "", nil, "check", "app", "--registry", "myregistry")
	if got.code != exitOK {
		t.Fatalf("check: exit %d\n%s%s", got.code, got.stdout, got.stderr)
	}
	if !strings.Contains(got.stderr, "app/release.yaml: warning: HelmRelease web in namespace web: its values name myregistry.azurecr.io, but acrgen cannot see into the chart") {
		t.Errorf("check must warn that it cannot see into the chart:\n%s", got.stderr)
	}
	if strings.Contains(got.stderr, "a typo") {
		t.Errorf("the registry the release's values name is no typo:\n%s", got.stderr)
	}
	if !strings.Contains(got.stderr, "acrgen cannot see into the charts of 1 HelmRelease(s) (web/quiet)") {
		t.Errorf("check must name the release whose values name no registry as unseen:\n%s", got.stderr)
	}
	if !strings.Contains(got.stdout, "as far as acrgen could see") {
		t.Errorf("the verdict must say it is limited to what acrgen could see:\n%s", got.stdout)
	}
	other := acrgen(t, "", nil, "check", "app", "--registry", "otherregistry.azurecr.io")
	if !strings.Contains(other.stderr, "app: warning: no workload in app pulls from otherregistry.azurecr.io (after namespaces and images: transformers)") || !strings.Contains(other.stderr, "app: hint: is it a typo? (unless only the charts of the HelmReleases above pull from it)") {
		t.Errorf("a registry nothing names: want the plain directory's typo warning:\n%s", other.stderr)
	}
}

const podinfoRelease = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
%sspec:
  interval: 5m
  chart:
    spec:
      chart: podinfo
      sourceRef: {kind: HelmRepository, name: podinfo}
  values:
    image:
      repository: myregistry.azurecr.io/podinfo
`

// TestHelmReleaseFoundWhereverItIs: a HelmRelease is seen whether the directory is given
// relative or absolute, and in a directory without a kustomization.yaml; a file that two Flux
// Kustomizations build into two namespaces holds one release in each; a release namespace that
// is not a namespace name is refused before it can name a file.
func TestHelmReleaseFoundWhereverItIs(t *testing.T) {
	t.Run("relative directory", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		testtool.WriteTree(t, dir, map[string]string{
			"apps/kustomization.yaml": "resources:\n- podinfo.yaml\n",
			"apps/podinfo.yaml":       fmt.Sprintf(podinfoRelease, "  namespace: apps\n"),
		})
		for _, d := range []string{"apps", filepath.Join(dir, "apps")} {
			got := acrgen(t, "", nil, "check", d, "--registry", "myregistry", "--helm-release", "all")
			if got.code != exitDrift || !strings.Contains(got.stdout, "no Secret acr-secret in namespace apps") {
				t.Errorf("check %s: want exit 1 and the release namespace's missing Secret, got %d\n%s%s", d, got.code, got.stdout, got.stderr)
			}
		}
	})
	t.Run("no kustomization.yaml", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		testtool.WriteTree(t, dir, map[string]string{"apps/podinfo.yaml": fmt.Sprintf(podinfoRelease, "  namespace: apps\n")})
		got := acrgen(t, "", nil, "check", "apps", "--registry", "myregistry")
		if !strings.Contains(got.stderr, "apps/podinfo.yaml: warning: HelmRelease podinfo in namespace apps: its values name myregistry.azurecr.io, but acrgen cannot see into the chart") {
			t.Errorf("check must warn about the chart:\n%s", got.stderr)
		}
		sel := acrgen(t, "", nil, "check", "apps", "--registry", "myregistry", "--helm-release", "podinfo")
		if sel.code != exitDrift || !strings.Contains(sel.stdout, "no Secret acr-secret in namespace apps") {
			t.Errorf("--helm-release podinfo: want exit 1 and the missing Secret, got %d\n%s%s", sel.code, sel.stdout, sel.stderr)
		}
	})
	t.Run("one file, two Flux Kustomizations", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		ks := func(name, ns string) string {
			return "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: " + name + "\n  namespace: flux-system\n" +
				"spec:\n  interval: 10m\n  path: ./apps/podinfo\n  prune: true\n  targetNamespace: " + ns + "\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
		}
		testtool.WriteTree(t, dir, map[string]string{
			".git/HEAD":                       "ref: refs/heads/main\n",
			"clusters/prod.yaml":              ks("podinfo-prod", "prod"),
			"clusters/staging.yaml":           ks("podinfo-staging", "staging"),
			"apps/podinfo/kustomization.yaml": "resources:\n- podinfo.yaml\n",
			"apps/podinfo/podinfo.yaml":       fmt.Sprintf(podinfoRelease, ""),
		})
		plain := acrgen(t, "", nil, "check", "clusters", "--registry", "myregistry")
		for _, want := range []string{"HelmRelease podinfo in namespace prod", "HelmRelease podinfo in namespace staging"} {
			if !strings.Contains(plain.stderr, want) {
				t.Errorf("check must warn about %s:\n%s", want, plain.stderr)
			}
		}
		sel := acrgen(t, "", nil, "check", "clusters", "--registry", "myregistry", "--helm-release", "all")
		if sel.code != exitDrift {
			t.Fatalf("--helm-release all: want exit 1, got %d\n%s%s", sel.code, sel.stdout, sel.stderr)
		}
		for _, want := range []string{"no Secret acr-secret in namespace prod", "no Secret acr-secret in namespace staging"} {
			if !strings.Contains(sel.stdout, want) {
				t.Errorf("--helm-release all must report %q:\n%s", want, sel.stdout)
			}
		}
		if n := strings.Count(sel.stdout, "no spec.postRenderers patch"); n != 1 {
			t.Errorf("the one object in apps/podinfo/podinfo.yaml needs one post-renderer, reported %d times:\n%s", n, sel.stdout)
		}
	})
	t.Run("release namespace that is no namespace name", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		testtool.WriteTree(t, dir, map[string]string{
			"apps/kustomization.yaml": "resources:\n- podinfo.yaml\n",
			"apps/podinfo.yaml":       fmt.Sprintf(podinfoRelease, "  namespace: ../../outside\n"),
		})
		got := acrgen(t, testPassword, nil, "render", "apps", "--registry", "myregistry", "--helm-release", "all", "--username", testUser, "--password-stdin")
		if got.code != exitUsage || !strings.Contains(got.stderr, `metadata.namespace: "../../outside" is not a valid namespace`) {
			t.Errorf("want exit 2 naming the bad namespace, got %d\n%s%s", got.code, got.stdout, got.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "outside.enc.yaml")); err == nil {
			t.Error("a Secret was written outside the directory")
		}
	})
}

// TestHelmReleaseOutsideDIR: a selected HelmRelease in a base outside the directory acrgen
// works on cannot get its post-renderer there: check says so, with what to do, and render
// refuses before writing anything (it used to plan the edit, and fail only at write time).
func TestHelmReleaseOutsideDIR(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	testtool.WriteTree(t, dir, map[string]string{
		"apps/base/kustomization.yaml": "resources:\n- podinfo.yaml\n",
		"apps/base/podinfo.yaml":       fmt.Sprintf(podinfoRelease, "  namespace: podinfo\n"),
		"apps/prod/kustomization.yaml": "resources:\n- ../base\n",
	})
	before := testtool.Snapshot(t, dir)
	want := "apps/base/podinfo.yaml: problem: HelmRelease podinfo in namespace podinfo: the file is outside every directory acrgen works on"
	chk := acrgen(t, "", nil, "check", "apps/prod", "--registry", "myregistry", "--helm-release", "all")
	if chk.code != exitDrift || !strings.Contains(chk.stdout, want) {
		t.Errorf("check: want exit 1 and %q, got %d\n%s%s", want, chk.code, chk.stdout, chk.stderr)
	}
	r := acrgen(t, testPassword, nil, "render", "apps/prod", "--registry", "myregistry", "--helm-release", "all", "--username", testUser, "--password-stdin")
	if r.code != exitUsage || !strings.Contains(r.stderr, want) {
		t.Errorf("render: want exit 2 and %q, got %d\n%s%s", want, r.code, r.stdout, r.stderr)
	}
	for rel, content := range testtool.Snapshot(t, dir) {
		if before[rel] != content {
			t.Errorf("render changed %s", rel)
		}
	}
	if got := len(testtool.Snapshot(t, dir)); got != len(before) {
		t.Errorf("render added files: %d, before %d", got, len(before))
	}
}

// rm removes a file, which must exist.
func rm(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}
