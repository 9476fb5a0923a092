//go:build !linux

package tree

import (
	"errors"
	"io/fs"
	"runtime"
)

// errNoGuard is why acrgen does not write on this system: it has no way to keep another
// program's save from landing between acrgen's read of a file and its write.
var errNoGuard = errors.New("acrgen writes files only where it can keep a concurrent save from being overwritten (a Linux file lease); " + runtime.GOOS + " has no such guard")

// writesSupported says whether this system can guard a write: it cannot.
func writesSupported() error { return errNoGuard }

// guarded is never made here: openGuarded refuses.
type guarded struct{ mode fs.FileMode }

// openGuarded refuses: see errNoGuard.
func openGuarded(_, name string, _ bool, _ fs.FileMode) (*guarded, error) {
	return nil, errUnguarded(name, runtime.GOOS, errNoGuard)
}

func (*guarded) read(int64) ([]byte, error) { return nil, errNoGuard }
func (*guarded) write([]byte) error         { return errNoGuard }
func (*guarded) stillNamed() error          { return errNoGuard }
func (*guarded) release()                   {}
