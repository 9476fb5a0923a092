package tree

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// The files of a write are made durable together, once they all hold their new bytes and
// while the journal still exists (a crash before then is rolled forward from it): one syncfs
// for the tree's filesystem on Linux, not an fsync per file. Without syncfs, each file is
// fsynced and the write still succeeds.
func TestWriteAllSyncsOnceBeforeTheJournalGoes(t *testing.T) {
	for _, supported := range []bool{true, false} {
		dir := t.TempDir()
		var ws []Write
		for _, n := range []string{"a.yaml", "b.yaml", "c.yaml"} {
			p := filepath.Join(dir, n)
			if err := os.WriteFile(p, []byte("old\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			ws = append(ws, Write{Path: p, Data: []byte("new " + n + "\n"), Old: []byte("old\n")})
		}
		ws = append(ws, Write{Path: filepath.Join(dir, "d.yaml"), Data: []byte("created\n"), Mode: 0o644, Created: true})
		lk := lockFor(t, dir)
		calls := 0
		saved := syncFS
		t.Cleanup(func() { syncFS = saved })
		syncFS = func(f *os.File) error {
			calls++
			if _, err := os.Stat(lk.journalPath()); err != nil {
				t.Errorf("synced after the journal was removed: %v", err)
			}
			for _, w := range ws {
				if b, err := os.ReadFile(w.Path); err != nil || string(b) != string(w.Data) {
					t.Errorf("synced before %s held its new bytes: %q, %v", w.Path, b, err)
				}
			}
			if !supported {
				return errNoSyncfs
			}
			return saved(f)
		}
		if err := lk.WriteAll(context.Background(), ws); err != nil {
			t.Fatal(err)
		}
		want := 0
		if runtime.GOOS == "linux" {
			want = 1
		}
		if calls != want {
			t.Errorf("syncfs called %d times for one filesystem, want %d", calls, want)
		}
		if _, err := os.Stat(lk.journalPath()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the journal is still there: %v", err)
		}
	}
}

// A failing sync fails the write and keeps the journal: the next run finishes the write.
func TestWriteAllKeepsTheJournalWhenTheSyncFails(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("syncfs is Linux's")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "a.yaml")
	if err := os.WriteFile(p, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lk := lockFor(t, dir)
	saved := syncFS
	t.Cleanup(func() { syncFS = saved })
	syncFS = func(*os.File) error { return errors.New("EIO") }
	err := lk.WriteAll(context.Background(), []Write{{Path: p, Data: []byte("new\n"), Old: []byte("old\n")}})
	if err == nil {
		t.Fatal("a failed sync was not reported")
	}
	if _, err := os.Stat(lk.journalPath()); err != nil {
		t.Fatalf("the journal was removed although the files may not be on disk: %v", err)
	}
}
