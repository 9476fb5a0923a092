package tree

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/acrgen/acrgen/pkg/render"
)

// Cache keeps the files read by several Loads of one run, so that a base shared by many
// roots is read and parsed once. A full parse serves every later Load; a parse limited to
// relevant documents serves Loads with the same triggers. Parsed manifests are only read,
// never changed, so Loads can share them.
type Cache struct {
	mu     sync.Mutex
	files  map[string]*cached
	real   realPaths
	kusts  map[string]*Kustomization // by path
	parses int
}

type cached struct {
	mode     fs.FileMode
	full     *render.Manifest
	relevant map[string]*render.Manifest // by triggers
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{files: map[string]*cached{}} }

// Parses is how many times a file was parsed through the cache.
func (c *Cache) Parses() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.parses
}

func triggersKey(triggers []string) string { return strings.Join(triggers, "\x00") }

// get returns a cached parse of path that serves triggers (nil: a full parse).
func (c *Cache) get(path string, triggers []string) (*render.Manifest, fs.FileMode, bool) {
	if c == nil {
		return nil, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.files[path]
	switch {
	case e == nil:
		return nil, 0, false
	case e.full != nil:
		return e.full, e.mode, true
	case triggers != nil && e.relevant[triggersKey(triggers)] != nil:
		return e.relevant[triggersKey(triggers)], e.mode, true
	}
	return nil, 0, false
}

// read returns the bytes and mode of path as an earlier Load of the run read them, whatever
// it parsed of them, so that a Load with other triggers parses the file without reading it
// again (the writer checks, before writing, that no file changed since it was read).
func (c *Cache) read(path string) ([]byte, fs.FileMode, bool) {
	if c == nil {
		return nil, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.files[path]
	if e == nil {
		return nil, 0, false
	}
	if e.full != nil {
		return e.full.Src.Bytes(), e.mode, true
	}
	for _, m := range e.relevant {
		return m.Src.Bytes(), e.mode, true
	}
	return nil, 0, false
}

// kustomization returns a copy of the kustomization at path as an earlier Load of the run
// read it.
func (c *Cache) kustomization(path string) (*Kustomization, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.kusts[path]
	if !ok {
		return nil, false
	}
	cp := *k
	return &cp, true
}

func (c *Cache) putKustomization(k *Kustomization) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.kusts == nil {
		c.kusts = map[string]*Kustomization{}
	}
	cp := *k
	c.kusts[k.Path] = &cp
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

func (c *Cache) put(path string, triggers []string, m *render.Manifest, mode fs.FileMode) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.parses++
	e := c.files[path]
	if e == nil {
		e = &cached{relevant: map[string]*render.Manifest{}}
		c.files[path] = e
	}
	e.mode = mode
	if triggers == nil {
		e.full = m
		return
	}
	e.relevant[triggersKey(triggers)] = m
}

// memoImages is effectiveImages, remembered for the images and the chain's images: workloads
// of one base share both, and kustomize's image filter compiles a regular expression per call.
func (l *loader) memoImages(images []string, chain []layer) ([]string, error) {
	var key strings.Builder
	for _, im := range images {
		key.WriteString(im)
		key.WriteByte(0)
	}
	for _, ly := range chain {
		key.WriteByte(1)
		for _, im := range ly.images {
			key.WriteString(im.Name + "\x00" + im.NewName + "\x00" + im.NewTag + "\x00" + im.Digest + "\x00")
		}
	}
	k := key.String()
	if out, ok := l.memo[k]; ok {
		return append([]string(nil), out...), nil
	}
	out, err := effectiveImages(images, chain)
	if err != nil {
		return nil, err
	}
	if l.memo == nil {
		l.memo = map[string][]string{}
	}
	l.memo[k] = append([]string(nil), out...)
	return out, nil
}
