package tree

import (
	"io/fs"
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
	real   map[string]string // path -> its symlinks resolved
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

// evalSymlinks is filepath.EvalSymlinks, remembered for the run: the Flux scan and the run
// after it resolve the same paths (the writer resolves them afresh before it writes).
func (c *Cache) evalSymlinks(p string) (string, error) {
	if c == nil {
		return filepath.EvalSymlinks(p)
	}
	c.mu.Lock()
	r, ok := c.real[p]
	c.mu.Unlock()
	if ok {
		return r, nil
	}
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	if c.real == nil {
		c.real = map[string]string{}
	}
	c.real[p] = r
	c.mu.Unlock()
	return r, nil
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
