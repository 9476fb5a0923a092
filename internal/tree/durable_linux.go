package tree

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// openFilesystems opens one directory on each filesystem that holds a target's directory.
func openFilesystems(es []journalEntry) []*os.File {
	seenDir := map[string]bool{}
	seenDev := map[uint64]bool{}
	var fss []*os.File
	for _, e := range es {
		d := filepath.Dir(e.Target)
		if seenDir[d] {
			continue
		}
		seenDir[d] = true
		f, err := os.Open(d)
		if err != nil {
			// Its filesystem may be one no other directory is on: sync file by file.
			return closeAll(fss)
		}
		var st unix.Stat_t
		if err := unix.Fstat(int(f.Fd()), &st); err != nil || seenDev[st.Dev] {
			f.Close()
			if err != nil {
				return closeAll(fss)
			}
			continue
		}
		seenDev[st.Dev] = true
		fss = append(fss, f)
	}
	return fss
}

// closeAll closes fss and returns nil: syncEach is used instead.
func closeAll(fss []*os.File) []*os.File {
	for _, f := range fss {
		f.Close()
	}
	return nil
}

func syncfs(f *os.File) error {
	err := unix.Syncfs(int(f.Fd()))
	if errors.Is(err, unix.ENOSYS) {
		return errNoSyncfs
	}
	if err != nil {
		return &os.PathError{Op: "syncfs", Path: f.Name(), Err: err}
	}
	return nil
}
