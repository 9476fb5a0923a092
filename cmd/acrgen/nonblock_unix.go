//go:build unix

package main

import "syscall"

// openNonblock opens a FIFO without waiting for a writer; on a regular file it changes nothing.
const openNonblock = syscall.O_NONBLOCK
