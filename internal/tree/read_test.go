package tree

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/pkg/manifest"
)

// A FIFO listed as a resource, used as a patch, or lying in a plain directory is refused,
// naming it; reading it would block forever.
func TestLoadRefusesFIFO(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"resource":        {"kustomization.yaml": "resources:\n- pod.yaml\n- fifo.yaml\n"},
		"patch":           {"kustomization.yaml": "resources:\n- pod.yaml\npatches:\n- path: fifo.yaml\n"},
		"plain directory": {},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			files["pod.yaml"] = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - image: myregistry.azurecr.io/a\n"
			for n, c := range files {
				if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := testtool.Mkfifo(filepath.Join(dir, "fifo.yaml")); err != nil {
				t.Skipf("no FIFOs here: %v", err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := Load(dir, Options{Kinds: manifest.NewKinds()})
				done <- err
			}()
			select {
			case err := <-done:
				var ie *InputError
				if !errors.As(err, &ie) || !strings.Contains(err.Error(), "fifo.yaml") || !strings.Contains(ie.Msg, "not a regular file") {
					t.Fatalf("want an input error naming fifo.yaml as not a regular file, got %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Load blocked on the FIFO")
			}
		})
	}
}

// ReadRegular reads at most max bytes, even from a file larger than its size said.
func TestReadRegularBounds(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.yaml")
	if err := os.WriteFile(p, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _, err := ReadRegular(p, 5); err != nil || string(b) != "12345" {
		t.Fatalf("a file at the limit: %q, %v", b, err)
	}
	if _, _, err := ReadRegular(p, 4); err == nil || !strings.Contains(err.Error(), "4-byte limit") {
		t.Fatalf("a file over the limit: want a size error, got %v", err)
	}
	if _, _, err := ReadRegular(filepath.Join(filepath.Dir(p), "missing"), 4); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a missing file: want fs.ErrNotExist, got %v", err)
	}
	if _, _, err := ReadRegular("/dev/zero", 4); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("/dev/zero: want ErrNotRegular, got %v", err)
	}
}
