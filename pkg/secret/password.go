package secret

import (
	"bytes"
	"fmt"
	"io"
)

// MaxPasswordSize is the longest password acrgen reads, in bytes. Registry passwords are far
// shorter (a service principal secret is 40 characters, a token password 44); the limit only
// stops a wrong source, such as /dev/zero or a large file, from being read without end.
const MaxPasswordSize = 64 << 10

// ReadPassword reads a password from r: at most [MaxPasswordSize] bytes, refusing a longer
// one, and without one trailing line ending (as `echo secret > file` leaves). A password holding
// a control character or NUL is refused: a registry password never does (a service principal
// secret and a token password are printable ASCII), so such a source is the wrong one, such as
// /proc/self/environ or a key file. The error never holds any byte of what was read.
func ReadPassword(r io.Reader) ([]byte, error) {
	// Past the limit and a line ending, one more byte tells a password that is too long.
	b, err := io.ReadAll(io.LimitReader(r, int64(MaxPasswordSize+len("\r\n")+1)))
	if err != nil {
		clear(b)
		return nil, err
	}
	pw := trimNewline(b)
	if len(pw) > MaxPasswordSize {
		clear(b)
		return nil, fmt.Errorf("longer than the %d-byte limit: is this the right source? registry passwords are under 100 characters", MaxPasswordSize)
	}
	if i := controlByte(pw); i >= 0 {
		clear(b)
		return nil, fmt.Errorf("holds a control character or NUL (at byte %d): a registry password never does; is this the right source?", i+1)
	}
	return pw, nil
}

// controlByte is the index of the first C0 control character or DEL in b, or -1.
func controlByte(b []byte) int {
	for i, c := range b {
		if c < 0x20 || c == 0x7f {
			return i
		}
	}
	return -1
}

// trimNewline drops one trailing line ending from a password, as `echo secret > file` leaves
// one. It returns a subslice of b: no copy of the password is made.
func trimNewline(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}
