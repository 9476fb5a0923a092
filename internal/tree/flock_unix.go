//go:build unix

package tree

import (
	"errors"
	"os"
	"syscall"
)

var errBusy = errors.New("locked by another process")

// flock takes (or converts to) an exclusive or shared lock on f without waiting; errBusy
// when another process holds a conflicting one.
func flock(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errBusy
	}
	return err
}

// alive reports whether process pid exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
