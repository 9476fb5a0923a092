package tree

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/acrgen/acrgen/pkg/finding"
)

// Lock is a run's hold on a tree: one writer, or any number of readers, at a time. In git,
// the lock file is acrgen.lock in the repository's git directory (so that it never shows in
// the working tree; every tree of a repository shares it, since their files may overlap), and
// the journal of a write in progress, acrgen.journal, lies beside it. Outside git, the root
// directory itself is locked, and the journal is .acrgen.journal in it while a write runs.
type Lock struct {
	root      string   // the tree's root, symlinks resolved
	roots     []string // where the writer may write: root, or what Allow narrowed it to
	dir       string   // where the lock file and the journal live
	prefix    string   // "" in a git directory, "." in the root
	f         *os.File
	exclusive bool
	info      string // outside git: the holders file, removed by a writer's Unlock
	// Warnings are what finishing an interrupted run's write found
	// ([finding.InterruptedWriteFinished], [finding.InterruptedWriteKept],
	// [finding.InterruptedWriteBothSaved], [finding.RenameGuardUsed]), their severity not
	// resolved yet.
	Warnings []finding.Finding
	// notes say which guard wrote where a run did not use the usual one (TakeNotes).
	notes []finding.Finding
	// guarding is the run's choice of guard for each file it writes (guard.go).
	guarding guarding
	// StepDelay slows each step of a write down; for tests that kill acrgen mid-write.
	StepDelay time.Duration
	// beforeCommit, when set, runs before the files are checked and the write commits; for
	// tests.
	beforeCommit func()
	// afterCommit, when set, runs once the journal is written, before any file is; for tests.
	afterCommit func()
	// beforeSettle, when set, runs once every file is replaced, before the originals the rename
	// guard kept aside are checked; for tests.
	beforeSettle func()
	// swept is true once older versions' temporary files were swept (sweep).
	swept bool
}

// BusyError is a tree locked by another run.
type BusyError struct {
	Root, LockFile string
	Holders        []string
}

func (e *BusyError) Error() string {
	who := "another acrgen run"
	if len(e.Holders) > 0 {
		who = strings.Join(e.Holders, "; ")
	}
	where := ""
	if e.LockFile != e.Root {
		where = " (" + e.LockFile + ")"
	}
	return fmt.Sprintf("%s is busy: %s holds its lock%s; wait for it to finish, then run acrgen again", e.Root, who, where)
}

// LockTree takes the lock of the tree at dir: exclusive for a run that writes, shared for one
// that only reads. It does not wait: a busy tree is a [BusyError]. Holding the lock, it first
// finishes or undoes what an interrupted run left (which a reader does under a brief exclusive
// lock). command describes the run in the lock file, for the message another run shows. Files
// are written under [GuardAuto].
func LockTree(dir string, exclusive bool, command string) (*Lock, error) {
	return LockTreeGuarded(dir, exclusive, command, GuardAuto)
}

// LockTreeGuarded is [LockTree] with the guard that the run, and the recovery of an interrupted
// run, write files under.
func LockTreeGuarded(dir string, exclusive bool, command string, guard Guard) (*Lock, error) {
	if err := writesSupported(); exclusive && err != nil {
		return nil, &InputError{Path: dir, Msg: err.Error() + "; nothing was written: run render and patch on Linux or macOS (WSL, a container, CI); check, --check and --diff work here"}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, &InputError{Path: dir, Msg: err.Error()}
	}
	l := &Lock{root: root, roots: []string{root}, dir: root, prefix: ".", exclusive: exclusive, guarding: guarding{mode: guard}}
	var path, info string // what is locked, and where the holders are described
	if _, g := GitTop(root); g != "" {
		l.dir, l.prefix = g, ""
		path = filepath.Join(g, "acrgen.lock")
		info = path
		l.f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	} else {
		// Outside git, the root directory itself is locked, so that no file appears in it.
		path = root
		info = holderFile(root)
		l.f, err = os.Open(root)
	}
	if err != nil {
		if !exclusive && (errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)) {
			// A reader of a tree it cannot write: nothing can be written there meanwhile
			// either, unless by its owner; go on without the lock.
			l.f = nil
			if _, jerr := os.Stat(l.journalPath()); jerr == nil {
				return nil, fmt.Errorf("an interrupted acrgen run left %s, and this user cannot finish it: run acrgen as the tree's owner", l.journalPath())
			}
			return l, nil
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if err := l.flock(exclusive, path, info); err != nil {
		l.f.Close()
		return nil, err
	}
	describe(info, exclusive, command)
	if info != path {
		l.info = info
	}
	if l.leftJournal() || exclusive {
		if !exclusive {
			if err := l.flock(true, path, info); err != nil {
				l.f.Close()
				return nil, err
			}
		}
		err := l.recover()
		if !exclusive {
			if ferr := flock(l.f, false); err == nil {
				err = ferr
			}
		}
		if err != nil {
			l.f.Close()
			return nil, err
		}
	}
	return l, nil
}

// leftJournal reports whether an interrupted run left its journal, or the temporary copy of a
// journal it was writing (killed while writing its first journal, it changed no file, but the
// copy must still go).
func (l *Lock) leftJournal() bool {
	for _, p := range []string{l.journalPath(), l.journalPath() + ".new"} {
		if _, err := os.Lstat(p); err == nil {
			return true
		}
	}
	return false
}

func (l *Lock) flock(exclusive bool, path, info string) error {
	err := flock(l.f, exclusive)
	if errors.Is(err, errBusy) {
		return &BusyError{Root: l.root, LockFile: path, Holders: holders(info)}
	}
	if err != nil {
		return fmt.Errorf("locking %s: %w", path, err)
	}
	return nil
}

// holderFile is where, outside git, the holders of the lock on root are described: a file
// in the user's cache directory, since the root must not change. "" when there is none.
func holderFile(root string) string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "acrgen", "locks", sum([]byte(root))[:16])
}

// describe adds the running process to the holders file: a writer replaces what is there,
// a reader appends. Best effort: the file only serves the message of a busy tree.
func describe(info string, exclusive bool, command string) {
	if info == "" {
		return
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if exclusive {
		flags |= os.O_TRUNC
	}
	os.MkdirAll(filepath.Dir(info), 0o700)
	if f, err := os.OpenFile(info, flags, 0o600); err == nil {
		fmt.Fprintf(f, "pid %d: %s\n", os.Getpid(), command)
		f.Close()
	}
}

// holders reads the lock file's lines ("pid N: command") of processes still running.
func holders(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "pid" {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSuffix(f[1], ":"))
		if err != nil {
			continue
		}
		if alive(pid) {
			out = append(out, line)
		}
	}
	return out
}

// TakeNotes returns what the run noted since the last call: on Linux, how many files the
// rename guard wrote because the kernel would not grant a write lease on them, and why
// ([finding.RenameGuardUsed], its severity not resolved yet).
func (l *Lock) TakeNotes() []finding.Finding {
	n := l.notes
	l.notes = nil
	return n
}

// Unlock releases the lock.
func (l *Lock) Unlock() {
	if l != nil && l.f != nil {
		l.sweep()
		if l.exclusive && l.info != "" {
			os.Remove(l.info)
		}
		l.f.Close()
		l.f = nil
	}
}

// LockRoot is the directory a run over dirs locks: the top level of the git work tree holding
// the first DIR (Flux Kustomizations' paths are relative to it), or, outside git, the deepest
// directory that holds every DIR and sourceRoot (when given). Where the run may write is then
// narrowed with [Lock.Allow].
func LockRoot(dirs []string, sourceRoot string) (string, error) {
	all := append([]string{}, dirs...)
	if sourceRoot != "" {
		all = append(all, sourceRoot)
	}
	var common string
	for i, d := range all {
		abs, err := filepath.Abs(d)
		if err != nil {
			return "", err
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return "", &InputError{Path: d, Msg: "cannot read the directory: " + err.Error()}
		}
		if i == 0 && sourceRoot == "" {
			if top, _ := GitTop(real); top != "" {
				return top, nil
			}
		}
		if i == 0 {
			common = real
			continue
		}
		for !Within(common, real) {
			common = filepath.Dir(common)
		}
	}
	return common, nil
}
