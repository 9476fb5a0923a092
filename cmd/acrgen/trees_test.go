package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testtool"
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
