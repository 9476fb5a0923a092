//go:build unix

package tree

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/acrgen/acrgen/pkg/finding"
)

// renameGuard is the guard that selects the rename guard on this system.
func renameGuard() Guard {
	if runtime.GOOS == "linux" {
		return GuardRename
	}
	return GuardAuto
}

// inode is the inode number of the file at p.
func inode(t *testing.T, p string) uint64 {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(fi.Sys().(*syscall.Stat_t).Ino)
}

// atSteps runs do[step] when the rename guard reaches step for the file named base
// ("exchange", right before the exchange; "exchanged", right after it; "create", right before
// a new file is renamed into place).
func atSteps(t *testing.T, base string, do map[string]func(p string)) {
	t.Helper()
	renameStep = func(s, p string) {
		if f := do[s]; f != nil && filepath.Base(p) == base {
			f(p)
		}
	}
	t.Cleanup(func() { renameStep = nil })
}

// located is each finding as "CODE FILE: message", to compare.
func located(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Code)+" "+f.File+": "+f.Message())
	}
	return out
}

// wantOriginalBack checks, after wantAsBefore, that b.yaml is the very file the user saved
// into (inode ino): the original was put back, not copied.
func wantOriginalBack(t *testing.T, b string, ino uint64) {
	t.Helper()
	if inode(t, b) != ino {
		t.Errorf("b.yaml is not the file the user saved into: the original was not put back")
	}
}

// The rename guard replaces a file with a new one (a new inode), keeping its mode and owner,
// and leaves nothing beside it; on Linux the run notes which files it wrote that way.
func TestRenameGuardKeepsModeAndOwner(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.yaml")
	writeTestFile(t, p, "old\n")
	if err := os.Chmod(p, 0o640); err != nil {
		t.Fatal(err)
	}
	uid, gid := os.Getuid(), os.Getgid()
	if os.Geteuid() == 0 {
		uid, gid = 1234, 5678 // root can give a file any owner: the new file must get this one
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	before := inode(t, p)
	lk := lockWith(t, dir, renameGuard())
	if err := lk.WriteAll(context.Background(), []Write{{Path: p, Data: []byte("new\n"), Old: []byte("old\n")}}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if got, _ := os.ReadFile(p); string(got) != "new\n" || fi.Mode().Perm() != 0o640 || int(st.Uid) != uid || int(st.Gid) != gid {
		t.Errorf("a.yaml: %q, mode %v, owner %d:%d; want %q, mode 0640, owner %d:%d", got, fi.Mode().Perm(), st.Uid, st.Gid, "new\n", uid, gid)
	}
	if uint64(st.Ino) == before {
		t.Errorf("a.yaml kept its inode: the rename guard did not write it")
	}
	if es := entries(t, dir); fmt.Sprint(es) != "[a.yaml]" {
		t.Errorf("the directory holds %v, want only a.yaml", es)
	}
	notes := strings.Join(located(lk.TakeNotes()), "\n")
	if runtime.GOOS == "linux" && !strings.Contains(notes, "the rename guard wrote 1 file(s)") {
		t.Errorf("no note of the rename guard: %q", notes)
	}
	if runtime.GOOS != "linux" && notes != "" {
		t.Errorf("a note where the rename guard is the only guard: %q", notes)
	}
}

// A program that opened the file before the exchange and saves into it in place right after
// does not lose its save: the rename guard finds it in the original and puts the original back
// (the very file the program wrote), and nothing is written.
func TestRenameGuardFindsASaveIntoTheOriginal(t *testing.T) {
	lk, a, b, ws := guardedTree(t, renameGuard(), nil)
	orig := inode(t, b)
	var f *os.File
	atSteps(t, "b.yaml", map[string]func(string){
		"exchange":  func(p string) { f = openForSave(t, p) },
		"exchanged": func(string) { saveInto(t, f) },
	})
	wantAsBefore(t, lk.WriteAll(context.Background(), ws), lk, a, b)
	wantOriginalBack(t, b, orig)
}

// A program that opened the file before the exchange and saves into it while the original is
// kept aside (once every file is replaced, before the run ends) does not lose its save either.
func TestRenameGuardFindsASaveIntoTheOriginalKeptAside(t *testing.T) {
	lk, a, b, ws := guardedTree(t, renameGuard(), nil)
	orig := inode(t, b)
	var f *os.File
	atSteps(t, "b.yaml", map[string]func(string){"exchange": func(p string) { f = openForSave(t, p) }})
	lk.beforeSettle = func() { saveInto(t, f) }
	wantAsBefore(t, lk.WriteAll(context.Background(), ws), lk, a, b)
	wantOriginalBack(t, b, orig)
}

// A save by rename in the instant between the rename guard's last check and its exchange is
// found after the exchange (what the exchange took out of the name is not the original), and
// the user's file goes back in place.
func TestRenameGuardFindsASaveByRenameBeforeTheExchange(t *testing.T) {
	lk, a, b, ws := guardedTree(t, renameGuard(), nil)
	var theirs uint64
	atSteps(t, "b.yaml", map[string]func(string){"exchange": func(p string) { saveByRename(t, p); theirs = inode(t, p) }})
	wantAsBefore(t, lk.WriteAll(context.Background(), ws), lk, a, b)
	wantOriginalBack(t, b, theirs)
}

// An editor that saves by moving the file away and creating a new one (vim with
// backupcopy=no): before acrgen's exchange, the run finds the name no longer leads to the
// original; after it, the editor moved acrgen's new file away and its own file is in place,
// which acrgen leaves: the run succeeds and the user's bytes are what the name holds.
func TestRenameGuardAndASaveByMovingAway(t *testing.T) {
	moveAway := func(t *testing.T, p string) {
		if err := os.Rename(p, p+"~"); err != nil {
			t.Fatal(err)
		}
		writeTestFile(t, p, "saved by the user\n")
	}
	t.Run("before the exchange", func(t *testing.T) {
		lk, a, b, ws := guardedTree(t, renameGuard(), func(p string) { moveAway(t, p) })
		err := lk.WriteAll(context.Background(), ws)
		os.Remove(b + "~") // the editor's backup
		wantAsBefore(t, err, lk, a, b)
	})
	t.Run("after the exchange", func(t *testing.T) {
		lk, a, b, ws := guardedTree(t, renameGuard(), nil)
		atSteps(t, "b.yaml", map[string]func(string){"exchanged": func(p string) { moveAway(t, p) }})
		if err := lk.WriteAll(context.Background(), ws); err != nil {
			t.Fatal(err)
		}
		wantFiles(t, map[string]string{a: "new\n", b: "saved by the user\n", b + "~": "new\n"})
	})
}

// A file that appears where the run creates one, in the instant before the rename guard puts
// the new file in place, is kept: the new file goes in only if the name is free.
func TestRenameGuardCreatesOnlyWhereNoFileIs(t *testing.T) {
	dir := t.TempDir()
	a, p := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "new.yaml")
	writeTestFile(t, a, "old\n")
	lk := lockWith(t, dir, renameGuard())
	saved := false
	atSteps(t, "new.yaml", map[string]func(string){"create": func(string) { saved = true; writeTestFile(t, p, "mine\n") }})
	err := lk.WriteAll(context.Background(), []Write{{Path: a, Data: []byte("new\n"), Old: []byte("old\n")}, {Path: p, Data: []byte("acrgen\n"), Mode: 0o644, Created: true}})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Path != p || !saved {
		t.Fatalf("want a conflict naming new.yaml (hook ran: %v), got %v", saved, err)
	}
	wantFiles(t, map[string]string{a: "old\n", p: "mine\n"})
	if es := entries(t, dir); fmt.Sprint(es) != "[a.yaml new.yaml]" {
		t.Errorf("the directory holds %v", es)
	}
}

// A filesystem that refuses the exchange, or one that reports an exchange it did not make (a
// rename of one file over the other, as some FUSE filesystems did), is found by the probe
// before any file on it is touched: the run is refused, naming a file, and nothing is written.
func TestRenameGuardRefusesAFilesystemThatCannotExchange(t *testing.T) {
	for name, fake := range map[string]func(a, b string) error{
		"refused":  func(a, b string) error { return renameErr("exchange", a, b, syscall.EINVAL) },
		"a rename": func(a, b string) error { return os.Rename(a, b) },
	} {
		t.Run(name, func(t *testing.T) {
			exchange = fake
			t.Cleanup(func() { exchange = swapFiles })
			lk, a, b, ws := guardedTree(t, renameGuard(), nil)
			err := lk.WriteAll(context.Background(), ws)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), "cannot exchange two files atomically") || !strings.Contains(err.Error(), "nothing was written") {
				t.Fatalf("want a refusal saying the filesystem cannot exchange, got %v", err)
			}
			wantFiles(t, map[string]string{a: "old\n", b: "old\n"})
			if es := entries(t, filepath.Dir(a)); fmt.Sprint(es) != "[a.yaml b.yaml]" {
				t.Errorf("the directory holds %v", es)
			}
		})
	}
}

// What a killed rename guard left beside the files is cleared by the next run, under either
// guard: its temporary file on the way in and the original it kept aside go; an original that
// someone saved into after the exchange goes back in place (the user's save wins, with the
// usual warning), or, when the file itself was saved over too, is kept beside it with a warning
// naming it; the probes go.
func TestRecoveryClearsWhatTheRenameGuardLeft(t *testing.T) {
	forEachGuard(t, func(t *testing.T, g Guard) {
		dir := t.TempDir()
		path := func(n string) string { return filepath.Join(dir, n) }
		// file: what it holds, what its aside holds ("" for none), and what it must hold after.
		cases := []struct{ file, holds, aside, want, wantAside string }{
			{"a.yaml", "new a\n", "old a\n", "new a\n", ""},                    // killed before the original went
			{"b.yaml", "old b\n", "new", "new b\n", ""},                        // killed while writing the new file
			{"c.yaml", "new c\n", "old c\nsaved\n", "old c\nsaved\n", ""},      // saved into the original kept aside
			{"d.yaml", "mine\n", "old d\nsaved\n", "mine\n", "old d\nsaved\n"}, // and saved over the file too
		}
		var es []journalEntry
		for _, c := range cases {
			writeTestFile(t, path(c.file), c.holds)
			writeTestFile(t, asideName(path(c.file)), c.aside)
			name := strings.TrimSuffix(c.file, ".yaml")
			es = append(es, journalEntry{Target: path(c.file), Old: sum([]byte("old " + name + "\n")), New: sum([]byte("new " + name + "\n")), Data: []byte("new " + name + "\n"), Mode: 0o644})
		}
		for _, n := range probeNames {
			writeTestFile(t, path(n), "probe")
		}
		lk := &Lock{root: dir, roots: []string{dir}, dir: dir, prefix: "."}
		if err := lk.writeJournal(journal{Entries: es}); err != nil {
			t.Fatal(err)
		}
		next := lockWith(t, dir, g)
		for _, c := range cases {
			if got, _ := os.ReadFile(path(c.file)); string(got) != c.want {
				t.Errorf("%s holds %q, want %q", c.file, got, c.want)
			}
			got, err := os.ReadFile(asideName(path(c.file)))
			if c.wantAside == "" && !errors.Is(err, os.ErrNotExist) || c.wantAside != "" && string(got) != c.wantAside {
				t.Errorf("beside %s: %q (%v), want %q", c.file, got, err, c.wantAside)
			}
		}
		warnings := located(next.Warnings)
		for _, w := range []string{
			"ACR072 " + path("c.yaml") + ": the file changed after an acrgen run that was rewriting it was interrupted: kept as it is",
			"ACR073 " + path("d.yaml") + ": the file and its original were both saved while an interrupted acrgen run wrote it: the original is kept as " + asideName(path("d.yaml")),
		} {
			if !slices.Contains(warnings, w) {
				t.Errorf("no warning %q in %q", w, warnings)
			}
		}
		left := entries(t, dir)
		slices.Sort(left)
		if want := []string{filepath.Base(asideName(path("d.yaml"))), "a.yaml", "b.yaml", "c.yaml", "d.yaml"}; fmt.Sprint(left) != fmt.Sprint(want) {
			t.Errorf("the directory holds %v, want %v", left, want)
		}
	})
}

// openForSave opens p for a save in place, as an editor does before it writes.
func openForSave(t *testing.T, p string) *os.File {
	t.Helper()
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// saveInto saves "saved by the user" through f, opened by openForSave, and closes it.
func saveInto(t *testing.T, f *os.File) {
	t.Helper()
	if err := f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("saved by the user\n"), 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// The rename guard checks the original right before and right after its exchange, not only once
// every file is replaced (the settle check, which would catch these saves too): a save found
// before the exchange makes none, and one found right after it is undone at once, so that the
// run stops before the files still to come are replaced.
func TestRenameGuardChecksAroundTheExchange(t *testing.T) {
	for name, save := range map[string]func(p string){
		"by rename": func(p string) { saveByRename(t, p) },
		"in place":  func(p string) { saveInto(t, openForSave(t, p)) },
	} {
		t.Run("before the exchange, "+name, func(t *testing.T) {
			lk, a, b, ws := guardedTree(t, renameGuard(), save)
			exchanged := false
			atSteps(t, "b.yaml", map[string]func(string){"exchange": func(string) { exchanged = true }})
			lk.beforeSettle = func() { t.Errorf("the run reached its settle check: the save was not found before the exchange") }
			wantAsBefore(t, lk.WriteAll(context.Background(), ws), lk, a, b)
			if exchanged {
				t.Errorf("b.yaml was exchanged although the save was found before")
			}
		})
	}
	var f *os.File
	for name, steps := range map[string]map[string]func(string){
		"by rename": {"exchange": func(p string) { saveByRename(t, p) }},
		"in place":  {"exchange": func(p string) { f = openForSave(t, p) }, "exchanged": func(string) { saveInto(t, f) }},
	} {
		t.Run("right after the exchange, "+name, func(t *testing.T) {
			lk, a, b, ws := guardedTree(t, renameGuard(), nil)
			atSteps(t, "b.yaml", steps)
			lk.beforeSettle = func() { t.Errorf("the run reached its settle check: the save was not found right after the exchange") }
			wantAsBefore(t, lk.WriteAll(context.Background(), ws), lk, a, b)
		})
	}
}
