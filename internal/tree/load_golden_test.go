package tree

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/rogpeppe/go-internal/txtar"
)

// loadCases are trees that Load must refuse, one txtar archive each: the archive's comment is
// the error, with $CASE for the directory the archive is unpacked in, and its files are the
// tree, root/ being the directory loaded. A file NAME.symlink is unpacked as a symlink NAME to
// the path it holds (git keeps symlinks, but a symlink out of root would also trip the tests
// that walk the repository's trees). A FIFO and a denied permission cannot be archived:
// TestLoadRefusesFIFO and TestUnreadable cover them.
const loadCases = "testdata/load"

// Load refuses each bad tree with an error naming the file, and the line where there is one.
// The limit on file size is 4096 bytes.
func TestLoadErrorsGolden(t *testing.T) {
	archives, err := filepath.Glob(filepath.Join(loadCases, "*.txtar"))
	if err != nil || len(archives) == 0 {
		t.Fatalf("no cases under %s: %v", loadCases, err)
	}
	for _, path := range archives {
		name := strings.TrimSuffix(filepath.Base(path), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			dir := unpack(t, ar)
			_, err = Load(filepath.Join(dir, "root"), Options{Kinds: manifest.NewKinds(), MaxFileSize: 4096,
				Display: func(p string) string { return strings.TrimPrefix(p, dir+"/") }})
			want := strings.TrimSpace(string(ar.Comment))
			if err == nil {
				t.Fatalf("loaded; want %s", want)
			}
			if got := strings.ReplaceAll(err.Error(), dir, "$CASE"); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// unpack writes the archive's files into a new directory (symlinks resolved) and returns it.
func unpack(t *testing.T, ar *txtar.Archive) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		p := filepath.Join(dir, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if link, ok := strings.CutSuffix(p, ".symlink"); ok {
			err = os.Symlink(strings.TrimSpace(string(f.Data)), link)
		} else {
			err = os.WriteFile(p, f.Data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
