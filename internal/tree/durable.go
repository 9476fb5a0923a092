package tree

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// durable makes the files of a write durable at once, before the journal goes. On Linux it
// calls syncfs once for each filesystem the files are on: one flush of the filesystem's
// journal instead of one per file, which was most of a large run's system time. Elsewhere,
// or where syncfs fails as unsupported, it fsyncs each file and directory.
type durable struct {
	es  []journalEntry
	fss []*os.File // an open directory on each filesystem the targets are on (Linux)
}

// openDurable prepares to make es durable. It opens the filesystems before anything is
// written, so that syncfs reports a write-back error of any write made after.
func openDurable(es []journalEntry) *durable {
	return &durable{es: es, fss: openFilesystems(es)}
}

// syncFS is syncfs(2) on f's filesystem (a variable for tests).
var syncFS = syncfs

// sync makes every entry's file (and, for a new file, its directory entry) durable.
func (d *durable) sync() error {
	if len(d.es) == 0 {
		return nil
	}
	if len(d.fss) > 0 {
		var errs []error
		for _, f := range d.fss {
			errs = append(errs, syncFS(f))
		}
		err := errors.Join(errs...)
		if !errors.Is(err, errNoSyncfs) {
			return err
		}
	}
	return syncEach(d.es)
}

func (d *durable) close() {
	for _, f := range d.fss {
		f.Close()
	}
}

// errNoSyncfs is syncfs where the system does not have it.
var errNoSyncfs = errors.New("syncfs is not supported")

// syncEach fsyncs each entry's file, then each directory that holds one. A file an undo
// removed is skipped.
func syncEach(es []journalEntry) error {
	var errs []error
	for _, e := range es {
		f, err := openFile(e.Target)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil {
			err = f.Sync()
			f.Close()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.Target, err))
		}
	}
	syncDirs(es)
	return errors.Join(errs...)
}

// syncDirs fsyncs the directories of the entries' targets, so that new files are on disk.
// Errors are ignored: some filesystems cannot fsync a directory.
func syncDirs(es []journalEntry) {
	seen := map[string]bool{}
	for _, e := range es {
		d := filepath.Dir(e.Target)
		if !seen[d] {
			seen[d] = true
			syncDir(d)
		}
	}
}

// openFile opens the regular file at p for reading, or fails if p is a symlink or anything
// else: the file opened is the one named p (checked after the open, so a symlink put in its
// place meanwhile is found too).
func openFile(p string) (*os.File, error) {
	named, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !named.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: p, Err: errors.New("replaced by a symlink or another kind of file while acrgen wrote")}
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !os.SameFile(fi, named) {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: p, Err: errors.New("replaced by a symlink or another file while acrgen wrote")}
	}
	return f, nil
}

func syncDir(d string) {
	if f, err := os.Open(d); err == nil {
		f.Sync()
		f.Close()
	}
}
