package tree

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// guardedTree writes a.yaml and b.yaml ("old\n") into a fresh tree and locks it for writes under
// g; saveAt, when set, runs while b.yaml is guarded, between acrgen's read of it and its write.
func guardedTree(t *testing.T, g Guard, saveAt func(path string)) (lk *Lock, a, b string, ws []Write) {
	t.Helper()
	dir := t.TempDir()
	a, b = filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	for _, p := range []string{a, b} {
		writeTestFile(t, p, "old\n")
		ws = append(ws, Write{Path: p, Data: []byte("new\n"), Old: []byte("old\n")})
	}
	if saveAt != nil {
		whileGuarded = func(p string) {
			if filepath.Base(p) == "b.yaml" {
				saveAt(p)
			}
		}
		t.Cleanup(func() { whileGuarded = nil })
	}
	return lockWith(t, dir, g), a, b, ws
}

// A save by rename (a new file put in the old one's place) while acrgen holds the old one is
// found after the write: the user's file is kept, the files already written are put back, and
// the conflict names the file.
func TestGuardedWriteFindsASaveByRename(t *testing.T) {
	forEachGuard(t, func(t *testing.T, g Guard) {
		lk, a, b, ws := guardedTree(t, g, func(p string) { saveByRename(t, p) })
		wantAsBefore(t, lk.WriteAll(context.Background(), ws), lk, a, b)
	})
}

// saveByRename saves "saved by the user" into p as most editors do: a new file renamed over it.
func saveByRename(t *testing.T, p string) {
	t.Helper()
	writeTestFile(t, p+".save", "saved by the user\n")
	if err := os.Rename(p+".save", p); err != nil {
		t.Fatal(err)
	}
}

// wantAsBefore checks that the run was refused with a conflict naming b.yaml, that b.yaml holds
// the user's save and a.yaml its old bytes, and that nothing of acrgen's is left in the directory:
// no temporary file, original kept aside, probe or journal.
func wantAsBefore(t *testing.T, err error, lk *Lock, a, b string) {
	t.Helper()
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Path != b || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("want a conflict naming b.yaml, got %v", err)
	}
	wantFiles(t, map[string]string{a: "old\n", b: "saved by the user\n"})
	if es := entries(t, filepath.Dir(a)); fmt.Sprint(es) != "[a.yaml b.yaml]" {
		t.Errorf("the directory holds %v, want only a.yaml and b.yaml", es)
	}
	if _, err := os.Stat(lk.journalPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the journal is still there: %v", err)
	}
}

// wantFiles checks that each file named in want holds what want says.
func wantFiles(t *testing.T, want map[string]string) {
	t.Helper()
	for p, w := range want {
		if got, _ := os.ReadFile(p); string(got) != w {
			t.Errorf("%s holds %q, want %q", filepath.Base(p), got, w)
		}
	}
}

// A file of the tree with a second name (a hard link), inside the tree or out of it, is not
// written, since the write would change the other name's file too: an input error naming it,
// and nothing written.
func TestWriteAllRefusesHardLinks(t *testing.T) {
	forEachGuard(t, func(t *testing.T, g Guard) {
		for _, outside := range []bool{true, false} {
			t.Run(fmt.Sprintf("other name outside the tree: %v", outside), func(t *testing.T) {
				lk, a, b, ws := guardedTree(t, g, nil)
				other := filepath.Join(filepath.Dir(b), "copy.yaml")
				if outside {
					other = filepath.Join(t.TempDir(), "outside.yaml")
				}
				if err := os.Link(b, other); err != nil {
					t.Fatal(err)
				}
				err := lk.WriteAll(context.Background(), ws)
				var ie *InputError
				if !errors.As(err, &ie) || ie.Path != b || !strings.Contains(err.Error(), "has 2 hard links") {
					t.Fatalf("want an input error naming b.yaml and its links, got %v", err)
				}
				for _, p := range []string{a, b, other} {
					if got, _ := os.ReadFile(p); string(got) != "old\n" {
						t.Errorf("%s was written: %q", p, got)
					}
				}
			})
		}
	})
}
