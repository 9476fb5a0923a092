package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// committedSince says since when the file at path holds what it holds where the cluster applies
// it from: the commit time of the last commit of the checked-out branch's first-parent line
// that changed it (on the default branch: the merge of the rotation's pull request), or now
// when the file differs from HEAD's version (not committed yet). In a shallow clone the oldest
// commit it holds stands for that commit: a later time, so a longer wait, never a shorter one.
// ok is false when git cannot tell: no git, or not a repository.
//
// git runs with the file's directory as its working directory and reads no file but the
// repository's; it is given the file's base name after "--", never as an option.
func committedSince(ctx context.Context, path string, now time.Time) (since time.Time, ok bool) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	git := func(args ...string) (string, bool) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout = &out
		if cmd.Run() != nil {
			return "", false
		}
		return strings.TrimSpace(out.String()), true
	}
	if inside, ok := git("rev-parse", "--is-inside-work-tree"); !ok || inside != "true" {
		return time.Time{}, false
	}
	// The blob HEAD holds for the file against the file's own bytes (no filters: what is on
	// disk is what Flux will apply once committed).
	head, inHead := git("rev-parse", "--verify", "--quiet", "HEAD:./"+base)
	disk, hashed := git("hash-object", "--no-filters", "--", base)
	if !hashed {
		return time.Time{}, false
	}
	if !inHead || head != disk {
		return now, true
	}
	at, logged := git("log", "-1", "--first-parent", "--format=%cI", "--", base)
	if !logged || at == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}
