package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// saveKnobs are TestSavesDuringAWriteAreNeverLost's sizes. The defaults keep it short; the
// environment variables measure it as issue 18 did (ACRGEN_SAVE_FILES=3000
// ACRGEN_SAVE_TRIES=24 ACRGEN_SAVE_SAVES=3 ACRGEN_SAVE_DELAY=0 ACRGEN_SAVE_FROM=40).
type saveKnobs struct {
	files, tries, saves int
	from                int    // the saves land from this percentage of a clean run's time to 110%
	delay               string // ACRGEN_TEST_WRITE_DELAY: slows each file of the write down
}

func saveKnobsFromEnv(t *testing.T) saveKnobs {
	k := saveKnobs{files: 300, tries: 16, saves: 6, delay: "200us"}
	for name, p := range map[string]*int{"ACRGEN_SAVE_FILES": &k.files, "ACRGEN_SAVE_TRIES": &k.tries, "ACRGEN_SAVE_SAVES": &k.saves, "ACRGEN_SAVE_FROM": &k.from} {
		if v := os.Getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || (n == 0 && name != "ACRGEN_SAVE_FROM") || (name == "ACRGEN_SAVE_FROM" && n > 100) {
				t.Fatalf("%s=%q: want a positive number (a percentage for ACRGEN_SAVE_FROM)", name, v)
			}
			*p = n
		}
	}
	if v, ok := os.LookupEnv("ACRGEN_SAVE_DELAY"); ok {
		k.delay = v
	}
	return k
}

// A save is one user's save of one file during a try.
type save struct {
	file    string // relative to the tree
	style   saveStyle
	at      time.Duration
	marker  string
	landed  time.Time // when the save was on disk
	writing bool      // it landed while acrgen's journal existed: during the write phase
}

// saveStyle is how an editor saves a file.
type saveStyle int

const (
	inPlace  saveStyle = iota // truncate and write, as vim's backupcopy=yes or an IDE does
	byRename                  // write a temporary file and rename it over the file, as many editors do
	moveAway                  // move the file away (a backup) and create a new one, as vim's backupcopy=no does
)

func (s saveStyle) String() string { return [...]string{"in place", "by rename", "by moving away"}[s] }

// TestSavesDuringAWriteAreNeverLost runs the real binary's patch on a generated tree while
// "editors" save some of its files at random moments of the run: from the start to a little
// after a clean run's end, a third of them writing the file in place, a third writing a
// temporary file and renaming it over the file, and a third moving the file away and creating
// it anew. Each save adds a marker line to what the file held. Whatever acrgen does (exit 0,
// or exit 2 naming a file that changed), every marker must be in its file afterwards, and the
// files nobody saved must be all as before (exit 2) or all as one clean run makes them (exit
// 0). Half the tries are in a git repository. It runs under each guard, and reports saves lost
// / saves made, and how many saves landed during the write phase (the test proves nothing
// without some).
func TestSavesDuringAWriteAreNeverLost(t *testing.T) {
	k := saveKnobsFromEnv(t)
	acrgenBin, base := generatedTree(t, "-workloads", strconv.Itoa(2*k.files), "-files", strconv.Itoa(k.files), "-namespaces", "8", "-seed", "11")
	for _, g := range guards {
		t.Run(g.name, func(t *testing.T) {
			savesDuringAWrite(t, k, acrgenBin, base, g.environ("XDG_CACHE_HOME="+t.TempDir(), "ACRGEN_TEST_WRITE_DELAY="+k.delay))
		})
	}
}

// savesDuringAWrite is TestSavesDuringAWriteAreNeverLost under one guard (env selects it).
func savesDuringAWrite(t *testing.T, k saveKnobs, acrgenBin, base string, env []string) {
	before := snapshot(base)
	var files []string
	for rel := range before {
		if filepath.Base(rel) != "kustomization.yaml" {
			files = append(files, rel)
		}
	}
	slices.Sort(files)

	// A clean run: what the tree becomes, and how long a run takes.
	cleanDir := filepath.Join(t.TempDir(), "tree")
	if err := os.CopyFS(cleanDir, os.DirFS(base)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if out, err := runPatch(acrgenBin, cleanDir, env).CombinedOutput(); err != nil {
		t.Fatalf("clean run: %v\n%s", err, out)
	}
	took := time.Since(start)
	after := snapshot(cleanDir)

	rng := rand.New(rand.NewPCG(3, 4))
	var made, lost, duringWrite, refused int
	var byStyle [3]int // saves during the write phase, by style
	for try := range k.tries {
		saves := make([]*save, k.saves)
		for i, n := range rng.Perm(len(files))[:k.saves] {
			from := took * time.Duration(k.from) / 100
			saves[i] = &save{file: files[n], style: saveStyle(i % 3), at: from + time.Duration(rng.Int64N(int64(took+took/10-from))),
				marker: fmt.Sprintf("# saved by the user: try %d, save %d", try, i)}
		}
		code, stderr, n, err := saveOnce(acrgenBin, base, env, try%2 == 1, saves, before, after)
		lost += n
		if err != nil {
			t.Errorf("try %d: %v\n%s", try, err, stderr)
		}
		if code == 2 {
			refused++
		}
		for _, s := range saves {
			made++
			if s.writing {
				duringWrite++
				byStyle[s.style]++
			}
		}
	}
	t.Logf("%d tries on %d files, clean run %v: %d of %d saves lost; %d saves landed during the write phase (%d %v, %d %v, %d %v); %d runs refused (exit 2)", k.tries, len(files), took.Round(time.Millisecond), lost, made, duringWrite, byStyle[inPlace], inPlace, byStyle[byRename], byRename, byStyle[moveAway], moveAway, refused)
	if duringWrite == 0 {
		t.Fatalf("no save landed during a write phase: the test proves nothing")
	}
}

func runPatch(bin, dir string, env []string) *exec.Cmd {
	cmd := exec.Command(bin, "patch", dir, "-r", "myregistry")
	cmd.Env = env
	return cmd
}

// saveOnce runs acrgen patch on a fresh copy of base while the saves happen, then checks that
// no save was lost and that the other files are all before or all after. It returns acrgen's
// exit code and standard error, and how many saves were lost.
func saveOnce(bin, base string, env []string, git bool, saves []*save, before, after map[string]string) (code int, stderr string, lost int, err error) {
	top, err := os.MkdirTemp("", "acrgen-save-")
	if err != nil {
		return 0, "", 0, err
	}
	defer os.RemoveAll(top)
	dir := filepath.Join(top, "tree")
	if err := os.CopyFS(dir, os.DirFS(base)); err != nil {
		return 0, "", 0, err
	}
	journal := filepath.Join(dir, ".acrgen.journal")
	if git {
		if err := os.Mkdir(filepath.Join(top, ".git"), 0o755); err != nil {
			return 0, "", 0, err
		}
		journal = filepath.Join(top, ".git", "acrgen.journal")
	}
	cmd := runPatch(bin, dir, env)
	var errOut strings.Builder
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		return 0, "", 0, err
	}
	start := time.Now()
	done := make(chan struct{})
	phase := watchJournal(journal, done)
	var wg sync.WaitGroup
	errs := make([]error, len(saves))
	for i, s := range saves {
		wg.Go(func() {
			time.Sleep(time.Until(start.Add(s.at)))
			errs[i] = s.write(filepath.Join(dir, s.file))
		})
	}
	werr := cmd.Wait()
	wg.Wait()
	close(done)
	writing := <-phase
	stderr = errOut.String()
	if err := errors.Join(errs...); err != nil {
		return 0, stderr, 0, err
	}
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		code = ee.ExitCode()
	} else if werr != nil {
		return 0, stderr, 0, werr
	}
	got := snapshot(dir)
	var problems []string
	saved := map[string]bool{}
	for _, s := range saves {
		saved[s.file] = true
		for _, w := range writing {
			if !s.landed.Before(w[0]) && !s.landed.After(w[1]) {
				s.writing = true
			}
		}
		if !strings.Contains(got[s.file], s.marker+"\n") {
			lost++
			problems = append(problems, fmt.Sprintf("lost: the save of %s (%v, %v into the run, during the write phase: %v)", s.file, s.style, s.landed.Sub(start).Round(time.Millisecond), s.writing))
		}
	}
	if code != 0 && code != 2 {
		problems = append(problems, fmt.Sprintf("acrgen exited %d", code))
	}
	// The files nobody saved: all as before (nothing written) or all as after.
	want := before
	if code == 0 {
		want = after
	}
	var off []string
	for rel, w := range want {
		if !saved[rel] && got[rel] != w {
			off = append(off, rel)
		}
	}
	for rel := range got {
		if _, ok := want[rel]; !ok && !saved[rel] {
			off = append(off, rel+" (new)")
		}
	}
	if len(off) > 0 {
		slices.Sort(off)
		problems = append(problems, fmt.Sprintf("exit %d, but %d file(s) nobody saved are not as they should be, e.g. %v", code, len(off), off[:min(5, len(off))]))
	}
	if len(problems) > 0 {
		return code, stderr, lost, errors.New(strings.Join(problems, "\n"))
	}
	return code, stderr, 0, nil
}

// write saves the file at p in the save's style: what it holds now plus the save's marker line.
func (s *save) write(p string) error {
	cur, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	data := append(cur, []byte(s.marker+"\n")...)
	aside := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".save")
	switch s.style {
	case byRename:
		if err := os.WriteFile(aside, data, 0o644); err != nil {
			return err
		}
		err = os.Rename(aside, p)
	case moveAway:
		if err := os.Rename(p, aside); err != nil {
			return err
		}
		err = errors.Join(os.WriteFile(p, data, 0o644), os.Remove(aside))
	default:
		err = os.WriteFile(p, data, 0o644)
	}
	s.landed = time.Now()
	return err
}

// watchJournal polls for the journal until done, and sends the intervals during which it
// existed: the write phases.
func watchJournal(journal string, done chan struct{}) chan [][2]time.Time {
	out := make(chan [][2]time.Time, 1)
	go func() {
		var phases [][2]time.Time
		var since time.Time
		for {
			_, err := os.Stat(journal)
			now := time.Now()
			switch {
			case err == nil && since.IsZero():
				since = now
			case err != nil && !since.IsZero():
				phases = append(phases, [2]time.Time{since, now})
				since = time.Time{}
			}
			select {
			case <-done:
				if !since.IsZero() {
					phases = append(phases, [2]time.Time{since, now})
				}
				out <- phases
				return
			case <-time.After(100 * time.Microsecond):
			}
		}
	}()
	return out
}
