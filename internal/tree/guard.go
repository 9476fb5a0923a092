package tree

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/acrgen/acrgen/internal/crash"
)

// A write replaces a file only while it is guarded: opened with [openGuarded], which makes sure
// that no other program can change the file between the moment acrgen reads what it holds and
// the moment its new bytes are in it (guard_linux.go says how; where there is no such guard,
// guard_other.go refuses). The protocol:
//
//  1. open the file guarded (or create it, exclusively);
//  2. read what it holds through the guard and decide (a verdict): write, leave it, or keep
//     what someone else saved there;
//  3. write through the guard, and check that the file's name still leads to the file written
//     (a save by rename replaces the file: the user's version is then what the name holds);
//  4. release the guard.
//
// A program that saves the file in place meanwhile waits for the guard to go, then saves over
// acrgen's bytes; one that saves by rename replaces the file, which step 3 finds. Either way its
// bytes are never overwritten by acrgen.

// verdict is what a guarded write does with a file, given the bytes it holds.
type verdict int

const (
	writeIt    verdict = iota // the file holds what the write expects: replace it
	leaveIt                   // the file already holds what the write would put there
	keepTheirs                // someone else changed the file: keep it, and say so
)

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
	return &InputError{Path: path, Msg: fmt.Sprintf("has %d hard links: acrgen rewrites only files with one name, since a write through one name changes the others (which may lie outside the tree); nothing was written: replace it with a copy of its own (cp FILE FILE.copy && mv FILE.copy FILE)", n)}
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
func readGuarded(path, name string, max int64) ([]byte, fs.FileMode, error) {
	g, err := openGuarded(path, name, false, 0)
	if err != nil {
		return nil, 0, err
	}
	defer g.release()
	b, err := g.read(max)
	return b, g.mode, err
}

// replaceGuarded writes data into the file at path under the guard: it creates the file (mode
// perm, exclusively: a file that appeared meanwhile is a conflict) when create is true, else
// rewrites it when judge, given what it holds, says writeIt. keepTheirs is a *ConflictError.
// max (at least 1) bounds what is read of the file; errors name the file name.
func replaceGuarded(path, name string, data []byte, perm fs.FileMode, create bool, max int64, judge func([]byte) verdict) error {
	g, err := openGuarded(path, name, create, perm)
	if err != nil {
		return err
	}
	defer g.release()
	if !create {
		cur, err := g.read(max)
		var tooLarge *sizeError
		if errors.As(err, &tooLarge) {
			return &ConflictError{Path: name}
		}
		if err != nil {
			return err
		}
		switch judge(cur) {
		case leaveIt:
			return nil
		case keepTheirs:
			return &ConflictError{Path: name}
		}
	}
	if whileGuarded != nil {
		whileGuarded(path)
	}
	if err := g.write(data); err != nil {
		return err
	}
	return g.stillNamed()
}

// removeGuarded removes the file at path if it still holds want (a file a failed write
// created) or a prefix of it (cut short); a file that holds anything else is kept, as someone
// else's.
func removeGuarded(path string, want []byte) error {
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return nil // gone, or not a file the write made
	}
	g, err := openGuarded(path, path, false, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
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
