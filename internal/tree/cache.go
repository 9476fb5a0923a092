package tree

import (
	"io/fs"
	"sync"

	"github.com/acrgen/acrgen/pkg/manifest"
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
	tops   map[string][2]string      // GitTop's answers, by directory
	parses int
}

type cached struct {
	mode     fs.FileMode
	full     *manifest.File
	relevant map[string]*manifest.File // by the key of the triggers
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{files: map[string]*cached{}} }

// Parses is how many times a file was parsed through the cache.
func (c *Cache) Parses() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.parses
}

// get returns a cached parse of path that serves the triggers of key ("": a full parse).
func (c *Cache) get(path, key string) (*manifest.File, fs.FileMode, bool) {
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
	case key != "" && e.relevant[key] != nil:
		return e.relevant[key], e.mode, true
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

// put records a parse of path made with the triggers of key ("": a full parse).
func (c *Cache) put(path, key string, m *manifest.File, mode fs.FileMode) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.parses++
	e := c.files[path]
	if e == nil {
		e = &cached{relevant: map[string]*manifest.File{}}
		c.files[path] = e
	}
	e.mode = mode
	if key == "" {
		e.full = m
		return
	}
	e.relevant[key] = m
}
