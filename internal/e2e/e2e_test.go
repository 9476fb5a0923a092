package e2e

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binOut  []byte
)

// TestMain runs the tests, then removes the binary acrgenBinary built for them.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// acrgenBinary builds the static binary once, as the Makefile's build target and the
// Dockerfile's documentation do (CGO_ENABLED=0, -trimpath).
func acrgenBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "acrgen-e2e-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "acrgen")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version=e2e", "-o", binPath, "./cmd/acrgen")
		cmd.Dir = testtool.RepoRoot(t)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		binOut, binErr = cmd.CombinedOutput()
	})
	if binErr != nil {
		t.Fatalf("building acrgen: %v\n%s", binErr, binOut)
	}
	return binPath
}

type result struct {
	code   int
	output string // stdout and stderr, interleaved
	stdout string
}

// command runs name with args in dir and returns its exit code and output.
func command(t *testing.T, dir string, env []string, stdin []byte, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out bytes.Buffer
	both := &lockedBuffer{}
	cmd.Stdout = io.MultiWriter(&out, both)
	cmd.Stderr = both
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	t.Logf("%s %s: exit %d\n%s", filepath.Base(name), strings.Join(args, " "), code, both.b.String())
	return result{code: code, output: both.b.String(), stdout: out.String()}
}

// must runs a command that has to succeed.
func must(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	r := command(t, dir, env, nil, name, args...)
	if r.code != 0 {
		t.Fatalf("%s %s: exit %d\n%s", name, strings.Join(args, " "), r.code, r.output)
	}
	return r.stdout
}

// lockedBuffer collects stdout and stderr, which the command writes from two goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// gitEnv is the environment for git in a scratch repository: a fixed identity, no user or
// system configuration.
func gitEnv(extra ...string) []string {
	env := append(os.Environ(),
		"GIT_AUTHOR_NAME=acrgen test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=acrgen test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
	)
	return append(env, extra...)
}

// repoSnapshot commits the repository's current files (tracked, and untracked but not
// ignored: the working tree as it is, not the last commit) into a new git repository, and
// returns its directory and commit.
func repoSnapshot(t *testing.T) (dir, rev string) {
	t.Helper()
	root := testtool.RepoRoot(t)
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("listing the repository's files (the test needs a git checkout): %v", err)
	}
	dir = t.TempDir()
	for _, rel := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(root, rel)
		fi, err := os.Lstat(src)
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the working tree, or not a plain file
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	env := gitEnv()
	must(t, dir, env, "git", "init", "-q")
	must(t, dir, env, "git", "add", "-A")
	must(t, dir, env, "git", "commit", "-q", "-m", "snapshot")
	return dir, strings.TrimSpace(must(t, dir, env, "git", "rev-parse", "HEAD"))
}
