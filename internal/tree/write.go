package tree

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write is one file to write: its path, new bytes and mode (used when the file is new).
type Write struct {
	Path string
	Data []byte
	Mode fs.FileMode
}

// WriteAll writes every file atomically and all-or-nothing as far as the filesystem allows:
// each file's bytes go to a temporary file in its own directory first; only when every
// temporary file is written are they renamed over their targets, so a reader (or an
// interrupted run) sees each file either as it was or as it is meant to be, never half
// written. An existing file keeps its permission bits. Files are not fsynced one by one: on
// a thousand-file tree that costs seconds, and rename-over-replace already makes ext4 and
// other common filesystems flush the new data before the rename is committed.
func WriteAll(ws []Write) (err error) {
	temps := make([]string, 0, len(ws))
	defer func() {
		if err != nil {
			for _, t := range temps {
				os.Remove(t)
			}
		}
	}()
	for _, w := range ws {
		mode := w.Mode
		if fi, err := os.Stat(w.Path); err == nil {
			mode = fi.Mode().Perm()
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("writing %s: %w", w.Path, err)
		}
		f, err := os.CreateTemp(filepath.Dir(w.Path), ".acrgen-*.tmp")
		if err != nil {
			return fmt.Errorf("writing %s: %w", w.Path, err)
		}
		temps = append(temps, f.Name())
		_, werr := f.Write(w.Data)
		if werr == nil {
			werr = f.Chmod(mode)
		}
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("writing %s: %w", w.Path, werr)
		}
	}
	for i, w := range ws {
		if err := os.Rename(temps[i], w.Path); err != nil {
			return fmt.Errorf("replacing %s: %w", w.Path, err)
		}
	}
	return nil
}
