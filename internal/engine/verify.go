package engine

import (
	"bytes"

	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/manifest"
)

// verifyChanges parses, on every core, each new file's documents that differ from the old
// file's document at the same place, and returns the index of the first change that does not
// parse (in the order of changes) and its error, or -1. A document acrgen did not edit is
// left alone: it parsed when the tree was loaded, or the prefilter skipped it as irrelevant,
// and either way an edit cannot have broken it. A change whose edits all have a proven shape
// (yamledit.Proven: an entry or item added in block style where the source shows exactly how it
// parses) is not parsed either: its parse is the old one plus the additions.
func verifyChanges(changes []FileChange) (int, error) {
	errs := make([]error, len(changes))
	tree.ForEach(len(changes), func(i int) error {
		if !changes[i].proven {
			errs[i] = parseEdited(changes[i].Old, changes[i].New)
		}
		return nil
	})
	for i, err := range errs {
		if err != nil {
			return i, err
		}
	}
	return -1, nil
}

// parseEdited parses the documents of updated that are not byte for byte the document of old
// at the same position (all of them for a new file).
func parseEdited(old, updated []byte) error {
	var olds [][]byte
	if len(old) > 0 {
		// Split old into documents the way the parser will split updated; parse nothing.
		manifest.ParseRelevant(old, func(doc []byte) bool { olds = append(olds, doc); return false })
	}
	n := 0
	_, err := manifest.ParseRelevant(updated, func(doc []byte) bool {
		same := n < len(olds) && bytes.Equal(doc, olds[n])
		n++
		return !same
	})
	return err
}
