//go:build !linux

package tree

import "os"

// openFilesystems returns nothing: without syncfs, syncEach fsyncs each file.
func openFilesystems([]journalEntry) []*os.File { return nil }

func syncfs(*os.File) error { return errNoSyncfs }
