package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/pkg/manifest"
)

// TestTreeSemantics renders kustomize layouts that exercise effective namespaces and images,
// name prefixes and suffixes, components and shared bases, then checks the real kustomize
// build: every workload that pulls from the registry references a Secret of its namespace.
func TestTreeSemantics(t *testing.T) {
	deploy := func(name, image string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\nspec:\n  selector:\n    matchLabels:\n      app: " + name +
			"\n  template:\n    metadata:\n      labels:\n        app: " + name + "\n    spec:\n      containers:\n      - name: app\n        image: " + image + "\n"
	}
	cases := []struct {
		name   string
		files  map[string]string
		dir    string // the directory acrgen renders, relative to the tree
		pulls  int    // workloads that pull from the registry in the build
		unused []string
	}{
		{
			name: "prefix and namespace in the base, suffix and images in the overlay",
			files: map[string]string{
				"base/kustomization.yaml":          "namePrefix: b-\nnamespace: base-ns\nresources:\n- app.yaml\n- public.yaml\n",
				"base/app.yaml":                    deploy("app", "app:v1"),
				"base/public.yaml":                 deploy("public", "nginx:1.27"),
				"overlay/kustomization.yaml":       "nameSuffix: -o\nresources:\n- ../base\nimages:\n- name: app\n  newName: myregistry.azurecr.io/team/app\n",
				"other-overlay/kustomization.yaml": "resources:\n- ../base\n",
			},
			dir:   "overlay",
			pulls: 1,
		},
		{
			name: "the same base twice under different namespaces, no namespace at the root",
			files: map[string]string{
				"base/kustomization.yaml":   "resources:\n- app.yaml\n",
				"base/app.yaml":             deploy("app", "myregistry.azurecr.io/app:v1"),
				"root/kustomization.yaml":   "resources:\n- a\n- b\n",
				"root/a/kustomization.yaml": "namespace: team-a\nresources:\n- ../../base\n",
				"root/b/kustomization.yaml": "namespace: team-b\nnamePrefix: b-\nresources:\n- ../../base\n",
			},
			dir:   "root",
			pulls: 2,
		},
		{
			name: "images mapped twice: base name to an alias, alias to the registry, through a component",
			files: map[string]string{
				"base/kustomization.yaml":          "resources:\n- app.yaml\n",
				"base/app.yaml":                    deploy("app", "app"),
				"comp/kustomization.yaml":          "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n- name: app\n  newName: staging-app\n",
				"overlay/kustomization.yaml":       "namespace: prod\nresources:\n- ../base\n- local/\ncomponents:\n- ../comp\nimages:\n- name: staging-app\n  newName: MyRegistry.azurecr.io/app\n  newTag: v2\n",
				"overlay/local/kustomization.yaml": "resources:\n- job.yaml\n",
				"overlay/local/job.yaml":           "# local job, edited in place\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: m\n        image: myregistry.azurecr.io/migrate:v1\n",
			},
			dir:   "overlay",
			pulls: 2,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			for name, content := range c.files {
				write(t, filepath.Join(root, name), content)
			}
			keyFile, recipient := ageKey(t)
			t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
			outside := testtool.Snapshot(t, filepath.Join(root, "base"))
			dir := filepath.Join(root, c.dir)
			args := []string{"render", dir, "-r", "myregistry", "-u", testUser, "--password-stdin", "--age", recipient}
			r := acrgen(t, testPassword, nil, args...)
			if r.code != 0 {
				t.Fatalf("render: %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if n := assertBuildPulls(t, kustomizeBuild(t, dir), "myregistry.azurecr.io"); n != c.pulls {
				t.Fatalf("want %d workloads pulling from the registry in the build, got %d", c.pulls, n)
			}
			if d := diffSnap(outside, testtool.Snapshot(t, filepath.Join(root, "base"))); d != "" {
				t.Fatalf("the shared base was edited: %s", d)
			}
			// Other overlays of the same base still build, untouched.
			if _, ok := c.files["other-overlay/kustomization.yaml"]; ok {
				if out := kustomizeBuild(t, filepath.Join(root, "other-overlay")); strings.Contains(string(out), "acr-secret") {
					t.Fatal("another overlay of the base now references the secret")
				}
			}
			snap := testtool.Snapshot(t, root)
			if again := acrgen(t, testPassword, nil, args...); again.code != 0 || diffSnap(snap, testtool.Snapshot(t, root)) != "" {
				t.Fatalf("second render: %d %s %s", again.code, again.stderr, diffSnap(snap, testtool.Snapshot(t, root)))
			}
			if chk := acrgen(t, "", nil, "check", dir, "-r", "myregistry"); chk.code != 0 {
				t.Fatalf("check after render: %d\n%s%s", chk.code, chk.stdout, chk.stderr)
			}
			assertNoLeak(t, root, r.stdout, r.stderr)
		})
	}
}

// --service-account puts the secret on the ServiceAccounts workloads run as (edited in place,
// or patched when they come from a base); a workload with pull secrets of its own gets it
// directly, since Kubernetes would not copy the ServiceAccount's; a ServiceAccount missing
// from the tree is an error naming it.
func TestServiceAccountMode(t *testing.T) {
	root := t.TempDir()
	podSpec := func(name, sa, extra string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\nspec:\n  selector:\n    matchLabels:\n      app: " + name +
			"\n  template:\n    metadata:\n      labels:\n        app: " + name + "\n    spec:\n" + sa + extra + "      containers:\n      - name: app\n        image: myregistry.azurecr.io/" + name + ":v1\n"
	}
	write(t, filepath.Join(root, "base/kustomization.yaml"), "resources:\n- sa.yaml\n- web.yaml\n")
	write(t, filepath.Join(root, "base/sa.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n")
	write(t, filepath.Join(root, "base/web.yaml"), podSpec("web", "      serviceAccountName: web\n", ""))
	write(t, filepath.Join(root, "app/kustomization.yaml"), "namespace: prod\nresources:\n- ../base\n- local.yaml\n")
	write(t, filepath.Join(root, "app/local.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n---\n"+
		podSpec("worker", "", "")+"---\n"+podSpec("own", "", "      imagePullSecrets:\n      - name: other\n"))
	dir := filepath.Join(root, "app")
	r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry", "--service-account")
	if r.code != 0 {
		t.Fatalf("patch --service-account: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	objs := parseBuild(t, kustomizeBuild(t, dir))
	secrets := func(kind, name string) []string {
		for _, o := range objs {
			if o.res.Kind == kind && o.res.Name == name {
				if kind == "ServiceAccount" {
					var out []string
					for _, it := range manifest.MapValue(o.res.Node, "imagePullSecrets").Content {
						out = append(out, manifest.MapValue(it, "name").Value)
					}
					return out
				}
				return o.specs[0].SecretNames()
			}
		}
		t.Fatalf("%s %s not in the build", kind, name)
		return nil
	}
	for _, c := range []struct {
		kind, name string
		want       string
	}{
		{"ServiceAccount", "web", "[acr-secret]"},
		{"ServiceAccount", "default", "[acr-secret]"},
		{"Deployment", "web", "[]"},
		{"Deployment", "worker", "[]"},
		{"Deployment", "own", "[other acr-secret]"},
	} {
		if got := fmt.Sprint(secrets(c.kind, c.name)); got != c.want {
			t.Errorf("%s %s: imagePullSecrets %s, want %s", c.kind, c.name, got, c.want)
		}
	}
	if chk := acrgen(t, "", nil, "patch", dir, "-r", "myregistry", "--service-account", "--check"); chk.code != 0 {
		t.Fatalf("second patch would change files: %d %s", chk.code, chk.stdout)
	}
	write(t, filepath.Join(root, "app/extra.yaml"), podSpec("lonely", "      serviceAccountName: ghost\n", ""))
	write(t, filepath.Join(root, "app/kustomization.yaml"), "namespace: prod\nresources:\n- ../base\n- local.yaml\n- extra.yaml\n")
	m := acrgen(t, "", nil, "patch", dir, "-r", "myregistry", "--service-account")
	if m.code != exitUsage || !strings.Contains(m.stderr, "runs as ServiceAccount ghost, which is not among the resources") {
		t.Fatalf("want exit 2 naming the missing ServiceAccount, got %d\n%s", m.code, m.stderr)
	}
}

// Runs for different namespaces add up in the patch file, as in-place edits do: a run for
// prd must not drop what a run for dev wrote.
func TestPatchFileRunsAddUp(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "base/kustomization.yaml"), "resources:\n- app.yaml\n")
	write(t, filepath.Join(root, "base/app.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  selector:\n    matchLabels:\n      app: a\n  template:\n    metadata:\n      labels:\n        app: a\n    spec:\n      containers:\n      - name: app\n        image: myregistry.azurecr.io/app:v1\n")
	write(t, filepath.Join(root, "root/kustomization.yaml"), "resources:\n- dev\n- prd\n")
	write(t, filepath.Join(root, "root/dev/kustomization.yaml"), "namespace: dev\nresources:\n- ../../base\n")
	write(t, filepath.Join(root, "root/prd/kustomization.yaml"), "namespace: prd\nresources:\n- ../../base\n")
	dir := filepath.Join(root, "root")
	for _, ns := range []string{"dev", "prd"} {
		if r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry", "-n", ns); r.code != 0 {
			t.Fatalf("patch -n %s: %d %s", ns, r.code, r.stderr)
		}
	}
	for _, o := range parseBuild(t, kustomizeBuild(t, dir)) {
		if o.res.Kind == "Deployment" && fmt.Sprint(o.specs[0].SecretNames()) != "[acr-secret]" {
			t.Errorf("Deployment in %s lost its pull secret after runs for dev and prd: %v", o.res.Namespace, o.specs[0].SecretNames())
		}
	}
	if r := acrgen(t, "", nil, "check", dir, "-r", "myregistry", "-n", "dev"); !strings.Contains(r.stdout, "no Secret") || strings.Contains(r.stdout, "does not reference") {
		t.Fatalf("check -n dev after both runs should only miss the Secret:\n%s", r.stdout)
	}
}

// Patches are applied to find each workload's effective images and pull secrets, with
// kustomize's own filters: a workload a patch deletes gets nothing (kustomize would fail on a
// patch for a resource that is gone, as with microservices-demo's memorystore component), an
// image a patch points at the registry (strategic merge, or JSON 6902 with a target) is seen,
// and a pull secret the user's own patch adds counts.
func TestPatchesAreApplied(t *testing.T) {
	root := t.TempDir()
	deploy := func(name, image string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\nspec:\n  selector:\n    matchLabels:\n      app: " + name +
			"\n  template:\n    metadata:\n      labels:\n        app: " + name + "\n    spec:\n      containers:\n      - name: app\n        image: " + image + "\n"
	}
	write(t, filepath.Join(root, "base/kustomization.yaml"), "resources:\n- redis.yaml\n- web.yaml\n- api.yaml\n- own.yaml\n")
	write(t, filepath.Join(root, "base/redis.yaml"), deploy("redis", "myregistry.azurecr.io/redis:7"))
	write(t, filepath.Join(root, "base/web.yaml"), deploy("web", "docker.io/library/web:1"))
	write(t, filepath.Join(root, "base/api.yaml"), deploy("api", "docker.io/library/api:1"))
	write(t, filepath.Join(root, "base/own.yaml"), deploy("own", "myregistry.azurecr.io/own:1"))
	write(t, filepath.Join(root, "comp/kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n"+
		"- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: redis\n    $patch: delete\n"+
		"- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      template:\n        spec:\n          containers:\n          - name: app\n            image: myregistry.azurecr.io/web:2\n")
	write(t, filepath.Join(root, "overlay/kustomization.yaml"), "resources:\n- ../base\ncomponents:\n- ../comp\npatches:\n"+
		"- target:\n    kind: Deployment\n    name: api\n  patch: |-\n    - op: replace\n      path: /spec/template/spec/containers/0/image\n      value: myregistry.azurecr.io/api:2\n"+
		"- path: own-secret.yaml\n")
	write(t, filepath.Join(root, "overlay/own-secret.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: own\nspec:\n  template:\n    spec:\n      imagePullSecrets:\n      - name: acr-secret\n")
	dir := filepath.Join(root, "overlay")
	r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry")
	if r.code != 0 {
		t.Fatalf("patch: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, name := range []string{"redis", "own"} {
		if strings.Contains(r.stdout, "Deployment "+name+" ") {
			t.Errorf("Deployment %s should need nothing:\n%s", name, r.stdout)
		}
	}
	got := map[string]string{}
	for _, o := range parseBuild(t, kustomizeBuild(t, dir)) {
		got[o.res.Name] = fmt.Sprint(o.specs[0].SecretNames())
	}
	want := map[string]string{"web": "[acr-secret]", "api": "[acr-secret]", "own": "[acr-secret]"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("build: got %v, want %v\n%s%s", got, want, r.stdout, r.stderr)
	}
	if again := acrgen(t, "", nil, "patch", dir, "-r", "myregistry", "--check"); again.code != 0 {
		t.Fatalf("second patch would change files: %d\n%s", again.code, again.stdout)
	}
}
