//go:build unix

package tree

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"
)

// The rename guard writes a file where there is no write lease (macOS, other unix systems, and
// Linux where the kernel refuses one). It holds the original open from its read to the end of
// its replacement, and:
//
//  1. writes the new bytes into a temporary file beside it (acrgen's own name, derived from
//     the file's: asideName), with the original's mode and owner;
//  2. checks, right before step 3, that the name still leads to the original and that the
//     original, read again through the descriptor held, still holds what the run read;
//  3. exchanges the two names atomically (renameat2 RENAME_EXCHANGE on Linux, renamex_np
//     RENAME_SWAP on macOS): the name now holds the new file, and the temporary name holds
//     what the name held an instant before;
//  4. checks that what it holds is the original (a save by rename in the instant between steps
//     2 and 3 would be there instead), and that the original still holds what was read (a save
//     in place into it);
//  5. keeps the original under the temporary name until every file of the run is replaced,
//     then checks it once more (change.check) and removes it (change.drop).
//
// A mismatch at step 2 removes the temporary file; at step 4 or 5, the exchange is undone,
// which puts the user's file (the very inode they saved into) back in place. A program that
// opens the file after step 3 gets the new file, and its save lands on top of acrgen's. What
// the guard cannot see is a program that opened the original before step 3 and first writes
// to it after the check of step 5: that write lands in a file no longer named.
//
// The exchange needs a filesystem that supports it; each filesystem is tried once per run
// (probeExchange) before the first file on it is replaced. One that cannot exchange (NFS, SMB,
// FUSE filesystems without it) is refused. A plain rename would replace whatever a save by
// rename had just put in the name, unseen.

// writesSupported says whether this system can guard a write: unix systems can (a file or
// filesystem may still refuse: openGuarded and the exchange probe say so then).
func writesSupported() error { return nil }

// renameStep, when set, runs in the rename guard's replace right before the exchange
// ("exchange", once the file is checked), right after it ("exchanged", before the check of what
// was exchanged), and right before a new file is renamed into place ("create"); for tests that
// save the file in those instants.
var renameStep func(step, path string)

// exchange swaps the files named a and b atomically (swapFiles); a variable for tests that
// simulate a filesystem which refuses the exchange, or only pretends to make it.
var exchange = swapFiles

// errNoExchange is a filesystem (or system) that cannot exchange two files atomically.
var errNoExchange = errors.New("its filesystem cannot exchange two files atomically")

// renameErr is the error of a rename (op) of a to b: errNoExchange where the filesystem or the
// system does not support the flag asked for (EINVAL on Linux, ENOTSUP on macOS; ENOSYS without
// the call).
func renameErr(op, a, b string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.ENOTSUP), errors.Is(err, unix.EOPNOTSUPP):
		return fmt.Errorf("%w (%s: %v)", errNoExchange, op, err)
	}
	return &os.LinkError{Op: op, Old: a, New: b, Err: err}
}

// asideName is the temporary name beside path that the rename guard uses for it: the new file
// before the exchange, the original after it.
func asideName(path string) string {
	return filepath.Join(filepath.Dir(path), ".acrgen."+sum([]byte(filepath.Base(path)))[:16]+".swap")
}

// probeNames are the two files probeExchange exchanges in a directory.
var probeNames = [2]string{".acrgen.probe.a", ".acrgen.probe.b"}

// renamed is a file open under the rename guard.
type renamed struct {
	gd                *guarding
	f                 *os.File    // the original, held open from its read to its replacement (nil for a new file)
	fi                fs.FileInfo // the original's identity
	path, name, aside string
	mode              fs.FileMode
	uid, gid          int   // the original's owner and group, which the new file keeps
	noLease           error // why the kernel granted no lease (Linux), for the run's note; nil elsewhere
}

// openRenamed opens the regular file at path under the rename guard, or prepares to create it
// (mode perm) when create is true. noLease is why no lease was granted, or nil where leases are
// not tried. Like the lease, it never follows a symlink in the file's place, never blocks on a
// FIFO, refuses a file with more than one name, and needs the file (and its directory) to be
// writable by this user; it also refuses a file whose owner a new file could not keep.
func openRenamed(gd *guarding, path, name string, create bool, perm fs.FileMode, noLease error) (*renamed, error) {
	g := &renamed{gd: gd, path: path, name: name, aside: asideName(path), mode: perm, noLease: noLease}
	if err := unix.Faccessat(unix.AT_FDCWD, filepath.Dir(path), unix.W_OK|unix.X_OK, unix.AT_EACCESS); err != nil {
		return nil, &fs.PathError{Op: "write into the directory of", Path: path, Err: err}
	}
	if create {
		return g, nil
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, openedErr(name, false, err)
	}
	if err := g.hold(f); err != nil {
		f.Close()
		return nil, err
	}
	return g, nil
}

// hold makes f, just opened, the original g replaces, once it is found to be one it may replace.
func (g *renamed) hold(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	st := fi.Sys().(*syscall.Stat_t)
	if err := checkOpened(g.name, st); err != nil {
		return err
	}
	// The lease opens the file for writing; a file this user may not write is not replaced either.
	if err := unix.Faccessat(unix.AT_FDCWD, g.path, unix.W_OK, unix.AT_EACCESS); err != nil {
		return &fs.PathError{Op: "open", Path: g.path, Err: err}
	}
	g.f, g.fi, g.mode, g.uid, g.gid = f, fi, fi.Mode().Perm(), int(st.Uid), int(st.Gid)
	if !mayOwn(g.uid, g.gid) {
		return g.refuse(fmt.Sprintf("the rename guard would give it a new owner (it belongs to user %d, group %d)", g.uid, g.gid), "run acrgen as the owner of the tree's files")
	}
	return nil
}

// mayOwn reports whether this process can give a file it creates the owner uid and group gid:
// as root, or as that owner in that group.
func mayOwn(uid, gid int) bool {
	if os.Geteuid() == 0 {
		return true
	}
	if uid != os.Geteuid() {
		return false
	}
	groups, _ := os.Getgroups()
	return gid == os.Getegid() || slices.Contains(groups, gid)
}

// refuse is the input error of a file the rename guard cannot write: what stops it, and what
// to do; on Linux, with why there was no lease either.
func (g *renamed) refuse(what, fix string) error {
	msg := "acrgen cannot keep other programs from saving it while it writes: "
	if g.noLease != nil && !errors.Is(g.noLease, errRenameChosen) {
		msg += fmt.Sprintf("no write lease (%v), and ", g.noLease)
	}
	return &InputError{Path: g.name, Msg: msg + what + "; nothing was written: " + fix}
}

// read reads the original from its start through the descriptor held (at most max bytes, plus
// one to tell a longer file).
func (g *renamed) read(max int64) ([]byte, error) {
	fi, err := g.f.Stat()
	if err != nil {
		return nil, err
	}
	if _, err := g.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return readAll(g.f, fi.Size(), max)
}

// holds reports whether the original still holds cur.
func (g *renamed) holds(cur []byte) bool {
	b, err := g.read(int64(len(cur)) + 1)
	return err == nil && string(b) == string(cur)
}

func (g *renamed) perm() fs.FileMode { return g.mode }

func (g *renamed) release() {
	if g.f != nil {
		g.f.Close()
	}
}

// replace puts data in the original's place (steps 1 to 4 above), or creates the file: its
// temporary file is renamed into place only if no file has the name by then. The change keeps
// the original aside until it is dropped.
func (g *renamed) replace(data, cur []byte) (change, error) {
	if err := g.gd.canExchange(filepath.Dir(g.path)); err != nil {
		return nil, g.refuse(err.Error(), "work on a local filesystem (ext4, XFS, btrfs, tmpfs; APFS on macOS)")
	}
	fresh, err := g.writeAside(data)
	if err != nil {
		return nil, err
	}
	s := &swap{path: g.path, name: g.name, aside: g.aside, created: g.f == nil, new: fresh, newSum: sum(data), newLen: len(data)}
	if s.created {
		if renameStep != nil {
			renameStep("create", g.path)
		}
		if err := renameNoReplace(g.aside, g.path); err != nil {
			os.Remove(g.aside)
			if errors.Is(err, fs.ErrExist) {
				return nil, &ConflictError{Path: g.name}
			}
			return nil, err
		}
		g.fellBack()
		return s, nil
	}
	if !g.stillNamed() || !g.holds(cur) {
		os.Remove(g.aside)
		return nil, &ConflictError{Path: g.name}
	}
	if renameStep != nil {
		renameStep("exchange", g.path)
	}
	if err := exchange(g.aside, g.path); err != nil {
		os.Remove(g.aside)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &ConflictError{Path: g.name} // renamed away in the instant before
		}
		return nil, err
	}
	s.old, s.oldSum, s.oldLen = g.fi, sum(cur), len(cur)
	if renameStep != nil {
		renameStep("exchanged", g.path)
	}
	if fi, err := os.Lstat(g.aside); err != nil || !os.SameFile(fi, g.fi) || !g.holds(cur) {
		// Saved by rename in the instant before the exchange, or saved into in place: theirs goes
		// back in place.
		if err := s.undo(); err != nil {
			return s, errors.Join(&ConflictError{Path: g.name}, err)
		}
		return nil, &ConflictError{Path: g.name}
	}
	g.fellBack()
	return s, nil
}

// stillNamed reports whether the file's name still leads to the original held.
func (g *renamed) stillNamed() bool {
	fi, err := os.Lstat(g.path)
	return err == nil && os.SameFile(fi, g.fi)
}

// fellBack notes the file written, on Linux, where the kernel granted no lease.
func (g *renamed) fellBack() {
	if g.noLease != nil {
		g.gd.fellBack(g.name, g.noLease)
	}
}

// writeAside writes data into the temporary file, created exclusively: with the original's mode
// and owner, or for a new file with the mode asked for (less the umask, as the lease creates
// one). It returns the new file's identity; on an error, the temporary file is gone.
func (g *renamed) writeAside(data []byte) (fs.FileInfo, error) {
	perm := fs.FileMode(0o600)
	if g.f == nil {
		perm = g.mode
	}
	t, err := os.OpenFile(g.aside, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, perm)
	if errors.Is(err, fs.ErrExist) {
		return nil, &InputError{Path: g.name, Msg: fmt.Sprintf("acrgen's temporary file for it, %s, is in the way (an original kept by an earlier run, or left by a run whose journal is gone): look at it, remove it, and run acrgen again; nothing was written", g.aside)}
	}
	if err != nil {
		return nil, err
	}
	fi, err := g.fill(t, data)
	if cerr := t.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(g.aside)
		return nil, err
	}
	return fi, nil
}

// fill writes data into t and, in place of an original, gives it the original's owner, group
// and mode.
func (g *renamed) fill(t *os.File, data []byte) (fs.FileInfo, error) {
	if _, err := t.Write(data); err != nil {
		return nil, err
	}
	fi, err := t.Stat()
	if err != nil || g.f == nil {
		return fi, err
	}
	if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != g.uid || int(st.Gid) != g.gid {
		if err := t.Chown(g.uid, g.gid); err != nil {
			return nil, err
		}
	}
	return fi, t.Chmod(g.mode)
}

// canExchange reports whether the filesystem holding dir exchanges two files atomically, trying
// it once per filesystem and run.
func (gd *guarding) canExchange(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	dev := uint64(fi.Sys().(*syscall.Stat_t).Dev)
	gd.mu.Lock()
	defer gd.mu.Unlock()
	if err, ok := gd.exchanges[dev]; ok {
		return err
	}
	if gd.exchanges == nil {
		gd.exchanges = map[uint64]error{}
	}
	err = probeExchange(dir)
	gd.exchanges[dev] = err
	return err
}

// probeExchange exchanges two files of its own in dir and checks that they were exchanged:
// some filesystems refuse an exchange, and a few have been known to rename one file over the
// other instead, reporting success.
func probeExchange(dir string) error {
	removeProbes(dir)
	defer removeProbes(dir)
	a, b := filepath.Join(dir, probeNames[0]), filepath.Join(dir, probeNames[1])
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte(p), 0o600); err != nil {
			return err
		}
	}
	if err := exchange(a, b); err != nil {
		return err
	}
	ga, erra := os.ReadFile(a)
	gb, errb := os.ReadFile(b)
	if erra != nil || errb != nil || string(ga) != b || string(gb) != a {
		return fmt.Errorf("%w: it reported an exchange in %s but did not make one", errNoExchange, dir)
	}
	return nil
}

// swap is a file the rename guard replaced (or created), with its original kept aside.
type swap struct {
	path, name, aside string
	created           bool
	old, new          fs.FileInfo // the original's identity, and the new file's
	oldSum, newSum    string      // what they held (sha256)
	oldLen, newLen    int
}

// check reports whether the original kept aside still holds what the run read.
func (s *swap) check() error {
	if s.created || s.holds(s.aside, s.old, s.oldSum, s.oldLen) {
		return nil
	}
	return &ConflictError{Path: s.name}
}

// drop removes the original kept aside.
func (s *swap) drop() error {
	if s.created {
		return nil
	}
	if err := os.Remove(s.aside); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// undo puts the original back in the file's place (removes a created file), unless someone
// saved over the new file since: theirs is kept, and the original goes.
func (s *swap) undo() error {
	isNew := func(p string) bool { return s.holds(p, s.new, s.newSum, s.newLen) }
	if s.created {
		if isNew(s.path) {
			return os.Remove(s.path)
		}
		return nil
	}
	if isNew(s.path) {
		if err := exchange(s.aside, s.path); err != nil {
			return fmt.Errorf("putting %s back: %w", s.name, err)
		}
		if !isNew(s.aside) {
			// Someone replaced the new file in the instant before: theirs goes back in place.
			if err := exchange(s.aside, s.path); err != nil {
				return fmt.Errorf("putting %s back: %w", s.name, err)
			}
		}
	}
	// What is aside now: the new file, or the original, unless someone saved into it.
	if isNew(s.aside) || s.holds(s.aside, s.old, s.oldSum, s.oldLen) {
		return s.drop()
	}
	if _, err := os.Lstat(s.aside); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return fmt.Errorf("%s and its original were both saved while acrgen wrote it: the original is kept as %s; compare the two, keep one, and remove the other", s.name, s.aside)
}

// holds reports whether the file at p is the file id and holds n bytes whose sha256 is want.
func (s *swap) holds(p string, id fs.FileInfo, want string, n int) bool {
	b, fi, err := readNoFollow(p, int64(max(n, 1)))
	return err == nil && os.SameFile(fi, id) && sum(b) == want
}

// readNoFollow reads the regular file at p (at most max bytes, plus one to tell a longer file),
// never through a symlink in its place.
func readNoFollow(p string, max int64) ([]byte, fs.FileInfo, error) {
	return readRegular(p, syscall.O_NOFOLLOW|syscall.O_CLOEXEC, max)
}

// removeProbes removes probeExchange's files from dir (left there if a run was killed while
// it probed).
func removeProbes(dir string) {
	for _, n := range probeNames {
		os.Remove(filepath.Join(dir, n))
	}
}

// clearAside handles what a killed run's rename guard may have left under e's target's
// temporary name (asideName): its new bytes on their way in, or the original it kept aside,
// which go; or the original holding a save made into it after the exchange, which goes back in
// the target's place if the target still holds acrgen's bytes (or a prefix of them), and is
// otherwise kept: kept is then its path, for the warning.
func clearAside(e journalEntry) (kept string, err error) {
	aside := asideName(e.Target)
	limit := int64(max(len(e.Data), DefaultMaxFileSize))
	b, _, err := readNoFollow(aside, limit)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("reading %s, beside %s: %w", aside, e.Target, err)
	case sum(b) == e.Old || bytes.HasPrefix(e.Data, b):
		return "", os.Remove(aside)
	}
	if cur, _, err := readNoFollow(e.Target, limit); err == nil && bytes.HasPrefix(e.Data, cur) {
		if err := exchange(aside, e.Target); err != nil {
			return "", fmt.Errorf("putting back %s, saved while an acrgen run wrote it: %w", e.Target, err)
		}
		if b, _, err := readNoFollow(aside, limit); err == nil && bytes.HasPrefix(e.Data, b) {
			return "", os.Remove(aside)
		}
	}
	return aside, nil
}
