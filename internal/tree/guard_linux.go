package tree

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// On Linux the guard is a write lease (fcntl F_SETLEASE, F_WRLCK): the kernel grants it only
// while no other process has the file open, and while acrgen holds it, any other open or
// truncate of the file waits until acrgen releases it (at most /proc/sys/fs/lease-break-time,
// 45 s by default; a write takes microseconds). So no save can reach the file between acrgen's
// read of it and its write, neither from a program that had it open before (there is none) nor
// from one that opens it meanwhile (it waits, then saves over acrgen's bytes).

// leaseWait is how long a write waits for other programs to close a file it is to write (a
// build reading it, say) before it gives up with a conflict.
var leaseWait = time.Second

// guarded is a file open for reading and writing under a write lease.
type guarded struct {
	f          *os.File
	path, name string      // name is the path as messages show it
	mode       fs.FileMode // its permission bits
}

// openGuarded opens the regular file at path under a write lease, or creates it (mode perm;
// exclusively) when create is true. It never follows a symlink in the file's place, never
// blocks on a FIFO or on another program's lease, and refuses a file with more than one name.
// Its errors name the file name.
func openGuarded(path, name string, create bool, perm fs.FileMode) (*guarded, error) {
	flags := os.O_RDWR | syscall.O_NOFOLLOW | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	if create {
		flags |= os.O_CREATE | os.O_EXCL
	}
	f, err := os.OpenFile(path, flags, perm)
	switch {
	case create && errors.Is(err, fs.ErrExist):
		return nil, &ConflictError{Path: name}
	case errors.Is(err, syscall.ELOOP):
		return nil, &InputError{Path: name, Msg: "is a symlink: acrgen rewrites only regular files; nothing was written"}
	case errors.Is(err, syscall.EWOULDBLOCK):
		// Another program holds a lease on it (a file server, say).
		return nil, &ConflictError{Path: name, Open: true}
	case err != nil:
		return nil, err
	}
	g := &guarded{f: f, path: path, name: name}
	if err := g.lease(); err != nil {
		f.Close()
		if create {
			os.Remove(path) // empty, and ours: no one could write it without the lease
		}
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		g.release()
		return nil, err
	}
	g.mode = fs.FileMode(st.Mode & 0o777)
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		g.release()
		return nil, &InputError{Path: name, Msg: "is not a regular file: acrgen rewrites only regular files; nothing was written"}
	case st.Nlink > 1:
		g.release()
		return nil, errLinked(name, uint64(st.Nlink))
	case st.Nlink == 0:
		// Renamed over (saved by rename) since it was opened.
		g.release()
		return nil, &ConflictError{Path: name}
	}
	return g, nil
}

// lease takes the write lease, waiting up to leaseWait for other programs to close the file.
func (g *guarded) lease() error {
	deadline := time.Now().Add(leaseWait)
	for pause := time.Millisecond; ; pause = min(2*pause, 50*time.Millisecond) {
		_, err := unix.FcntlInt(g.f.Fd(), unix.F_SETLEASE, unix.F_WRLCK)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, unix.EAGAIN) && time.Now().Before(deadline):
			time.Sleep(pause)
		case errors.Is(err, unix.EAGAIN):
			return &ConflictError{Path: g.name, Open: true}
		case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
			return errUnguarded(g.name, "a lease needs the file's owner or CAP_LEASE: run acrgen as the owner of the tree's files", err)
		default:
			return errUnguarded(g.name, "its filesystem does not grant write leases (fcntl F_SETLEASE)", err)
		}
	}
}

// read reads the whole file through the lease (at most max bytes plus one); once, before a
// write.
func (g *guarded) read(max int64) ([]byte, error) {
	fi, err := g.f.Stat()
	if err != nil {
		return nil, err
	}
	return readAll(g.f, fi.Size(), max)
}

// write replaces the file's bytes with data: truncated, then written from the start, so that
// a kill in between leaves a prefix of data, which recovery recognises.
func (g *guarded) write(data []byte) error {
	if err := g.f.Truncate(0); err != nil {
		return err
	}
	_, err := g.f.WriteAt(data, 0)
	return err
}

// stillNamed checks that the file's name still leads to the file written: a save by rename
// since the open replaced it, and what the name holds is the user's.
func (g *guarded) stillNamed() error {
	fi, err := g.f.Stat()
	if err != nil {
		return err
	}
	named, err := os.Lstat(g.path)
	if err != nil || !os.SameFile(fi, named) {
		return &ConflictError{Path: g.name}
	}
	return nil
}

// release closes the file, which gives the lease up: a program waiting to open it goes on.
func (g *guarded) release() { g.f.Close() }

// writesSupported says whether this system can guard a write: Linux can (each file's
// filesystem may still refuse a lease: openGuarded says so then).
func writesSupported() error { return nil }
