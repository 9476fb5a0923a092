package tree

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// On Linux the guard is a write lease (fcntl F_SETLEASE, F_WRLCK) where the kernel grants one:
// it grants it only while no other process has the file open, and while acrgen holds it, any
// other open or truncate of the file waits until acrgen releases it (at most
// /proc/sys/fs/lease-break-time, 45 s by default; a write takes microseconds). So no save can
// reach the file between acrgen's read of it and its write, neither from a program that had it
// open before (there is none) nor from one that opens it meanwhile (it waits, then saves over
// acrgen's bytes). Where the kernel refuses a lease (a file of another user, NFS, FUSE, leases
// disabled), the rename guard (guard_rename.go) writes the file instead, and the run says so.

// leaseWait is how long a write waits for other programs to close a file it is to write (a
// build reading it, say) before it gives up with a conflict.
var leaseWait = time.Second

// setLease asks the kernel for a write lease on f; a variable for tests that simulate its
// refusal.
var setLease = func(f *os.File) error {
	_, err := unix.FcntlInt(f.Fd(), unix.F_SETLEASE, unix.F_WRLCK)
	return err
}

// noLease is the kernel's refusal of a write lease on a file, and why.
type noLease struct {
	why string
	err error
}

func (e *noLease) Error() string { return fmt.Sprintf("%s: %v", e.why, e.err) }

// openGuarded opens the regular file at path under the run's guard, or prepares to create it
// (mode perm; exclusively) when create is true: under a write lease, or, where the kernel
// refuses one (or gd asks for it), under the rename guard. It never follows a symlink in the
// file's place, never blocks on a FIFO or on another program's lease, and refuses a file with
// more than one name. Its errors name the file name.
func openGuarded(gd *guarding, path, name string, create bool, perm fs.FileMode) (guard, error) {
	if gd.mode == GuardRename {
		return openRenamed(gd, path, name, create, perm, errRenameChosen)
	}
	g, err := openLeased(path, name, create, perm)
	var refused *noLease
	switch {
	case errors.As(err, &refused) && gd.mode == GuardAuto:
		return openRenamed(gd, path, name, create, perm, refused)
	case errors.As(err, &refused):
		return nil, errUnguarded(name, refused.why, refused.err)
	}
	return g, err
}

// leased is a file open for reading and writing under a write lease.
type leased struct {
	f          *os.File
	path, name string      // name is the path as messages show it
	mode       fs.FileMode // its permission bits
	created    bool
}

// openLeased opens the regular file at path under a write lease, or creates it (mode perm;
// exclusively) when create is true. A lease the kernel refuses is a *noLease.
func openLeased(path, name string, create bool, perm fs.FileMode) (*leased, error) {
	flags := os.O_RDWR | syscall.O_NOFOLLOW | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	if create {
		flags |= os.O_CREATE | os.O_EXCL
	}
	f, err := os.OpenFile(path, flags, perm)
	if err != nil {
		return nil, openedErr(name, create, err)
	}
	g := &leased{f: f, path: path, name: name, created: create}
	if err := g.lease(); err != nil {
		f.Close()
		if create {
			os.Remove(path) // empty, and ours: no one could write it without the lease
		}
		return nil, err
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		g.release()
		return nil, err
	}
	g.mode = fs.FileMode(st.Mode & 0o777)
	if err := checkOpened(name, &st); err != nil {
		g.release()
		return nil, err
	}
	return g, nil
}

// lease takes the write lease, waiting up to leaseWait for other programs to close the file.
func (g *leased) lease() error {
	deadline := time.Now().Add(leaseWait)
	for pause := time.Millisecond; ; pause = min(2*pause, 50*time.Millisecond) {
		err := setLease(g.f)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, unix.EAGAIN) && time.Now().Before(deadline):
			time.Sleep(pause)
		case errors.Is(err, unix.EAGAIN):
			return &ConflictError{Path: g.name, Open: true}
		case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
			return &noLease{"the kernel grants a write lease only to the file's owner or to CAP_LEASE", err}
		default:
			return &noLease{"its filesystem does not grant write leases (fcntl F_SETLEASE)", err}
		}
	}
}

// read reads the whole file through the lease (at most max bytes plus one); once, before a
// write.
func (g *leased) read(max int64) ([]byte, error) {
	fi, err := g.f.Stat()
	if err != nil {
		return nil, err
	}
	return readAll(g.f, fi.Size(), max)
}

func (g *leased) perm() fs.FileMode { return g.mode }

// replace rewrites the file in place (truncated, then written from the start, so that a kill
// in between leaves a prefix of data, which recovery recognises), then checks that the file's
// name still leads to the file written: a save by rename since the open replaced it, and what
// the name holds is the user's.
func (g *leased) replace(data, cur []byte) (change, error) {
	ch := &rewritten{path: g.path, name: g.name, old: cur, data: data, perm: g.mode, created: g.created}
	if err := g.f.Truncate(0); err != nil {
		return ch, err
	}
	if _, err := g.f.WriteAt(data, 0); err != nil {
		return ch, err
	}
	fi, err := g.f.Stat()
	if err != nil {
		return ch, err
	}
	named, err := os.Lstat(g.path)
	if err != nil || !os.SameFile(fi, named) {
		return ch, &ConflictError{Path: g.name}
	}
	return ch, nil
}

// release closes the file, which gives the lease up: a program waiting to open it goes on.
func (g *leased) release() { g.f.Close() }
