package tree

import (
	"io/fs"
	"os"

	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/manifest"
	"sigs.k8s.io/kustomize/api/types"
)

// DefaultMaxFileSize is the largest manifest acrgen reads.
const DefaultMaxFileSize = 8 << 20

// File is a manifest file of the tree.
type File struct {
	// Path is the file's absolute path.
	Path string
	// Mode is the file's permission bits, kept when it is rewritten.
	Mode fs.FileMode
	// InRoot reports whether the file lies under the root directory (and is edited in place).
	InRoot   bool
	Manifest *manifest.File
}

// Tree is a loaded kustomize tree.
type Tree struct {
	// Root is the absolute root directory.
	Root string
	// Kustomization is the root's kustomization, nil for a plain directory of manifests.
	Kustomization *Kustomization
	// Files are every manifest read, by absolute path.
	Files map[string]*File
	// Instances are every resource occurrence in the build of the root, in build order.
	Instances []Instance
	// Generated lists the names and effective namespaces of Secrets made by secretGenerator.
	Generated []GeneratedSecret
	// Warnings are parts of the tree acrgen cannot see into.
	Warnings []finding.Finding
	// RootNamespace is the namespace the root kustomization and its components put a resource
	// listed in its resources in; empty when they set none.
	RootNamespace string
	// KSOPS are the KSOPS generators the build's kustomizations list; the files they list
	// are among Files, their resources among Instances.
	KSOPS []*KSOPS
}

// Options controls Load.
type Options struct {
	// MaxFileSize is the largest file read; zero means DefaultMaxFileSize.
	MaxFileSize int64
	// Kinds says which resources are workloads.
	Kinds *manifest.Kinds
	// Display turns an absolute path into the form used in messages; nil keeps it.
	Display func(string) string
	// Interest, when set, lets Load parse in full only the documents that may matter to the
	// caller (see Interest); the zero Interest parses every document.
	Interest Interest
	// Overlay, when set, is what a deployer adds to the root before building it.
	Overlay *Overlay
	// Cache, when set, shares the files read with other Loads of the same run.
	Cache *Cache
	// ObjectsOnly leaves the instances' pod specs, images and secrets out, for a caller that
	// only looks for objects.
	ObjectsOnly bool
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
	// DefaultNamespace is the namespace the deployer applies the namespaced resources that the
	// build leaves without one in (Argo CD's spec.destination.namespace); empty for none.
	DefaultNamespace string
	// Select, when set, chooses the files of a root without a kustomization as the deployer
	// reads such a directory (Argo CD's directory source: recurse, include, exclude), instead
	// of every manifest below it: rel is the path below the root, slash-separated; a directory
	// is entered when it says so.
	Select func(rel string, dir bool) bool
}

// Load reads the tree at dir. The load runs in steps, each in a file of its own, each
// handing its result to the next: resolving the root (resolve.go), walking its kustomizations
// (walk.go, which parses them: kustomization.go), parsing the manifests the walk found
// (parse.go, with the prefilter of prefilter.go), and layering each resource through the
// kustomizations on its way (layer.go).
func Load(dir string, opts Options) (*Tree, error) {
	opts = opts.withDefaults()
	root, err := rootDir(dir)
	if err != nil {
		return nil, err
	}
	top, _ := opts.Cache.gitTop(root)
	ps := paths{root: root, bound: top, cache: opts.Cache, display: opts.Display}
	rd := reader{max: opts.MaxFileSize, display: opts.Display}
	ov := Overlay{}
	if opts.Overlay != nil {
		ov = *opts.Overlay
	}

	b, err := walk(ps, kustomizations{reader: rd, cache: opts.Cache}, ov)
	if err != nil {
		return nil, err
	}

	trig := deriveTriggers(opts.Interest, opts.Kinds, b.images, b.patchTexts)
	if err := parse(b.files, rd, opts.Cache, trig, opts.ObjectsOnly); err != nil {
		return nil, err
	}

	ly := &layering{kinds: opts.Kinds, display: opts.Display, objectsOnly: opts.ObjectsOnly, substitute: ov.Substitute, substituteNamespace: ov.SubstituteNamespace, defaultNamespace: ov.DefaultNamespace}
	insts, err := ly.instances(b.files, b.order)
	if err != nil {
		return nil, err
	}
	return &Tree{Root: root, Kustomization: b.root, Files: b.files, Instances: insts, Generated: b.generated, Warnings: b.warnings, RootNamespace: b.rootNS, KSOPS: b.ksops}, nil
}

// ReadFile reads a file of the tree at root (absolute, symlinks resolved, as [Tree.Root]) with
// the checks [Load] applies to manifests: a symlink must not lead out of root, the file must be
// a regular file, no larger than opts.MaxFileSize, and UTF-8. A missing file gives an error
// that matches fs.ErrNotExist, so callers can treat absence as "not written yet".
func ReadFile(root, path string, opts Options) ([]byte, fs.FileMode, error) {
	opts = opts.withDefaults()
	if _, err := os.Lstat(path); err != nil {
		return nil, 0, err
	}
	real, typ, err := paths{root: root, display: opts.Display}.resolve(path, path, 0)
	if err != nil {
		return nil, 0, err
	}
	if !typ.IsRegular() {
		return nil, 0, &InputError{Path: opts.Display(path), Msg: "not a regular file: acrgen reads and writes plain files only"}
	}
	return reader{max: opts.MaxFileSize, display: opts.Display}.read(real)
}

// withDefaults fills in the zero values that mean a default.
func (o Options) withDefaults() Options {
	if o.MaxFileSize == 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.Display == nil {
		o.Display = func(s string) string { return s }
	}
	return o
}
