package tree

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/acrgen/acrgen/internal/crash"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/yamledit"
)

// forEach runs every index once, never more at a time than asked, and reports the errors in
// index order whatever order the goroutines finish in.
func TestForEach(t *testing.T) {
	for _, workers := range []int{1, 2, 7} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			const n = 200
			var ran [n]atomic.Int32
			var running, peak atomic.Int32
			err := forEach(n, workers, func(i int) error {
				r := running.Add(1)
				for p := peak.Load(); r > p && !peak.CompareAndSwap(p, r); p = peak.Load() {
				}
				defer running.Add(-1)
				ran[i].Add(1)
				runtime.Gosched()
				if i%50 == 49 {
					return fmt.Errorf("item %d", i)
				}
				return nil
			})
			for i := range ran {
				if got := ran[i].Load(); got != 1 {
					t.Fatalf("item %d ran %d times", i, got)
				}
			}
			if p := peak.Load(); p > int32(workers) {
				t.Errorf("%d items ran at once, want at most %d", p, workers)
			}
			if want := "item 49\nitem 99\nitem 149\nitem 199"; err == nil || err.Error() != want {
				t.Errorf("errors: got %v, want %q", err, want)
			}
		})
	}
	if err := forEach(0, 4, func(int) error { return errors.New("called") }); err != nil {
		t.Errorf("no items: %v", err)
	}
}

// A tree loaded on many cores gives exactly what a serial load gives: the same instances in
// the same order, and the same patched bytes for every file, in every one of 20 runs.
func TestParallelLoadMatchesSerial(t *testing.T) {
	dir := t.TempDir()
	genTree(t, dir, 60, 7)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))

	runtime.GOMAXPROCS(1)
	want := loadAndRender(t, dir)
	if !bytes.Contains(want, []byte("imagePullSecrets")) || !bytes.Contains(want, []byte("instance ")) {
		t.Fatalf("the serial render patched nothing; the test tree is wrong:\n%.2000s", want)
	}
	runtime.GOMAXPROCS(8)
	for run := range 20 {
		if got := loadAndRender(t, dir); !bytes.Equal(got, want) {
			t.Fatalf("parallel run %d differs from the serial run:\n%s", run, firstDiff(want, got))
		}
	}
}

// An error in any file is reported the same way, naming the same files in the same order,
// however many workers read them.
func TestParallelLoadErrorsMatchSerial(t *testing.T) {
	dir := t.TempDir()
	genTree(t, dir, 40, 3)
	for _, f := range []string{"ns-00/svc-005.yaml", "ns-03/svc-031.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("apiVersion: v1\nkind: Pod\nmetadata: [\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	load := func() string {
		_, err := Load(dir, Options{Kinds: manifest.NewKinds()})
		if err == nil {
			t.Fatal("Load accepted two broken files")
		}
		return err.Error()
	}
	runtime.GOMAXPROCS(1)
	want := load()
	if !strings.Contains(want, "svc-005.yaml") || !strings.Contains(want, "svc-031.yaml") {
		t.Fatalf("the error does not name both broken files: %s", want)
	}
	runtime.GOMAXPROCS(8)
	for run := range 20 {
		if got := load(); got != want {
			t.Fatalf("parallel run %d: error %q, serial run: %q", run, got, want)
		}
	}
}

const testRegistry = "myregistry.azurecr.io"

// loadAndRender loads dir with the prefilter on, as `acrgen patch` does, and returns one text
// holding every instance the load found and the patched bytes of every file.
func loadAndRender(t testing.TB, dir string) []byte {
	t.Helper()
	kinds := manifest.NewKinds()
	tr, err := Load(dir, Options{Kinds: kinds, Interest: Interest{Registries: []string{testRegistry}, Names: []string{"acr-secret"}}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	match := manifest.NewMatcher([]string{testRegistry})
	needs := map[any]bool{}
	for _, inst := range tr.Instances {
		fmt.Fprintf(&out, "instance %s %s/%s in %q as %s/%s:",
			inst.File.Path, inst.Resource.Kind, inst.Resource.Name, inst.Namespace, inst.PatchNamespace, inst.PatchName)
		for _, ps := range inst.PodSpecs {
			fmt.Fprintf(&out, " images %q, secrets %q;", ps.Images, ps.Secrets)
			for _, img := range ps.Images {
				if _, ok := match.Match(img); ok {
					needs[ps.Spec.Node] = true
				}
			}
		}
		out.WriteString("\n")
	}
	paths := make([]string, 0, len(tr.Files))
	for p := range tr.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		f := tr.Files[p]
		edits, err := manifest.PlanPatch(f.Manifest, kinds, func(_ manifest.Resource, ps manifest.PodSpec) bool { return needs[ps.Node] }, "acr-secret")
		if err != nil {
			t.Fatal(err)
		}
		b, err := yamledit.Apply(f.Manifest.Src.Bytes(), edits)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "file %s %v %d docs\n%s", p, f.Mode, len(f.Manifest.Docs), b)
	}
	for _, w := range tr.Warnings {
		fmt.Fprintf(&out, "warning %s:%d %q\n", w.File, w.Line, w.Message())
	}
	return out.Bytes()
}

func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\nserial:   %s\nparallel: %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(al), len(bl))
}

// genTree writes a kustomize tree of files workload files in namespace directories of ten
// files each, perFile workloads a file, every other workload pulling from testRegistry. The
// shapes vary with the file number: comments or none, compact or wide lists, and every fifth
// file a kustomization-level images: entry that moves a public image onto the registry.
func genTree(t testing.TB, dir string, files, perFile int) {
	t.Helper()
	write := func(p, s string) { writeTestFile(t, p, s) }
	var root strings.Builder
	root.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
	for ns := 0; ns*10 < files; ns++ {
		fmt.Fprintf(&root, "- ns-%02d\n", ns)
		var k strings.Builder
		fmt.Fprintf(&k, "namespace: team-%02d\n", ns)
		if ns%5 == 0 {
			fmt.Fprintf(&k, "images:\n- name: nginx\n  newName: %s/mirror/nginx\n", testRegistry)
		}
		k.WriteString("resources:\n")
		for f := ns * 10; f < min(files, ns*10+10); f++ {
			name := fmt.Sprintf("svc-%03d.yaml", f)
			fmt.Fprintf(&k, "- %s\n", name)
			var b strings.Builder
			if f%2 == 0 {
				fmt.Fprintf(&b, "# file %d\n", f)
			}
			ind := "  "
			if f%3 == 0 {
				ind = ""
			}
			for w := range perFile {
				img := "ghcr.io/example/app:v1"
				switch {
				case (f+w)%2 == 0:
					img = fmt.Sprintf("%s/team/app-%d:v%d", testRegistry, w, f)
				case w%4 == 1:
					img = "nginx:1.27"
				}
				fmt.Fprintf(&b, "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-%d-%d\n", f, w)
				if f%2 == 0 {
					b.WriteString("  # the app\n")
				}
				fmt.Fprintf(&b, "spec:\n  template:\n    spec:\n      containers:\n%s      - name: app\n%s        image: %s\n", ind, ind, img)
			}
			write(filepath.Join(dir, fmt.Sprintf("ns-%02d", ns), name), b.String())
		}
		write(filepath.Join(dir, fmt.Sprintf("ns-%02d", ns), "kustomization.yaml"), k.String())
	}
	write(filepath.Join(dir, "kustomization.yaml"), root.String())
}

// BenchmarkLoad compares a serial load (one worker) with the parallel one (GOMAXPROCS
// workers) on the same 300-file, 3,000-workload tree, side by side in one run.
func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	genTree(b, dir, 300, 10)
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	for _, c := range []struct {
		name  string
		procs int
	}{{"serial", 1}, {fmt.Sprintf("parallel-%d", procs), procs}} {
		b.Run(c.name, func(b *testing.B) {
			runtime.GOMAXPROCS(c.procs)
			opts := Options{Kinds: manifest.NewKinds(), Interest: Interest{Registries: []string{testRegistry}, Names: []string{"acr-secret"}}}
			for b.Loop() {
				if _, err := Load(dir, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A panic in a worker goroutine (of the loader, or of the writer) does not end the process
// from there: it is raised again in the caller's goroutine, where main recovers it, with the
// worker's stack.
func TestWorkerPanicsReachTheCaller(t *testing.T) {
	boom := func(i int) error {
		if i == 5 {
			panic("boom")
		}
		return nil
	}
	for name, run := range map[string]func(){
		"loader": func() { forEach(20, 4, boom) },
		"writer": func() { forEachFile(20, func() {}, boom) },
	} {
		p := crash.Capture(run)
		if p == nil || p.Value != "boom" || !strings.Contains(string(p.Stack), "TestWorkerPanicsReachTheCaller") {
			t.Errorf("%s: the caller saw %+v, want the worker's panic with its stack", name, p)
		}
	}
}
