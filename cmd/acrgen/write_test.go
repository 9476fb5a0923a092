package main

import (
	"context"

	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/engine"
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
