//go:build unix && !linux

package tree

import "io/fs"

// openGuarded opens the regular file at path under the rename guard (guard_rename.go), or
// prepares to create it (mode perm) when create is true: this system has no write lease that
// acrgen can rely on (macOS 13 added F_SETLEASE, but an unprivileged process has been reported
// to get EPERM from it), so gd's choice does not matter here. Its errors name the file name.
func openGuarded(gd *guarding, path, name string, create bool, perm fs.FileMode) (guard, error) {
	return openRenamed(gd, path, name, create, perm, nil)
}
