package tree

import (
	"fmt"
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

// TestCacheReadsFileOnce: a Load with other triggers (the run after the Flux scan) parses
// what it needs from the bytes an earlier Load of the run read, without reading the file
// again. The file is changed on disk in between: the second Load still sees what the run read
// (the writer refuses to write over a file that changed since).
func TestCacheReadsFileOnce(t *testing.T) {
	dir := t.TempDir()
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\nspec:\n  containers:\n  - name: c\n    image: myregistry.azurecr.io/a\n"
	p := filepath.Join(dir, "pod.yaml")
	if err := os.WriteFile(p, []byte(fmt.Sprintf(pod, "first")), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := NewCache()
	if _, err := Load(dir, Options{Kinds: render.NewKinds(), Relevant: []string{".toolkit.fluxcd.io"}, ObjectsOnly: true, Cache: cache}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(fmt.Sprintf(pod, "second")), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := Load(dir, Options{Kinds: render.NewKinds(), Registries: []string{"myregistry.azurecr.io"}, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Instances) != 1 || tr.Instances[0].Name != "first" {
		t.Fatalf("want the pod as the run first read it (first), got %+v", tr.Instances)
	}
}

// TestCacheResolvesPathOnce: a path's symlinks are resolved once per run; a failure is not
// remembered.
func TestCacheResolvesPathOnce(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"a", "b"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(dir, "link")
	if _, err := NewCache().evalSymlinks(link); err == nil {
		t.Fatal("a missing path resolved")
	}
	if err := os.Symlink("a", link); err != nil {
		t.Fatal(err)
	}
	c := NewCache()
	first, err := c.evalSymlinks(link)
	if err != nil || first != filepath.Join(dir, "a") {
		t.Fatalf("got %q, %v", first, err)
	}
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("b", link); err != nil {
		t.Fatal(err)
	}
	if again, err := c.evalSymlinks(link); err != nil || again != first {
		t.Errorf("second resolution: got %q, %v; want the remembered %q", again, err, first)
	}
	if fresh, _ := NewCache().evalSymlinks(link); fresh != filepath.Join(dir, "b") {
		t.Errorf("another run: got %q, want it resolved afresh", fresh)
	}
}
