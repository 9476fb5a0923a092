package manifest

import (
	"fmt"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// WorkloadKind says where a kind keeps its pod spec: the mapping that holds containers and
// imagePullSecrets.
type WorkloadKind struct {
	// Group is the API group ("" for the core group, "apps", "argoproj.io", ...).
	Group string
	// Kind is the resource kind.
	Kind string
	// Path is the field path from the resource root to the pod spec mapping.
	Path []string
	// AnyImage, when true, takes every "image" string below the pod spec as the workload's
	// images (custom resources such as Argo Workflows keep containers in other shapes). When
	// false, only containers, initContainers and ephemeralContainers are read.
	AnyImage bool
}

// builtinKinds are the Kubernetes workload kinds acrgen patches without configuration.
var builtinKinds = []WorkloadKind{
	{Group: "", Kind: "Pod", Path: []string{"spec"}},
	{Group: "", Kind: "PodTemplate", Path: []string{"template", "spec"}},
	{Group: "", Kind: "ReplicationController", Path: []string{"spec", "template", "spec"}},
	{Group: "apps", Kind: "Deployment", Path: []string{"spec", "template", "spec"}},
	{Group: "apps", Kind: "ReplicaSet", Path: []string{"spec", "template", "spec"}},
	{Group: "apps", Kind: "StatefulSet", Path: []string{"spec", "template", "spec"}},
	{Group: "apps", Kind: "DaemonSet", Path: []string{"spec", "template", "spec"}},
	{Group: "extensions", Kind: "Deployment", Path: []string{"spec", "template", "spec"}},
	{Group: "extensions", Kind: "ReplicaSet", Path: []string{"spec", "template", "spec"}},
	{Group: "extensions", Kind: "DaemonSet", Path: []string{"spec", "template", "spec"}},
	{Group: "batch", Kind: "Job", Path: []string{"spec", "template", "spec"}},
	{Group: "batch", Kind: "CronJob", Path: []string{"spec", "jobTemplate", "spec", "template", "spec"}},
}

// ServiceAccountKind lets a ServiceAccount take a workload's place: its imagePullSecrets sit
// at the root of the object, and the kubelet gets them for every pod that runs as it and
// lists no pull secrets of its own.
var ServiceAccountKind = WorkloadKind{Group: "", Kind: "ServiceAccount", Path: nil}

// Lends reports whether the kind's pull secrets serve other objects rather than a pod spec of
// its own: its imagePullSecrets sit at the root of the object, beside no containers (a
// ServiceAccount's serve the pods that run as it). Such an object matters to a run whatever
// images it names (none), so a reader that skips what names no registry must still read it.
func (w WorkloadKind) Lends() bool { return len(w.Path) == 0 }

// ParseWorkloadKind reads KIND.GROUP=PATH (for example
// "Rollout.argoproj.io=spec.template.spec"): a custom kind whose pod spec sits at PATH. The
// group is everything after the first dot of the left side. Every image string below PATH
// counts as the workload's image.
func ParseWorkloadKind(s string) (WorkloadKind, error) {
	left, path, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok || left == "" || path == "" {
		return WorkloadKind{}, fmt.Errorf("workload kind %q: want KIND.GROUP=FIELD.PATH, e.g. Rollout.argoproj.io=spec.template.spec", s)
	}
	kind, group, _ := strings.Cut(left, ".")
	parts := strings.Split(path, ".")
	for _, p := range parts {
		if p == "" {
			return WorkloadKind{}, fmt.Errorf("workload kind %q: empty field in path %q", s, path)
		}
	}
	return WorkloadKind{Group: group, Kind: kind, Path: parts, AnyImage: true}, nil
}

// Kinds is a set of workload kinds.
type Kinds struct {
	byKind map[string][]WorkloadKind
}

// NewKinds returns the built-in kinds plus extra ones; an extra kind replaces a built-in one
// with the same group and kind.
func NewKinds(extra ...WorkloadKind) *Kinds {
	k := &Kinds{byKind: map[string][]WorkloadKind{}}
	for _, w := range append(append([]WorkloadKind(nil), builtinKinds...), extra...) {
		list := k.byKind[w.Kind]
		replaced := false
		for i := range list {
			if list[i].Group == w.Group {
				list[i], replaced = w, true
			}
		}
		if !replaced {
			list = append(list, w)
		}
		k.byKind[w.Kind] = list
	}
	return k
}

// With returns a copy of k with extra kinds added.
func (k *Kinds) With(extra ...WorkloadKind) *Kinds {
	return NewKinds(append(k.List(), extra...)...)
}

// List returns the kinds, sorted by kind and group; none for a nil Kinds.
func (k *Kinds) List() []WorkloadKind {
	if k == nil {
		return nil
	}
	var all []WorkloadKind
	for _, list := range k.byKind {
		all = append(all, list...)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Kind != all[j].Kind {
			return all[i].Kind < all[j].Kind
		}
		return all[i].Group < all[j].Group
	})
	return all
}

// Lookup returns the workload kind for an apiVersion and kind.
func (k *Kinds) Lookup(apiVersion, kind string) (WorkloadKind, bool) {
	group := ""
	if g, _, ok := strings.Cut(apiVersion, "/"); ok {
		group = g
	}
	for _, w := range k.byKind[kind] {
		if w.Group == group {
			return w, true
		}
	}
	return WorkloadKind{}, false
}

// Image is one image reference of a pod spec.
type Image struct {
	// Value is the reference as written.
	Value string
	// Node is the scalar node holding it.
	Node *yaml.Node
}

// PodSpec is one pod spec found in a resource.
type PodSpec struct {
	// Kind is the workload kind it was found through.
	Kind WorkloadKind
	// Node is the pod spec mapping.
	Node *yaml.Node
	// Images are the images its containers use, in document order.
	Images []Image
	// PullSecrets is the imagePullSecrets value node, nil when absent.
	PullSecrets *yaml.Node
	// Shared, when not empty, says why imagePullSecrets cannot be added in place: the pod
	// spec or its imagePullSecrets is reached through a YAML alias or merge key, or carries an
	// anchor, so an edit would change other places too. SharedLine is the line to name.
	Shared     string
	SharedLine int
}

// Path returns the pod spec's field path, for messages.
func (p PodSpec) Path() string { return strings.Join(p.Kind.Path, ".") }

// SecretNames returns the names listed under imagePullSecrets, in order.
func (p PodSpec) SecretNames() []string {
	if p.PullSecrets == nil || p.PullSecrets.Kind != yaml.SequenceNode {
		return nil
	}
	var names []string
	for _, item := range p.PullSecrets.Content {
		if item = resolved(item); item == nil || item.Kind != yaml.MappingNode {
			continue
		}
		if v := mapValue(item, "name"); v != nil && v.Kind == yaml.ScalarNode {
			names = append(names, v.Value)
		}
	}
	return names
}

// HasSecret reports whether imagePullSecrets already lists name.
func (p PodSpec) HasSecret(name string) bool {
	for _, n := range p.SecretNames() {
		if n == name {
			return true
		}
	}
	return false
}

// Resource is one Kubernetes object in a parsed document.
type Resource struct {
	APIVersion, Kind, Name, Namespace string
	// Node is the object's mapping.
	Node *yaml.Node
}

// ResourceOf reads the identity of a mapping node. ok is false for YAML that is not a
// Kubernetes object (no apiVersion or kind), such as a Helm values file or a CI config.
func ResourceOf(n *yaml.Node) (Resource, bool) {
	if n == nil || n.Kind != yaml.MappingNode {
		return Resource{}, false
	}
	r := Resource{Node: n, APIVersion: Scalar(mapValue(n, "apiVersion")), Kind: Scalar(mapValue(n, "kind"))}
	if r.APIVersion == "" || r.Kind == "" {
		return Resource{}, false
	}
	if md := mapValue(n, "metadata"); md != nil && md.Kind == yaml.MappingNode {
		r.Name = Scalar(mapValue(md, "name"))
		r.Namespace = Scalar(mapValue(md, "namespace"))
	}
	return r, true
}

// Items returns the objects of a List-kind resource (kind List or *List with an items
// sequence), and nil for any other resource.
func (r Resource) Items() []Resource {
	if !strings.HasSuffix(r.Kind, "List") {
		return nil
	}
	items := mapValue(r.Node, "items")
	if items == nil || items.Kind != yaml.SequenceNode {
		return nil
	}
	var out []Resource
	for _, it := range items.Content {
		if res, ok := ResourceOf(resolved(it)); ok {
			out = append(out, res)
		}
	}
	return out
}

// PodSpecs returns the pod specs of a resource that kinds knows, or nil. Images and
// imagePullSecrets are read through YAML aliases and merge keys, as kustomize reads them; a
// pod spec that cannot be edited in place for that reason says so in Shared. An image or pull
// secret name holding template text ({{ }}) is an error: the file is a template, not a
// manifest.
func (k *Kinds) PodSpecs(r Resource) ([]PodSpec, error) {
	wk, ok := k.Lookup(r.APIVersion, r.Kind)
	if !ok {
		return nil, nil
	}
	n := r.Node
	shared, sharedLine := sharedNode(n, "the object")
	for i, f := range wk.Path {
		if shared == "" {
			shared, sharedLine = sharedField(n, f, wk.Path[:i])
		}
		if n, _ = lookup(n, f); n == nil {
			return nil, nil
		}
	}
	if n.Kind != yaml.MappingNode {
		return nil, nil
	}
	ps := PodSpec{Kind: wk, Node: n, Shared: shared, SharedLine: sharedLine}
	if ps.Shared == "" {
		ps.Shared, ps.SharedLine = sharedField(n, "imagePullSecrets", wk.Path)
	}
	ps.PullSecrets, _ = lookup(n, "imagePullSecrets")
	if wk.AnyImage {
		collectAnyImages(n, &ps.Images, map[*yaml.Node]bool{})
	} else {
		for _, field := range []string{"containers", "initContainers", "ephemeralContainers"} {
			list, _ := lookup(n, field)
			if list == nil || list.Kind != yaml.SequenceNode {
				continue
			}
			for _, c := range list.Content {
				if img, _ := lookup(c, "image"); img != nil && img.Kind == yaml.ScalarNode {
					ps.Images = append(ps.Images, Image{Value: img.Value, Node: img})
				}
			}
		}
	}
	for _, img := range ps.Images {
		if strings.Contains(img.Value, "{{") {
			return nil, &LineError{Line: img.Node.Line, Msg: fmt.Sprintf("%s %q: unrendered template ({{ }}) in image %q: acrgen reads rendered manifests only; render the chart first (helm template)", r.Kind, r.Name, img.Value)}
		}
	}
	for _, name := range ps.SecretNames() {
		if strings.Contains(name, "{{") {
			return nil, &LineError{Line: ps.PullSecrets.Line, Msg: fmt.Sprintf("%s %q: unrendered template ({{ }}) in imagePullSecrets %q: acrgen reads rendered manifests only; render the chart first (helm template)", r.Kind, r.Name, name)}
		}
	}
	return []PodSpec{ps}, nil
}

// collectAnyImages appends every "image" string below n, reading through aliases (each
// anchored node once) and merge keys.
func collectAnyImages(n *yaml.Node, out *[]Image, seen map[*yaml.Node]bool) {
	if n.Kind == yaml.AliasNode {
		if n = resolved(n); n == nil || seen[n] {
			return
		}
		seen[n] = true
	}
	switch n.Kind {
	case yaml.MappingNode:
		for _, e := range entries(n, 0) {
			if v := resolved(e[1]); e[0].Value == "image" && v != nil && v.Kind == yaml.ScalarNode {
				*out = append(*out, Image{Value: v.Value, Node: v})
				continue
			}
			collectAnyImages(e[1], out, seen)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			collectAnyImages(c, out, seen)
		}
	}
}

// entries returns the key and value nodes of mapping n with merge keys applied: n's own
// entries, then merged ones whose key n does not have (an earlier merged mapping first).
func entries(n *yaml.Node, depth int) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	if !hasMergeKey(n) {
		out = make([][2]*yaml.Node, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
		}
		return out
	}
	var merges []*yaml.Node
	have := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if isMergeKey(n.Content[i]) {
			merges = append(merges, n.Content[i+1])
			continue
		}
		have[n.Content[i].Value] = true
		out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	if depth > maxMergeDepth {
		return out
	}
	for _, m := range merges {
		from := []*yaml.Node{resolved(m)}
		if from[0] != nil && from[0].Kind == yaml.SequenceNode {
			from = from[0].Content
		}
		for _, f := range from {
			if f = resolved(f); f == nil || f.Kind != yaml.MappingNode {
				continue
			}
			for _, e := range entries(f, depth+1) {
				if !have[e[0].Value] {
					have[e[0].Value] = true
					out = append(out, e)
				}
			}
		}
	}
	return out
}

// mapValue returns the value under key in a mapping, read through aliases and merge keys.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	v, _ := lookup(n, key)
	return v
}

// Annotations returns the metadata.annotations of an object node.
func Annotations(n *yaml.Node) map[string]string {
	out := map[string]string{}
	a := mapValue(mapValue(n, "metadata"), "annotations")
	if a == nil || a.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(a.Content); i += 2 {
		out[a.Content[i].Value] = a.Content[i+1].Value
	}
	return out
}

// SopsEncrypted reports whether an object carries a top-level sops block with a MAC, which is
// how Flux recognises an encrypted resource.
func SopsEncrypted(n *yaml.Node) bool {
	return Scalar(mapValue(mapValue(n, "sops"), "mac")) != ""
}
