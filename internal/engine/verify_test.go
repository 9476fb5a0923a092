package engine

import (
	"testing"

	"github.com/acrgen/acrgen/pkg/manifest"
)

func TestVerifyChanges(t *testing.T) {
	const (
		good   = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n"
		broken = "apiVersion: v1\nkind: Pod\nmetadata: [\n"
		// brokenBlock does not parse ("mapping values are not allowed in this context").
		brokenBlock = "apiVersion: v1\nkind: Pod\nmetadata: name: a\n"
	)
	if _, err := manifest.Parse([]byte(brokenBlock)); err == nil {
		t.Fatal("brokenBlock parses; the untouched-document case would prove nothing")
	}
	edited := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  imagePullSecrets:\n  - name: acr-secret\n"
	for _, c := range []struct {
		name    string
		changes []FileChange
		want    int // index of the change reported, -1 for none
	}{
		{"edits that parse", []FileChange{{Old: []byte(good), New: []byte(edited)}}, -1},
		{"a new file", []FileChange{{New: []byte(good + "---\n" + edited)}}, -1},
		{"an edit that breaks a document", []FileChange{
			{Old: []byte(good), New: []byte(edited)},
			{Old: []byte(good + "---\n" + good), New: []byte(good + "---\n" + good + "  - bad\n")},
		}, 1},
		{"the first of two broken changes", []FileChange{
			{Old: []byte(good), New: []byte(broken)},
			{Old: []byte(good), New: []byte(broken)},
		}, 0},
		// A document the edit did not touch is not parsed again: it was parsed at load time,
		// or the prefilter skipped it, and the edit cannot have broken it.
		// (A block-style one: flow syntax makes the duplicate-key scan parse it anyway.)
		{"an untouched document", []FileChange{{Old: []byte(brokenBlock + "---\n" + good), New: []byte(brokenBlock + "---\n" + edited)}}, -1},
		{"a broken new file", []FileChange{{New: []byte(good + "---\n" + broken)}}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			i, err := verifyChanges(c.changes)
			if i != c.want || (err != nil) != (c.want >= 0) {
				t.Fatalf("got change %d, error %v; want change %d", i, err, c.want)
			}
			if err == nil {
				return
			}
			// The same error, at the same line of the file, as parsing the whole file gives.
			if _, whole := manifest.Parse(c.changes[i].New); whole == nil || err.Error() != whole.Error() {
				t.Errorf("error %q; parsing the whole file gives %v", err, whole)
			}
		})
	}
}
