package engine

import (
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/manifest"
)

// Files are planned on every core, but the changes come in path order, proven where their
// edits' shapes allow, and the error reported is the first file's in path order, as when
// they were planned one after another.
func TestPatchFilesKeepsPathOrder(t *testing.T) {
	const (
		pod    = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p%d\nspec:\n  containers:\n  - image: myregistry.azurecr.io/a\n"
		shared = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: s\nspec: &s\n  containers:\n  - image: myregistry.azurecr.io/a\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: t\nspec: *s\n"
		flow   = "apiVersion: v1\nkind: Pod\nmetadata: {name: f}\nspec: {containers: [{image: myregistry.azurecr.io/a}]}\n"
	)
	kinds := manifest.NewKinds()
	plan := func(files map[string]string) (*run, error) {
		r := &run{opts: Options{Kinds: kinds, SecretName: "acr-secret", Display: func(p string) string { return "shown/" + p }},
			t: &tree.Tree{Files: map[string]*tree.File{}}, res: &Result{}}
		needs := map[*yaml.Node]bool{}
		for p, src := range files {
			m, err := manifest.Parse([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			r.t.Files[p] = &tree.File{Path: p, InRoot: true, Manifest: m}
			for _, res := range m.Resources() {
				specs, err := kinds.PodSpecs(res)
				if err != nil {
					t.Fatal(err)
				}
				for _, ps := range specs {
					needs[ps.Node] = true
				}
			}
		}
		return r, r.patchFiles(needs)
	}
	files := map[string]string{"f.yaml": flow}
	for i := range 40 {
		files[fmt.Sprintf("p%02d.yaml", i)] = fmt.Sprintf(pod, i)
	}
	r, err := plan(files)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.res.Changes) != len(files) {
		t.Fatalf("%d changes for %d files", len(r.res.Changes), len(files))
	}
	for i, c := range r.res.Changes {
		if i > 0 && r.res.Changes[i-1].Path >= c.Path {
			t.Fatalf("changes out of path order: %s after %s", c.Path, r.res.Changes[i-1].Path)
		}
		if c.proven != (c.Path != "f.yaml") {
			t.Errorf("%s: proven %v", c.Path, c.proven)
		}
	}
	files["x1.yaml"], files["x2.yaml"] = shared, shared
	_, err = plan(files)
	if err == nil || !strings.HasPrefix(err.Error(), "shown/x1.yaml: ") {
		t.Fatalf("want the error of x1.yaml, the first in path order; got %v", err)
	}
}
