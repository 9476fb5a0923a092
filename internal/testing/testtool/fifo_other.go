//go:build !unix

package testtool

import "errors"

// Mkfifo fails where the filesystem has no FIFOs (Windows): tests that need one skip.
func Mkfifo(string) error { return errors.ErrUnsupported }
