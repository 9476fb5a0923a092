package tree

import "golang.org/x/sys/unix"

// swapFiles swaps the files named a and b atomically (renameat2(2) RENAME_EXCHANGE, Linux 3.15;
// both names must exist). A filesystem without it is errNoExchange: renameat2 fails with EINVAL
// ("the filesystem does not support one of the flags"), or ENOSYS on a kernel without the call.
func swapFiles(a, b string) error {
	return renameErr("renameat2 RENAME_EXCHANGE", a, b, unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE))
}

// renameNoReplace renames a to b unless b exists (renameat2 RENAME_NOREPLACE: EEXIST, which
// errors.Is matches with fs.ErrExist).
func renameNoReplace(a, b string) error {
	return renameErr("renameat2 RENAME_NOREPLACE", a, b, unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_NOREPLACE))
}
