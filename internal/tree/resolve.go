package tree

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/acrgen/acrgen/pkg/finding"
	"sigs.k8s.io/kustomize/api/konfig"
)

// Resolving paths is the first step of a load: the root directory, and every path a
// kustomization or a plain directory leads to, are resolved here, under two rules: a symlink
// inside the root never leads out of it (acrgen edits what lies in the root), and no path leads
// out of the git work tree holding the root (what acrgen reads, the repository chooses; it may
// not choose a file of the machine, as Flux's kustomize-controller confines a build to its
// source's root).

// paths resolves the paths of one load.
type paths struct {
	root string // absolute, symlinks resolved
	// bound is the top level of the git work tree holding root (GitTop), which no path may
	// leave; "" outside git, where nothing marks the repository's edge.
	bound   string
	cache   *Cache // remembers resolved paths for the run; nil remembers nothing
	display func(string) string
}

// rootDir is dir, absolute with its symlinks resolved; it must be a directory.
func rootDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", &InputError{Path: dir, Msg: err.Error()}
	}
	if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
		return "", &InputError{Path: dir, Msg: "not a directory"}
	}
	return real, nil
}

// inRoot reports whether p (absolute, symlinks resolved) lies under the root.
func (ps paths) inRoot(p string) bool {
	return p == ps.root || strings.HasPrefix(p, ps.root+string(filepath.Separator))
}

// resolve turns a path into its real path, refusing a symlink that leads from inside the root
// to outside it. It also returns the type bits of what p leads to. from and line name where p
// was found, for the error when it cannot be resolved.
func (ps paths) resolve(p, from string, line int) (string, fs.FileMode, error) {
	real, typ, err := ps.cache.evalSymlinks(p)
	if err != nil {
		return "", 0, &InputError{Path: ps.display(from), Line: line, Msg: unreadable(ps.display(p), err)}
	}
	if ps.inRoot(p) && !ps.inRoot(real) {
		return "", 0, &InputError{Path: ps.display(p), Msg: fmt.Sprintf("symlink leaves the directory acrgen works on (to %s); acrgen refuses to edit through it", ps.display(real))}
	}
	if ps.bound != "" && !Within(ps.bound, real) {
		return "", 0, &InputError{Path: ps.display(from), Line: line, Msg: fmt.Sprintf("%s leaves the git work tree (%s): acrgen reads only the repository's files, as Flux confines a build to its source", finding.Quote(ps.display(p)), finding.Quote(ps.display(ps.bound)))}
	}
	return real, typ, nil
}

// unreadable says why the path shown as name cannot be resolved: only a missing file "does
// not exist"; a denied permission or a symlink loop says so, without the absolute path.
func unreadable(name string, err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return name + " does not exist"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Sprintf("cannot read %s: %v: check its permissions", name, err)
	}
	// filepath.EvalSymlinks reports a loop as a plain "EvalSymlinks: too many links".
	return fmt.Sprintf("cannot read %s: %s", name, strings.TrimPrefix(err.Error(), "EvalSymlinks: "))
}

// FindKustomization returns the kustomization file of dir, by the names kustomize
// recognizes; "" when it has none.
func FindKustomization(dir string) string {
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		p := filepath.Join(dir, n)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

// konfigName reports whether base is a name kustomize recognizes for a kustomization file.
func konfigName(base string) bool {
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		if base == n {
			return true
		}
	}
	return false
}

// isRemote reports whether a kustomization entry names a remote resource (a URL, a git
// repository) rather than a path.
func isRemote(entry string) bool {
	return strings.Contains(entry, "://") || strings.HasPrefix(entry, "git@") ||
		strings.HasPrefix(entry, "github.com/") || strings.HasPrefix(entry, "gitlab.com/") ||
		strings.HasPrefix(entry, "bitbucket.org/") || strings.Contains(entry, "?ref=")
}

// evalSymlinks is filepath.EvalSymlinks, remembered for the run: the Flux scan and the run
// after it resolve the same paths (the writer resolves them afresh before it writes). It also
// returns the type bits of the file p leads to. Without a cache, nothing is remembered.
func (c *Cache) evalSymlinks(p string) (string, fs.FileMode, error) {
	if c == nil {
		return evalStat(p)
	}
	return c.real.eval(p)
}

// realPaths resolves symlinks as filepath.EvalSymlinks does, remembering every path it
// resolved, directories included: the files of a tree share their directories, so resolving a
// file costs one lstat of the file instead of one per component of its path.
type realPaths struct {
	mu sync.Mutex
	m  map[string]realPath // by clean absolute path
}

type realPath struct {
	real string      // the path with its symlinks resolved
	typ  fs.FileMode // the type bits of what it leads to
}

func (r *realPaths) eval(p string) (string, fs.FileMode, error) {
	if !filepath.IsAbs(p) || filepath.Clean(p) != p {
		return evalStat(p)
	}
	r.mu.Lock()
	v, ok := r.m[p]
	r.mu.Unlock()
	if ok {
		return v.real, v.typ, nil
	}
	dir := filepath.Dir(p)
	fi, err := os.Lstat(p)
	if dir == p || err != nil || fi.Mode()&fs.ModeSymlink != 0 {
		// The root, a path that cannot be read (for EvalSymlinks' error) or a symlink.
		v.real, v.typ, err = evalStat(p)
	} else {
		// p itself is no symlink: it resolves to where its directory does.
		v.real, _, err = r.eval(dir)
		v.real, v.typ = filepath.Join(v.real, filepath.Base(p)), fi.Mode().Type()
	}
	if err != nil {
		return "", 0, err
	}
	r.mu.Lock()
	if r.m == nil {
		r.m = map[string]realPath{}
	}
	r.m[p] = v
	r.mu.Unlock()
	return v.real, v.typ, nil
}

// evalStat is filepath.EvalSymlinks, with the type bits of the file p leads to.
func evalStat(p string) (string, fs.FileMode, error) {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", 0, err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", 0, err
	}
	return real, fi.Mode().Type(), nil
}
