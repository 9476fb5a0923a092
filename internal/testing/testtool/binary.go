package testtool

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// Acrgen returns the acrgen binary as the Dockerfile builds it (static, CGO_ENABLED=0,
// -trimpath, version e2e), for the tests that run it the way kustomize and kpt do. It is built
// once for a given source: the binary is kept in the user's cache directory under a hash of
// every Go source, go.mod, go.sum and the embedded templates, so a run of the tests whose
// sources did not change builds nothing.
func Acrgen(t testing.TB) string {
	t.Helper()
	binaryOnce.Do(func() { binaryPath, binaryErr = buildAcrgen(RepoRoot(t)) })
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

func buildAcrgen(root string) (string, error) {
	key, err := sourceKey(root)
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "acrgen-test-bin", key)
	bin := filepath.Join(dir, "acrgen")
	if isExecutable(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "acrgen-*")
	if err != nil {
		return "", err
	}
	tmp.Close()
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version=e2e", "-o", tmp.Name(), "./cmd/acrgen")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp.Name())
		return "", &buildError{err: err, out: string(out)}
	}
	// Packages tested at once may build it at once: the rename makes one of them win whole.
	return bin, os.Rename(tmp.Name(), bin)
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build ./cmd/acrgen: " + e.err.Error() + "\n" + e.out }

// sourceKey hashes what the binary is built from: the toolchain, and the module's Go sources
// (tests aside), go.mod, go.sum and templates/.
func sourceKey(root string) (string, error) {
	h := sha256.New()
	io.WriteString(h, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH+"\n")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "bin" || d.Name() == "examples" || d.Name() == "docs") {
				return filepath.SkipDir
			}
			return nil
		}
		source := strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go")
		if !source && rel != "go.mod" && rel != "go.sum" && !strings.HasPrefix(rel, "templates"+string(filepath.Separator)) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		io.WriteString(h, rel+"\x00")
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:24], err
}
