package fn_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// binDir holds the acrgen binary the end-to-end tests build, once per test run.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "acrgen-fn-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildErr  error
)

// acrgenBin builds cmd/acrgen as the Dockerfile does (static, CGO_ENABLED=0) and returns its
// path; the directory holding it goes first on PATH for kustomize and kpt.
func acrgenBin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(binDir, "acrgen")
	buildOnce.Do(func() {
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version=e2e", "-o", bin, "./cmd/acrgen")
		cmd.Dir = testtool.RepoRoot(t)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/acrgen: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return bin
}

// toolEnv is the environment of the tools the tests run: acrgen first on PATH, the test age
// key for sops, no password unless added, nothing of the developer's sops or acrgen settings.
func toolEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	acrgenBin(t)
	key, err := filepath.Abs(filepath.Join("testdata", "age-test-key.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "SOPS_") || strings.HasPrefix(k, "ACRGEN_") || k == "PATH" || k == "KUSTOMIZE_PLUGIN_HOME" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"), "SOPS_AGE_KEY_FILE="+key)
	return append(env, extra...)
}
