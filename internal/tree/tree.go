package tree

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/acrgen/acrgen/pkg/render"
	gitignore "github.com/monochromegane/go-gitignore"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/ext"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// DefaultMaxFileSize is the largest manifest acrgen reads.
const DefaultMaxFileSize = 8 << 20

// InputError is bad input: a file acrgen cannot read as a manifest or kustomization. The CLI
// maps it to exit code 2.
type InputError struct {
	Path string // the file, relative to the working directory where possible
	Line int
	Msg  string
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// File is a manifest file of the tree.
type File struct {
	// Path is the file's absolute path.
	Path string
	// Mode is the file's permission bits, kept when it is rewritten.
	Mode fs.FileMode
	// InRoot reports whether the file lies under the root directory (and is edited in place).
	InRoot   bool
	Manifest *render.Manifest
}

// Kustomization is a parsed kustomization file.
type Kustomization struct {
	Path string
	Dir  string
	K    types.Kustomization
	// Src and Doc are the file's bytes and its root mapping, for in-place edits.
	Src *render.Source
	Doc *yaml.Node
	// Mode is the file's permission bits, as read with Src, kept when it is rewritten.
	Mode fs.FileMode
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
	Warnings []string
	// RootNamespace is the namespace the root kustomization and its components put a resource
	// listed in its resources in; empty when they set none.
	RootNamespace string
}

// Options controls Load.
type Options struct {
	// MaxFileSize is the largest file read; zero means DefaultMaxFileSize.
	MaxFileSize int64
	// Kinds says which resources are workloads.
	Kinds *render.Kinds
	// Display turns an absolute path into the form used in messages; nil keeps it.
	Display func(string) string
	// Registries and Relevant, when set, let Load skip the full parse of files that cannot
	// matter: a file is parsed only if it mentions (ignoring case) a registry, an image name
	// that some kustomization's images: entry maps onto a registry, or one of the Relevant
	// strings. Other files are still checked for size, encoding and templates. Relevant alone
	// (no Registries) parses only the documents that mention one of its strings, as the Flux
	// scan does; neither set means every document is parsed.
	Registries []string
	Relevant   []string
	// Overlay, when set, is what a deployer adds to the root before building it.
	Overlay *Overlay
	// Cache, when set, shares the files read with other Loads of the same run.
	Cache *Cache
	// ObjectsOnly leaves the instances' pod specs, images and secrets out, for a caller that
	// only looks for objects.
	ObjectsOnly bool
}

type loader struct {
	opts       Options
	images     []types.Image // every images: entry seen, for the relevance triggers
	patchTexts []string      // every patch seen, likewise
	root       string        // absolute, symlinks resolved
	files      map[string]*File
	order      []pending
	stack      []walking           // the kustomizations being walked, outermost first
	memo       map[string][]string // effectiveImages by images and chain
	gen        []GeneratedSecret
	warnings   []string
	rootNS     string
}

type pending struct {
	path  string
	chain []layer
}

// Load reads the tree at dir.
func Load(dir string, opts Options) (*Tree, error) {
	if opts.MaxFileSize == 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	if opts.Display == nil {
		opts.Display = func(s string) string { return s }
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, &InputError{Path: dir, Msg: err.Error()}
	}
	if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
		return nil, &InputError{Path: dir, Msg: "not a directory"}
	}
	if opts.Overlay != nil && (opts.Overlay.Substitute != nil || opts.Overlay.SubstituteNamespace != nil) {
		opts.Relevant = append(append([]string(nil), opts.Relevant...), "${")
	}
	l := &loader{opts: opts, root: real, files: map[string]*File{}}
	t := &Tree{Root: real}
	if kpath := findKustomization(real); kpath != "" {
		// acrgen may edit the root's kustomization: a symlink out of the root is refused, as
		// for the manifests it edits.
		if _, _, err := l.resolve(kpath, kpath, 0); err != nil {
			return nil, err
		}
		// Parsed afresh, not shared through the cache: the Overlay changes it.
		k, err := l.parseKustomization(kpath)
		if err != nil {
			return nil, err
		}
		if opts.Overlay != nil && opts.Overlay.Adjust != nil {
			opts.Overlay.Adjust(&k.K)
		}
		t.Kustomization = k
		if err := l.walk(k, nil, true, nil); err != nil {
			return nil, err
		}
	} else if opts.Overlay != nil && opts.Overlay.Adjust != nil {
		if err := l.walkGenerated(real); err != nil {
			return nil, err
		}
	} else if err := l.walkPlain(real); err != nil {
		return nil, err
	}
	if err := l.parseAll(); err != nil {
		return nil, err
	}
	t.Files = l.files
	t.Generated = l.gen
	t.Warnings = l.warnings
	t.RootNamespace = l.rootNS
	for _, p := range l.order {
		f := l.files[p.path]
		for _, r := range f.Manifest.Resources() {
			if len(r.Items()) > 0 {
				continue // the List's items stand for it
			}
			inst, err := l.instance(f, r, p.chain)
			if err != nil {
				return nil, err
			}
			if err := l.checkTemplateImages(inst); err != nil {
				return nil, err
			}
			if !inst.Deleted {
				if opts.Overlay != nil && opts.Overlay.Substitute != nil {
					for _, imgs := range inst.Images {
						for i := range imgs {
							imgs[i] = opts.Overlay.Substitute(imgs[i])
						}
					}
				}
				if opts.Overlay != nil && opts.Overlay.SubstituteNamespace != nil {
					inst.Namespace = opts.Overlay.SubstituteNamespace(inst.Namespace)
				}
				t.Instances = append(t.Instances, inst)
			}
		}
	}
	return t, nil
}

func findKustomization(dir string) string {
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		p := filepath.Join(dir, n)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

func (l *loader) display(p string) string { return l.opts.Display(p) }

// inRoot reports whether p (absolute, symlinks resolved) lies under the root.
func (l *loader) inRoot(p string) bool {
	return p == l.root || strings.HasPrefix(p, l.root+string(filepath.Separator))
}

// resolve turns a path into its real path, refusing a symlink that leads from inside the root
// to outside it. It also returns the type bits of what p leads to.
func (l *loader) resolve(p, from string, line int) (string, fs.FileMode, error) {
	real, typ, err := l.opts.Cache.evalSymlinks(p)
	if err != nil {
		return "", 0, &InputError{Path: l.display(from), Line: line, Msg: unreadable(l.display(p), err)}
	}
	if l.inRoot(p) && !l.inRoot(real) {
		return "", 0, &InputError{Path: l.display(p), Msg: fmt.Sprintf("symlink leaves the directory acrgen works on (to %s); acrgen refuses to edit through it", l.display(real))}
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

func (l *loader) readFile(p string) ([]byte, fs.FileMode, error) {
	b, fi, err := ReadRegular(p, l.opts.MaxFileSize)
	if err != nil {
		return nil, 0, &InputError{Path: l.display(p), Msg: err.Error()}
	}
	if !utf8.Valid(b) {
		line := 1 + strings.Count(string(b[:firstInvalidUTF8(b)]), "\n")
		return nil, 0, &InputError{Path: l.display(p), Line: line, Msg: "not valid UTF-8 (YAML files must be UTF-8)"}
	}
	return b, fi.Mode().Perm(), nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, w := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && w <= 1 {
			return i
		}
		i += w
	}
	return len(b)
}

// readKustomization reads and checks the kustomization at p. A kustomization an earlier Load
// of the run read is not read again: the copy returned shares the parse, which no one changes
// (the root's, which an Overlay may change, is parsed afresh by Load).
func (l *loader) readKustomization(p string) (*Kustomization, error) {
	if k, ok := l.opts.Cache.kustomization(p); ok {
		return k, nil
	}
	k, err := l.parseKustomization(p)
	if err != nil {
		return nil, err
	}
	l.opts.Cache.putKustomization(k)
	return k, nil
}

// parseKustomization reads the kustomization at p and checks it.
func (l *loader) parseKustomization(p string) (*Kustomization, error) {
	b, mode, err := l.readFile(p)
	if err != nil {
		return nil, err
	}
	m, err := render.ParseManifest(b)
	if err != nil {
		return nil, lineErr(l.display(p), err)
	}
	k := &Kustomization{Path: p, Dir: filepath.Dir(p), Src: m.Src, Mode: mode}
	if len(m.Docs) != 1 || m.Docs[0].Kind != yaml.MappingNode {
		return nil, &InputError{Path: l.display(p), Msg: "a kustomization must be one YAML mapping"}
	}
	k.Doc = m.Docs[0]
	if err := k.K.Unmarshal(b); err != nil {
		return nil, &InputError{Path: l.display(p), Msg: err.Error()}
	}
	k.K.FixKustomization()
	if err := render.ValidateNamespace(k.K.Namespace); err != nil {
		line := 0
		if n := render.MapValue(k.Doc, "namespace"); n != nil {
			line = n.Line
		}
		return nil, &InputError{Path: l.display(p), Line: line, Msg: "namespace: " + err.Error()}
	}
	return k, nil
}

func lineErr(path string, err error) error {
	var le *render.LineError
	if errors.As(err, &le) {
		return &InputError{Path: path, Line: le.Line, Msg: le.Msg}
	}
	return &InputError{Path: path, Msg: err.Error()}
}

func (l *loader) addFile(p string, chain []layer) {
	if _, ok := l.files[p]; !ok {
		l.files[p] = &File{Path: p, InRoot: l.inRoot(p)}
	}
	l.order = append(l.order, pending{path: p, chain: chain})
}

// walkPlain reads every .yaml, .yml and .json file under dir, skipping hidden directories
// and what the directory's .krmignore (gitignore syntax) excludes: a plain directory of
// manifests, as kpt reads a package.
func (l *loader) walkPlain(dir string) error {
	var ignore gitignore.IgnoreMatcher = gitignore.DummyIgnoreMatcher(false)
	ignoreFile := filepath.Join(dir, ext.IgnoreFileName())
	if f, err := os.Open(ignoreFile); err == nil {
		ignore = gitignore.NewGitIgnoreFromReader(dir, f)
		f.Close()
	}
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && ignore.Match(p, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		real, typ, err := l.resolve(p, p, 0)
		if err != nil {
			return err
		}
		if typ.IsDir() {
			return nil
		}
		paths = append(paths, real)
		return nil
	})
	if err != nil {
		return l.walkError(dir, err)
	}
	sort.Strings(paths)
	nested := ""
	for _, p := range paths {
		if nested == "" && konfigName(filepath.Base(p)) {
			nested = p
		}
		l.addFile(p, []layer{{root: true}})
	}
	if nested != "" {
		l.warnings = append(l.warnings, fmt.Sprintf("%s has no kustomization, but %s is one: acrgen reads the directory as plain manifests and ignores what kustomizations do (namespaces, images); run it on a kustomization directory instead", l.display(dir), l.display(nested)))
	}
	return nil
}

func konfigName(base string) bool {
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		if base == n {
			return true
		}
	}
	return false
}

// parseAll reads and parses every file, on every core (see ForEach).
func (l *loader) parseAll() error {
	files := make([]*File, 0, len(l.files))
	for _, f := range l.files {
		files = append(files, f)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	triggers := l.triggers()
	key := triggers // what a cached parse must have been made with
	if l.opts.ObjectsOnly && triggers != nil {
		// Its skipped documents are not scanned for duplicate keys: it serves no other Load.
		key = append(slices.Clip(triggers), "\x00objects only")
	}
	var fs []finder // nil: parse every document
	if triggers != nil {
		fs = finders(triggers)
	}
	return ForEach(len(files), func(i int) error {
		f := files[i]
		if m, mode, ok := l.opts.Cache.get(f.Path, key); ok {
			f.Manifest, f.Mode = m, mode
			return nil
		}
		b, mode, ok := l.opts.Cache.read(f.Path)
		if !ok {
			var err error
			if b, mode, err = l.readFile(f.Path); err != nil {
				return err
			}
		}
		f.Mode = mode
		m, err := parseFiltered(b, fs, l.opts.ObjectsOnly)
		if err != nil {
			return lineErr(l.display(f.Path), err)
		}
		f.Manifest = m
		l.opts.Cache.put(f.Path, key, m, mode)
		return nil
	})
}

// walkError is an error met walking dir: an input error as it is, anything else (an unreadable
// directory) as an input error naming dir.
func (l *loader) walkError(dir string, err error) error {
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	return &InputError{Path: l.display(dir), Msg: err.Error()}
}
