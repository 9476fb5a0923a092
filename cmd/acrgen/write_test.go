package main

import (
	"context"

	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/internal/tree"
)

// A tree that cannot be written (a full disk, a read-only mount: the tests run as root, which
// permissions do not stop, so the failure is injected) exits 4, not 2: the input was fine.
func TestWriteFailureExitCode(t *testing.T) {
	dir := t.TempDir()
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: myregistry.azurecr.io/app:1\n"
	write(t, filepath.Join(dir, "pod.yaml"), pod)
	writeTree = func(context.Context, *tree.Lock, *engine.Result) error {
		return errors.New("writing pod.yaml: no space left on device")
	}
	t.Cleanup(func() { writeTree = engine.Write })
	r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry")
	if r.code != 4 || !strings.Contains(r.stderr, "could not write the tree: writing pod.yaml: no space left on device") {
		t.Fatalf("want exit 4 saying the tree could not be written, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "pod.yaml")); err != nil || string(b) != pod {
		t.Errorf("pod.yaml changed: %q %v", b, err)
	}
}

// A workload file that is a hard link to a file outside DIR is not patched: the write would
// change the outside file too (issue 18). Exit 2 naming the file; nothing changes, in DIR or
// outside. check, which writes nothing, still reports on it.
func TestPatchRefusesAFileWithASecondName(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "outside.yaml")
	write(t, outside, goodDeployment)
	if err := os.Link(outside, filepath.Join(dir, "linked.yaml")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	before := testtool.Snapshot(t, dir)
	r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry")
	if r.code != exitUsage || !strings.Contains(r.stderr, "linked.yaml: has 2 hard links") {
		t.Fatalf("want exit 2 naming linked.yaml and its links, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if b, _ := os.ReadFile(outside); string(b) != goodDeployment {
		t.Errorf("the file outside DIR changed:\n%s", b)
	}
	if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
		t.Errorf("files touched: %s", d)
	}
	if r := acrgen(t, "", nil, "check", dir, "-r", "myregistry"); r.code != exitDrift {
		t.Errorf("check: want exit 1 (two workloads without the secret), got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
