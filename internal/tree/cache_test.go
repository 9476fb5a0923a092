package tree

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/acrgen/acrgen/pkg/manifest"
	"sigs.k8s.io/kustomize/api/types"
)

// TestCacheParsesSharedBaseOnce loads twenty overlays of one base through one cache: each
// manifest of the base is parsed once, and every Load still sees the base's workloads with
// its own namespace.
func TestCacheParsesSharedBaseOnce(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) { writeTestFile(t, filepath.Join(dir, rel), content) }
	write("base/kustomization.yaml", "resources:\n- a.yaml\n- b.yaml\n- c.yaml\n")
	for _, n := range []string{"a", "b", "c"} {
		write("base/"+n+".yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: "+n+"\nspec:\n  containers:\n  - name: c\n    image: myregistry.azurecr.io/"+n+"\n")
	}
	cache := NewCache()
	for i := 0; i < 20; i++ {
		ns := "ns" + string(rune('a'+i))
		write("overlays/"+ns+"/kustomization.yaml", "namespace: "+ns+"\nresources:\n- ../../base\n")
		tr, err := Load(filepath.Join(dir, "overlays", ns), Options{Kinds: manifest.NewKinds(), Interest: Interest{Registries: []string{"myregistry.azurecr.io"}}, Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Instances) != 3 || tr.Instances[0].Namespace != ns || tr.Instances[0].PodSpecs[0].Images[0] != "myregistry.azurecr.io/a" {
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
	if _, err := Load(dir, Options{Kinds: manifest.NewKinds(), Interest: Interest{Kinds: []GroupKind{{Group: "kustomize.toolkit.fluxcd.io", Kind: "Kustomization"}}}, ObjectsOnly: true, Cache: cache}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(fmt.Sprintf(pod, "second")), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := Load(dir, Options{Kinds: manifest.NewKinds(), Interest: Interest{Registries: []string{"myregistry.azurecr.io"}}, Cache: cache})
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
	c := NewCache()
	if _, _, err := c.evalSymlinks(link); err == nil {
		t.Fatal("a missing path resolved")
	}
	if err := os.Symlink("a", link); err != nil {
		t.Fatal(err)
	}
	first, _, err := c.evalSymlinks(link) // the failure above is not remembered
	if err != nil || first != filepath.Join(dir, "a") {
		t.Fatalf("got %q, %v", first, err)
	}
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("b", link); err != nil {
		t.Fatal(err)
	}
	if again, _, err := c.evalSymlinks(link); err != nil || again != first {
		t.Errorf("second resolution: got %q, %v; want the remembered %q", again, err, first)
	}
	if fresh, _, _ := NewCache().evalSymlinks(link); fresh != filepath.Join(dir, "b") {
		t.Errorf("another run: got %q, want it resolved afresh", fresh)
	}
}

// TestRealPathsAgreeWithEvalSymlinks: resolving through the remembered directories gives what
// filepath.EvalSymlinks and os.Stat give, for every path of a tree with symlinked directories,
// symlinks to files, chains of symlinks, dangling and looping ones, and missing paths, in any
// order of resolution.
func TestRealPathsAgreeWithEvalSymlinks(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"base/sub", "other/deep/er"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"base/a.yaml", "base/sub/b.yaml", "other/deep/er/c.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, to := range map[string]string{
		"linkdir":          "base", // a symlinked directory
		"base/sub/up":      "..",   // back up
		"base/c.yaml":      "../other/deep/er/c.yaml",
		"chain":            "linkdir", // a symlink to a symlink
		"other/deep/abs":   filepath.Join(dir, "base/sub"),
		"dangling":         "nowhere",
		"loop1":            "loop2",
		"loop2":            "loop1",
		"other/deep/er/ba": "../../../linkdir/sub/b.yaml",
	} {
		if err := os.Symlink(to, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	var paths []string
	for _, p := range []string{
		"base", "base/a.yaml", "base/sub/b.yaml", "linkdir", "linkdir/a.yaml", "linkdir/sub/b.yaml",
		"linkdir/sub/up/a.yaml", "chain/sub/up/sub/b.yaml", "base/c.yaml", "linkdir/c.yaml",
		"other/deep/abs/b.yaml", "other/deep/abs/up/c.yaml", "dangling", "dangling/x.yaml", "loop1",
		"loop1/x", "missing.yaml", "base/missing/x.yaml", "other/deep/er/ba", "chain/sub",
	} {
		paths = append(paths, filepath.Join(dir, p))
	}
	paths = append(paths, "relative/path", dir+"/base/../base/a.yaml", "/")
	for _, order := range [][]string{paths, reversed(paths)} {
		var r realPaths
		for _, p := range order {
			want, werr := filepath.EvalSymlinks(p)
			var wantTyp fs.FileMode
			if werr == nil {
				fi, err := os.Stat(want)
				if err != nil {
					t.Fatal(err)
				}
				wantTyp = fi.Mode().Type()
			}
			for range 2 { // the second time from what it remembered
				got, typ, err := r.eval(p)
				if (err == nil) != (werr == nil) || got != want || typ != wantTyp {
					t.Errorf("%s: got %q %v %v, want %q %v %v", p, got, typ, err, want, wantTyp, werr)
				}
			}
		}
	}
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// TestCacheSharesKustomizationsNotTheAdjustedRoot: a kustomization is read once per run, and
// what an Overlay does to a Load's root stays in that Load, whether the root is read before
// or after another Load reads it as a base.
func TestCacheSharesKustomizationsNotTheAdjustedRoot(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) { writeTestFile(t, filepath.Join(dir, rel), content) }
	write("app/kustomization.yaml", "resources:\n- pod.yaml\n")
	write("app/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: myregistry.azurecr.io/a\n")
	write("parent/kustomization.yaml", "resources:\n- ../app\n")
	overlay := &Overlay{Adjust: func(k *types.Kustomization) {
		k.Namespace = "flux"
		k.Images = append(k.Images, types.Image{Name: "myregistry.azurecr.io/a", NewTag: "v2"})
	}}
	load := func(c *Cache, d string, o *Overlay) Instance {
		t.Helper()
		tr, err := Load(filepath.Join(dir, d), Options{Kinds: manifest.NewKinds(), Interest: Interest{Registries: []string{"myregistry.azurecr.io"}}, Cache: c, Overlay: o})
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Instances) != 1 {
			t.Fatalf("%s: want one pod, got %d", d, len(tr.Instances))
		}
		return tr.Instances[0]
	}
	check := func(what string, in Instance, ns, image string) {
		t.Helper()
		if in.Namespace != ns || in.PodSpecs[0].Images[0] != image {
			t.Errorf("%s: got namespace %q image %q, want %q %q", what, in.Namespace, in.PodSpecs[0].Images[0], ns, image)
		}
	}
	for _, adjustedFirst := range []bool{true, false} {
		c := NewCache()
		if adjustedFirst {
			check("app with the overlay", load(c, "app", overlay), "flux", "myregistry.azurecr.io/a:v2")
		}
		check("parent", load(c, "parent", nil), "", "myregistry.azurecr.io/a")
		check("app with the overlay", load(c, "app", overlay), "flux", "myregistry.azurecr.io/a:v2")
		check("app again, no overlay", load(c, "app", nil), "", "myregistry.azurecr.io/a")
		c.mu.Lock()
		n := len(c.kusts)
		c.mu.Unlock()
		if n != 1 {
			t.Errorf("want the base's kustomization kept once (roots are parsed afresh), got %d", n)
		}
	}
}

// writeTestFile writes content to p, making its directories.
func writeTestFile(t testing.TB, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
