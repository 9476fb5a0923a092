package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// committedSince reads the commit time of the last first-parent commit that changed the file
// (a merge's time, not its branch's), now for a file that differs from HEAD, and nothing
// outside a repository.
func TestCommittedSince(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	repo := t.TempDir()
	git := func(date string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@example.com", "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date, "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	secret := filepath.Join(repo, "prod", "acr-secret.enc.yaml")
	write(t, secret, "old\n")
	git("2026-01-01T00:00:00Z", "init", "-q", "-b", "main")
	git("2026-01-01T00:00:00Z", "add", ".")
	git("2026-01-01T00:00:00Z", "commit", "-q", "-m", "first")
	// The rotation's pull request, written on a branch a week before its merge.
	git("2026-01-02T00:00:00Z", "checkout", "-q", "-b", "rotate")
	write(t, secret, "new\n")
	git("2026-01-02T00:00:00Z", "commit", "-q", "-am", "rotate")
	git("2026-01-09T00:00:00Z", "checkout", "-q", "main")
	git("2026-01-09T00:00:00Z", "merge", "-q", "--no-ff", "-m", "merge", "rotate")
	want := time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC)
	if got, ok := committedSince(ctx, secret, now); !ok || !got.Equal(want) {
		t.Errorf("after the merge: got %v, %v; want the merge's time %v", got, ok, want)
	}
	write(t, secret, "newer, not committed\n")
	if got, ok := committedSince(ctx, secret, now); !ok || !got.Equal(now) {
		t.Errorf("a changed file: got %v, %v; want now", got, ok)
	}
	untracked := filepath.Join(repo, "prod", "new.enc.yaml")
	write(t, untracked, "x\n")
	if got, ok := committedSince(ctx, untracked, now); !ok || !got.Equal(now) {
		t.Errorf("an untracked file: got %v, %v; want now", got, ok)
	}
	outside := filepath.Join(t.TempDir(), "acr-secret.enc.yaml")
	write(t, outside, "x\n")
	if got, ok := committedSince(ctx, outside, now); ok {
		t.Errorf("outside a repository: got %v, want unknown", got)
	}
}
