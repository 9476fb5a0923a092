package engine

import (
	"maps"
	"slices"
	"strings"

	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/render"
	"github.com/distribution/reference"
)

// Repositories lists the repositories that the tree's workloads pull from the configured
// registries (the scope a repository-scoped token needs), sorted.
func Repositories(opts Options) ([]string, error) {
	if opts.Kinds == nil {
		opts.Kinds = render.NewKinds()
	}
	t, err := tree.Load(opts.Dir, tree.Options{MaxFileSize: opts.MaxFileSize, Kinds: opts.Kinds, Display: opts.Display})
	if err != nil {
		return nil, err
	}
	r := &run{opts: opts, t: t}
	match := render.NewMatcher(opts.Registries)
	seen := map[string]bool{}
	for _, inst := range t.Instances {
		if !render.NamespaceAllowed(r.opts.Namespaces, inst.Namespace) {
			continue
		}
		for _, imgs := range inst.Images {
			for _, img := range imgs {
				if _, ok := match.Match(img); ok {
					if repo := repository(img); repo != "" {
						seen[repo] = true
					}
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(seen)), nil
}

// repository returns the path of an image reference below its registry host, without tag
// or digest.
func repository(image string) string {
	if named, err := reference.ParseNormalizedNamed(image); err == nil {
		return reference.Path(named)
	}
	_, rest, ok := strings.Cut(image, "/")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, ":@"); i >= 0 {
		rest = rest[:i]
	}
	return strings.ToLower(rest)
}
