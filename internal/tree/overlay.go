package tree

import (
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/types"
)

// walkGenerated reads a directory without a kustomization the way Flux's kustomize-controller
// builds one: it generates a kustomization listing every .yaml and .yml file below the
// directory, and each subdirectory holding a kustomization as one resource, then applies the
// overlay to it. The generated kustomization exists only in memory: Tree.Kustomization stays
// nil, so nothing is ever listed in it.
func (l *loader) walkGenerated(dir string) error {
	var resources []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if findKustomization(p) != "" {
				resources = append(resources, p)
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(p) {
		case ".yaml", ".yml":
			resources = append(resources, p)
		}
		return nil
	})
	if err != nil {
		return l.walkError(dir, err)
	}
	sort.Strings(resources)
	k := &Kustomization{Path: filepath.Join(dir, "kustomization.yaml"), Dir: dir}
	for _, r := range resources {
		rel, err := filepath.Rel(dir, r)
		if err != nil {
			return err
		}
		k.K.Resources = append(k.K.Resources, rel)
	}
	l.opts.Overlay.Adjust(&k.K)
	return l.walk(k, nil, true, nil)
}

// Overlay is what a deployer (Flux's kustomize-controller) does on top of the root
// kustomization: it changes the root's own fields before the build, and substitutes variables
// in the build's output.
type Overlay struct {
	// Adjust changes the root kustomization, or an empty one when the root has none.
	Adjust func(*types.Kustomization)
	// Substitute rewrites an effective image reference after the build; nil leaves it.
	Substitute func(string) string
	// SubstituteNamespace rewrites an effective namespace after the build; nil leaves it.
	SubstituteNamespace func(string) string
}
