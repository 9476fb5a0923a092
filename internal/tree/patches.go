package tree

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"sigs.k8s.io/kustomize/api/filters/imagetag"
	"sigs.k8s.io/kustomize/api/filters/patchjson6902"
	"sigs.k8s.io/kustomize/api/filters/patchstrategicmerge"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	k8syaml "sigs.k8s.io/yaml"
)

// A patch is read with its kustomization (kustomization.go) and applied in the layering step
// (layer.go); this file is the patch itself: how its text is classified, which resources it
// targets, and how it runs, each as kustomize does it.

// patch is one patch of a kustomization, parsed: strategic-merge documents, or a JSON 6902
// patch, with the target selector it was listed with.
type patch struct {
	smp    []*yaml.RNode
	json   string
	target *types.Selector
	source string // where it was listed, for messages
	text   string // as written, for the prefilter
	// late is true for patchesJson6902, which kustomize runs after the kustomization's
	// namespace and name changes instead of before.
	late bool
	// deployer is true for a patch an Overlay's Adjust added to the root: the deployer appends
	// it to the file's patches when it builds, after every patch of the file (acrgen's own).
	deployer bool
}

// The phases of a kustomization's patches, in the order kustomize runs them: the file's own
// patchesStrategicMerge and patches, the patches a deployer appends to them, and
// patchesJson6902.
const (
	phaseOwn = iota
	phaseDeployer
	phaseLate
)

// phase is when the patch runs among its kustomization's.
func (p patch) phase() int {
	switch {
	case p.late:
		return phaseLate
	case p.deployer:
		return phaseDeployer
	}
	return phaseOwn
}

// resID is a namespace and name a resource had on its way through the build.
type resID struct{ namespace, name string }

// effectiveNamespace is kustomize's: no namespace is the default namespace.
func effectiveNamespace(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

// classifyPatch reads a patch's text the way kustomize's PatchTransformer does: it is a
// strategic-merge patch when it parses as YAML documents, a JSON 6902 patch when it reads (as
// JSON, or as YAML turned into JSON) as a list of operations, and an error when it is both or
// neither. Comments and "---" lines before a list of operations are fine.
func classifyPatch(content string, target *types.Selector, source string) (patch, error) {
	p := patch{target: target, source: source, text: content}
	docs, errSM := smPatchDocs(content)
	ops, errJSON := jsonPatchOps(content)
	switch {
	case errSM == nil && errJSON == nil && len(docs) > 0 && ops > 0:
		return patch{}, &InputError{Path: source, Msg: "the patch reads both as a strategic-merge patch and as a JSON 6902 patch; kustomize refuses it too"}
	case errSM == nil:
		p.smp = docs
	case errJSON == nil:
		if target == nil {
			return patch{}, &InputError{Path: source, Msg: "a JSON 6902 patch needs a target"}
		}
		p.json = content
	default:
		return patch{}, &InputError{Path: source, Msg: fmt.Sprintf("not a strategic-merge patch (%s) nor a JSON 6902 patch (%s)", brief(errSM), brief(errJSON))}
	}
	return p, nil
}

// smPatchDocs reads a strategic-merge patch as kustomize's resource factory does: every
// non-empty document must be an object with a kind and (but for a List) a name.
func smPatchDocs(content string) ([]*yaml.RNode, error) {
	nodes, err := kio.FromBytes([]byte(content))
	if err != nil {
		return nil, err
	}
	var docs []*yaml.RNode
	for _, n := range nodes {
		if n.IsNilOrEmpty() {
			continue
		}
		if _, err := n.GetValidatedMetadata(); err != nil {
			return nil, err
		}
		docs = append(docs, n)
	}
	return docs, nil
}

// jsonPatchOps returns the number of operations in a JSON 6902 patch given as JSON or YAML.
func jsonPatchOps(content string) (int, error) {
	b := []byte(content)
	if !strings.HasPrefix(content, "[") {
		var err error
		if b, err = k8syaml.YAMLToJSON(b); err != nil {
			return 0, err
		}
	}
	var ops []map[string]json.RawMessage
	if err := json.Unmarshal(b, &ops); err != nil {
		return 0, err
	}
	return len(ops), nil
}

// apply runs the patch on obj when it targets it; the result is nil when the patch deletes
// obj. ids are the namespaces and names obj had on its way here, the last its current one:
// kustomize matches a strategic-merge patch without a target against any of them, and a
// target selector against the first and the current one.
func (p patch) apply(obj *yaml.RNode, ids []resID) (*yaml.RNode, error) {
	if p.target != nil {
		first, cur := ids[0], ids[len(ids)-1]
		ok, err := selects(p.target, obj, []string{first.name, cur.name}, []string{effectiveNamespace(first.namespace), effectiveNamespace(cur.namespace)})
		if err != nil || !ok {
			return obj, err
		}
		if p.json != "" {
			return one(patchjson6902.Filter{Patch: p.json}.Filter([]*yaml.RNode{obj}))
		}
		for _, d := range p.smp {
			var err error
			if obj, err = one(patchstrategicmerge.Filter{Patch: d.Copy()}.Filter([]*yaml.RNode{obj})); err != nil || obj == nil {
				return obj, err
			}
		}
		return obj, nil
	}
	for _, d := range p.smp {
		if d.GetKind() != obj.GetKind() || !hasID(ids, resID{d.GetNamespace(), d.GetName()}) {
			continue
		}
		var err error
		if obj, err = one(patchstrategicmerge.Filter{Patch: d.Copy()}.Filter([]*yaml.RNode{obj})); err != nil || obj == nil {
			return obj, err
		}
	}
	return obj, nil
}

func one(out []*yaml.RNode, err error) (*yaml.RNode, error) {
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return out[0], nil
}

func hasID(ids []resID, id resID) bool {
	for _, x := range ids {
		if x.name == id.name && effectiveNamespace(x.namespace) == effectiveNamespace(id.namespace) {
			return true
		}
	}
	return false
}

// selects reports whether a patch target selector matches obj, the way kustomize matches:
// kind, name and namespace as anchored regular expressions, group and version, and label and
// annotation selectors.
func selects(s *types.Selector, obj *yaml.RNode, names, namespaces []string) (bool, error) {
	match := func(pattern string, values ...string) (bool, error) {
		if pattern == "" {
			return true, nil
		}
		re, err := regexp.Compile("^(?:" + pattern + ")$")
		if err != nil {
			return false, fmt.Errorf("patch target %q: %w", pattern, err)
		}
		for _, v := range values {
			if re.MatchString(v) {
				return true, nil
			}
		}
		return false, nil
	}
	group, version := "", obj.GetApiVersion()
	if g, v, ok := strings.Cut(version, "/"); ok {
		group, version = g, v
	}
	for _, c := range []struct {
		pattern string
		values  []string
	}{
		{s.Kind, []string{obj.GetKind()}}, {s.Name, names}, {s.Namespace, namespaces},
		{s.Group, []string{group}}, {s.Version, []string{version}},
	} {
		if ok, err := match(c.pattern, c.values...); err != nil || !ok {
			return false, err
		}
	}
	if s.LabelSelector != "" {
		if ok, err := obj.MatchesLabelSelector(s.LabelSelector); err != nil || !ok {
			return false, err
		}
	}
	if s.AnnotationSelector != "" {
		if ok, err := obj.MatchesAnnotationSelector(s.AnnotationSelector); err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// imagesOn runs a layer's images: entries over obj with kustomize's image filter.
func imagesOn(obj *yaml.RNode, images []types.Image) error {
	for _, it := range images {
		if _, err := (imagetag.LegacyFilter{ImageTag: it}).Filter([]*yaml.RNode{obj}); err != nil {
			return err
		}
	}
	return nil
}
