package tree

// Where the repository ends: the git work tree holding a directory, found as acrgen trusts it.
// The lock lives in its git directory, the loader reads nothing outside it, and Flux's paths and
// the .sops.yaml search start or stop at its top level.

import (
	"os"
	"path/filepath"
	"strings"

	ini "gopkg.in/ini.v1"
)

// Within reports whether p is root or lies under it (both clean and absolute).
func Within(root, p string) bool {
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator))
}

// GitTop returns the top level of the git work tree holding dir and that tree's git
// directory, or "", "" outside git. The nearest .git on the way up decides, if acrgen can verify
// where it leads: a directory named .git (not a symlink), or a .git file that names the git
// directory of this very work tree ([linkedGitDir]). Any other .git (a file naming some other
// directory, a symlink) is passed over as if it were absent: acrgen never puts its lock, or looks
// for a repository's settings, where a file inside the tree alone says.
func GitTop(dir string) (top, gitDir string) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", ""
	}
	for ; ; d = filepath.Dir(d) {
		p := filepath.Join(d, ".git")
		fi, err := os.Lstat(p)
		switch {
		case err == nil && fi.IsDir():
			return d, p
		case err == nil && fi.Mode().IsRegular():
			if g := linkedGitDir(p); g != "" {
				return d, g
			}
		}
		if filepath.Dir(d) == d {
			return "", ""
		}
	}
}

// gitTop is [GitTop], remembered for the run: a Load asks it of its root, and a run loads the
// same roots several times (each Argo CD or Flux target while following them, then while
// checking it); each answer reads the .git files on the way up. Without a cache, nothing is
// remembered.
func (c *Cache) gitTop(dir string) (top, gitDir string) {
	if c == nil {
		return GitTop(dir)
	}
	c.mu.Lock()
	v, ok := c.tops[dir]
	c.mu.Unlock()
	if ok {
		return v[0], v[1]
	}
	top, gitDir = GitTop(dir)
	c.mu.Lock()
	if c.tops == nil {
		c.tops = map[string][2]string{}
	}
	c.tops[dir] = [2]string{top, gitDir}
	c.mu.Unlock()
	return top, gitDir
}

// linkedGitDir returns the git directory that the .git file at dotgit names ("gitdir: DIR"),
// if that directory verifiably belongs to the work tree holding dotgit, as git itself sets
// them up, and "" otherwise:
//   - a linked work tree (git worktree add): DIR is REPO/worktrees/NAME, its gitdir file names
//     dotgit back, and its commondir file leads to REPO;
//   - a submodule whose git directory lies in its superproject's: DIR is .../modules/NAME, and
//     its config's core.worktree names the work tree back.
//
// DIR must hold a HEAD file. Only these few small files of DIR are read, and none is printed.
func linkedGitDir(dotgit string) string {
	named := pointer(filepath.Dir(dotgit), dotgit, "gitdir:")
	dir, err := filepath.EvalSymlinks(named)
	if named == "" || err != nil {
		return ""
	}
	if fi, err := os.Lstat(filepath.Join(dir, "HEAD")); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	switch filepath.Base(filepath.Dir(dir)) {
	case "worktrees":
		back := pointer(dir, filepath.Join(dir, "gitdir"), "")
		common := pointer(dir, filepath.Join(dir, "commondir"), "")
		if sameFile(back, dotgit) && sameFile(common, filepath.Dir(filepath.Dir(dir))) {
			return dir
		}
	case "modules":
		if sameFile(coreWorktree(dir), filepath.Dir(dotgit)) {
			return dir
		}
	}
	return ""
}

// pointer reads the small file at p, which holds a path (after prefix, when given), and returns
// that path, made absolute against base; "" when p is not such a file.
func pointer(base, p, prefix string) string {
	b, _, err := ReadRegular(p, 4096)
	if err != nil {
		return ""
	}
	v, ok := strings.CutPrefix(strings.TrimSpace(string(b)), prefix)
	v = strings.TrimSpace(v)
	if !ok || v == "" || strings.ContainsAny(v, "\n\x00") {
		return ""
	}
	if !filepath.IsAbs(v) {
		v = filepath.Join(base, v)
	}
	return v
}

// coreWorktree returns core.worktree of the git directory dir's config, made absolute against
// dir; "" when it has none.
func coreWorktree(dir string) string {
	b, _, err := ReadRegular(filepath.Join(dir, "config"), 1<<20)
	if err != nil {
		return ""
	}
	cfg, err := ini.LoadSources(ini.LoadOptions{Insensitive: true, IgnoreInlineComment: true, SkipUnrecognizableLines: true}, b)
	if err != nil {
		return ""
	}
	wt := strings.Trim(cfg.Section("core").Key("worktree").String(), `"`)
	if wt == "" {
		return ""
	}
	if !filepath.IsAbs(wt) {
		wt = filepath.Join(dir, wt)
	}
	return wt
}

// sameFile reports whether paths a and b lead to the same file.
func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}
