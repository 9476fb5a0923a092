package tree

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// When one file of a run cannot be written, no file is replaced and no temporary file stays.
func TestWriteAllIsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "first.yaml")
	if err := os.WriteFile(first, []byte("old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	err := WriteAll([]Write{
		{Path: first, Data: []byte("new\n"), Mode: 0o644},
		{Path: filepath.Join(dir, "missing-dir", "second.yaml"), Data: []byte("x\n"), Mode: 0o644},
	})
	if err == nil || !strings.Contains(err.Error(), "second.yaml") {
		t.Fatalf("want an error naming second.yaml, got %v", err)
	}
	if b, _ := os.ReadFile(first); string(b) != "old\n" {
		t.Fatalf("first.yaml was replaced although the run failed: %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

// A rewritten file keeps its permission bits; a new file gets the requested mode.
func TestWriteAllKeepsMode(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.yaml")
	if err := os.WriteFile(old, []byte("a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(dir, "new.yaml")
	if err := WriteAll([]Write{{Path: old, Data: []byte("b\n"), Mode: 0o644}, {Path: fresh, Data: []byte("c\n"), Mode: 0o644}}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{old: 0o600, fresh: 0o644} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", filepath.Base(path), fi.Mode().Perm(), want)
		}
	}
}
