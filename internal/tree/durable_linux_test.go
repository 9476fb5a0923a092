package tree

import (
	"path/filepath"
	"testing"
)

// A directory that does not open may be on a filesystem no other directory is on: then no
// filesystem is synced as a whole, and sync falls back to each file and directory.
func TestOpenFilesystemsFallsBackWhenADirectoryDoesNotOpen(t *testing.T) {
	ok := t.TempDir()
	es := []journalEntry{{Target: filepath.Join(ok, "a.yaml")}, {Target: filepath.Join(ok, "missing", "b.yaml")}}
	fss := openFilesystems(es[:1])
	closeAll(fss)
	if len(fss) != 1 {
		t.Fatalf("one openable directory: want one filesystem, got %d", len(fss))
	}
	if fss := openFilesystems(es); fss != nil {
		closeAll(fss)
		t.Fatalf("with a directory that does not open: want no filesystem (sync each file), got %d", len(fss))
	}
}
