package tree

import (
	"io/fs"
	"os"
)

// ReadFile reads a file of the tree at root (absolute, symlinks resolved, as [Tree.Root]) with
// the checks [Load] applies to manifests: a symlink must not lead out of root, the file must be
// a regular file, no larger than opts.MaxFileSize, and UTF-8. A missing file gives an error
// that matches fs.ErrNotExist, so callers can treat absence as "not written yet".
func ReadFile(root, path string, opts Options) ([]byte, fs.FileMode, error) {
	if opts.MaxFileSize == 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	if opts.Display == nil {
		opts.Display = func(s string) string { return s }
	}
	if _, err := os.Lstat(path); err != nil {
		return nil, 0, err
	}
	l := &loader{opts: opts, root: root}
	real, typ, err := l.resolve(path, path, 0)
	if err != nil {
		return nil, 0, err
	}
	if !typ.IsRegular() {
		return nil, 0, &InputError{Path: l.display(path), Msg: "not a regular file: acrgen reads and writes plain files only"}
	}
	return l.readFile(real)
}
