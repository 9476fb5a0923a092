package tree

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFileChecks(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "ok.yaml"), "a: b\n")
	write(filepath.Join(root, "big.yaml"), strings.Repeat("a", 100))
	write(filepath.Join(root, "bad.yaml"), "a: \xff\n")
	write(filepath.Join(outside, "secret.yaml"), "a: b\n")
	if err := os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(root, "escape.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("ok.yaml", filepath.Join(root, "inside.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "dir.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	opts := Options{MaxFileSize: 50, Display: func(p string) string { return strings.TrimPrefix(p, root+"/") }}
	for _, tc := range []struct{ name, want string }{
		{"ok.yaml", ""},
		{"inside.yaml", ""},
		{"big.yaml", "big.yaml: file is 100 bytes, more than the 50-byte limit"},
		{"bad.yaml", "bad.yaml:1: not valid UTF-8"},
		{"escape.yaml", "escape.yaml: symlink leaves the directory acrgen works on"},
		{"dir.yaml", "dir.yaml: not a regular file"},
	} {
		b, mode, err := ReadFile(root, filepath.Join(root, tc.name), opts)
		if tc.want == "" {
			if err != nil || string(b) != "a: b\n" || mode != 0o600 {
				t.Errorf("%s: %q %v %v", tc.name, b, mode, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, _, err := ReadFile(root, filepath.Join(root, "missing.yaml"), opts); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v, want fs.ErrNotExist", err)
	}
}
