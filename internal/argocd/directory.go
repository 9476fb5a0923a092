package argocd

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gobwas/glob"

	"github.com/acrgen/acrgen/internal/tree"
)

// What the repo-server reads of a directory source (argo-cd v3.2.12 reposerver/repository,
// getPotentiallyValidManifests and getPotentiallyValidManifestFile): the files of the path,
// and of its subdirectories (hidden ones too) only with recurse; among them those whose name
// matches manifestFile; none that exclude matches, and only those that include matches (both
// gobwas/glob patterns, as argo-cd util/glob compiles them, without separators, matched
// against the path below the source's path); none that holds the skip marker. .jsonnet files
// are evaluated: acrgen does not, and says so.

var manifestFile = regexp.MustCompile(`^.*\.(yaml|yml|json|jsonnet)$`)

const skipFileRenderingMarker = "+argocd:skip-file-rendering"

// dirSource is a directory source: how Argo CD reads dir.
type dirSource struct {
	d                Directory
	dir              string
	max              int64
	include, exclude glob.Glob
}

// newDirSource compiles the patterns of d, a directory source of dir; a file is read up to
// max bytes to look for the skip marker.
func newDirSource(d Directory, dir string, max int64) (*dirSource, error) {
	s := &dirSource{d: d, dir: dir, max: max}
	var err error
	if d.Include != "" {
		if s.include, err = glob.Compile(d.Include); err != nil {
			return nil, fmt.Errorf("include %q is not a glob pattern: %v", d.Include, err)
		}
	}
	if d.Exclude != "" {
		if s.exclude, err = glob.Compile(d.Exclude); err != nil {
			return nil, fmt.Errorf("exclude %q is not a glob pattern: %v", d.Exclude, err)
		}
	}
	return s, nil
}

// Select is the tree.Overlay Select of the source: the subdirectories with recurse, and the
// manifest files Argo CD reads as YAML or JSON.
func (s *dirSource) Select(rel string, isDir bool) bool {
	if isDir {
		return s.d.Recurse
	}
	return s.chosen(rel) && !strings.HasSuffix(rel, ".jsonnet")
}

// chosen reports whether the repo-server reads the file at rel (slash-separated, below dir).
func (s *dirSource) chosen(rel string) bool {
	if !manifestFile.MatchString(filepath.Base(rel)) {
		return false
	}
	rel = filepath.FromSlash(rel)
	if s.exclude != nil && s.exclude.Match(rel) || s.include != nil && !s.include.Match(rel) {
		return false
	}
	b, _, err := tree.ReadRegular(filepath.Join(s.dir, rel), s.max)
	// A file acrgen cannot read here is read again by the loader, which says why.
	return err != nil || !bytes.Contains(b, []byte(skipFileRenderingMarker))
}

// jsonnet reports whether the repo-server evaluates a .jsonnet file of the source.
func (s *dirSource) jsonnet() bool {
	found := errors.New("found")
	err := filepath.WalkDir(s.dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || p == s.dir {
			return nil
		}
		rel, _ := filepath.Rel(s.dir, p)
		switch {
		case e.IsDir() && !s.d.Recurse:
			return filepath.SkipDir
		case !e.IsDir() && strings.HasSuffix(e.Name(), ".jsonnet") && s.chosen(filepath.ToSlash(rel)):
			return found
		}
		return nil
	})
	return err == found
}
