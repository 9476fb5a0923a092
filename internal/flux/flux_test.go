package flux

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/manifest"
)

// TestResolveFollowsEachObjectOnce resolves a cluster directory given as a relative path: the
// Kustomizations found by scanning it and by building it are the same objects, so each target
// comes once.
func TestResolveFollowsEachObjectOnce(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		".git/HEAD":              "ref: refs/heads/main\n",
		"clusters/c/sync.yaml":   "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  path: ./clusters/c\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
		"clusters/c/app.yaml":    "apiVersion: kustomize.toolkit.fluxcd.io/v1beta2\nkind: Kustomization\nmetadata:\n  name: app\n  namespace: flux-system\nspec:\n  path: ./app\n  targetNamespace: team\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
		"app/kustomization.yaml": "resources:\n- pod.yaml\n",
		"app/pod.yaml":           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: app\n",
	}
	testtool.WriteTree(t, dir, files)
	t.Chdir(dir)
	repo, err := Resolve([]string{"clusters/c"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tg := range repo.Targets {
		names = append(names, tg.Object.Name+"@"+tg.Dir)
	}
	if len(repo.Targets) != 2 {
		t.Fatalf("want flux-system and app once each, got %v", names)
	}
	for _, tg := range repo.Targets {
		if tg.Object.Name == "app" && (tg.Object.Spec.TargetNamespace != "team" || filepath.Base(tg.Dir) != "app") {
			t.Fatalf("the v1beta2 Kustomization is not read right: %v", names)
		}
	}
}

// The Flux scan parses only documents that name a Flux API group. It used to parse every
// document in full, and the run after it reused those full parses, which cost a repository
// with few registry workloads most of its time and memory. A malformed document that names
// no Flux group shows it: the scan no longer reads it (the run's own prefilter decides).
func TestScanParsesOnlyFluxDocuments(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("kustomization.yaml", "resources:\n- app.yaml\n- sync.yaml\n")
	write("app.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n labels: x\n")
	write("sync.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  path: ./\n  sourceRef: {kind: GitRepository, name: flux-system}\n")
	if _, err := manifest.Parse([]byte("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n labels: x\n")); err == nil {
		t.Fatal("the malformed document parses: the test shows nothing")
	}
	repo, err := Resolve([]string{dir}, Options{SourceRoot: dir, Cache: tree.NewCache()})
	if err != nil {
		t.Fatalf("the scan parsed a document that names no Flux group: %v", err)
	}
	found := false
	for _, tg := range repo.Targets {
		found = found || tg.Object != nil && tg.Object.Name == "apps"
	}
	if !found {
		t.Fatalf("want the Flux Kustomization apps followed, got %+v", repo.Targets)
	}
}
