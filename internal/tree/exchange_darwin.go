package tree

import "golang.org/x/sys/unix"

// swapFiles swaps the files named a and b atomically (renamex_np(2) RENAME_SWAP, macOS 10.12:
// "on file systems that support it (see getattrlist(2) VOL_CAP_INT_RENAME_SWAP), it will cause
// the source and target to be atomically swapped", xnu bsd/man/man2/rename.2). APFS and HFS+
// support it; on a volume without it renamex_np fails (ENOTSUP), which is errNoExchange, and the
// exchange probe also catches a filesystem that would report success without swapping.
func swapFiles(a, b string) error {
	return renameErr("renamex_np RENAME_SWAP", a, b, unix.RenamexNp(a, b, unix.RENAME_SWAP))
}

// renameNoReplace renames a to b unless b exists (renamex_np RENAME_EXCL, on file systems with
// VOL_CAP_INT_RENAME_EXCL: EEXIST, which errors.Is matches with fs.ErrExist).
func renameNoReplace(a, b string) error {
	return renameErr("renamex_np RENAME_EXCL", a, b, unix.RenamexNp(a, b, unix.RENAME_EXCL))
}
