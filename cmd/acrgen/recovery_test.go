package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/acrgen/acrgen/internal/report"
	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/pkg/finding"
)

// What the next run finds when it finishes an interrupted write (the real binary killed
// after its commit point, then one of its files edited by hand) is findings like any other:
// in check's JSON, with their codes and files; and, when the run then fails on bad input (no
// report follows), as diagnostics on stderr.
func TestRecoveryFindingsReachTheReport(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	bin := testtool.Acrgen(t)

	t.Run("json", func(t *testing.T) {
		dir := interruptedPatch(t, bin)
		r := acrgen(t, "", nil, "check", "--output", "json", "-r", "myregistry", dir)
		if r.code != 1 {
			t.Fatalf("exit %d, want 1 (the file kept lacks the secret)\n%s%s", r.code, r.stdout, r.stderr)
		}
		var doc report.Document
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		got := map[string]report.JSONFinding{}
		for _, f := range doc.Findings {
			got[f.Code] = f
		}
		fin, kept := got[string(finding.InterruptedWriteFinished)], got[string(finding.InterruptedWriteKept)]
		if fin.Severity != "warning" || fin.Message != "finished the writes of an interrupted acrgen run (2 file(s))" || filepath.Base(fin.File) != filepath.Base(dir) {
			t.Errorf("ACR071: got %+v, want a warning at the tree's root, 2 files", fin)
		}
		if kept.Severity != "warning" || filepath.Base(kept.File) != "b.yaml" || kept.Hint == "" {
			t.Errorf("ACR072: got %+v, want a warning at b.yaml, with a hint", kept)
		}
		if doc.Counts["warning"] != 2 || !strings.Contains(doc.Verdict, "2 warning(s)") {
			t.Errorf("counts %v, verdict %q: the recovery's two warnings are not counted", doc.Counts, doc.Verdict)
		}
		a, _ := os.ReadFile(filepath.Join(dir, "a.yaml"))
		if !strings.Contains(string(a), "acr-secret") {
			t.Errorf("a.yaml was not rolled forward:\n%s", a)
		}
	})

	t.Run("input error", func(t *testing.T) {
		dir := interruptedPatch(t, bin)
		if err := os.WriteFile(filepath.Join(dir, "c.yaml"), []byte("kind: [\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := acrgen(t, "", nil, "check", "--output", "json", "-r", "myregistry", dir)
		if r.code != 2 || r.stdout != "" {
			t.Fatalf("exit %d, stdout %q: want exit 2 and no report\n%s", r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{
			": warning: finished the writes of an interrupted acrgen run (2 file(s)) [ACR071]",
			"b.yaml: warning: the file changed after an acrgen run that was rewriting it was interrupted: kept as it is [ACR072]",
			"c.yaml",
		} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
			}
		}
	})
}

// interruptedPatch writes a tree of two workloads, kills the real binary's patch of it once
// its journal is committed and before it writes a file, and edits b.yaml by hand. It returns
// the tree.
func interruptedPatch(t *testing.T, bin string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tree")
	workload := func(name string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: myregistry.azurecr.io/" + name + ":v1\n"
	}
	testtool.WriteTree(t, dir, map[string]string{"a.yaml": workload("a"), "b.yaml": workload("b")})
	cmd := exec.Command(bin, "patch", "-r", "myregistry", dir)
	// Each file waits a minute before it is written: the kill lands before the first.
	cmd.Env = append(os.Environ(), "ACRGEN_TEST_WRITE_DELAY=1m")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if waitFor(filepath.Join(dir, ".acrgen.journal"), done).IsZero() {
		t.Fatalf("patch ended before its write: %v\n%s", <-done, out.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	if err := os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(workload("b")+"# edited by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
