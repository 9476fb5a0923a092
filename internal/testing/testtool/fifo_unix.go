//go:build unix

package testtool

import "syscall"

// Mkfifo makes a FIFO at path, for tests that acrgen never blocks on one.
func Mkfifo(path string) error { return syscall.Mkfifo(path, 0o644) }
