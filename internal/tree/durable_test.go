package tree

import (
	"context"
	"errors"
	"fmt"
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

// The writer resolves each directory once, in its pass over the files right before the commit
// point (after beforeCommit): a directory replaced by a symlink out of the tree before that pass
// is refused, although it was a plain directory when the run read the files.
func TestWriteAllResolvesDirectoriesAfresh(t *testing.T) {
	top := t.TempDir()
	root, outside := filepath.Join(top, "root"), filepath.Join(top, "outside")
	sub := filepath.Join(root, "sub")
	for _, d := range []string{sub, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var ws []Write
	for _, n := range []string{"a.yaml", "b.yaml"} {
		if err := os.WriteFile(filepath.Join(sub, n), []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(outside, n), []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		ws = append(ws, Write{Path: filepath.Join(sub, n), Data: []byte("new\n"), Old: []byte("old\n")})
	}
	lk := lockFor(t, root)
	lk.beforeCommit = func() {
		if err := os.Rename(sub, filepath.Join(root, "moved")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(outside, sub); err != nil {
			t.Fatal(err)
		}
	}
	var oe *OutsideError
	if err := lk.WriteAll(context.Background(), ws); !errors.As(err, &oe) {
		t.Fatalf("want the swapped directory refused as outside the tree, got %v", err)
	}
	for _, n := range []string{"a.yaml", "b.yaml"} {
		if b, _ := os.ReadFile(filepath.Join(outside, n)); string(b) != "old\n" {
			t.Fatalf("%s outside the tree was written: %q", n, b)
		}
	}
}

// A writer sweeps older versions' temporary files before its first write, or when it
// unlocks: they are gone once WriteAll returns, and once Unlock returns.
func TestLegacySweepEndsBeforeWriteAndUnlock(t *testing.T) {
	for _, write := range []bool{true, false} {
		dir := t.TempDir()
		var stale []string
		for i := range 50 {
			d := filepath.Join(dir, fmt.Sprint("d", i))
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(d, fmt.Sprintf(".acrgen-%d.tmp", 1000+i))
			if err := os.WriteFile(p, []byte("stale\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			stale = append(stale, p)
		}
		keep := filepath.Join(dir, "a.yaml")
		if err := os.WriteFile(keep, []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Setenv("XDG_CACHE_HOME", t.TempDir())
		lk, err := LockTree(dir, true, "test")
		if err != nil {
			t.Fatal(err)
		}
		if write {
			if err := lk.WriteAll(context.Background(), []Write{{Path: keep, Data: []byte("new\n"), Old: []byte("old\n")}}); err != nil {
				t.Fatal(err)
			}
		} else {
			lk.Unlock()
		}
		for _, p := range stale {
			if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("write=%v: %s still there: %v", write, p, err)
			}
		}
		lk.Unlock()
	}
}

// The sweep walks the directories the writer may write in, not the whole lock root (in git,
// the repository): a stale file in a DIR the run works on goes, one elsewhere in the
// repository stays for a run on its own directory.
func TestLegacySweepStaysInTheAllowedDirectories(t *testing.T) {
	root := t.TempDir()
	in, out := filepath.Join(root, "apps", "a"), filepath.Join(root, "apps", "b")
	var stale []string
	for _, d := range []string{in, out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(d, ".acrgen-42.tmp")
		if err := os.WriteFile(p, []byte("stale\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		stale = append(stale, p)
	}
	lk := lockFor(t, root)
	if err := lk.Allow([]string{in}); err != nil {
		t.Fatal(err)
	}
	lk.Unlock()
	if _, err := os.Stat(stale[0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale file in the allowed directory is still there: %v", err)
	}
	if _, err := os.Stat(stale[1]); err != nil {
		t.Errorf("the sweep left the allowed directory: %v", err)
	}
}
