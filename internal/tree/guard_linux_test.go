package tree

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// guardedTree writes a.yaml and b.yaml ("old\n") into a fresh tree and locks it; saveAt, when
// set, runs while b.yaml is guarded, between acrgen's read of it and its write.
func guardedTree(t *testing.T, saveAt func(path string)) (lk *Lock, a, b string, ws []Write) {
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
	return lockFor(t, dir), a, b, ws
}

// A save in place that starts while acrgen holds a file between its read and its write waits
// for acrgen's write and then lands on top of it: the user's bytes are what the file holds.
func TestGuardedWriteHoldsASaveOffUntilItIsDone(t *testing.T) {
	saved := make(chan error, 1)
	lk, _, b, ws := guardedTree(t, func(p string) {
		go func() { saved <- os.WriteFile(p, []byte("saved by the user\n"), 0o644) }()
		select {
		case err := <-saved:
			t.Errorf("the save went through while acrgen held the file (%v)", err)
		case <-time.After(100 * time.Millisecond):
		}
	})
	if err := lk.WriteAll(context.Background(), ws); err != nil {
		t.Fatal(err)
	}
	if err := <-saved; err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(b); string(got) != "saved by the user\n" {
		t.Fatalf("b.yaml holds %q, want the user's save", got)
	}
}

// A save by rename (a new file put in the old one's place) while acrgen holds the old one is
// found after the write: the user's file is kept, the files already written are put back, and
// the conflict names the file.
func TestGuardedWriteFindsASaveByRename(t *testing.T) {
	lk, a, b, ws := guardedTree(t, func(p string) {
		tmp := p + ".save"
		writeTestFile(t, tmp, "saved by the user\n")
		if err := os.Rename(tmp, p); err != nil {
			t.Error(err)
		}
	})
	err := lk.WriteAll(context.Background(), ws)
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Path != b || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("want a conflict naming b.yaml, got %v", err)
	}
	for p, want := range map[string]string{a: "old\n", b: "saved by the user\n"} {
		if got, _ := os.ReadFile(p); string(got) != want {
			t.Errorf("%s holds %q, want %q", filepath.Base(p), got, want)
		}
	}
}

// A file another program holds open (and might be writing) is not written: before the commit
// point, the run waits leaseWait for it to be closed, then gives up with nothing written.
func TestWriteAllWaitsForAnOpenFileThenGivesUp(t *testing.T) {
	saved := leaseWait
	leaseWait = 50 * time.Millisecond
	t.Cleanup(func() { leaseWait = saved })
	lk, a, b, ws := guardedTree(t, nil)
	f, err := os.OpenFile(b, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	err = lk.WriteAll(context.Background(), ws)
	var ce *ConflictError
	if !errors.As(err, &ce) || !ce.Open || ce.Path != b {
		t.Fatalf("want a conflict saying b.yaml is open elsewhere, got %v", err)
	}
	for _, p := range []string{a, b} {
		if got, _ := os.ReadFile(p); string(got) != "old\n" {
			t.Errorf("%s was written: %q", filepath.Base(p), got)
		}
	}
	// Closed within leaseWait, the file is written.
	leaseWait = 2 * time.Second
	go func() { time.Sleep(100 * time.Millisecond); f.Close() }()
	if err := lk.WriteAll(context.Background(), ws); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(b); string(got) != "new\n" {
		t.Errorf("b.yaml holds %q after the other program closed it", got)
	}
}

// A file of the tree with a second name (a hard link), inside the tree or out of it, is not
// written, since the write would change the other name's file too: an input error naming it,
// and nothing written.
func TestWriteAllRefusesHardLinks(t *testing.T) {
	for _, outside := range []bool{true, false} {
		t.Run(fmt.Sprintf("other name outside the tree: %v", outside), func(t *testing.T) {
			lk, a, b, ws := guardedTree(t, nil)
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
}
