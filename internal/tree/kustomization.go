package tree

import (
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/yamledit"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Parsing a kustomization is the third step of a load: a kustomization file is read, checked
// and parsed here, once per run (through the cache), and turned into its layer: what it does
// to the resources that pass through it, its patches read and parsed.

// Kustomization is a parsed kustomization file.
type Kustomization struct {
	Path string
	Dir  string
	K    types.Kustomization
	// Src and Doc are the file's bytes and its root mapping, for in-place edits.
	Src *yamledit.Source
	Doc *yaml.Node
	// Mode is the file's permission bits, as read with Src, kept when it is rewritten.
	Mode fs.FileMode
	// ownPatches is the number of entries of K.Patches that the file holds, when an Overlay's
	// Adjust appended others; -1 when all are the file's.
	ownPatches int
}

// kustomizations reads the kustomizations of one load.
type kustomizations struct {
	reader reader
	cache  *Cache // shares them with the other loads of the run; nil shares nothing
}

// read reads and checks the kustomization at p. A kustomization an earlier Load of the run
// read is not read again: the copy returned shares the parse, which no one changes (the
// root's, which an Overlay may change, is parsed afresh: see parse).
func (ks kustomizations) read(p string) (*Kustomization, error) {
	if k, ok := ks.cache.kustomization(p); ok {
		return k, nil
	}
	k, err := ks.parse(p)
	if err != nil {
		return nil, err
	}
	ks.cache.putKustomization(k)
	return k, nil
}

// parse reads the kustomization at p and checks it.
func (ks kustomizations) parse(p string) (*Kustomization, error) {
	display := ks.reader.display
	b, mode, err := ks.reader.read(p)
	if err != nil {
		return nil, err
	}
	m, err := manifest.Parse(b)
	if err != nil {
		return nil, lineErr(display(p), err)
	}
	k := &Kustomization{Path: p, Dir: filepath.Dir(p), Src: m.Src, Mode: mode, ownPatches: -1}
	if len(m.Docs) != 1 || m.Docs[0].Kind != yaml.MappingNode {
		return nil, &InputError{Path: display(p), Msg: "a kustomization must be one YAML mapping"}
	}
	k.Doc = m.Docs[0]
	if err := k.K.Unmarshal(b); err != nil {
		return nil, &InputError{Path: display(p), Msg: err.Error()}
	}
	k.K.FixKustomization()
	// A namespace that holds a variable (Flux's postBuild substitutes it in the build's
	// output) is resolved, or reported, with the resources it places (see walker.placed).
	if err := manifest.ValidateNamespace(k.K.Namespace); err != nil && len(manifest.NamespaceVariables(k.K.Namespace)) == 0 {
		return nil, &InputError{Path: display(p), Line: k.namespaceLine(), Msg: "namespace: " + err.Error()}
	}
	return k, nil
}

// namespaceLine is the line of k's namespace: field when it holds k's namespace (an overlay
// may have set another); 0 when it does not.
func (k *Kustomization) namespaceLine() int {
	if k.Doc == nil {
		return 0 // generated in memory
	}
	n := manifest.MapValue(k.Doc, "namespace")
	if n == nil || n.Value != k.K.Namespace {
		return 0
	}
	return n.Line
}

// keyLine is the line of a top-level key of the kustomization; 0 when it has none there.
func (k *Kustomization) keyLine(key string) int {
	if k.Doc == nil {
		return 0 // generated in memory
	}
	for i := 0; i+1 < len(k.Doc.Content); i += 2 {
		if k.Doc.Content[i].Value == key {
			return k.Doc.Content[i].Line
		}
	}
	return 0
}

// entryLine finds the line of a list entry in a kustomization, for error messages.
func (k *Kustomization) entryLine(field, entry string) int {
	if k.Doc == nil {
		return 0 // generated in memory
	}
	for i := 0; i+1 < len(k.Doc.Content); i += 2 {
		if k.Doc.Content[i].Value != field && !(field == "resources" && k.Doc.Content[i].Value == "bases") {
			continue
		}
		for _, it := range k.Doc.Content[i+1].Content {
			if it.Value == entry {
				return it.Line
			}
		}
	}
	return 0
}

// patchLine is the line of the entry in patches, patchesJson6902 (a mapping with path) or
// patchesStrategicMerge (a plain path) that names the patch file path; 0 when none does.
func (k *Kustomization) patchLine(path string) int {
	for i := 0; i+1 < len(k.Doc.Content); i += 2 {
		switch k.Doc.Content[i].Value {
		case "patches", "patchesJson6902", "patchesStrategicMerge":
		default:
			continue
		}
		for _, it := range k.Doc.Content[i+1].Content {
			if it.Kind == yaml.MappingNode {
				it = manifest.MapValue(it, "path")
			}
			if it != nil && it.Kind == yaml.ScalarNode && it.Value == path {
				return it.Line
			}
		}
	}
	return 0
}

// layer is what one kustomization (or component) does to the resources that pass through it.
type layer struct {
	namespace string
	// nsFile and nsLine are where namespace is written: the kustomization's file and the line
	// of its namespace: field; "" and 0 when it comes from elsewhere (an overlay).
	nsFile         string
	nsLine         int
	prefix, suffix string
	images         []types.Image
	root           bool
	// patches are the kustomization's patches; they run before its other transformers.
	patches []patch
	// labels and annotations are what labels/commonLabels and commonAnnotations add to
	// metadata, which later patch targets may select by.
	labels, annotations map[string]string
}

// layer is what k does to the resources passing through it; root is true for the root
// kustomization of the load.
func (ks kustomizations) layer(k *Kustomization, root bool) (layer, error) {
	patches, err := ks.patches(k)
	if err != nil {
		return layer{}, err
	}
	labels := map[string]string{}
	//lint:ignore SA1019 users still write the deprecated field, and kustomize still applies it
	for key, v := range k.K.CommonLabels {
		labels[key] = v
	}
	for _, lb := range k.K.Labels {
		for key, v := range lb.Pairs {
			labels[key] = v
		}
	}
	ly := layer{namespace: k.K.Namespace, prefix: k.K.NamePrefix, suffix: k.K.NameSuffix, images: k.K.Images, patches: patches, root: root,
		labels: labels, annotations: k.K.CommonAnnotations}
	if ly.nsLine = k.namespaceLine(); ly.nsLine > 0 {
		ly.nsFile = k.Path
	}
	return ly, nil
}

// patches reads and parses the patches of k (patches, patchesStrategicMerge,
// patchesJson6902), in the order kustomize runs them.
func (ks kustomizations) patches(k *Kustomization) ([]patch, error) {
	display := ks.reader.display
	// kustomize's order: patchesStrategicMerge, patches, then (late) patchesJson6902.
	var entries []types.Patch
	//lint:ignore SA1019 users still write the deprecated fields, and kustomize still applies them
	for _, p := range k.K.PatchesStrategicMerge {
		if strings.ContainsAny(string(p), "\n:") {
			entries = append(entries, types.Patch{Patch: string(p)})
		} else {
			entries = append(entries, types.Patch{Path: string(p)})
		}
	}
	//lint:ignore SA1019 as above
	entries = append(append(entries, k.K.Patches...), k.K.PatchesJson6902...)
	var out []patch
	for i, e := range entries {
		source := display(k.Path)
		content := strings.TrimSpace(e.Patch) // as kustomize reads an inline patch
		if e.Path != "" {
			b, _, err := ReadRegular(filepath.Join(k.Dir, e.Path), ks.reader.max)
			if err != nil {
				return nil, &InputError{Path: source, Line: k.patchLine(e.Path), Msg: unreadable(display(filepath.Join(k.Dir, e.Path)), err)}
			}
			content, source = string(b), display(filepath.Join(k.Dir, e.Path))
		}
		p, err := classifyPatch(content, e.Target, source)
		if err != nil {
			return nil, err
		}
		//lint:ignore SA1019 as above
		p.late = i >= len(entries)-len(k.K.PatchesJson6902)
		//lint:ignore SA1019 as above
		p.deployer = !p.late && k.ownPatches >= 0 && i >= len(k.K.PatchesStrategicMerge)+k.ownPatches
		out = append(out, p)
	}
	return out, nil
}
