package secret

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// ReadPassword drops one line ending, reads a password at the limit in full, and refuses a
// longer one without reading it all or echoing it.
func TestReadPassword(t *testing.T) {
	for in, want := range map[string]string{"pw\n": "pw", "pw\r\n": "pw", "pw": "pw", "": "", "p w~": "p w~"} {
		got, err := ReadPassword(strings.NewReader(in))
		if err != nil || string(got) != want {
			t.Errorf("ReadPassword(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	full := bytes.Repeat([]byte("p"), MaxPasswordSize)
	for _, end := range []string{"", "\n", "\r\n"} {
		if got, err := ReadPassword(bytes.NewReader(append(full, end...))); err != nil || len(got) != MaxPasswordSize {
			t.Fatalf("a password of exactly the limit, ending %q: %d bytes, %v", end, len(got), err)
		}
	}
	for _, end := range []string{"x", "\nx", "\r\nx", "\n\n"} {
		if _, err := ReadPassword(bytes.NewReader(append(full, end...))); err == nil {
			t.Fatalf("a password past the limit, ending %q: want an error", end)
		}
	}
	endless := &countingReader{r: zeros{}}
	_, err := ReadPassword(endless)
	if err == nil || !strings.Contains(err.Error(), "65536-byte limit") {
		t.Fatalf("an endless source: want the limit error, got %v", err)
	}
	if endless.n > MaxPasswordSize+4096 {
		t.Fatalf("read %d bytes from an endless source", endless.n)
	}
	if _, err := ReadPassword(strings.NewReader("SECRETVALUE" + string(full))); err == nil || strings.Contains(err.Error(), "SECRETVALUE") {
		t.Fatalf("an over-long password: want an error without the value, got %v", err)
	}
}

// A password holding a control character or NUL is refused without echoing it: what
// /proc/self/environ, a key file or a second line look like, and no registry password.
func TestReadPasswordRefusesControlCharacters(t *testing.T) {
	for _, in := range []string{"pw\n\n", "SECRET\x00HOME=/root", "SECRET\nline2", "SECRET\tx", "SECRET\x7f", "\x1b[2JSECRET", "SECRET\rX"} {
		got, err := ReadPassword(strings.NewReader(in))
		if err == nil || got != nil {
			t.Errorf("ReadPassword(%q) = %q, %v; want a refusal", in, got, err)
			continue
		}
		if !strings.Contains(err.Error(), "control character") || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("ReadPassword(%q): want an error naming the control character without the value, got %v", in, err)
		}
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestTrimNewline(t *testing.T) {
	for in, want := range map[string]string{
		"secret": "secret", "secret\n": "secret", "secret\r\n": "secret", "secret\n\n": "secret\n",
		"sec ret \n": "sec ret ", "\n": "", "": "", "secret\r": "secret",
	} {
		if got := string(trimNewline([]byte(in))); got != want {
			t.Errorf("trimNewline(%q) = %q, want %q", in, got, want)
		}
	}
}
