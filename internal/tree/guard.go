package tree

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"sync"

	"github.com/acrgen/acrgen/internal/crash"
	"github.com/acrgen/acrgen/pkg/finding"
)

// A write replaces a file only while it is guarded: opened with [openGuarded], which makes sure
// that no other program's save of the file between the moment acrgen reads what it holds and
// the moment its new bytes are in place is lost. There are two guards:
//
//   - the lease (guard_linux.go): a Linux write lease keeps every other program's open of the
//     file waiting while acrgen reads, compares and rewrites it in place;
//   - the rename guard (guard_rename.go), where there is no lease (macOS, and Linux when the
//     kernel refuses one): the new bytes go into a temporary file beside the original, which is
//     exchanged with the original atomically while acrgen holds the original open; the original
//     is checked through that descriptor before and after the exchange, and kept aside until the
//     whole write is done, so that a save which reaches it is found and put back.
//
// The protocol, the same for both:
//
//  1. open the file guarded (or, for a new file, prepare to create it exclusively);
//  2. read what it holds through the guard and decide (a verdict): write, leave it, or keep
//     what someone else saved there;
//  3. replace it through the guard: the result is a [change], which can still be undone;
//  4. once every file of the run is replaced, check each change (the rename guard's original,
//     kept aside, must still hold what was read), then drop them (the originals go); on any
//     failure, undo them all instead.
//
// A program that saves the file in place meanwhile either waits for the lease and saves over
// acrgen's bytes, or saves into the original, which the rename guard finds and puts back; one
// that saves by rename replaces the file, which both guards find. Either way its bytes are never
// overwritten by acrgen.

// Guard chooses how a write guards the files it replaces.
type Guard int

const (
	// GuardAuto is a Linux write lease where the kernel grants one, and the rename guard
	// elsewhere: on macOS and other unix systems, and on Linux for a file the kernel will not
	// lease (another user's, on NFS or a FUSE filesystem, with leases disabled). A run notes the
	// files it wrote with the rename guard on Linux ([Lock.TakeNotes]).
	GuardAuto Guard = iota
	// GuardRename is the rename guard for every file, as if the kernel refused every lease: for
	// testing the rename guard on Linux.
	GuardRename
	// guardLease is the lease alone: for undoing a write made under a lease.
	guardLease
)

// errRenameChosen is why the rename guard writes every file under [GuardRename].
var errRenameChosen = errors.New("the rename guard was chosen for every file")

// guarding is a run's choice of guard, and what the guards noted during the run.
type guarding struct {
	mode Guard
	mu   sync.Mutex
	// renamed are the files the rename guard wrote on Linux because no lease was granted, and
	// why is the reason given for the first of them.
	renamed map[string]bool
	first   string
	why     error
	// exchanges holds, for each filesystem (device) the rename guard wrote on, whether it
	// exchanges two files atomically (probeExchange), checked once per run.
	exchanges map[uint64]error
}

// fellBack records that the rename guard wrote the file name because the kernel refused a
// lease on it (why).
func (gd *guarding) fellBack(name string, why error) {
	gd.mu.Lock()
	defer gd.mu.Unlock()
	if gd.renamed == nil {
		gd.renamed = map[string]bool{}
	}
	if len(gd.renamed) == 0 || name < gd.first {
		gd.first, gd.why = name, why
	}
	gd.renamed[name] = true
}

// note says which files the rename guard wrote in place of a lease since the last note, and
// why (a [finding.RenameGuardUsed] located at root), or nothing.
func (gd *guarding) note(root string) []finding.Finding {
	gd.mu.Lock()
	defer gd.mu.Unlock()
	n := len(gd.renamed)
	if n == 0 {
		return nil
	}
	clear(gd.renamed)
	return []finding.Finding{finding.New(finding.RenameGuardUsed, strconv.Itoa(n), gd.first, gd.why.Error()).At(root, 0)}
}

// verdict is what a guarded write does with a file, given the bytes it holds.
type verdict int

const (
	writeIt    verdict = iota // the file holds what the write expects: replace it
	leaveIt                   // the file already holds what the write would put there
	keepTheirs                // someone else changed the file: keep it, and say so
)

// guard is one file opened under a guard.
type guard interface {
	// read reads what the file holds through the guard (at most max bytes, plus one to tell a
	// longer file).
	read(max int64) ([]byte, error)
	// replace puts data in the file's place (creates the file), given what read returned (nil
	// for a new file). The change it returns is not nil once anything was changed, even on an
	// error.
	replace(data, cur []byte) (change, error)
	// perm is the file's permission bits (for a new file, those asked for).
	perm() fs.FileMode
	release()
}

// A change is one file a guarded write replaced, which can be undone until it is dropped.
type change interface {
	// check reports whether the change still stands as made: a *ConflictError when someone
	// saved into the original the rename guard kept aside.
	check() error
	// drop ends the change: the rename guard removes the original it kept aside.
	drop() error
	// undo puts the file back as it was before the change, unless someone saved over it
	// since: theirs is kept.
	undo() error
}

// ConflictError is a file that changed on disk after the run read it (or that appeared where
// the run creates one), or that another program held open while acrgen was to write it. The
// user's version is kept and nothing was written.
type ConflictError struct {
	Path string
	// Open is true when the file was open in another program, which may have been saving it.
	Open bool
}

func (e *ConflictError) Error() string {
	if e.Open {
		return fmt.Sprintf("%s is open in another program, which may be saving it; nothing was written: close it and run acrgen again", e.Path)
	}
	return fmt.Sprintf("%s changed on disk while acrgen ran; nothing was written: run acrgen again", e.Path)
}

// errLinked is a file with more than one name (hard link): written in place, its other names,
// which may lie outside the tree, would change too.
func errLinked(path string, n uint64) error {
	return &InputError{Path: path, Msg: fmt.Sprintf("has %d hard links: acrgen rewrites only files with one name, since a write through one name changes the others (which may lie outside the tree), and a rename would break the link; nothing was written: replace it with a copy of its own (cp FILE FILE.copy && mv FILE.copy FILE)", n)}
}

// errSymlink is a file the writer finds to be a symlink.
func errSymlink(path string) error {
	return &InputError{Path: path, Msg: "is a symlink: acrgen rewrites only regular files; nothing was written"}
}

// errUnguarded is a file the system would not let acrgen guard: acrgen then does not write it.
func errUnguarded(path string, why string, err error) error {
	return &InputError{Path: path, Msg: fmt.Sprintf("acrgen cannot keep other programs from saving it while it writes (%s: %v), so it does not write it; nothing was written", why, err)}
}

// whileGuarded, when set, runs in replaceGuarded once the file is read under the guard and
// before it is written; for tests that save the file at that moment.
var whileGuarded func(path string)

// readGuarded reads the regular file at path (at most max bytes, at least 1, plus one to tell a
// longer file) under the guard, checking that it has one name. It is the writer's check of a file
// before its commit point: what would stop the write later (no permission to write, a file the
// system will not guard, a second name) stops it now, when nothing is written yet.
func readGuarded(gd *guarding, path, name string, max int64) ([]byte, fs.FileMode, error) {
	g, err := openGuarded(gd, path, name, false, 0)
	if err != nil {
		return nil, 0, err
	}
	defer g.release()
	b, err := g.read(max)
	return b, g.perm(), err
}

// replaceGuarded writes data into the file at path under the guard: it creates the file (mode
// perm, exclusively: a file that appeared meanwhile is a conflict) when create is true, else
// replaces it when judge, given what it holds, says writeIt. keepTheirs is a *ConflictError.
// max (at least 1) bounds what is read of the file; errors name the file name. The change is
// nil when nothing was changed.
func replaceGuarded(gd *guarding, path, name string, data []byte, perm fs.FileMode, create bool, max int64, judge func([]byte) verdict) (change, error) {
	g, err := openGuarded(gd, path, name, create, perm)
	if err != nil {
		return nil, err
	}
	defer g.release()
	var cur []byte
	if !create {
		cur, err = g.read(max)
		var tooLarge *sizeError
		if errors.As(err, &tooLarge) {
			return nil, &ConflictError{Path: name}
		}
		if err != nil {
			return nil, err
		}
		switch judge(cur) {
		case leaveIt:
			return nil, nil
		case keepTheirs:
			return nil, &ConflictError{Path: name}
		}
	}
	if whileGuarded != nil {
		whileGuarded(path)
	}
	return g.replace(data, cur)
}

// replaceSettled is replaceGuarded for a file on its own: the change is checked and dropped at
// once. A save into the original meanwhile is put back, as a *ConflictError.
func replaceSettled(gd *guarding, path, name string, data []byte, perm fs.FileMode, create bool, max int64, judge func([]byte) verdict) error {
	ch, err := replaceGuarded(gd, path, name, data, perm, create, max, judge)
	if err != nil || ch == nil {
		return err
	}
	if err := ch.check(); err != nil {
		if uerr := ch.undo(); uerr != nil {
			return fmt.Errorf("%s changed while acrgen wrote it, and putting it back failed: %w", name, uerr)
		}
		return err
	}
	return ch.drop()
}

// rewritten is a file a lease guard rewrote in place (or created): undone by writing its old
// bytes back under a lease (or removing it), when it still holds the new bytes or a prefix of
// them.
type rewritten struct {
	path, name string
	old, data  []byte
	perm       fs.FileMode
	created    bool
}

func (*rewritten) check() error { return nil }
func (*rewritten) drop() error  { return nil }

func (c *rewritten) undo() error {
	if c.created {
		return removeGuarded(c.path, c.data)
	}
	lease := &guarding{mode: guardLease}
	err := replaceSettled(lease, c.path, c.name, c.old, c.perm, false, int64(max(len(c.data), len(c.old)))+1, func(cur []byte) verdict {
		if !bytes.Equal(cur, c.old) && bytes.HasPrefix(c.data, cur) {
			return writeIt
		}
		return leaveIt
	})
	var ce *ConflictError
	if errors.As(err, &ce) && !ce.Open {
		return nil // saved by someone since: theirs
	}
	return err
}

// removeGuarded removes the file at path, created under a lease, if it still holds want or a
// prefix of it (cut short); a file that holds anything else is kept, as someone else's.
func removeGuarded(path string, want []byte) error {
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return nil // gone, or not a file the write made
	}
	g, err := openGuarded(&guarding{mode: guardLease}, path, path, false, 0)
	var ce *ConflictError
	if errors.As(err, &ce) && !ce.Open {
		return nil // gone since
	}
	if err != nil {
		return err
	}
	defer g.release()
	cur, err := g.read(int64(len(want)) + 1)
	if err != nil || !bytes.HasPrefix(want, cur) {
		return nil
	}
	return os.Remove(path)
}

// forEachFile runs do for each index in [0, n) on 8 goroutines, calling step before each is
// handed out (a test's delay), and stops handing out work once one fails. It returns the
// errors in index order. A panic in do is raised again in the caller's goroutine
// ([crash.Panic]).
func forEachFile(n int, step func(), do func(i int) error) []error {
	errs := make([]error, n)
	next := make(chan int)
	var failed sync.Once
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var panicked crash.First
	for range 8 {
		wg.Go(func() {
			for i := range next {
				if panicked.Go(func() { errs[i] = do(i) }) || errs[i] != nil {
					failed.Do(func() { close(stop) })
				}
			}
		})
	}
feed:
	for i := range n {
		step()
		select {
		case next <- i:
		case <-stop:
			break feed
		}
	}
	close(next)
	wg.Wait()
	panicked.Wait()
	return errs
}
