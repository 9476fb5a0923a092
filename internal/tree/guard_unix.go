//go:build unix

package tree

import (
	"errors"
	"io/fs"
	"syscall"
)

// What both guards check of a file they open: the same errors from the open, and the same
// kind of file once it is open.

// openedErr is the error of opening the file shown as name for a guarded write (created
// exclusively when create is true), in the terms of the writer, or nil.
func openedErr(name string, create bool, err error) error {
	switch {
	case err == nil:
		return nil
	case create && errors.Is(err, fs.ErrExist):
		return &ConflictError{Path: name}
	case errors.Is(err, syscall.ELOOP):
		return errSymlink(name)
	case errors.Is(err, syscall.EWOULDBLOCK):
		// Another program holds a lease on it (a file server, say).
		return &ConflictError{Path: name, Open: true}
	case !create && errors.Is(err, fs.ErrNotExist):
		return &ConflictError{Path: name} // renamed away since it was read
	}
	return err
}

// checkOpened checks the file shown as name, just opened for a guarded write (st): a regular
// file with one name, still named.
func checkOpened(name string, st *syscall.Stat_t) error {
	switch {
	case st.Mode&syscall.S_IFMT != syscall.S_IFREG:
		return &InputError{Path: name, Msg: "is not a regular file: acrgen rewrites only regular files; nothing was written"}
	case st.Nlink > 1:
		return errLinked(name, uint64(st.Nlink))
	case st.Nlink == 0:
		return &ConflictError{Path: name} // renamed over (saved by rename) since it was opened
	}
	return nil
}
