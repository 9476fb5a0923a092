package tree

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Write is one file to write: its path, new bytes and mode (used when the file is new), and
// what the run read from it.
type Write struct {
	// Path is absolute, or relative to the tree's root.
	Path string
	Data []byte
	Mode fs.FileMode
	// Old is the content the change was computed from; the file is replaced only while it
	// still holds exactly these bytes.
	Old []byte
	// Created is true for a file the run creates: it must still not exist.
	Created bool
}

// ErrInterrupted is returned by [Lock.WriteAll] when its context was cancelled (a signal)
// before any file was replaced: nothing was written.
var ErrInterrupted = errors.New("interrupted: nothing was written")

// OutsideError is a path the writer refuses because, once symlinks are resolved, it is not
// inside the tree's root. Nothing was written.
type OutsideError struct{ Path, Root string }

func (e *OutsideError) Error() string {
	return fmt.Sprintf("%s is not inside %s: acrgen writes only inside the directory it works on; nothing was written", e.Path, e.Root)
}

// journal is the record of a write in progress, written (atomically, fsynced) before the first
// file is touched: its existence is the commit point. It holds each file's new bytes, so a run
// that finds it can finish the write whatever moment the killed run stopped at.
type journal struct {
	Entries []journalEntry `json:"entries"`
}

type journalEntry struct {
	Target string `json:"target"`
	// Old is the sha256 of the target's bytes before the run, or "" when the run creates it.
	Old  string      `json:"old"`
	New  string      `json:"new"`
	Data []byte      `json:"data"`
	Mode fs.FileMode `json:"mode"`
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// WriteAll writes every file all-or-nothing, safe against a kill at any moment and against
// edits made while acrgen runs:
//
//  1. every path must lie inside the allowed directories once symlinks are resolved, and every
//     file must still hold what the run read (or, for a new file, still not exist), have one
//     name, and let the writer guard it (guard.go);
//  2. the journal, holding each target, its old and new hash and its new bytes, is written and
//     fsynced: from here on the run is done even if it is killed, as the next run finishes it;
//  3. each file is replaced under its guard, once what it holds is read through the guard and
//     found to be still what the run read (a new file is created exclusively): rewritten in
//     place under a Linux write lease, or else exchanged with a new file by the rename guard,
//     which keeps the original aside; once all are replaced, the originals kept aside are
//     checked once more and removed; then everything written is made durable at once (one
//     syncfs per filesystem on Linux, else an fsync per file and directory), and only then is
//     the journal removed.
//
// A file saved by someone else after the run read it, even in the instant of its write, is
// never overwritten: the run puts back the files it wrote and returns a [*ConflictError] naming
// it. Under a lease, files are rewritten in place rather than through a temporary file: a new
// inode per changed file is what made large runs spend most of their time in the kernel (ext4
// scans past recently freed inodes for every file it creates), and in place a file keeps its
// inode, owner and mode. The journal gives the all-or-nothing a rename gave per file. The
// rename guard keeps mode and owner, not the inode (nor extended attributes or ACLs).
//
// A cancelled ctx (SIGINT, SIGTERM) before step 2 returns ErrInterrupted with nothing written;
// after it, the write is finished. The lock must be exclusive.
func (l *Lock) WriteAll(ctx context.Context, ws []Write) (err error) {
	if !l.exclusive {
		return errors.New("internal error: writing under a shared lock")
	}
	l.sweep()
	if l.beforeCommit != nil {
		l.beforeCommit()
	}
	// One pass, right before the commit point: what it finds (a file saved, a directory
	// replaced by a symlink) is what the journal is written from.
	j := journal{Entries: make([]journalEntry, len(ws))}
	dirs := map[string]string{}
	for i, w := range ws {
		target, mode, err := l.check(w, dirs)
		if err != nil {
			return err
		}
		e := journalEntry{Target: target, New: sum(w.Data), Data: w.Data, Mode: mode}
		if !w.Created {
			e.Old = sum(w.Old)
		} else if fi, err := os.Stat(filepath.Dir(target)); err != nil || !fi.IsDir() {
			// Found now, not after the commit point, where it would stop the run half done.
			return fmt.Errorf("writing %s: its directory does not exist; nothing was written", w.Path)
		}
		j.Entries[i] = e
	}
	if ctx.Err() != nil {
		return ErrInterrupted
	}
	if err := l.writeJournal(j); err != nil {
		return err
	}
	// From here on the run is done: a signal no longer stops it, and a kill is rolled forward.
	if l.afterCommit != nil {
		l.afterCommit()
	}
	// Opened before the first write, so that a write-back error of any of them is reported.
	ds := openDurable(j.Entries)
	defer ds.close()
	chs, err := writeFiles(&l.guarding, ws, j.Entries, l.delay)
	if err == nil && l.beforeSettle != nil {
		l.beforeSettle()
	}
	if err == nil {
		err = eachChange(chs, change.check)
	}
	if err != nil {
		l.guarding.note(l.root) // nothing was written: nothing to note
		return l.rollBack(err, chs, ds)
	}
	if err := eachChange(chs, change.drop); err != nil {
		return fmt.Errorf("removing the originals of the files replaced: %w: the next acrgen run removes them", err)
	}
	// The journal goes only once the files are on disk: until then a crash is rolled forward.
	if err := ds.sync(); err != nil {
		return fmt.Errorf("writing the files to disk: %w: the next acrgen run finishes the write", err)
	}
	l.notes = append(l.notes, l.guarding.note(l.root)...)
	return l.removeJournal()
}

// rollBack puts the tree back as it was after writeFiles (or a check of its changes) failed
// with err (a file saved meanwhile, a full disk), and removes the journal: nothing was written.
// If that fails too, the journal stays and the next run finishes the write.
func (l *Lock) rollBack(err error, chs []change, ds *durable) error {
	var errs []error
	for _, ch := range chs {
		if ch != nil {
			errs = append(errs, ch.undo())
		}
	}
	if rerr := errors.Join(errs...); rerr != nil {
		return fmt.Errorf("%w; putting the other files back failed too (%v): the next acrgen run finishes the write", err, rerr)
	}
	if rerr := ds.sync(); rerr != nil {
		return fmt.Errorf("%w; putting the other files back: %v: the next acrgen run finishes the write", err, rerr)
	}
	if rerr := l.removeJournal(); rerr != nil {
		return fmt.Errorf("%w; the files are as before, but %v", err, rerr)
	}
	var ce *ConflictError
	var ie *InputError
	if errors.As(err, &ce) || errors.As(err, &ie) {
		return err // their message says that nothing was written
	}
	return fmt.Errorf("%w; nothing was written", err)
}

// check applies the writer's guards to w: it returns the real path to write (the parent
// directories' symlinks resolved) and the mode to give the file. dirs keeps the directories
// resolved in one pass over the files (most share a few directories).
func (l *Lock) check(w Write, dirs map[string]string) (string, fs.FileMode, error) {
	p := w.Path
	if !filepath.IsAbs(p) {
		p = filepath.Join(l.root, p)
	}
	p = filepath.Clean(p)
	parent, ok := dirs[filepath.Dir(p)]
	var err error
	if !ok {
		parent, err = resolveExisting(filepath.Dir(p))
		if err == nil {
			dirs[filepath.Dir(p)] = parent
		}
	}
	if errors.Is(err, errDangling) {
		return "", 0, &OutsideError{Path: w.Path, Root: strings.Join(l.roots, ", ")}
	}
	if err != nil {
		return "", 0, fmt.Errorf("writing %s: %w", w.Path, err)
	}
	target := filepath.Join(parent, filepath.Base(p))
	if !l.allowed(target) {
		return "", 0, &OutsideError{Path: w.Path, Root: strings.Join(l.roots, ", ")}
	}
	fi, err := os.Lstat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if !w.Created {
			return "", 0, &ConflictError{Path: w.Path}
		}
		return target, w.Mode, nil
	case err != nil:
		return "", 0, fmt.Errorf("writing %s: %w", w.Path, err)
	case w.Created:
		return "", 0, &ConflictError{Path: w.Path}
	case fi.Mode()&fs.ModeSymlink != 0:
		return "", 0, errSymlink(w.Path)
	}
	cur, mode, err := readGuarded(&l.guarding, target, w.Path, int64(len(w.Old))+1)
	var tooLarge *sizeError
	var ce *ConflictError
	var ie *InputError
	switch {
	case errors.As(err, &ce), errors.As(err, &ie):
		return "", 0, err
	case errors.As(err, &tooLarge):
		return "", 0, &ConflictError{Path: w.Path}
	case err != nil:
		return "", 0, fmt.Errorf("writing %s: %w", w.Path, err)
	case !bytes.Equal(cur, w.Old):
		return "", 0, &ConflictError{Path: w.Path}
	}
	return target, mode, nil
}

var errDangling = errors.New("a dangling symlink")

// resolveExisting resolves the symlinks of p's longest existing ancestor and appends the rest.
// A dangling symlink on the way is errDangling: where it leads cannot be checked.
func resolveExisting(p string) (string, error) {
	rest := ""
	for d := p; ; {
		real, err := filepath.EvalSymlinks(d)
		if err == nil {
			return filepath.Join(real, rest), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		if fi, lerr := os.Lstat(d); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return "", errDangling
		}
		parent := filepath.Dir(d)
		if parent == d {
			return p, nil
		}
		rest = filepath.Join(filepath.Base(d), rest)
		d = parent
	}
}

// allowed reports whether target lies strictly inside one of the directories the lock lets
// the writer write in.
func (l *Lock) allowed(target string) bool {
	for _, r := range l.roots {
		if target != r && Within(r, target) {
			return true
		}
	}
	return false
}

// Allow narrows where the writer may write to dirs (a run's DIRs and the paths of the Flux
// Kustomizations it followed), each of which must lie inside the locked tree.
func (l *Lock) Allow(dirs []string) error {
	roots := make([]string, 0, len(dirs))
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return err
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return &InputError{Path: d, Msg: err.Error()}
		}
		if !Within(l.root, real) {
			return &OutsideError{Path: d, Root: l.root}
		}
		roots = append(roots, real)
	}
	l.roots = roots
	return nil
}

// writeFiles replaces each entry's target with its bytes under the guard, a few at a time: a
// file must still hold what the run read (ws[i].Old), a new one must still not exist. step runs
// before each file is handed out (a test's delay). It returns what it changed, for the caller
// to check and drop, or undo; the caller makes them durable ([durable]).
func writeFiles(gd *guarding, ws []Write, es []journalEntry, step func()) ([]change, error) {
	chs := make([]change, len(es))
	errs := forEachFile(len(es), step, func(i int) error {
		e, w := es[i], ws[i]
		ch, err := replaceGuarded(gd, e.Target, w.Path, e.Data, e.Mode, w.Created, int64(len(w.Old))+1, func(cur []byte) verdict {
			if bytes.Equal(cur, w.Old) {
				return writeIt
			}
			return keepTheirs
		})
		chs[i] = ch
		return wrapWrite(w.Path, err)
	})
	return chs, errors.Join(errs...)
}

// eachChange runs do (check or drop) on each change, a few at a time, and joins the errors.
func eachChange(chs []change, do func(change) error) error {
	return errors.Join(forEachFile(len(chs), func() {}, func(i int) error {
		if chs[i] == nil {
			return nil
		}
		return do(chs[i])
	})...)
}

// wrapWrite names the file in a write error, unless the error already does.
func wrapWrite(name string, err error) error {
	var ce *ConflictError
	var ie *InputError
	if err == nil || errors.As(err, &ce) || errors.As(err, &ie) {
		return err
	}
	return fmt.Errorf("writing %s: %w", name, err)
}

func writeTemp(path string, data []byte, mode fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (l *Lock) journalPath() string { return filepath.Join(l.dir, l.prefix+"acrgen.journal") }

// writeJournal replaces the journal atomically and durably.
func (l *Lock) writeJournal(j journal) error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	tmp := l.journalPath() + ".new"
	if err := writeTemp(tmp, b, 0o600); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing the journal %s: %w", l.journalPath(), err)
	}
	if err := os.Rename(tmp, l.journalPath()); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing the journal %s: %w", l.journalPath(), err)
	}
	syncDir(l.dir)
	return nil
}

func (l *Lock) removeJournal() error {
	if err := os.Remove(l.journalPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the journal: %w", err)
	}
	syncDir(l.dir)
	return nil
}

func (l *Lock) delay() {
	if l.StepDelay > 0 {
		time.Sleep(l.StepDelay)
	}
}

// sweep runs sweepLegacy once for a writer, over the directories it may write in (the run's
// DIRs, once Allow has narrowed them; older versions wrote their temporary files next to the
// files they rewrote, in the same directories), before its first write or when it unlocks. It
// does not walk the whole lock root: in git that is the repository, which a run on one
// directory need not read.
func (l *Lock) sweep() {
	if !l.exclusive || l.swept {
		return
	}
	l.swept = true
	for _, r := range l.roots {
		l.sweepLegacy(r)
	}
}

// sweepLegacy removes the temporary files (.acrgen-<digits>.tmp) that acrgen versions
// without a journal left under root when they were killed.
func (l *Lock) sweepLegacy(root string) {
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if p != root && d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		n := d.Name()
		if strings.HasPrefix(n, ".acrgen-") && strings.HasSuffix(n, ".tmp") && allDigits(n[len(".acrgen-"):len(n)-len(".tmp")]) {
			os.Remove(p)
		}
		return nil
	})
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
