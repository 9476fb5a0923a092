package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// killTries is how many times TestKillAtAnyMoment kills acrgen.
const killTries = 52

// guards are the write guards the kill and save tests run acrgen under: the Linux write lease
// (where the kernel grants one, as here) and the rename guard (ACRGEN_TEST_GUARD=rename, as
// where it does not, and on macOS), each with the environment that selects it.
var guards = []guard{{"lease", ""}, {"rename", "ACRGEN_TEST_GUARD=rename"}}

type guard struct{ name, env string }

// environ is the test's environment with vars, under the guard.
func (g guard) environ(vars ...string) []string {
	env := append(os.Environ(), vars...)
	if g.env != "" {
		env = append(env, g.env)
	}
	return env
}

// TestKillAtAnyMoment kills the real binary (SIGKILL or SIGTERM, at a seeded random moment)
// while it patches a generated tree of a few hundred files, then runs acrgen check on it.
// After that next run the tree must be exactly as before or exactly as one clean run makes
// it, with no temporary file, original kept aside or journal left. Half the tries are in a
// git repository, where the journal lives in the git directory. A SIGTERM that stops the write
// exits 143 with the tree as before, at once. It runs under each guard.
func TestKillAtAnyMoment(t *testing.T) {
	acrgenBin, base := generatedTree(t, "-workloads", "300", "-files", "200", "-namespaces", "8", "-seed", "7")
	for _, g := range guards {
		t.Run(g.name, func(t *testing.T) {
			killAtAnyMoment(t, acrgenBin, base, g, g.environ("XDG_CACHE_HOME="+t.TempDir(), "ACRGEN_TEST_WRITE_DELAY=200us"))
		})
	}
}

// killAtAnyMoment is TestKillAtAnyMoment under the guard g (env selects it).
func killAtAnyMoment(t *testing.T, acrgenBin, base string, g guard, env []string) {
	args := func(dir string) []string { return []string{"patch", dir, "-r", "myregistry"} }

	before := testtool.Snapshot(t, base)
	afterDir := filepath.Join(t.TempDir(), "tree")
	testtool.CopyTree(t, base, afterDir)
	clean := exec.Command(acrgenBin, args(afterDir)...)
	clean.Env = env
	var cleanOut strings.Builder
	clean.Stdout, clean.Stderr = &cleanOut, &cleanOut
	if err := clean.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- clean.Wait() }()
	writing := waitFor(filepath.Join(afterDir, ".acrgen.journal"), done)
	var took time.Duration // how long the write phase takes
	if err := <-done; err != nil || writing.IsZero() {
		t.Fatalf("clean run (journal seen: %v): %v\n%s", !writing.IsZero(), err, cleanOut.String())
	}
	took = time.Since(writing)
	after := testtool.Snapshot(t, afterDir)
	if changed := len(diffKeys(before, after)); changed < 100 {
		t.Fatalf("a clean run changed only %d files; the test needs a few hundred", changed)
	}

	rng := rand.New(rand.NewPCG(1, 2))
	type try struct {
		sig     syscall.Signal
		delay   time.Duration
		git     bool
		anyTime bool
	}
	tries := make([]try, killTries)
	for i := range tries {
		// One try in four is killed at any moment from the start (reading, planning), the
		// others at any moment once the write has begun.
		tries[i] = try{sig: syscall.SIGKILL, delay: time.Duration(rng.Int64N(int64(took + took/5))), git: i%2 == 1, anyTime: i%8 < 2}
		if i%4 >= 2 {
			tries[i].sig = syscall.SIGTERM
		}
	}
	// The tries run a few at a time: most of a run is spent waiting for fsync.
	var mu sync.Mutex
	var asBefore, asAfter, midWrite, aside int
	next := make(chan int)
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := killOnce(acrgenBin, base, env, args, tries[i].sig, tries[i].delay, tries[i].git, tries[i].anyTime, before, after)
				mu.Lock()
				asBefore, asAfter, midWrite, aside = asBefore+r.asBefore, asAfter+r.asAfter, midWrite+r.midWrite, aside+r.aside
				mu.Unlock()
				if err != nil {
					t.Errorf("try %d (%v after %v, git %v): %v", i, tries[i].sig, tries[i].delay, tries[i].git, err)
				}
			}
		}()
	}
	for i := range tries {
		next <- i
	}
	close(next)
	wg.Wait()
	t.Logf("%d tries: %d left as before, %d as after, %d killed with a journal on disk, %d with files of the rename guard beside the tree's", killTries, asBefore, asAfter, midWrite, aside)
	if asBefore == 0 || asAfter == 0 || midWrite == 0 {
		t.Fatalf("the kills missed the write phase (before %d, after %d, mid-write %d): the test proves nothing", asBefore, asAfter, midWrite)
	}
	if g.env != "" && aside == 0 {
		t.Fatalf("no kill left the rename guard's files beside the tree's: its recovery went untested")
	}
}

// generatedTree builds the real acrgen binary and bench/gentree, and generates a tree with
// gentree's flags. It returns the binary and the tree.
func generatedTree(t *testing.T, flags ...string) (acrgenBin, tree string) {
	t.Helper()
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin, "./cmd/acrgen", "./bench/gentree")
	build.Dir = testtool.RepoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tree = filepath.Join(t.TempDir(), "tree")
	if out, err := exec.Command(filepath.Join(bin, "gentree"), append([]string{"-out", tree}, flags...)...).CombinedOutput(); err != nil {
		t.Fatalf("gentree: %v\n%s", err, out)
	}
	return filepath.Join(bin, "acrgen"), tree
}

// killed is what one kill left: 1 where the tree ended as before, as after, where the kill left
// a journal, and where it left files of the rename guard (temporary files, originals kept
// aside, probes) beside the tree's.
type killed struct{ asBefore, asAfter, midWrite, aside int }

// killOnce runs acrgen on a fresh copy of base, sends it sig after delay, runs acrgen check,
// and checks the invariant.
func killOnce(bin, base string, env []string, args func(string) []string, sig syscall.Signal, delay time.Duration, git, anyTime bool, before, after map[string]string) (r killed, err error) {
	top, err := os.MkdirTemp("", "acrgen-kill-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(top)
	dir := filepath.Join(top, "tree")
	if err := os.CopyFS(dir, os.DirFS(base)); err != nil {
		return r, err
	}
	journal := filepath.Join(dir, ".acrgen.journal")
	if git {
		if err := os.Mkdir(filepath.Join(top, ".git"), 0o755); err != nil {
			return r, err
		}
		journal = filepath.Join(top, ".git", "acrgen.journal")
	}
	cmd := exec.Command(bin, args(dir)...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return r, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if !anyTime {
		waitFor(journal, done)
	}
	time.Sleep(delay)
	cmd.Process.Signal(sig)
	werr := <-done
	var ee *exec.ExitError
	if sig == syscall.SIGTERM && errors.As(werr, &ee) && ee.ExitCode() == 143 {
		if d := diffKeys(before, snapshot(dir)); len(d) > 0 {
			return r, fmt.Errorf("SIGTERM stopped the write (exit 143) but the tree changed: %v\n%s", d[:min(5, len(d))], stderr.String())
		}
	}
	if _, err := os.Stat(journal); err == nil {
		r.midWrite = 1
	}
	for rel := range snapshot(dir) {
		if b := filepath.Base(rel); strings.HasPrefix(b, ".acrgen.") && b != ".acrgen.journal" {
			r.aside = 1
		}
	}
	check := exec.Command(bin, "check", dir, "-r", "myregistry")
	check.Env = env
	out, cerr := check.CombinedOutput()
	if cerr != nil && !(errors.As(cerr, &ee) && ee.ExitCode() == 1) {
		return r, fmt.Errorf("the check after the kill: %v\n%s", cerr, out)
	}
	got := snapshot(dir)
	switch {
	case len(diffKeys(before, got)) == 0:
		r.asBefore = 1
	case len(diffKeys(after, got)) == 0:
		r.asAfter = 1
	default:
		d := diffKeys(after, got)
		return r, fmt.Errorf("the tree is neither as before nor as after; %d file(s) differ from after, e.g. %v\n%s%s", len(d), d[:min(5, len(d))], stderr.String(), out)
	}
	if g, _ := filepath.Glob(journal + "*"); len(g) > 0 {
		return r, fmt.Errorf("journal files left after the next run: %v", g)
	}
	return r, nil
}

// waitFor polls until path exists, and returns when it appeared; zero if the process ended
// first (done is then drained into a fresh value for the caller).
func waitFor(path string, done chan error) time.Time {
	for {
		if _, err := os.Stat(path); err == nil {
			return time.Now()
		}
		select {
		case err := <-done:
			done <- err
			return time.Time{}
		case <-time.After(200 * time.Microsecond):
		}
	}
}

// snapshot is testtool.Snapshot for a goroutine: a file that cannot be read shows as such.
func snapshot(dir string) map[string]string {
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			out[rel] = "unreadable: " + err.Error()
			return nil
		}
		fi, _ := d.Info()
		out[rel] = fi.Mode().String() + "\x00" + string(b)
		return nil
	})
	return out
}

// diffKeys lists the files that differ between two snapshots, and every temporary file.
func diffKeys(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, fmt.Sprintf("%s (new)", k))
		}
	}
	return out
}
