package tree

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
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
