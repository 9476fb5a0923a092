package tree

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A save in place that starts while acrgen holds a file between its read and its write waits
// for acrgen's write and then lands on top of it: the user's bytes are what the file holds.
func TestGuardedWriteHoldsASaveOffUntilItIsDone(t *testing.T) {
	saved := make(chan error, 1)
	lk, _, b, ws := guardedTree(t, GuardAuto, func(p string) {
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

// A file another program holds open (and might be writing) is not written: before the commit
// point, the run waits leaseWait for it to be closed, then gives up with nothing written.
func TestWriteAllWaitsForAnOpenFileThenGivesUp(t *testing.T) {
	saved := leaseWait
	leaseWait = 50 * time.Millisecond
	t.Cleanup(func() { leaseWait = saved })
	lk, a, b, ws := guardedTree(t, GuardAuto, nil)
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
