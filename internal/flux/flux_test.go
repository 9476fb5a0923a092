package flux

import (
	"os"
	"path/filepath"
	"testing"
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
	for rel, content := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
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
