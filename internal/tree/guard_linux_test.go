package tree

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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

// A file another program holds a write lease on (a file server, say) is not written, by
// either guard: the open that would wait for the lease fails at once, and the conflict says the
// file is open elsewhere (the rename guard gave the open's raw EWOULDBLOCK before).
func TestWriteAllRefusesAFileLeasedElsewhere(t *testing.T) {
	forEachGuard(t, func(t *testing.T, g Guard) {
		lk, a, b, ws := guardedTree(t, g, nil)
		f, err := os.Open(b)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := unix.FcntlInt(f.Fd(), unix.F_SETLEASE, unix.F_WRLCK); err != nil {
			t.Skipf("no write lease here: %v", err)
		}
		err = lk.WriteAll(context.Background(), ws)
		var ce *ConflictError
		if !errors.As(err, &ce) || !ce.Open || ce.Path != b {
			t.Fatalf("want a conflict saying b.yaml is open elsewhere, got %v", err)
		}
		wantFiles(t, map[string]string{a: "old\n"})
	})
}

// Where the kernel refuses a write lease (a filesystem without leases: EINVAL; a file of
// another user: EACCES), the rename guard writes the file instead, and the run notes it once,
// naming how many files, the first of them and the kernel's reason; never silently. With
// guardLease (undoing a write made under a lease) the refusal stands.
func TestLeaseRefusedFallsBackToTheRenameGuard(t *testing.T) {
	for errno, reason := range map[syscall.Errno]string{
		syscall.EINVAL: "its filesystem does not grant write leases (fcntl F_SETLEASE): invalid argument",
		syscall.EACCES: "the kernel grants a write lease only to the file's owner or to CAP_LEASE: permission denied",
	} {
		t.Run(errno.Error(), func(t *testing.T) {
			saved := setLease
			setLease = func(*os.File) error { return errno }
			t.Cleanup(func() { setLease = saved })
			lk, a, b, ws := guardedTree(t, GuardAuto, nil)
			before := inode(t, b)
			if err := lk.WriteAll(context.Background(), ws); err != nil {
				t.Fatal(err)
			}
			wantFiles(t, map[string]string{a: "new\n", b: "new\n"})
			if inode(t, b) == before {
				t.Errorf("b.yaml kept its inode: not written by the rename guard")
			}
			want := []string{"ACR074 " + filepath.Dir(a) + ": the rename guard wrote 2 file(s), each through a temporary file exchanged with it atomically, since the kernel granted no write lease (" + a + ": " + reason + ")"}
			if got := located(lk.TakeNotes()); !slices.Equal(got, want) {
				t.Errorf("notes:\n%q\nwant\n%q", got, want)
			}
			if got := lk.TakeNotes(); got != nil {
				t.Errorf("the note was taken twice: %v", got)
			}
			if _, err := openGuarded(&guarding{mode: guardLease}, a, a, false, 0); err == nil || !strings.Contains(err.Error(), reason) {
				t.Errorf("a lease alone: want the refusal, got %v", err)
			}
		})
	}
}

// Without a lease and without an atomic exchange (NFS, say), nothing is written, and the
// refusal gives both reasons.
func TestLeaseRefusedAndNoExchangeIsRefused(t *testing.T) {
	savedLease, savedExchange := setLease, exchange
	setLease = func(*os.File) error { return syscall.EINVAL }
	exchange = func(a, b string) error { return renameErr("exchange", a, b, syscall.EINVAL) }
	t.Cleanup(func() { setLease, exchange = savedLease, savedExchange })
	lk, a, b, ws := guardedTree(t, GuardAuto, nil)
	err := lk.WriteAll(context.Background(), ws)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "no write lease (its filesystem does not grant write leases") || !strings.Contains(err.Error(), "cannot exchange two files atomically") {
		t.Fatalf("want a refusal giving both reasons, got %v", err)
	}
	wantFiles(t, map[string]string{a: "old\n", b: "old\n"})
	if len(lk.TakeNotes()) != 0 {
		t.Errorf("a note although nothing was written")
	}
}
