//go:build !unix

package main

// openNonblock is nothing where opening a file never waits for a writer (Windows has no FIFOs
// in the filesystem).
const openNonblock = 0
