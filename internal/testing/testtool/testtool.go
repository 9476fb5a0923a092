// Package testtool finds the real command-line tools (kustomize, sops, age-keygen, kubectl, kpt)
// that acrgen's tests run, as users run them.
//
// Tools are looked up first in the repository's bin/ (where `make tools` installs the pinned
// versions), then on PATH. A missing tool skips the test in a plain `go test`, but fails it when
// ACRGEN_REQUIRE_TOOLS or CI is set, so CI can never pass by skipping.
package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Path returns the absolute path of the named tool, or ends the test as described in the
// package documentation.
func Path(t testing.TB, name string) string {
	t.Helper()
	if p := filepath.Join(RepoRoot(t), "bin", name); isExecutable(p) {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("ACRGEN_REQUIRE_TOOLS") != "" || os.Getenv("CI") != "" {
		t.Fatalf("%s is required but not installed: run `make tools` (kubectl and kpt come with the machine image)", name)
	}
	t.Skipf("%s not installed: run `make tools`, or `make test` which installs it", name)
	return ""
}

// RepoRoot returns the repository root: the directory holding go.mod above this package.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the repository root")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}
