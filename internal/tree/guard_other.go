//go:build !unix

package tree

import (
	"errors"
	"io/fs"
	"runtime"
)

// errNoGuard is why acrgen does not write on this system: it has no way that acrgen relies on
// to keep another program's save from landing between acrgen's read of a file and its write.
var errNoGuard = errors.New("acrgen writes files only where it can keep a concurrent save from being overwritten (a Linux file lease, or a file exchanged atomically on a unix system); " + runtime.GOOS + " has no such guard in acrgen")

// writesSupported says whether this system can guard a write: it cannot.
func writesSupported() error { return errNoGuard }

// openGuarded refuses: see errNoGuard.
func openGuarded(_ *guarding, _, name string, _ bool, _ fs.FileMode) (guard, error) {
	return nil, errUnguarded(name, runtime.GOOS, errNoGuard)
}

// removeProbes has nothing to remove: no write is made here.
func removeProbes(string) {}

// clearAside has nothing to clear: no write is made here.
func clearAside(journalEntry) (string, error) { return "", nil }
