package tree

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/acrgen/acrgen/pkg/render"
)

// TestCacheParsesSharedBaseOnce loads twenty overlays of one base through one cache: each
// manifest of the base is parsed once, and every Load still sees the base's workloads with
// its own namespace.
func TestCacheParsesSharedBaseOnce(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("base/kustomization.yaml", "resources:\n- a.yaml\n- b.yaml\n- c.yaml\n")
	for _, n := range []string{"a", "b", "c"} {
		write("base/"+n+".yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: "+n+"\nspec:\n  containers:\n  - name: c\n    image: myregistry.azurecr.io/"+n+"\n")
	}
	cache := NewCache()
	for i := 0; i < 20; i++ {
		ns := "ns" + string(rune('a'+i))
		write("overlays/"+ns+"/kustomization.yaml", "namespace: "+ns+"\nresources:\n- ../../base\n")
		tr, err := Load(filepath.Join(dir, "overlays", ns), Options{Kinds: render.NewKinds(), Registries: []string{"myregistry.azurecr.io"}, Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Instances) != 3 || tr.Instances[0].Namespace != ns || tr.Instances[0].Images[0][0] != "myregistry.azurecr.io/a" {
			t.Fatalf("overlay %s: want the 3 pods of the base in %s, got %d", ns, ns, len(tr.Instances))
		}
	}
	if got := cache.Parses(); got != 3 {
		t.Fatalf("want each of the 3 base manifests parsed once, got %d parses", got)
	}
}
