package tree

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/acrgen/acrgen/pkg/render"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// layer is what one kustomization (or component) does to the resources that pass through it.
type layer struct {
	namespace      string
	prefix, suffix string
	images         []types.Image
	root           bool
	// patches are the kustomization's patches; they run before its other transformers.
	patches []patch
	// labels and annotations are what labels/commonLabels and commonAnnotations add to
	// metadata, which later patch targets may select by.
	labels, annotations map[string]string
}

// Instance is one occurrence of a resource in the build of the root.
type Instance struct {
	File     *File
	Resource render.Resource
	// Namespace is the resource's effective namespace after every kustomization's namespace:.
	Namespace string
	// Name is the resource's effective name after every namePrefix and nameSuffix.
	Name string
	// PodSpecs are the resource's pod specs; Images[i] holds the effective images of
	// PodSpecs[i] after every images: transformer.
	PodSpecs []render.PodSpec
	Images   [][]string
	// ImageFields are the image fields of a resource of a kind acrgen does not know as a
	// workload (see render.ImageFields), their images after every images: transformer.
	ImageFields []render.ImageField
	// PatchName and PatchNamespace identify the resource as the root kustomization's patches
	// see it: after the transformers of everything below the root.
	PatchName, PatchNamespace string
	// Secrets[i] are the imagePullSecrets of PodSpecs[i] after the patches on the way.
	Secrets [][]string
	// Deleted is true when a patch on the way ($patch: delete) removes the resource.
	Deleted bool
	// lost[i] is true when the patches on the way replace the imagePullSecrets of
	// PodSpecs[i], so that a secret added in the file never reaches the build.
	lost []bool
	// rootLost[i] is true when a patchesJson6902 of the root drops imagePullSecrets that the
	// root's patches gave PodSpecs[i]: not even acrgen's patch of the root reaches the build.
	rootLost []bool
}

// EditLost reports whether a secret added to ps (one of PodSpecs) in the file would be
// dropped by a patch on the way: the workload must then get it through a patch of the root.
func (i Instance) EditLost(ps render.PodSpec) bool {
	for j, p := range i.PodSpecs {
		if p.Node == ps.Node {
			return j < len(i.lost) && i.lost[j]
		}
	}
	return false
}

// RootPatchLost reports whether a secret that acrgen's patch of the root gives ps would be
// dropped by a patchesJson6902 of the root, which kustomize runs after every other patch.
func (i Instance) RootPatchLost(ps render.PodSpec) bool {
	for j, p := range i.PodSpecs {
		if p.Node == ps.Node {
			return j < len(i.rootLost) && i.rootLost[j]
		}
	}
	return false
}

// GeneratedSecret is a Secret that a kustomization's secretGenerator makes.
type GeneratedSecret struct {
	Name, Namespace, Kustomization string
}

// checkTemplateImages refuses an image that the kustomizations' images: entries or patches
// turn into template text ({{ }}): acrgen cannot tell where it pulls from.
func (l *loader) checkTemplateImages(inst Instance) error {
	for _, imgs := range inst.Images {
		for _, img := range imgs {
			if strings.Contains(img, "{{") {
				return &InputError{Path: l.display(inst.File.Path), Msg: fmt.Sprintf("%s %q: the images: entries or patches of the kustomizations make its image %q, an unrendered template ({{ }}); acrgen reads rendered manifests only", inst.Resource.Kind, inst.Resource.Name, img)}
			}
		}
	}
	return nil
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

func isRemote(entry string) bool {
	return strings.Contains(entry, "://") || strings.HasPrefix(entry, "git@") ||
		strings.HasPrefix(entry, "github.com/") || strings.HasPrefix(entry, "gitlab.com/") ||
		strings.HasPrefix(entry, "bitbucket.org/") || strings.Contains(entry, "?ref=")
}

// layer is what k does to the resources passing through it.
func (l *loader) layer(k *Kustomization, root bool) (layer, error) {
	patches, err := l.readPatches(k)
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
	return layer{namespace: k.K.Namespace, prefix: k.K.NamePrefix, suffix: k.K.NameSuffix, images: k.K.Images, patches: patches, root: root,
		labels: labels, annotations: k.K.CommonAnnotations}, nil
}

// walking is a kustomization being walked: its real path and the path it was reached by.
type walking struct{ real, path string }

// entryRef is the entry of a kustomization's resources or components that leads to another.
type entryRef struct {
	from *Kustomization
	line int
}

// walk visits kustomization k, which via leads to (nil for the root). after is the chain of
// layers the build applies once k's own result leaves k (outer kustomizations, and components
// that follow).
func (l *loader) walk(k *Kustomization, after []layer, root bool, via *entryRef) error {
	leave, err := l.enter(k, via)
	if err != nil {
		return err
	}
	defer leave()

	l.noteImages(k)
	if len(k.K.HelmCharts) > 0 {
		l.warnings = append(l.warnings, fmt.Sprintf("%s: helmCharts are not inspected: the workloads a chart renders get no imagePullSecrets from acrgen (render the chart into files, or set the chart's imagePullSecrets value)", l.display(k.Path)))
	}
	if len(k.K.Generators)+len(k.K.Transformers) > 0 {
		l.warnings = append(l.warnings, fmt.Sprintf("%s: generators and transformers are not run: workloads they make or change are not seen", l.display(k.Path)))
	}
	l.unmodelled(k)
	// kustomize builds k's resources (each base with its own transformers), then its
	// generators, then runs each component in turn on everything gathered so far (a component's
	// own resources join first, and its components run before its transformers), and last k's
	// own transformers: resources of k go through every component, flattened, and then k.
	self, err := l.layer(k, root)
	if err != nil {
		return err
	}
	comps := make([]*Kustomization, 0, len(k.K.Components))
	compLayers := make([][]layer, 0, len(k.K.Components))
	for _, c := range k.K.Components {
		ck, err := l.entryKustomization(k, "components", c)
		if err != nil {
			return err
		}
		cl, err := l.componentLayers(ck, &entryRef{k, k.entryLine("components", c)})
		if err != nil {
			return err
		}
		comps = append(comps, ck)
		compLayers = append(compLayers, cl)
	}
	chainFor := func(from int) []layer {
		var ch []layer
		for _, cl := range compLayers[from:] {
			ch = append(ch, cl...)
		}
		ch = append(ch, self)
		return append(ch, after...)
	}
	if root {
		for _, ly := range chainFor(0) {
			if ly.namespace != "" {
				l.rootNS = ly.namespace
			}
		}
	}
	for _, g := range k.K.SecretGenerator {
		ns := g.Namespace
		for _, ly := range chainFor(0) {
			if ly.namespace != "" {
				ns = ly.namespace
			}
		}
		l.gen = append(l.gen, GeneratedSecret{Name: g.Name, Namespace: ns, Kustomization: k.Path})
	}
	for _, entry := range k.K.Resources {
		if err := l.resource(k, entry, chainFor(0)); err != nil {
			return err
		}
	}
	for i, ck := range comps {
		// A component's own resources (and its components') see the component and
		// everything after it.
		if err := l.walk(ck, chainFor(i+1), false, &entryRef{k, k.entryLine("components", k.K.Components[i])}); err != nil {
			return err
		}
	}
	return nil
}

// enter pushes k, which via leads to (nil for the root), on the stack of kustomizations being
// walked, refusing a cycle; leave pops it.
func (l *loader) enter(k *Kustomization, via *entryRef) (leave func(), err error) {
	real, _, err := l.opts.Cache.evalSymlinks(k.Path)
	if err != nil && k.Doc != nil {
		return nil, err
	} else if err != nil {
		real = k.Path // generated in memory
	}
	if i := slices.IndexFunc(l.stack, func(w walking) bool { return w.real == real }); i >= 0 {
		// Name the kustomizations of the cycle, from k back to k.
		var chain []string
		for _, w := range l.stack[i:] {
			chain = append(chain, l.display(w.path))
		}
		chain = append(chain, l.display(k.Path))
		msg := "cycle: the kustomizations include each other: " + strings.Join(chain, " -> ") + "; kustomize refuses it too: remove one of the entries"
		if via == nil {
			return nil, &InputError{Path: l.display(k.Path), Msg: msg}
		}
		return nil, &InputError{Path: l.display(via.from.Path), Line: via.line, Msg: msg}
	}
	l.stack = append(l.stack, walking{real: real, path: k.Path})
	return func() { l.stack = l.stack[:len(l.stack)-1] }, nil
}

// componentLayers is what component ck, which via leads to, does to the resources already
// gathered when it runs: the layers of the components it lists, in order (each flattened
// alike), then its own.
func (l *loader) componentLayers(ck *Kustomization, via *entryRef) ([]layer, error) {
	leave, err := l.enter(ck, via)
	if err != nil {
		return nil, err
	}
	defer leave()
	var out []layer
	for _, c := range ck.K.Components {
		nk, err := l.entryKustomization(ck, "components", c)
		if err != nil {
			return nil, err
		}
		nl, err := l.componentLayers(nk, &entryRef{ck, ck.entryLine("components", c)})
		if err != nil {
			return nil, err
		}
		out = append(out, nl...)
	}
	own, err := l.layer(ck, false)
	if err != nil {
		return nil, err
	}
	return append(out, own), nil
}

// unmodelled warns about the fields of k that acrgen does not run: what they do to images,
// names, namespaces or pull secrets is not seen.
func (l *loader) unmodelled(k *Kustomization) {
	warn := func(format string, args ...any) {
		l.warnings = append(l.warnings, l.display(k.Path)+": "+fmt.Sprintf(format, args...))
	}
	if len(k.K.Replacements) > 0 {
		warn("replacements are not run: an image, name, namespace or imagePullSecrets they set is not seen; check the built output (kustomize build) for workloads that pull from the registry")
	}
	//lint:ignore SA1019 users still write the deprecated field, and kustomize still applies it
	if len(k.K.Vars) > 0 {
		warn("vars are not substituted: an image or name that uses $(VAR) is seen as written; check the built output (kustomize build) for workloads that pull from the registry")
	}
	//lint:ignore SA1019 users still write the deprecated field, and kustomize still applies it
	if len(k.K.CommonLabels) > 0 {
		warn("commonLabels also rewrite selectors and pod template labels, which acrgen does not model (it adds them to metadata.labels only): check the built output (kustomize build) if a patch or replacement depends on them")
	}
	for _, lb := range k.K.Labels {
		if lb.IncludeSelectors {
			warn("labels with includeSelectors also rewrite selectors and pod template labels, which acrgen does not model (it adds them to metadata.labels only): check the built output (kustomize build) if a patch or replacement depends on them")
			break
		}
	}
}

func (l *loader) entryKustomization(k *Kustomization, field, entry string) (*Kustomization, error) {
	line := k.entryLine(field, entry)
	if isRemote(entry) {
		return nil, &InputError{Path: l.display(k.Path), Line: line, Msg: fmt.Sprintf("remote %s %q is not supported: acrgen edits local trees; vendor it or run acrgen where it lives", field, entry)}
	}
	p, _, err := l.resolve(filepath.Join(k.Dir, entry), k.Path, line)
	if err != nil {
		return nil, err
	}
	kp := findKustomization(p)
	if kp == "" {
		return nil, &InputError{Path: l.display(k.Path), Line: line, Msg: fmt.Sprintf("%s %q has no kustomization.yaml", field, entry)}
	}
	return l.readKustomization(kp)
}

func (l *loader) resource(k *Kustomization, entry string, chain []layer) error {
	line := k.entryLine("resources", entry)
	if isRemote(entry) {
		return &InputError{Path: l.display(k.Path), Line: line, Msg: fmt.Sprintf("remote resource %q is not supported: acrgen edits local trees; vendor it or run acrgen where it lives", entry)}
	}
	p, typ, err := l.resolve(filepath.Join(k.Dir, entry), k.Path, line)
	if err != nil {
		return err
	}
	if typ.IsDir() {
		kp := findKustomization(p)
		if kp == "" {
			return &InputError{Path: l.display(k.Path), Line: line, Msg: fmt.Sprintf("resource directory %q has no kustomization.yaml", entry)}
		}
		sub, err := l.readKustomization(kp)
		if err != nil {
			return err
		}
		if sub.K.Kind == types.ComponentKind {
			return &InputError{Path: l.display(k.Path), Line: line, Msg: fmt.Sprintf("%q is a Component: list it under components, not resources", entry)}
		}
		return l.walk(sub, chain, false, &entryRef{k, line})
	}
	l.addFile(p, chain)
	return nil
}

func (l *loader) instance(f *File, r render.Resource, chain []layer) (Instance, error) {
	inst := Instance{File: f, Resource: r, Namespace: r.Namespace, Name: r.Name, PatchName: r.Name, PatchNamespace: r.Namespace}
	for _, ly := range chain {
		if ly.namespace != "" {
			inst.Namespace = ly.namespace
		}
		inst.Name = ly.prefix + inst.Name + ly.suffix
		if !ly.root {
			if ly.namespace != "" {
				inst.PatchNamespace = ly.namespace
			}
			inst.PatchName = ly.prefix + inst.PatchName + ly.suffix
		}
	}
	if l.opts.ObjectsOnly {
		return inst, nil
	}
	specs, err := l.opts.Kinds.PodSpecs(r)
	if err != nil {
		return Instance{}, lineErr(l.display(f.Path), err)
	}
	inst.PodSpecs = specs
	if len(specs) == 0 {
		if _, ok := l.opts.Kinds.Lookup(r.APIVersion, r.Kind); !ok {
			if err := l.imageFields(&inst, chain); err != nil {
				return Instance{}, err
			}
		}
		return inst, nil
	}
	for _, ly := range chain {
		if len(ly.patches) > 0 {
			return l.patchedInstance(inst, chain)
		}
	}
	for _, ps := range specs {
		inst.Secrets = append(inst.Secrets, ps.SecretNames())
		imgs := make([]string, len(ps.Images))
		for i, im := range ps.Images {
			imgs[i] = im.Value
		}
		out, err := l.memoImages(imgs, chain)
		if err != nil {
			return Instance{}, &InputError{Path: l.display(f.Path), Msg: fmt.Sprintf("%s %q: applying images: %v", r.Kind, r.Name, err)}
		}
		inst.Images = append(inst.Images, out)
	}
	return inst, nil
}

// imageFields sets the image fields of a resource of a kind acrgen does not know as a
// workload, after its chain: the images: transformers (kustomize applies them to the
// containers of any kind), and the patches, which may put an image there.
func (l *loader) imageFields(inst *Instance, chain []layer) error {
	for _, ly := range chain {
		if len(ly.patches) == 0 {
			continue
		}
		expanded, err := render.Expand(inst.Resource.Node)
		if err != nil {
			return lineErr(l.display(inst.File.Path), err)
		}
		obj, err := l.applyChain(*inst, chain, yaml.NewRNode(expanded).Copy(), nil)
		if err != nil {
			return err
		}
		if obj == nil {
			inst.Deleted = true
			return nil
		}
		inst.ImageFields = render.ImageFields(obj.YNode())
		for i := range inst.ImageFields {
			// A field a patch wrote has a line of the patch: name the resource's.
			inst.ImageFields[i].Line = inst.Resource.Node.Line
		}
		return nil
	}
	fields := render.ImageFields(inst.Resource.Node)
	if len(fields) == 0 {
		return nil
	}
	imgs := make([]string, len(fields))
	for i, f := range fields {
		imgs[i] = f.Image
	}
	out, err := l.memoImages(imgs, chain)
	if err != nil {
		return &InputError{Path: l.display(inst.File.Path), Msg: fmt.Sprintf("%s %q: applying images: %v", inst.Resource.Kind, inst.Resource.Name, err)}
	}
	for i := range fields {
		fields[i].Image = out[i]
	}
	inst.ImageFields = fields
	return nil
}

// patchedInstance works out the effective images and pull secrets of a resource whose chain
// has patches: it runs the patches and images: entries of every layer, in kustomize's order,
// on a copy of the resource. The original nodes stay what acrgen edits.
func (l *loader) patchedInstance(inst Instance, chain []layer) (Instance, error) {
	// kustomize expands aliases and merge keys when it reads a file; so does the model.
	expanded, err := render.Expand(inst.Resource.Node)
	if err != nil {
		return Instance{}, lineErr(l.display(inst.File.Path), err)
	}
	inst, err = l.runChain(inst, chain, yaml.NewRNode(expanded).Copy(), false)
	if err != nil || inst.Deleted {
		return inst, err
	}
	// The same again with a marker secret in every pod spec shows which edits survive.
	marked := yaml.NewRNode(expanded).Copy()
	markSecrets(l.opts.Kinds, marked, markerSecret)
	return l.runChain(inst, chain, marked, true)
}

// markerSecret and rootMarkerSecret are pull secret names no tree uses.
const (
	markerSecret     = "acrgen.marker.invalid"
	rootMarkerSecret = "acrgen.root-marker.invalid"
)

// markSecrets adds a marker secret to every pod spec of obj.
func markSecrets(kinds *render.Kinds, obj *yaml.RNode, name string) {
	if res, ok := render.ResourceOf(obj.YNode()); ok {
		if specs, err := kinds.PodSpecs(res); err == nil {
			for _, ps := range specs {
				addSecret(ps, name)
			}
		}
	}
}

// addSecret appends name to a pod spec's imagePullSecrets, on a copy the model runs.
func addSecret(ps render.PodSpec, name string) {
	entry := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "name"}, {Kind: yaml.ScalarNode, Value: name}}}
	switch {
	case ps.PullSecrets == nil:
		ps.Node.Content = append(ps.Node.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "imagePullSecrets"}, &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{entry}})
	case ps.PullSecrets.Kind == yaml.SequenceNode:
		ps.PullSecrets.Content = append(ps.PullSecrets.Content, entry)
	}
}

// applyChain runs the patches, labels and images: entries of every layer of chain on obj (a
// copy of inst's resource), in kustomize's order, and returns the result; nil when a patch
// deletes it. atRoot, when not nil, runs on obj where the root kustomization's own late
// patches start.
func (l *loader) applyChain(inst Instance, chain []layer, obj *yaml.RNode, atRoot func(*yaml.RNode)) (*yaml.RNode, error) {
	r := inst.Resource
	// ids are the namespace and name the resource had after each layer, as kustomize records
	// them to match patches against.
	ids := []resID{{r.Namespace, r.Name}}
	for _, ly := range chain {
		// patchesStrategicMerge and patches run before the layer's namespace and names change;
		// patchesJson6902 after.
		for _, late := range []bool{false, true} {
			if late {
				// kustomize records an id after the namespace, after the prefix and after
				// the suffix.
				cur := ids[len(ids)-1]
				if ly.namespace != "" {
					cur.namespace = ly.namespace
				}
				ids = append(ids, cur)
				cur.name = ly.prefix + cur.name
				ids = append(ids, cur)
				cur.name += ly.suffix
				ids = append(ids, cur)
				if err := setMetadata(obj, ly.labels, ly.annotations); err != nil {
					return nil, &InputError{Path: l.display(inst.File.Path), Msg: fmt.Sprintf("%s %q: applying labels: %v", r.Kind, r.Name, err)}
				}
			}
			if atRoot != nil && late && ly.root {
				atRoot(obj)
			}
			for _, p := range ly.patches {
				if p.late != late {
					continue
				}
				out, err := p.apply(obj, ids)
				if err != nil {
					return nil, &InputError{Path: p.source, Msg: fmt.Sprintf("applying the patch to %s %q: %s", r.Kind, r.Name, brief(err))}
				}
				if out == nil {
					return nil, nil
				}
				obj = out
			}
		}
		if err := imagesOn(obj, ly.images); err != nil {
			return nil, &InputError{Path: l.display(inst.File.Path), Msg: fmt.Sprintf("%s %q: applying images: %v", r.Kind, r.Name, err)}
		}
	}
	return obj, nil
}

// runChain runs the chain's patches and images on obj, a copy of the instance's resource.
// With marked, obj carries markerSecret and only inst.lost is filled in.
func (l *loader) runChain(inst Instance, chain []layer, obj *yaml.RNode, marked bool) (Instance, error) {
	r := inst.Resource
	var atRoot func(*yaml.RNode)
	if marked {
		atRoot = func(obj *yaml.RNode) { markSecrets(l.opts.Kinds, obj, rootMarkerSecret) }
	}
	obj, err := l.applyChain(inst, chain, obj, atRoot)
	if err != nil {
		return Instance{}, err
	}
	if obj == nil {
		inst.Deleted = true
		return inst, nil
	}
	patched, ok := render.ResourceOf(obj.YNode())
	if !ok {
		return Instance{}, &InputError{Path: l.display(inst.File.Path), Msg: fmt.Sprintf("%s %q: a patch leaves it without apiVersion or kind", r.Kind, r.Name)}
	}
	specs, err := l.opts.Kinds.PodSpecs(patched)
	if err != nil {
		var le *render.LineError
		if errors.As(err, &le) {
			err = errors.New(le.Msg) // a line of the patched copy is no line of the file
		}
		return Instance{}, &InputError{Path: l.display(inst.File.Path), Msg: "after the patches on the way: " + err.Error()}
	}
	if marked {
		inst.lost, inst.rootLost = make([]bool, len(inst.PodSpecs)), make([]bool, len(inst.PodSpecs))
		for i := range inst.lost {
			inst.lost[i] = i >= len(specs) || !specs[i].HasSecret(markerSecret)
			inst.rootLost[i] = i >= len(specs) || !specs[i].HasSecret(rootMarkerSecret)
		}
		return inst, nil
	}
	inst.Images, inst.Secrets = make([][]string, len(inst.PodSpecs)), make([][]string, len(inst.PodSpecs))
	for i := range inst.PodSpecs {
		if i >= len(specs) {
			break
		}
		for _, im := range specs[i].Images {
			inst.Images[i] = append(inst.Images[i], im.Value)
		}
		inst.Secrets[i] = specs[i].SecretNames()
	}
	return inst, nil
}

// setMetadata adds a layer's labels and annotations to obj's metadata, in sorted order.
func setMetadata(obj *yaml.RNode, labels, annotations map[string]string) error {
	for _, m := range []struct {
		kv  map[string]string
		set func(k, v string) yaml.Filter
	}{
		{labels, func(k, v string) yaml.Filter { return yaml.SetLabel(k, v) }},
		{annotations, func(k, v string) yaml.Filter { return yaml.SetAnnotation(k, v) }},
	} {
		keys := make([]string, 0, len(m.kv))
		for k := range m.kv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := obj.PipeE(m.set(k, m.kv[k])); err != nil {
				return err
			}
		}
	}
	return nil
}

// effectiveImages runs each layer's images: entries over the images, innermost first, with
// kustomize's own image tag filter.
func effectiveImages(images []string, chain []layer) ([]string, error) {
	var pod *yaml.RNode
	for _, ly := range chain {
		if len(ly.images) == 0 {
			continue
		}
		if pod == nil {
			var err error
			if pod, err = syntheticPod(images); err != nil {
				return nil, err
			}
		}
		if err := imagesOn(pod, ly.images); err != nil {
			return nil, err
		}
	}
	if pod == nil {
		return images, nil
	}
	containers, err := pod.Pipe(yaml.Lookup("spec", "containers"))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(images))
	for _, c := range containers.YNode().Content {
		out = append(out, c.Content[1].Value)
	}
	return out, nil
}

func syntheticPod(images []string) (*yaml.RNode, error) {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, img := range images {
		seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "image"}, {Kind: yaml.ScalarNode, Value: img},
		}})
	}
	pod := yaml.NewRNode(&yaml.Node{Kind: yaml.MappingNode})
	if err := pod.PipeE(yaml.SetField("kind", yaml.NewScalarRNode("Pod"))); err != nil {
		return nil, err
	}
	spec := yaml.NewRNode(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "containers"}, seq}})
	return pod, pod.PipeE(yaml.SetField("spec", spec))
}
