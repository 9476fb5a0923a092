//go:build unix && !linux && !darwin

package tree

import "fmt"

// swapFiles cannot swap two files atomically here: this system has no call for it that acrgen
// uses (Linux's renameat2, macOS's renamex_np), so the rename guard refuses to write.
func swapFiles(a, b string) error {
	return fmt.Errorf("%w (no renameat2 or renamex_np on this system)", errNoExchange)
}

// renameNoReplace is refused for the same reason.
func renameNoReplace(a, b string) error { return swapFiles(a, b) }
