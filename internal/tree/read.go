package tree

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"unicode/utf8"
)

// Reading is the second step of a load: every file the loader reads (a kustomization, a
// patch, a manifest) is read here, as a regular file of bounded size.

// reader reads the files of one load.
type reader struct {
	max     int64 // the largest file read
	display func(string) string
}

// read reads the manifest or kustomization at p (its real path): a regular file, no larger
// than the limit, and UTF-8, as YAML must be.
func (rd reader) read(p string) ([]byte, fs.FileMode, error) {
	b, fi, err := ReadRegular(p, rd.max)
	if err != nil {
		return nil, 0, &InputError{Path: rd.display(p), Msg: err.Error()}
	}
	if !utf8.Valid(b) {
		line := 1 + strings.Count(string(b[:firstInvalidUTF8(b)]), "\n")
		return nil, 0, &InputError{Path: rd.display(p), Line: line, Msg: "not valid UTF-8 (YAML files must be UTF-8)"}
	}
	return b, fi.Mode().Perm(), nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, w := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && w <= 1 {
			return i
		}
		i += w
	}
	return len(b)
}

// ErrNotRegular is returned for a path that is not a regular file: a FIFO, a socket or a
// device, which would block a read forever or never end.
var ErrNotRegular = errors.New("not a regular file (a FIFO, socket or device): acrgen reads only regular files")

// ReadRegular reads the regular file at p, refusing anything else and any file larger than
// max bytes (max <= 0 means no limit). It opens without blocking and checks the open file, so
// a FIFO put in place after a stat cannot hang it, and it reads at most max+1 bytes, so a file
// that grows meanwhile cannot exhaust memory. An open error is returned as it is (errors.Is
// with fs.ErrNotExist works).
func ReadRegular(p string, max int64) ([]byte, fs.FileInfo, error) {
	return readRegular(p, 0, max)
}

// readRegular is ReadRegular, opening p with flags besides (syscall.O_NOFOLLOW: never through
// a symlink in its place).
func readRegular(p string, flags int, max int64) ([]byte, fs.FileInfo, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK|flags, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, ErrNotRegular
	}
	b, err := readAll(f, fi.Size(), max)
	if err != nil {
		return nil, nil, err
	}
	return b, fi, nil
}

// readAll reads f, just opened, to its end: at most max bytes plus one (max <= 0: no limit), so
// that a file that grows meanwhile cannot exhaust memory, into one buffer sized from size (its
// stat), as os.ReadFile does.
func readAll(f *os.File, size, max int64) ([]byte, error) {
	if max > 0 && size > max {
		return nil, &sizeError{size, max}
	}
	var r io.Reader = f
	if max > 0 {
		r = io.LimitReader(r, max+1)
	}
	b := make([]byte, 0, size+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
	if max > 0 && int64(len(b)) > max {
		return nil, &sizeError{int64(len(b)), max}
	}
	return b, nil
}

// sizeError is a file over the size limit.
type sizeError struct{ size, max int64 }

func (e *sizeError) Error() string {
	return fmt.Sprintf("file is %d bytes, more than the %d-byte limit (--max-file-size)", e.size, e.max)
}
