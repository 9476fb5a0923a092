//go:build unix

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acrgen/acrgen/pkg/secret"
)

var errReadIt = errors.New("read it")

// readInDir reads only regular files inside its directory: a symlink out of it, a FIFO (at once,
// without waiting for a writer), a directory and a device are refused; a symlink that stays
// inside and a file in a subdirectory are read; no more than twice the password limit is read.
func TestReadInDirStaysInsideThePackage(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "id_rsa")
	write(t, outside, "-----BEGIN OPENSSH PRIVATE KEY-----\n")
	pkg := t.TempDir()
	write(t, filepath.Join(pkg, "secrets", "pw"), testPassword+"\n")
	write(t, filepath.Join(pkg, "big"), strings.Repeat("p", 4*secret.MaxPasswordSize))
	for name, target := range map[string]string{"out": outside, "up": "../" + filepath.Base(filepath.Dir(outside)) + "/id_rsa", "in": "secrets/pw", "dev": "/dev/zero"} {
		if err := os.Symlink(target, filepath.Join(pkg, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(pkg, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"out", "up", "dev", "fifo", "secrets", "/etc/hostname", "../x"} {
		done := make(chan error, 1)
		go func() {
			b, err := readInDir(pkg, name)
			if err == nil {
				err = errReadIt
			}
			if b != nil {
				err = errors.Join(err, errors.New("returned bytes"))
			}
			done <- err
		}()
		select {
		case err := <-done:
			if errors.Is(err, errReadIt) || strings.Contains(err.Error(), "returned bytes") {
				t.Errorf("%s: want a refusal, got %v", name, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: reading it blocked", name)
		}
	}
	for _, name := range []string{"secrets/pw", "in"} {
		if b, err := readInDir(pkg, name); err != nil || string(b) != testPassword+"\n" {
			t.Errorf("%s: got %q, %v", name, b, err)
		}
	}
	if b, err := readInDir(pkg, "big"); err != nil || len(b) != 2*secret.MaxPasswordSize {
		t.Errorf("big: read %d bytes, %v; want the bound %d", len(b), err, 2*secret.MaxPasswordSize)
	}
}
