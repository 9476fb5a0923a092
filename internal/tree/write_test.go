package tree

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/finding"
)

// lockFor takes the exclusive lock of a fresh tree in a temporary directory (outside git, so
// the lock file and journal lie in the tree).
func lockFor(t *testing.T, dir string) *Lock {
	t.Helper()
	return lockWith(t, dir, GuardAuto)
}

// lockWith is lockFor with the guard the writes use.
func lockWith(t *testing.T, dir string, g Guard) *Lock {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	lk, err := LockTreeGuarded(dir, true, "test", g)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lk.Unlock)
	return lk
}

// forEachGuard runs test under each guard a write can use on this system, as subtests: the
// lease and the rename guard on Linux, the rename guard elsewhere (GuardAuto).
func forEachGuard(t *testing.T, test func(t *testing.T, g Guard)) {
	guards := map[string]Guard{"rename": GuardAuto}
	if runtime.GOOS == "linux" {
		guards = map[string]Guard{"lease": GuardAuto, "rename": GuardRename}
	}
	for _, name := range []string{"lease", "rename"} {
		if g, ok := guards[name]; ok {
			t.Run(name, func(t *testing.T) { test(t, g) })
		}
	}
}

// entries lists dir's files: outside git, a lock leaves none of its own.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// When one file of a run cannot be written, no file is replaced and no temporary file stays.
func TestWriteAllIsAllOrNothing(t *testing.T) {
	forEachGuard(t, func(t *testing.T, g Guard) {
		dir := t.TempDir()
		first := filepath.Join(dir, "first.yaml")
		if err := os.WriteFile(first, []byte("old\n"), 0o640); err != nil {
			t.Fatal(err)
		}
		err := lockWith(t, dir, g).WriteAll(context.Background(), []Write{
			{Path: first, Data: []byte("new\n"), Mode: 0o644, Old: []byte("old\n")},
			{Path: filepath.Join(dir, "missing-dir", "second.yaml"), Data: []byte("x\n"), Mode: 0o644, Created: true},
		})
		if err == nil || !strings.Contains(err.Error(), "second.yaml") {
			t.Fatalf("want an error naming second.yaml, got %v", err)
		}
		if b, _ := os.ReadFile(first); string(b) != "old\n" {
			t.Fatalf("first.yaml was replaced although the run failed: %q", b)
		}
		if es := entries(t, dir); len(es) != 1 {
			t.Fatalf("temporary files left behind: %v", es)
		}
	})
}

// A rewritten file keeps its permission bits; a new file gets the requested mode.
func TestWriteAllKeepsMode(t *testing.T) {
	forEachGuard(t, func(t *testing.T, g Guard) {
		dir := t.TempDir()
		old := filepath.Join(dir, "old.yaml")
		if err := os.WriteFile(old, []byte("a\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		fresh := filepath.Join(dir, "new.yaml")
		if err := lockWith(t, dir, g).WriteAll(context.Background(), []Write{{Path: old, Data: []byte("b\n"), Mode: 0o644, Old: []byte("a\n")}, {Path: fresh, Data: []byte("c\n"), Mode: 0o644, Created: true}}); err != nil {
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
		if es := entries(t, dir); len(es) != 2 {
			t.Fatalf("temporary files or journal left behind: %v", es)
		}
	})
}

// The writer refuses every path that is not inside the root once symlinks are resolved, and
// writes nothing at all when one of them is refused.
func TestWriteAllRefusesPathsOutsideRoot(t *testing.T) {
	top := t.TempDir()
	root := filepath.Join(top, "a", "b", "c")
	outside := filepath.Join(top, "outside")
	for _, d := range []string{root, outside, filepath.Join(root, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../outside", filepath.Join(root, "sub", "rel")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "f.yaml"), filepath.Join(root, "file-link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "f.yaml"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(root, "good.yaml")
	for _, p := range []string{
		"../../../escaped", "../escaped.yaml", "..", ".", "", "/abs", "/etc/passwd", "/tmp/escaped.yaml",
		filepath.Join(root, "../../../escaped.enc.yaml"),
		filepath.Join(root, "sub/../../escaped.yaml"),
		filepath.Join(root, "link", "escaped.yaml"),
		filepath.Join(root, "link", "new-dir", "escaped.yaml"),
		filepath.Join(root, "sub", "rel", "escaped.yaml"),
		"link/escaped.yaml",
		filepath.Join(root, "file-link.yaml"),
		outside + "/x.yaml",
		root,
		root + "-sibling/x.yaml",
	} {
		t.Run(p, func(t *testing.T) {
			err := lockFor(t, root).WriteAll(context.Background(), []Write{
				{Path: good, Data: []byte("g\n"), Mode: 0o644, Created: true},
				{Path: p, Data: []byte("escaped\n"), Mode: 0o644, Created: true},
			})
			if err == nil {
				t.Fatalf("%q was written", p)
			}
			if p != filepath.Join(root, "file-link.yaml") {
				var oe *OutsideError
				if !errors.As(err, &oe) || oe.Path != p {
					t.Fatalf("want an OutsideError naming %q, got %v", p, err)
				}
			}
			if _, err := os.Stat(good); err == nil {
				t.Fatal("good.yaml was written although the run was refused")
			}
			if b, _ := os.ReadFile(filepath.Join(outside, "f.yaml")); string(b) != "x\n" {
				t.Fatalf("the file outside was changed: %q", b)
			}
		})
	}
	for _, d := range []string{top, outside, filepath.Join(top, "a"), "/tmp"} {
		for _, n := range []string{"escaped", "escaped.yaml", "escaped.enc.yaml", "x.yaml"} {
			if b, err := os.ReadFile(filepath.Join(d, n)); err == nil && string(b) == "escaped\n" {
				t.Errorf("written outside the root: %s", filepath.Join(d, n))
			}
		}
	}
}

// An existing file that is a symlink is not rewritten (through it, the write could leave the
// root): an input error, and the file it points to is untouched.
func TestWriteAllRefusesSymlinkedFile(t *testing.T) {
	forEachGuard(t, func(t *testing.T, g Guard) {
		root, outside := t.TempDir(), t.TempDir()
		target := filepath.Join(outside, "f.yaml")
		if err := os.WriteFile(target, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(root, "f.yaml")
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		err := lockWith(t, root, g).WriteAll(context.Background(), []Write{{Path: link, Data: []byte("y\n"), Old: []byte("x\n")}})
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "symlink") {
			t.Fatalf("want an input error about the symlink, got %v", err)
		}
		if b, _ := os.ReadFile(target); string(b) != "x\n" {
			t.Fatalf("the file behind the symlink changed: %q", b)
		}
	})
}

// A file changed on disk after the run read it (before its check, or after the commit point,
// where the write's own read under the guard finds it) is not overwritten: nothing is written,
// and the error names it.
func TestWriteAllRefusesConcurrentEdit(t *testing.T) {
	forEachGuard(t, func(t *testing.T, g Guard) {
		for _, late := range []bool{false, true} {
			name := "before the write"
			if late {
				name = "during the write"
			}
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				a, b, c := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml"), filepath.Join(dir, "c.yaml")
				for _, p := range []string{a, b} {
					if err := os.WriteFile(p, []byte("read\n"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				lk := lockWith(t, dir, g)
				edit := func() {
					if err := os.WriteFile(b, []byte("saved by the user\n"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				if late {
					lk.afterCommit = edit
				} else {
					edit()
				}
				err := lk.WriteAll(context.Background(), []Write{
					{Path: a, Data: []byte("new\n"), Old: []byte("read\n")},
					{Path: b, Data: []byte("new\n"), Old: []byte("read\n")},
					{Path: c, Data: []byte("new\n"), Mode: 0o644, Created: true},
				})
				var ce *ConflictError
				if !errors.As(err, &ce) || ce.Path != b {
					t.Fatalf("want a conflict naming b.yaml, got %v", err)
				}
				if got, _ := os.ReadFile(b); string(got) != "saved by the user\n" {
					t.Fatalf("the user's edit was lost: %q", got)
				}
				if got, _ := os.ReadFile(a); string(got) != "read\n" {
					t.Fatalf("a.yaml was written although the run was refused: %q", got)
				}
				if es := entries(t, dir); len(es) != 2 {
					t.Fatalf("want only a.yaml and b.yaml, got %v", es)
				}
			})
		}
		// A file that appears where the run creates one is not overwritten either.
		dir := t.TempDir()
		p := filepath.Join(dir, "new.yaml")
		lk := lockWith(t, dir, g)
		lk.beforeCommit = func() { os.WriteFile(p, []byte("mine\n"), 0o644) }
		var ce *ConflictError
		if err := lk.WriteAll(context.Background(), []Write{{Path: p, Data: []byte("acrgen\n"), Mode: 0o644, Created: true}}); !errors.As(err, &ce) {
			t.Fatalf("want a conflict, got %v", err)
		}
		if got, _ := os.ReadFile(p); string(got) != "mine\n" {
			t.Fatalf("the user's new file was overwritten: %q", got)
		}
	})
}

// A cancelled write (SIGINT, SIGTERM) before the commit point writes nothing and leaves no
// temporary file or journal.
func TestWriteAllInterruptedWritesNothing(t *testing.T) {
	forEachGuard(t, func(t *testing.T, g Guard) {
		dir := t.TempDir()
		a := filepath.Join(dir, "a.yaml")
		if err := os.WriteFile(a, []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		lk := lockWith(t, dir, g)
		ctx, cancel := context.WithCancel(context.Background())
		lk.beforeCommit = cancel
		err := lk.WriteAll(ctx, []Write{{Path: a, Data: []byte("new\n"), Old: []byte("old\n")}, {Path: filepath.Join(dir, "b.yaml"), Data: []byte("b\n"), Created: true, Mode: 0o644}})
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("want ErrInterrupted, got %v", err)
		}
		if got, _ := os.ReadFile(a); string(got) != "old\n" {
			t.Fatalf("a.yaml was written: %q", got)
		}
		if es := entries(t, dir); len(es) != 1 {
			t.Fatalf("want only a.yaml, got %v", es)
		}
	})
}

// A journal left by a killed run is rolled forward when it was committed (every temporary
// file is on disk) and back when it was not; old temporary files without a journal go too.
func TestRecoveryRollsForwardOrBack(t *testing.T) {
	forEachGuard(t, func(t *testing.T, g Guard) {
		for _, committed := range []bool{true, false} {
			t.Run(map[bool]string{true: "committed", false: "not committed"}[committed], func(t *testing.T) {
				dir := t.TempDir()
				path := func(n string) string { return filepath.Join(dir, n) }
				files := map[string]string{
					"a.yaml":             "new a\n",          // written before the kill
					"b.yaml":             "old b\n",          // not written yet
					"d.yaml":             "new",              // cut short by the kill
					"e.yaml":             "edited by hand\n", // changed after the kill: kept
					".acrgen-123456.tmp": "stale\n",          // left by an older acrgen
				}
				for n, c := range files {
					if err := os.WriteFile(path(n), []byte(c), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				lk := &Lock{root: dir, roots: []string{dir}, dir: dir, prefix: "."}
				entry := func(n, old, new string) journalEntry {
					e := journalEntry{Target: path(n), New: sum([]byte(new)), Data: []byte(new), Mode: 0o644}
					if old != "" {
						e.Old = sum([]byte(old))
					}
					return e
				}
				j := journal{Entries: []journalEntry{
					entry("a.yaml", "old a\n", "new a\n"),
					entry("b.yaml", "old b\n", "new b\n"),
					entry("c.yaml", "", "new c\n"),
					entry("d.yaml", "old d\n", "new d\n"),
					entry("e.yaml", "old e\n", "new e\n"),
				}}
				if err := lk.writeJournal(j); err != nil {
					t.Fatal(err)
				}
				if !committed {
					// Killed while writing the journal: only its temporary copy exists.
					if err := os.Rename(lk.journalPath(), lk.journalPath()+".new"); err != nil {
						t.Fatal(err)
					}
				}
				next := lockWith(t, dir, g)
				next.Unlock() // a writer sweeps older versions' files by the time it unlocks
				want := map[string]string{"a.yaml": "new a\n", "b.yaml": "new b\n", "c.yaml": "new c\n", "d.yaml": "new d\n", "e.yaml": "edited by hand\n"}
				if !committed {
					want = map[string]string{"a.yaml": "new a\n", "b.yaml": "old b\n", "d.yaml": "new", "e.yaml": "edited by hand\n"}
				}
				got := map[string]string{}
				for _, n := range entries(t, dir) {
					b, _ := os.ReadFile(filepath.Join(dir, n))
					got[n] = string(b)
				}
				if len(got) != len(want) {
					t.Fatalf("got files %v, want %v", got, want)
				}
				for n, w := range want {
					if got[n] != w {
						t.Errorf("%s: %q, want %q", n, got[n], w)
					}
				}
				var kept, finished []string
				for _, w := range next.Warnings {
					switch w.Code {
					case finding.InterruptedWriteKept:
						kept = append(kept, filepath.Base(w.File))
					case finding.InterruptedWriteFinished:
						finished = append(finished, w.Message())
					}
				}
				wantKept, wantFinished := []string(nil), []string(nil)
				if committed {
					wantKept, wantFinished = []string{"e.yaml"}, []string{"finished the writes of an interrupted acrgen run (5 file(s))"}
				}
				if !slices.Equal(kept, wantKept) || !slices.Equal(finished, wantFinished) {
					t.Errorf("files kept %q, want %q; finished %q, want %q", kept, wantKept, finished, wantFinished)
				}
			})
		}
	})
}

// A second writer, or a writer while a reader holds the tree, is refused with the holder
// named; readers share the tree.
func TestLockExcludesWriters(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	w, err := LockTree(dir, true, "acrgen render first")
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockTree(dir, true, "acrgen render second")
	var be *BusyError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "acrgen render first") || !strings.Contains(err.Error(), "pid ") {
		t.Fatalf("want a busy error naming the holder, got %v", err)
	}
	if _, err := LockTree(dir, false, "acrgen check"); !errors.As(err, &be) {
		t.Fatalf("a reader while a writer holds the tree: want busy, got %v", err)
	}
	w.Unlock()
	r1, err := LockTree(dir, false, "acrgen check one")
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Unlock()
	r2, err := LockTree(dir, false, "acrgen check two")
	if err != nil {
		t.Fatalf("two readers: %v", err)
	}
	defer r2.Unlock()
	if _, err := LockTree(dir, true, "acrgen render"); !errors.As(err, &be) || !strings.Contains(err.Error(), "acrgen check one") {
		t.Fatalf("a writer while readers hold the tree: want busy naming them, got %v", err)
	}
}

// Allow narrows the writer to the directories a run works on: a sibling of those under the
// locked root is refused, and so is a directory outside the root.
func TestAllowNarrowsWhereTheWriterWrites(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"clusters/prod", "apps/prod", "apps/staging"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	lk := lockFor(t, root)
	if err := lk.Allow([]string{filepath.Join(root, "clusters/prod"), filepath.Join(root, "apps/prod")}); err != nil {
		t.Fatal(err)
	}
	ok := []Write{{Path: filepath.Join(root, "apps/prod/a.yaml"), Data: []byte("a: 1\n"), Mode: 0o644, Created: true}}
	if err := lk.WriteAll(context.Background(), ok); err != nil {
		t.Fatalf("a write inside an allowed directory: %v", err)
	}
	bad := []Write{{Path: filepath.Join(root, "apps/staging/b.yaml"), Data: []byte("b: 1\n"), Mode: 0o644, Created: true}}
	var out *OutsideError
	if err := lk.WriteAll(context.Background(), bad); !errors.As(err, &out) {
		t.Fatalf("a write beside the allowed directories: got %v, want an OutsideError", err)
	}
	if _, err := os.Stat(filepath.Join(root, "apps/staging/b.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the refused file exists: %v", err)
	}
	if err := lk.Allow([]string{t.TempDir()}); !errors.As(err, &out) {
		t.Fatalf("allowing a directory outside the locked root: got %v, want an OutsideError", err)
	}
}

// LockRoot is the git top level of the first DIR, or outside git the deepest directory holding
// every DIR and the source root.
func TestLockRoot(t *testing.T) {
	plain := t.TempDir()
	repo := t.TempDir()
	for _, d := range []string{filepath.Join(plain, "a/x"), filepath.Join(plain, "a/y/z"), filepath.Join(repo, ".git"), filepath.Join(repo, "clusters/prod")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		dirs         []string
		source, want string
	}{
		{[]string{plain + "/a/x"}, "", plain + "/a/x"},
		{[]string{plain + "/a/x", plain + "/a/y/z"}, "", plain + "/a"},
		{[]string{plain + "/a/y/z"}, plain, plain},
		{[]string{repo + "/clusters/prod"}, "", repo},
	} {
		got, err := LockRoot(c.dirs, c.source)
		want, _ := filepath.EvalSymlinks(c.want)
		if err != nil || got != want {
			t.Errorf("LockRoot(%v, %q) = %q, %v; want %q", c.dirs, c.source, got, err, want)
		}
	}
	if _, err := LockRoot([]string{plain + "/missing"}, ""); err == nil {
		t.Error("LockRoot of a missing directory: no error")
	}
}

// A file that cannot be written after the commit point (here a directory has taken a new
// file's place) makes the run put back every file it rewrote and remove the journal: the tree is
// as before (the directory, someone else's, is kept), and the error says nothing was written.
func TestWriteAllUndoesAFailedWrite(t *testing.T) {
	forEachGuard(t, func(t *testing.T, g Guard) {
		dir := t.TempDir()
		a := filepath.Join(dir, "a.yaml")
		if err := os.WriteFile(a, []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		lk := lockWith(t, dir, g)
		b := filepath.Join(dir, "b.yaml")
		lk.afterCommit = func() {
			if err := os.Mkdir(b, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		err := lk.WriteAll(context.Background(), []Write{{Path: a, Data: []byte("new\n"), Old: []byte("old\n")}, {Path: b, Data: []byte("b\n"), Created: true, Mode: 0o644}})
		if err == nil || !strings.Contains(err.Error(), "b.yaml") || !strings.Contains(err.Error(), "nothing was written") {
			t.Fatalf("want an error naming b.yaml and saying nothing was written, got %v", err)
		}
		if got, _ := os.ReadFile(a); string(got) != "old\n" {
			t.Errorf("a.yaml was not put back: %q", got)
		}
		if _, err := os.Stat(lk.journalPath()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the journal is still there: %v", err)
		}
		if es := entries(t, dir); fmt.Sprint(es) != "[a.yaml b.yaml]" {
			t.Errorf("want a.yaml and the directory b.yaml left, got %v", es)
		}
		if fi, err := os.Stat(b); err != nil || !fi.IsDir() {
			t.Errorf("the directory in b.yaml's place is gone: %v", err)
		}
	})
}

// A run killed while it wrote its first journal leaves only the journal's temporary copy, and
// no file changed. The next run removes the copy, even one that only reads (acrgen check).
func TestReaderRemovesTheCopyOfAnUnfinishedJournal(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "a.yaml"), "a: 1\n")
	lk, err := LockTree(dir, false, "test")
	if err != nil {
		t.Fatal(err)
	}
	tmp := lk.journalPath() + ".new"
	lk.Unlock()
	writeTestFile(t, tmp, `{"entries": [`) // cut short by the kill
	reader, err := LockTree(dir, false, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Unlock()
	if _, err := os.Lstat(tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the journal's temporary copy is still there after a reader's lock: %v", err)
	}
	if got := entries(t, dir); fmt.Sprint(got) != "[a.yaml]" {
		t.Errorf("tree holds %v, want [a.yaml]", got)
	}
}

// A journal that names a file outside the tree (planted in a package or a tarball: outside git
// the journal lies in the tree) is refused by every run, a reader's too, and nothing is
// written anywhere.
func TestRecoveryRefusesJournalTargetsOutsideTheTree(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	outside := t.TempDir()
	for _, target := range []string{
		filepath.Join(outside, "owned.txt"),       // another directory
		"relative.yaml",                           // not absolute
		filepath.Join("/", "..", "etc", "x.yaml"), // not clean (Join cleans: still outside)
	} {
		dir := t.TempDir()
		writeTestFile(t, filepath.Join(dir, "a.yaml"), "a: 1\n")
		j := journal{Entries: []journalEntry{
			{Target: filepath.Join(dir, "a.yaml"), Old: sum([]byte("a: 1\n")), New: sum([]byte("a: 2\n")), Data: []byte("a: 2\n"), Mode: 0o644},
			{Target: target, New: sum([]byte("pwned\n")), Data: []byte("pwned\n"), Mode: 0o644},
		}}
		b, err := json.Marshal(j)
		if err != nil {
			t.Fatal(err)
		}
		writeTestFile(t, filepath.Join(dir, ".acrgen.journal"), string(b))
		for _, exclusive := range []bool{false, true} {
			lk, err := LockTree(dir, exclusive, "test")
			if err == nil {
				lk.Unlock()
				t.Fatalf("target %s: a journal naming it was accepted (exclusive %v)", target, exclusive)
			}
			if !strings.Contains(err.Error(), "acrgen wrote no such journal for this tree") {
				t.Errorf("target %s: %v", target, err)
			}
		}
		if _, err := os.Stat(filepath.Join(outside, "owned.txt")); err == nil {
			t.Fatalf("target %s: a file outside the tree was written", target)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "a.yaml")); string(b) != "a: 1\n" {
			t.Errorf("target %s: the tree's own file was written (%q) although the journal was refused", target, b)
		}
	}
}
