package tree

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// gitRun runs the real git in dir.
func gitRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(testtool.Path(t, "git"), append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "protocol.file.allow=always", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// gitRepo makes a repository at dir with one commit.
func gitRepo(t *testing.T, dir string) {
	t.Helper()
	writeTestFile(t, filepath.Join(dir, "base", "a.yaml"), "a: 1\n")
	gitRun(t, dir, "init", "-q")
	gitRun(t, dir, "add", ".")
	gitRun(t, dir, "commit", "-q", "-m", "init")
}

// writeUnder takes the writer's lock of dir and creates new.yaml in it.
func writeUnder(t *testing.T, dir string) {
	t.Helper()
	lk := lockFor(t, dir)
	if err := lk.WriteAll(context.Background(), []Write{{Path: "new.yaml", Data: []byte("n: 1\n"), Mode: 0o644, Created: true}}); err != nil {
		t.Fatal(err)
	}
	lk.Unlock()
}

// In a git repository the lock lives in the git directory: the repository's, or the one of a
// linked work tree or a submodule (each checked by real git's own layout), never in the work
// tree.
func TestLockLivesInTheVerifiedGitDir(t *testing.T) {
	top := t.TempDir()
	main, sub := filepath.Join(top, "main"), filepath.Join(top, "sub-src")
	gitRepo(t, main)
	gitRepo(t, sub)
	gitRun(t, main, "worktree", "add", "-q", filepath.Join(top, "wt"))
	gitRun(t, main, "submodule", "add", "-q", sub, "sub")
	for _, c := range []struct{ work, gitDir string }{
		{filepath.Join(main, "base"), filepath.Join(main, ".git")},
		{filepath.Join(top, "wt", "base"), filepath.Join(main, ".git", "worktrees", "wt")},
		{filepath.Join(main, "sub", "base"), filepath.Join(main, ".git", "modules", "sub")},
	} {
		writeUnder(t, c.work)
		if _, err := os.Stat(filepath.Join(c.gitDir, "acrgen.lock")); err != nil {
			t.Errorf("%s: no lock in %s: %v", c.work, c.gitDir, err)
		}
		if es := entries(t, c.work); fmt.Sprint(es) != "[a.yaml new.yaml]" {
			t.Errorf("%s holds %v, want a.yaml and new.yaml only", c.work, es)
		}
	}
}

// A .git file or symlink that leads anywhere but this work tree's own git directory (issue
// 18: "gitdir: /elsewhere" made even check create /elsewhere/acrgen.lock) is passed over: no
// file appears where it points, for a reader or a writer, and outside git the lock and
// journal stay in the tree.
func TestLockIgnoresAGitFileLeadingElsewhere(t *testing.T) {
	top := t.TempDir()
	other := filepath.Join(top, "other")
	gitRepo(t, other)
	gitRun(t, other, "worktree", "add", "-q", filepath.Join(top, "other-wt"))
	plain := filepath.Join(top, "plain")
	if err := os.Mkdir(plain, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, plant := range map[string]func(dotgit string) error{
		"a plain directory": func(p string) error { return os.WriteFile(p, []byte("gitdir: "+plain+"\n"), 0o644) },
		"another repository": func(p string) error {
			return os.WriteFile(p, []byte("gitdir: "+filepath.Join(other, ".git")+"\n"), 0o644)
		},
		"another work tree's": func(p string) error {
			return os.WriteFile(p, []byte("gitdir: "+filepath.Join(other, ".git", "worktrees", "other-wt")+"\n"), 0o644)
		},
		"a relative path out":         func(p string) error { return os.WriteFile(p, []byte("gitdir: ../plain\n"), 0o644) },
		"a symlink to a repository":   func(p string) error { return os.Symlink(filepath.Join(other, ".git"), p) },
		"no gitdir line, just a path": func(p string) error { return os.WriteFile(p, []byte(plain+"\n"), 0o644) },
	} {
		t.Run(name, func(t *testing.T) {
			tree := filepath.Join(t.TempDir(), "tree")
			writeTestFile(t, filepath.Join(tree, "a.yaml"), "a: 1\n")
			if err := plant(filepath.Join(tree, ".git")); err != nil {
				t.Fatal(err)
			}
			before := map[string]map[string]string{}
			for _, d := range []string{plain, other} {
				before[d] = testtool.Snapshot(t, d)
			}
			r, err := LockTree(tree, false, "acrgen check tree")
			if err != nil {
				t.Fatal(err)
			}
			r.Unlock()
			writeUnder(t, tree)
			for _, d := range []string{plain, other} {
				if d := diffSnapshots(before[d], testtool.Snapshot(t, d)); d != "" {
					t.Errorf("files appeared where the .git file points: %s", d)
				}
			}
			if _, err := os.Stat(filepath.Join(other, ".git", "acrgen.lock")); err == nil {
				t.Error("a lock was created in the other repository's git directory")
			}
		})
	}
}

// diffSnapshots names the files that differ between two testtool snapshots.
func diffSnapshots(a, b map[string]string) string {
	var out []string
	for k, v := range b {
		if a[k] != v {
			out = append(out, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k+" (gone)")
		}
	}
	if len(out) == 0 {
		return ""
	}
	return fmt.Sprint(out)
}
