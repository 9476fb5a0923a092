package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/secret"
)

// A password source is read up to the limit and refused past it; /dev/zero is refused without
// being read to the end. Nothing is written.
func TestPasswordSourcesAreBounded(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	before := testtool.Snapshot(t, dir)
	_, recipient := ageKey(t)
	long := testPassword + strings.Repeat("x", secret.MaxPasswordSize)
	longFile := filepath.Join(t.TempDir(), "pw")
	write(t, longFile, long)
	for name, tc := range map[string]struct {
		stdin string
		env   map[string]string
		args  []string
	}{
		"stdin past 1 MiB":  {stdin: long + strings.Repeat("y", 1<<20), args: []string{"--password-stdin"}},
		"stdin past limit":  {stdin: long, args: []string{"--password-stdin"}},
		"file past limit":   {args: []string{"--password-file", longFile}},
		"file /dev/zero":    {args: []string{"--password-file", "/dev/zero"}},
		"env past limit":    {env: map[string]string{"ACRGEN_PASSWORD": long}},
		"stdin=VALUE":       {args: []string{"--password-stdin=" + testPassword}},
		"file of the value": {args: []string{"--password-file", testPassword}},
		"stdin with a NUL":  {stdin: testPassword + "\x00HOME=/root", args: []string{"--password-stdin"}},
		"env of two lines":  {env: map[string]string{"ACRGEN_PASSWORD": testPassword + "\nsecond"}},
	} {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"render", dir, "-r", "myregistry", "-u", testUser, "--age", recipient}, tc.args...)
			r := acrgen(t, tc.stdin, tc.env, args...)
			if r.code != exitUsage {
				t.Fatalf("want exit 2, got %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			assertNoLeak(t, dir, r.stdout, r.stderr)
		})
	}
	if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
		t.Fatalf("files touched: %s", d)
	}
	// A password of exactly the limit is read in full (the old reader stopped at 1 MiB silently;
	// this one must not stop early either).
	r := acrgen(t, strings.Repeat("p", secret.MaxPasswordSize)+"\n", nil, "render", dir, "-r", "myregistry", "-u", testUser, "--age", recipient, "--password-stdin")
	if r.code != 0 {
		t.Fatalf("a password at the limit: want exit 0, got %d\n%s", r.code, r.stderr)
	}
}

// --max-file-size below 1 is a bad flag.
func TestMaxFileSizeMustBePositive(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	for _, v := range []string{"-1", "0"} {
		for _, cmd := range []string{"check", "patch", "render"} {
			r := acrgen(t, "", nil, cmd, dir, "-r", "myregistry", "--max-file-size", v)
			if r.code != exitUsage || !strings.Contains(r.stderr, "--max-file-size: must be at least 1 (bytes), got "+v) {
				t.Fatalf("%s --max-file-size %s: want exit 2 naming the flag, got %d\n%s", cmd, v, r.code, r.stderr)
			}
		}
	}
	if r := acrgen(t, "", nil, "check", dir, "-r", "myregistry", "--max-file-size", "10"); r.code != exitUsage || !strings.Contains(r.stderr, "10-byte limit") {
		t.Fatalf("a file over --max-file-size: want exit 2, got %d\n%s", r.code, r.stderr)
	}
}

// The KRM function's passwordFrom: file:/dev/zero is refused at once, not read without end
// (a file inside the package is read up to a bound: TestReadInDirStaysInsideThePackage).
func TestFunctionPasswordFileIsBounded(t *testing.T) {
	_, recipient := ageKey(t)
	rl := hostileRL(recipient, "file:/dev/zero")
	done := make(chan result, 1)
	go func() { done <- acrgen(t, rl, nil, "fn") }()
	select {
	case r := <-done:
		if r.code == 0 || !strings.Contains(r.stderr, "must name a file inside the function's working directory") {
			t.Fatalf("want a refusal of the path, got %d\n%s", r.code, r.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("fn kept reading /dev/zero")
	}
}

// A run on a tree another run holds exits 2, naming the holder; nothing is written.
func TestBusyTree(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	before := testtool.Snapshot(t, dir)
	lk, err := tree.LockTree(dir, true, "acrgen render holder-of-the-lock")
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Unlock()
	for _, args := range [][]string{{"patch", dir, "-r", "myregistry"}, {"check", dir, "-r", "myregistry"}, {"patch", dir, "-r", "myregistry", "--diff"}} {
		r := acrgen(t, "", nil, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "busy") || !strings.Contains(r.stderr, "holder-of-the-lock") {
			t.Fatalf("%v: want exit 2 naming the holder, got %d\n%s", args, r.code, r.stderr)
		}
	}
	if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
		t.Fatalf("files touched: %s", d)
	}
	lk.Unlock()
	if r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry"); r.code != 0 {
		t.Fatalf("after the holder is gone: %d\n%s", r.code, r.stderr)
	}
}

// Whatever a name says, nothing is written outside DIR: exit 2, and the tree and its parents
// are as they were.
func TestNothingWrittenOutsideDir(t *testing.T) {
	top := t.TempDir()
	dir := filepath.Join(top, "a", "b", "c")
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	before := testtool.Snapshot(t, top)
	_, recipient := ageKey(t)
	for _, name := range []string{"../../../escaped", "../escaped", "sub/../../escaped"} {
		r := acrgen(t, testPassword, nil, "render", dir, "-r", "myregistry", "-u", testUser, "--password-stdin", "--age", recipient, "--secret-name", name)
		if r.code != exitUsage {
			t.Fatalf("--secret-name %s: want exit 2, got %d\n%s%s", name, r.code, r.stdout, r.stderr)
		}
	}
	if d := diffSnap(before, testtool.Snapshot(t, top)); d != "" {
		t.Fatalf("files touched: %s", d)
	}
}
