package tree

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/acrgen/acrgen/pkg/manifest"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Layering is the last step of a load: each resource of each file the walk found goes
// through its chain of layers (namespaces, name prefixes and suffixes, labels, patches and
// images: entries, in kustomize's order), which gives the occurrence of the resource in the
// build of the root: an Instance.

// Instance is one occurrence of a resource in the build of the root.
type Instance struct {
	File     *File
	Resource manifest.Resource
	// Namespace is the resource's effective namespace after every kustomization's namespace:.
	Namespace string
	// NamespaceFile and NamespaceLine are where a kustomization's namespace: field sets
	// Namespace; "" and 0 when the resource's own metadata.namespace (or an overlay) does.
	NamespaceFile string
	NamespaceLine int
	// Name is the resource's effective name after every namePrefix and nameSuffix.
	Name string
	// PodSpecs are the resource's pod specs, each with what the build makes of it.
	PodSpecs []PodSpec
	// ImageFields are the image fields of a resource of a kind acrgen does not know as a
	// workload (see manifest.ImageFields), their images after every images: transformer.
	ImageFields []manifest.ImageField
	// PatchName and PatchNamespace identify the resource as the root kustomization's patches
	// see it: after the transformers of everything below the root.
	PatchName, PatchNamespace string
	// Deleted is true when a patch on the way ($patch: delete) removes the resource.
	Deleted bool
}

// PodSpec is one pod spec of an [Instance]: the mapping in the file, which acrgen edits, and
// what the kustomizations on the way make of it in the build.
type PodSpec struct {
	// Spec is the pod spec as the file has it.
	Spec manifest.PodSpec
	// Images are its effective images, after every images: transformer and patch on the way.
	Images []string
	// Secrets are its imagePullSecrets after the patches on the way.
	Secrets []string
	// EditLost is true when the patches on the way replace its imagePullSecrets, so that a
	// secret added in the file never reaches the build: the workload must then get it through
	// a patch of the root.
	EditLost bool
	// RootPatchLost is true when a patchesJson6902 of the root (which kustomize runs after
	// every other patch) drops the imagePullSecrets that the root's patches give it: not even
	// acrgen's patch of the root reaches the build; nor does it when a patch a deployer appends
	// to the root's drops them.
	RootPatchLost bool
	// DeployerPatchLost is true when what drops the secret of acrgen's patch of the root (see
	// RootPatchLost) is a patch that the Overlay's deployer appends to the root's patches (Argo
	// CD's spec.source.kustomize.patches, a Flux Kustomization's spec.patches).
	DeployerPatchLost bool
}

// layering runs the chains of one load.
type layering struct {
	kinds   *manifest.Kinds
	display func(string) string
	// objectsOnly leaves the pod specs, images and secrets out.
	objectsOnly bool
	// substitute and substituteNamespace rewrite effective images and namespaces after the
	// build (an [Overlay]); nil leaves them.
	substitute, substituteNamespace func(string) string
	// defaultNamespace is what the namespaced resources that the build leaves without a
	// namespace are applied in (an [Overlay]); empty for none.
	defaultNamespace string
	memo             map[string][]string // effectiveImages by images and chain
}

// clusterScoped reports whether r is of a kind kyaml's built-in schema knows as cluster-scoped;
// a kind it does not know counts as namespaced, as Argo CD counts a kind its cluster does not
// describe.
func clusterScoped(r manifest.Resource) bool {
	return openapi.IsCertainlyClusterScoped(yaml.TypeMeta{APIVersion: r.APIVersion, Kind: r.Kind})
}

// instances are the occurrences of every resource of the files in the build, in build order,
// but for those a patch deletes.
func (ly *layering) instances(files map[string]*File, order []occurrence) ([]Instance, error) {
	// The resources first, to size the result: thousands of instances grown one append at a
	// time would allocate them several times over.
	resources := make([][]manifest.Resource, len(order))
	n := 0
	for i, o := range order {
		resources[i] = files[o.path].Manifest.Resources()
		n += len(resources[i])
	}
	out := make([]Instance, 0, n)
	for i, o := range order {
		f := files[o.path]
		for _, r := range resources[i] {
			if len(r.Items()) > 0 {
				continue // the List's items stand for it
			}
			inst, err := ly.instance(f, r, o.chain)
			if err != nil {
				return nil, err
			}
			if err := ly.checkTemplateImages(inst); err != nil {
				return nil, err
			}
			if inst.Deleted {
				continue
			}
			if ly.substitute != nil {
				for _, ps := range inst.PodSpecs {
					for i := range ps.Images {
						ps.Images[i] = ly.substitute(ps.Images[i])
					}
				}
			}
			if ly.substituteNamespace != nil {
				inst.Namespace = ly.substituteNamespace(inst.Namespace)
			}
			if inst.Namespace == "" && ly.defaultNamespace != "" && !clusterScoped(inst.Resource) {
				inst.Namespace = ly.defaultNamespace
			}
			out = append(out, inst)
		}
	}
	return out, nil
}

func (ly *layering) instance(f *File, r manifest.Resource, chain []layer) (Instance, error) {
	inst := Instance{File: f, Resource: r, Namespace: r.Namespace, Name: r.Name, PatchName: r.Name, PatchNamespace: r.Namespace}
	for _, step := range chain {
		if step.namespace != "" {
			inst.Namespace, inst.NamespaceFile, inst.NamespaceLine = step.namespace, step.nsFile, step.nsLine
		}
		inst.Name = step.prefix + inst.Name + step.suffix
		if !step.root {
			if step.namespace != "" {
				inst.PatchNamespace = step.namespace
			}
			inst.PatchName = step.prefix + inst.PatchName + step.suffix
		}
	}
	if ly.objectsOnly {
		return inst, nil
	}
	specs, err := ly.kinds.PodSpecs(r)
	if err != nil {
		return Instance{}, lineErr(ly.display(f.Path), err)
	}
	if len(specs) == 0 {
		if _, ok := ly.kinds.Lookup(r.APIVersion, r.Kind); !ok {
			if err := ly.imageFields(&inst, chain); err != nil {
				return Instance{}, err
			}
		}
		return inst, nil
	}
	inst.PodSpecs = make([]PodSpec, len(specs))
	for i, ps := range specs {
		inst.PodSpecs[i].Spec = ps
	}
	for _, step := range chain {
		if len(step.patches) > 0 {
			return ly.patchedInstance(inst, chain)
		}
	}
	for i, ps := range specs {
		imgs := make([]string, len(ps.Images))
		for j, im := range ps.Images {
			imgs[j] = im.Value
		}
		out, err := ly.memoImages(imgs, chain)
		if err != nil {
			return Instance{}, &InputError{Path: ly.display(f.Path), Msg: fmt.Sprintf("%s %q: applying images: %v", r.Kind, r.Name, err)}
		}
		inst.PodSpecs[i].Images, inst.PodSpecs[i].Secrets = out, ps.SecretNames()
	}
	return inst, nil
}

// imageFields sets the image fields of a resource of a kind acrgen does not know as a
// workload, after its chain: the images: transformers (kustomize applies them to the
// containers of any kind), and the patches, which may put an image there.
func (ly *layering) imageFields(inst *Instance, chain []layer) error {
	for _, step := range chain {
		if len(step.patches) == 0 {
			continue
		}
		expanded, err := manifest.Expand(inst.Resource.Node)
		if err != nil {
			return lineErr(ly.display(inst.File.Path), err)
		}
		obj, err := ly.applyChain(*inst, chain, yaml.NewRNode(expanded).Copy(), nil)
		if err != nil {
			return err
		}
		if obj == nil {
			inst.Deleted = true
			return nil
		}
		inst.ImageFields = manifest.ImageFields(obj.YNode())
		for i := range inst.ImageFields {
			// A field a patch wrote has a line of the patch: name the resource's.
			inst.ImageFields[i].Line = inst.Resource.Node.Line
		}
		return nil
	}
	fields := manifest.ImageFields(inst.Resource.Node)
	if len(fields) == 0 {
		return nil
	}
	imgs := make([]string, len(fields))
	for i, f := range fields {
		imgs[i] = f.Image
	}
	out, err := ly.memoImages(imgs, chain)
	if err != nil {
		return &InputError{Path: ly.display(inst.File.Path), Msg: fmt.Sprintf("%s %q: applying images: %v", inst.Resource.Kind, inst.Resource.Name, err)}
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
func (ly *layering) patchedInstance(inst Instance, chain []layer) (Instance, error) {
	// kustomize expands aliases and merge keys when it reads a file; so does the model.
	expanded, err := manifest.Expand(inst.Resource.Node)
	if err != nil {
		return Instance{}, lineErr(ly.display(inst.File.Path), err)
	}
	inst, err = ly.runChain(inst, chain, yaml.NewRNode(expanded).Copy(), false)
	if err != nil || inst.Deleted {
		return inst, err
	}
	// The same again with a marker secret in every pod spec shows which edits survive.
	marked := yaml.NewRNode(expanded).Copy()
	markSecrets(ly.kinds, marked, markerSecret)
	return ly.runChain(inst, chain, marked, true)
}

// markerSecret, rootMarkerSecret and deployerMarkerSecret are pull secret names no tree uses.
const (
	markerSecret         = "acrgen.marker.invalid"
	rootMarkerSecret     = "acrgen.root-marker.invalid"
	deployerMarkerSecret = "acrgen.deployer-marker.invalid"
)

// markSecrets adds a marker secret to every pod spec of obj.
func markSecrets(kinds *manifest.Kinds, obj *yaml.RNode, name string) {
	if res, ok := manifest.ResourceOf(obj.YNode()); ok {
		if specs, err := kinds.PodSpecs(res); err == nil {
			for _, ps := range specs {
				addSecret(ps, name)
			}
		}
	}
}

// addSecret appends name to a pod spec's imagePullSecrets, on a copy the model runs.
func addSecret(ps manifest.PodSpec, name string) {
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
// deletes it. atRoot, when not nil, runs on obj where the root kustomization's patches of a
// phase after the first start (phaseDeployer, phaseLate).
func (ly *layering) applyChain(inst Instance, chain []layer, obj *yaml.RNode, atRoot func(obj *yaml.RNode, phase int)) (*yaml.RNode, error) {
	r := inst.Resource
	// ids are the namespace and name the resource had after each layer, as kustomize records
	// them to match patches against.
	ids := []resID{{r.Namespace, r.Name}}
	for _, step := range chain {
		// patchesStrategicMerge and patches run before the layer's namespace and names change;
		// patchesJson6902 after.
		for _, phase := range []int{phaseOwn, phaseDeployer, phaseLate} {
			late := phase == phaseLate
			if late {
				// kustomize records an id after the namespace, after the prefix and after
				// the suffix.
				cur := ids[len(ids)-1]
				if step.namespace != "" {
					cur.namespace = step.namespace
				}
				ids = append(ids, cur)
				cur.name = step.prefix + cur.name
				ids = append(ids, cur)
				cur.name += step.suffix
				ids = append(ids, cur)
				if err := setMetadata(obj, step.labels, step.annotations); err != nil {
					return nil, &InputError{Path: ly.display(inst.File.Path), Msg: fmt.Sprintf("%s %q: applying labels: %v", r.Kind, r.Name, err)}
				}
			}
			if atRoot != nil && phase != phaseOwn && step.root {
				atRoot(obj, phase)
			}
			for _, p := range step.patches {
				if p.phase() != phase {
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
		if err := imagesOn(obj, step.images); err != nil {
			return nil, &InputError{Path: ly.display(inst.File.Path), Msg: fmt.Sprintf("%s %q: applying images: %v", r.Kind, r.Name, err)}
		}
	}
	return obj, nil
}

// runChain runs the chain's patches and images on obj, a copy of the instance's resource.
// With marked, obj carries markerSecret and only the pod specs' EditLost and RootPatchLost
// are filled in.
func (ly *layering) runChain(inst Instance, chain []layer, obj *yaml.RNode, marked bool) (Instance, error) {
	r := inst.Resource
	var atRoot func(*yaml.RNode, int)
	if marked {
		// acrgen's patch of the root runs after the file's own patches; the deployer's
		// patches after it.
		atRoot = func(obj *yaml.RNode, phase int) {
			if phase == phaseDeployer {
				markSecrets(ly.kinds, obj, rootMarkerSecret)
			} else {
				markSecrets(ly.kinds, obj, deployerMarkerSecret)
			}
		}
	}
	obj, err := ly.applyChain(inst, chain, obj, atRoot)
	if err != nil {
		return Instance{}, err
	}
	if obj == nil {
		inst.Deleted = true
		return inst, nil
	}
	patched, ok := manifest.ResourceOf(obj.YNode())
	if !ok {
		return Instance{}, &InputError{Path: ly.display(inst.File.Path), Msg: fmt.Sprintf("%s %q: a patch leaves it without apiVersion or kind", r.Kind, r.Name)}
	}
	specs, err := ly.kinds.PodSpecs(patched)
	if err != nil {
		var le *manifest.LineError
		if errors.As(err, &le) {
			err = errors.New(le.Msg) // a line of the patched copy is no line of the file
		}
		return Instance{}, &InputError{Path: ly.display(inst.File.Path), Msg: "after the patches on the way: " + err.Error()}
	}
	for i := range inst.PodSpecs {
		ps := &inst.PodSpecs[i]
		switch {
		case marked:
			ps.EditLost = i >= len(specs) || !specs[i].HasSecret(markerSecret)
			ps.RootPatchLost = i >= len(specs) || !specs[i].HasSecret(rootMarkerSecret)
			ps.DeployerPatchLost = ps.RootPatchLost && i < len(specs) && specs[i].HasSecret(deployerMarkerSecret)
		case i < len(specs):
			for _, im := range specs[i].Images {
				ps.Images = append(ps.Images, im.Value)
			}
			ps.Secrets = specs[i].SecretNames()
		}
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
	for _, step := range chain {
		if len(step.images) == 0 {
			continue
		}
		if pod == nil {
			var err error
			if pod, err = syntheticPod(images); err != nil {
				return nil, err
			}
		}
		if err := imagesOn(pod, step.images); err != nil {
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

// checkTemplateImages refuses an image that the kustomizations' images: entries or patches
// turn into template text ({{ }}): acrgen cannot tell where it pulls from.
func (ly *layering) checkTemplateImages(inst Instance) error {
	for _, ps := range inst.PodSpecs {
		for _, img := range ps.Images {
			if strings.Contains(img, "{{") {
				return &InputError{Path: ly.display(inst.File.Path), Msg: fmt.Sprintf("%s %q: the images: entries or patches of the kustomizations make its image %q, an unrendered template ({{ }}); acrgen reads rendered manifests only", inst.Resource.Kind, inst.Resource.Name, img)}
			}
		}
	}
	return nil
}

// memoImages is effectiveImages, remembered for the images and the chain's images: workloads
// of one base share both, and kustomize's image filter compiles a regular expression per call.
func (ly *layering) memoImages(images []string, chain []layer) ([]string, error) {
	var key strings.Builder
	for _, im := range images {
		key.WriteString(im)
		key.WriteByte(0)
	}
	for _, step := range chain {
		key.WriteByte(1)
		for _, im := range step.images {
			key.WriteString(im.Name + "\x00" + im.NewName + "\x00" + im.NewTag + "\x00" + im.Digest + "\x00")
		}
	}
	k := key.String()
	if out, ok := ly.memo[k]; ok {
		return append([]string(nil), out...), nil
	}
	out, err := effectiveImages(images, chain)
	if err != nil {
		return nil, err
	}
	if ly.memo == nil {
		ly.memo = map[string][]string{}
	}
	ly.memo[k] = append([]string(nil), out...)
	return out, nil
}
