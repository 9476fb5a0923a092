package tree

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/pkg/manifest"
)

// A resource that cannot be resolved for another reason than being absent is not reported as
// absent. A symlink loop fails for root too, so this runs in any container.
func TestResolveSaysWhy(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources:\n- pod.yaml\n- loop.yaml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pod.yaml"), []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("loop.yaml", filepath.Join(dir, "loop.yaml")); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir, Options{Display: func(p string) string { return strings.TrimPrefix(p, dir+"/") }})
	if err == nil {
		t.Fatal("a symlink loop loaded")
	}
	if got := err.Error(); strings.Contains(got, "does not exist") || !strings.Contains(got, "cannot read loop.yaml: too many links") ||
		!strings.Contains(got, "kustomization.yaml:3") || strings.Contains(got, dir) {
		t.Errorf("got %q, want kustomization.yaml:3 saying loop.yaml cannot be read for a symlink loop", got)
	}
}

func TestUnreadable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "lstat", Path: "/abs/x.yaml", Err: syscall.ENOENT}, "x.yaml does not exist"},
		{&fs.PathError{Op: "lstat", Path: "/abs/x.yaml", Err: syscall.EACCES}, "cannot read x.yaml: permission denied: check its permissions"},
		{&fs.PathError{Op: "lstat", Path: "/abs/x.yaml", Err: syscall.ENOTDIR}, "cannot read x.yaml: not a directory"},
	} {
		if got := unreadable("x.yaml", tc.err); got != tc.want {
			t.Errorf("unreadable(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// A patch file that cannot be read is reported at the line that names it, in each of the
// three fields that take patch files.
func TestPatchFileLine(t *testing.T) {
	for _, tc := range []struct{ kustomization, want string }{
		{"resources:\n- pod.yaml\npatches:\n- path: missing.yaml\n", "kustomization.yaml:4: missing.yaml does not exist"},
		{"resources:\n- pod.yaml\npatches:\n- path: other.yaml\n- target: {kind: Pod}\n  path: missing.yaml\n", "kustomization.yaml:6: missing.yaml does not exist"},
		{"resources:\n- pod.yaml\npatchesStrategicMerge:\n- missing.yaml\n", "kustomization.yaml:4: missing.yaml does not exist"},
		{"resources:\n- pod.yaml\npatchesJson6902:\n- target: {version: v1, kind: Pod, name: p}\n  path: missing.yaml\n", "kustomization.yaml:5: missing.yaml does not exist"},
	} {
		dir := t.TempDir()
		for name, body := range map[string]string{
			"kustomization.yaml": tc.kustomization,
			"pod.yaml":           "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
			"other.yaml":         "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
		} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Load(dir, Options{Display: func(p string) string { return strings.TrimPrefix(p, dir+"/") }})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v, want %s", tc.kustomization, err, tc.want)
		}
	}
}

// What a kustomization or a KSOPS generator names (a file, a base, a generator's file) is read
// only inside the git work tree holding the root, whatever the path says: a committed
// kustomization must not make acrgen read a file of the machine (kustomize refuses a file outside
// the kustomization's directory; Flux confines a build to its source). The error names the file
// and line that named it. Outside git nothing marks the repository's edge, and a base above the
// root is read, as kustomize reads it.
func TestLoadReadsNothingOutsideTheRepository(t *testing.T) {
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: myregistry.azurecr.io/a:1}]\n"
	gen := "apiVersion: viaduct.ai/v1\nkind: ksops\nmetadata:\n  name: g\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ksops\nfiles: [../../outside/secret.yaml]\n"
	for name, c := range map[string]struct {
		kustomization, file string
		line                int
	}{
		"a file":              {"resources:\n- pod.yaml\n- ../../outside/secret.yaml\n", "kustomization.yaml", 3},
		"a base":              {"resources:\n- pod.yaml\n- ../../outside\n", "kustomization.yaml", 3},
		"a KSOPS files entry": {"resources:\n- pod.yaml\ngenerators:\n- gen.yaml\n", "gen.yaml", 9},
	} {
		for _, git := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s, in git %v", name, git), func(t *testing.T) {
				top := t.TempDir()
				testtool.WriteTree(t, top, map[string]string{
					"outside/kustomization.yaml":  "resources: [secret.yaml]\n",
					"outside/secret.yaml":         "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n",
					"repo/app/kustomization.yaml": c.kustomization,
					"repo/app/pod.yaml":           pod,
					"repo/app/gen.yaml":           gen,
				})
				if git {
					if err := os.Mkdir(filepath.Join(top, "repo", ".git"), 0o755); err != nil {
						t.Fatal(err)
					}
				}
				app := filepath.Join(top, "repo", "app")
				_, err := Load(app, Options{Kinds: manifest.NewKinds(), Display: func(p string) string { return strings.TrimPrefix(p, app+"/") }})
				var ie *InputError
				switch {
				case !git && err != nil:
					t.Fatalf("outside git: %v", err)
				case git && (!errors.As(err, &ie) || ie.Path != c.file || ie.Line != c.line || !strings.Contains(ie.Msg, "leaves the git work tree")):
					t.Fatalf("want an input error at %s:%d saying the path leaves the git work tree, got %v", c.file, c.line, err)
				}
			})
		}
	}
}
