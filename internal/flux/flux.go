// Package flux reads the Flux objects of a repository (kustomize.toolkit.fluxcd.io
// Kustomizations and helm.toolkit.fluxcd.io HelmReleases) with Flux's own API types, follows
// the graph of Kustomizations from the directories acrgen is given, and turns each
// Kustomization into what kustomize-controller does on top of its spec.path: a tree.Overlay.
package flux

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/judge"
	"github.com/acrgen/acrgen/pkg/manifest"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	kustomizev1beta2 "github.com/fluxcd/kustomize-controller/api/v1beta2"
	"github.com/fluxcd/pkg/envsubst"

	"github.com/acrgen/acrgen/internal/tree"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Group is the API group of Flux Kustomizations.
const Group = "kustomize.toolkit.fluxcd.io"

// The kinds of the Flux objects acrgen reads.
var (
	kustomizationKind = tree.GroupKind{Group: Group, Kind: "Kustomization"}
	helmReleaseKind   = tree.GroupKind{Group: manifest.HelmGroup, Kind: "HelmRelease"}
)

// isKustomization reports whether apiVersion and kind are a Flux Kustomization's; version is
// the API version.
func isKustomization(apiVersion, kind string) (version string, ok bool) {
	group, version, _ := strings.Cut(apiVersion, "/")
	return version, group == kustomizationKind.Group && kind == kustomizationKind.Kind
}

// Kustomization is a Flux Kustomization found in the repository.
type Kustomization struct {
	Name, Namespace string
	// File is the absolute path of the file that holds it.
	File string
	Spec kustomizev1.KustomizationSpec
}

// String names the object and its file, for messages.
func (k *Kustomization) String() string {
	return "Kustomization " + finding.Quote(k.Namespace+"/"+k.Name)
}

// Target is a directory acrgen works on: a Flux Kustomization's spec.path with the overlay
// kustomize-controller applies there, or a directory given on the command line as it is.
type Target struct {
	// Dir is the absolute directory.
	Dir string
	// Object is the Flux Kustomization that builds Dir; nil for a directory given as it is.
	Object *Kustomization
	// Overlay is what kustomize-controller adds; nil when Object is nil.
	Overlay *tree.Overlay
	subst   *substituter
}

// Unresolved names the variables of image references that postBuild cannot resolve, seen in
// the loads of Dir so far.
func (t Target) Unresolved() []string {
	if t.subst == nil {
		return nil
	}
	return sortedNames(t.subst.unresolved)
}

// Options controls Resolve.
type Options struct {
	// SourceRoot is the root that spec.path is relative to; empty means the git top level of
	// the file holding the object.
	SourceRoot string
	// SourceName is the name of the repository's own GitRepository; empty means flux-system.
	SourceName  string
	Kinds       *manifest.Kinds
	MaxFileSize int64
	Display     func(string) string
	// Cache shares the files read with the caller's later Loads.
	Cache *tree.Cache
	// Plain reports whether a directory given that holds no Flux Kustomization is worked on as
	// it is; one that is not (it holds Argo CD Applications, which stand for it) is neither
	// read nor a target. nil: every one is.
	Plain func(dir string) bool
}

// Repo is what Resolve found.
type Repo struct {
	// Targets are the directories to work on, each once per Flux object that builds it.
	Targets []Target
	// Warnings name what acrgen skipped or cannot resolve.
	Warnings []finding.Finding
	// Root is the source root of the Flux objects found; empty when none were.
	Root string
	// Index describes the ConfigMaps and Secrets of the source root.
	Index *Index
	// HelmReleases are the HelmReleases that the Kustomizations followed apply.
	HelmReleases []*HelmRelease
}

// HelmRelease is a Flux HelmRelease that a followed Kustomization applies, or that a
// directory given as it is holds.
type HelmRelease struct {
	// Namespace is the object's effective namespace, after the Kustomization that applies it.
	Name, Namespace string
	File            string
	// Dir is the directory whose build holds the object: a Flux Kustomization's spec.path, or
	// a directory given as it is.
	Dir string
	// By is the Flux Kustomization that applies it; nil in a directory given as it is.
	By   *Kustomization
	Spec helmv2.HelmReleaseSpec
	// SpecNode is its spec as parsed from the file.
	SpecNode *yaml.Node
}

// ReleaseNamespace is the namespace the chart is installed in, and the field that sets it
// (see [judge.ReleaseNamespace]); err says when it is no namespace name.
func (h *HelmRelease) ReleaseNamespace() (ns, field string, err error) {
	return judge.ReleaseNamespace(h.Spec.TargetNamespace, h.Namespace)
}

// Is reports whether name ("namespace/name" or "name") names the release.
func (h *HelmRelease) Is(name string) bool {
	if ns, n, ok := strings.Cut(name, "/"); ok {
		return ns == h.Namespace && n == h.Name
	}
	return name == h.Name
}

// String names the object, for messages.
func (h *HelmRelease) String() string {
	return "HelmRelease " + finding.Quote(h.Namespace+"/"+h.Name)
}

// Resolve finds the Flux Kustomizations in dirs (in the files Flux would read there), follows
// their spec.path recursively, and returns every directory to work on. A directory holding no
// Flux Kustomization is a target as it is.
func Resolve(dirs []string, opts Options) (*Repo, error) {
	if opts.SourceName == "" {
		opts.SourceName = "flux-system"
	}
	if opts.Display == nil {
		opts.Display = func(s string) string { return s }
	}
	if opts.Kinds == nil {
		opts.Kinds = manifest.NewKinds()
	}
	rs := &resolver{opts: opts, repo: &Repo{}, seen: map[string]*Kustomization{}, indexes: map[string]*Index{}}
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, err
		}
		objs, err := rs.objects(abs, nil, nil)
		if err != nil {
			return nil, err
		}
		if len(objs) == 0 {
			if rs.opts.Plain != nil && !rs.opts.Plain(abs) {
				continue // another deployer's objects stand for it
			}
			if !hasKustomization(abs) {
				// A plain directory of manifests: its HelmReleases are still charts acrgen
				// cannot see into (scan looked for Flux Kustomizations only).
				if _, err := rs.load(abs, nil, nil); err != nil {
					return nil, err
				}
			}
			rs.repo.Targets = append(rs.repo.Targets, Target{Dir: abs})
			continue
		}
		for _, o := range objs {
			if err := rs.follow(o); err != nil {
				return nil, err
			}
		}
	}
	return rs.repo, nil
}

type resolver struct {
	opts    Options
	repo    *Repo
	seen    map[string]*Kustomization
	indexes map[string]*Index
}

// warn records what acrgen skipped or cannot resolve in file, once, and what to do about it.
func (rs *resolver) warn(file, hint, format string, args ...any) {
	f := finding.New(finding.FluxSkipped, fmt.Sprintf(format, args...), hint).At(file, 0)
	for _, w := range rs.repo.Warnings {
		if w.File == f.File && w.Args[0] == f.Args[0] {
			return
		}
	}
	rs.repo.Warnings = append(rs.repo.Warnings, f)
}

// objects returns the Flux Kustomizations that the build of dir holds (with the overlay of
// the object that builds it, if any).
func (rs *resolver) objects(dir string, overlay *tree.Overlay, by *Kustomization) ([]*Kustomization, error) {
	if overlay == nil && !hasKustomization(dir) {
		return rs.scan(dir)
	}
	return rs.load(dir, overlay, by)
}

// load loads dir as its build (with the overlay of by, the Flux Kustomization that builds it,
// if any), records its HelmReleases and returns its Flux Kustomizations.
func (rs *resolver) load(dir string, overlay *tree.Overlay, by *Kustomization) ([]*Kustomization, error) {
	// Only the Flux objects are parsed: the other documents are left unparsed here (the run
	// that follows reads what it needs of them).
	t, err := tree.Load(dir, tree.Options{MaxFileSize: rs.opts.MaxFileSize, Kinds: rs.opts.Kinds, Display: rs.opts.Display, Overlay: overlay, Cache: rs.opts.Cache, ObjectsOnly: true,
		Interest: tree.Interest{Kinds: []tree.GroupKind{kustomizationKind, helmReleaseKind}}})
	if err != nil {
		return nil, err
	}
	var out []*Kustomization
	for _, inst := range t.Instances {
		res := inst.Resource
		if manifest.IsHelmRelease(res.APIVersion, res.Kind) {
			if err := rs.helmRelease(inst, dir, by); err != nil {
				return nil, err
			}
			continue
		}
		version, ok := isKustomization(res.APIVersion, res.Kind)
		if !ok {
			continue
		}
		k, err := decode(res.Node, version)
		if err != nil {
			return nil, &tree.InputError{Path: rs.opts.Display(inst.File.Path), Line: res.Node.Line, Msg: fmt.Sprintf("Kustomization %s: %v", res.Name, err)}
		}
		k.File, k.Namespace = inst.File.Path, inst.Namespace
		out = append(out, k)
	}
	return out, nil
}

// helmRelease records a HelmRelease of dir's build. One file that two Flux Kustomizations
// build into two namespaces holds two releases; a release of a directory given as it is that a
// Flux Kustomization also builds belongs to the Kustomization's run.
func (rs *resolver) helmRelease(inst tree.Instance, dir string, by *Kustomization) error {
	for _, h := range rs.repo.HelmReleases {
		if h.File == inst.File.Path && h.Name == inst.Resource.Name && h.Namespace == inst.Namespace {
			if h.By == nil && by != nil {
				h.Dir, h.By = dir, by
			}
			return nil
		}
	}
	b, err := yaml.NewRNode(inst.Resource.Node).MarshalJSON()
	if err != nil {
		return err
	}
	var obj helmv2.HelmRelease
	if err := json.Unmarshal(b, &obj); err != nil {
		return &tree.InputError{Path: rs.opts.Display(inst.File.Path), Line: inst.Resource.Node.Line, Msg: fmt.Sprintf("HelmRelease %s: %v", inst.Resource.Name, err)}
	}
	rs.repo.HelmReleases = append(rs.repo.HelmReleases, &HelmRelease{Name: obj.Name, Namespace: inst.Namespace, File: inst.File.Path, Dir: dir, By: by, Spec: obj.Spec,
		SpecNode: manifest.MapValue(inst.Resource.Node, "spec")})
	return nil
}

func hasKustomization(dir string) bool { return tree.FindKustomization(dir) != "" }

// scan finds the Flux Kustomizations in every manifest under a directory without a
// kustomization (the repository root, or clusters/): files that are not manifests (a chart's
// templates, say) are not Flux's business there and are skipped, as are hidden directories
// and charts.
func (rs *resolver) scan(dir string) ([]*Kustomization, error) {
	var out []*Kustomization
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "Chart.yaml")); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		if d.Type()&os.ModeSymlink != 0 {
			// It may lead out of the repository; the tree loader follows the ones that stay in.
			rs.warn(p, "if it holds Flux objects, put them in the repository itself", "a symlink: not read for Flux objects")
			return nil
		}
		max := rs.opts.MaxFileSize
		if max <= 0 {
			max = tree.DefaultMaxFileSize
		}
		b, _, err := tree.ReadRegular(p, max)
		if err != nil {
			return &tree.InputError{Path: rs.opts.Display(p), Msg: err.Error()}
		}
		if !strings.Contains(string(b), Group) {
			return nil
		}
		m, err := manifest.Parse(b)
		if err != nil {
			return &tree.InputError{Path: rs.opts.Display(p), Msg: "holds a Flux Kustomization but does not parse: " + err.Error()}
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return err
		}
		for _, res := range m.Resources() {
			version, ok := isKustomization(res.APIVersion, res.Kind)
			if !ok {
				continue
			}
			k, err := decode(res.Node, version)
			if err != nil {
				return &tree.InputError{Path: rs.opts.Display(p), Line: res.Node.Line, Msg: fmt.Sprintf("Kustomization %s: %v", res.Name, err)}
			}
			k.File, k.Namespace = real, res.Namespace
			out = append(out, k)
		}
		return nil
	})
	var ie *tree.InputError
	if err != nil && !errors.As(err, &ie) {
		err = &tree.InputError{Path: rs.opts.Display(dir), Msg: err.Error()}
	}
	return out, err
}

// decode reads a Kustomization with Flux's API type for its version. v1beta2 has the fields
// of v1 that acrgen models; its removed fields are reported.
func decode(n *yaml.Node, version string) (*Kustomization, error) {
	b, err := yaml.NewRNode(n).MarshalJSON()
	if err != nil {
		return nil, err
	}
	var spec kustomizev1.KustomizationSpec
	var name string
	switch version {
	case "v1":
		var obj kustomizev1.Kustomization
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, err
		}
		spec, name = obj.Spec, obj.Name
	case "v1beta2":
		var obj kustomizev1beta2.Kustomization
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, err
		}
		if len(obj.Spec.PatchesStrategicMerge)+len(obj.Spec.PatchesJSON6902) > 0 {
			return nil, fmt.Errorf("patchesStrategicMerge and patchesJson6902 were removed in v1: move them to spec.patches")
		}
		// The fields acrgen reads have the same names and meaning in v1.
		var v1 kustomizev1.Kustomization
		if err := json.Unmarshal(b, &v1); err != nil {
			return nil, err
		}
		spec, name = v1.Spec, obj.Name
	default:
		return nil, fmt.Errorf("version %s is not supported: use v1 or v1beta2", version)
	}
	return &Kustomization{Name: name, Spec: spec}, nil
}

// follow adds the target of k, then the Kustomizations that its build holds.
func (rs *resolver) follow(k *Kustomization) error {
	id := k.File + "\x00" + k.Name
	if _, ok := rs.seen[id]; ok {
		return nil
	}
	rs.seen[id] = k
	ref := k.Spec.SourceRef
	refNS := ref.Namespace
	if refNS == "" {
		refNS = k.Namespace
	}
	if ref.Kind != "GitRepository" || ref.Name != rs.opts.SourceName {
		rs.warn(k.File, "check what it applies yourself", "%s: its source is %s %s, not this repository's GitRepository %s: skipped, acrgen cannot see what it applies", k, finding.Quote(ref.Kind), finding.Quote(refNS+"/"+ref.Name), finding.Quote(rs.opts.SourceName))
		return nil
	}
	root, err := rs.sourceRoot(k.File)
	if err != nil {
		return err
	}
	dir := filepath.Join(root, filepath.FromSlash(k.Spec.Path))
	if !tree.Within(root, dir) {
		return &tree.InputError{Path: rs.opts.Display(k.File), Msg: fmt.Sprintf("%s: spec.path %q leaves the source root %s", k, k.Spec.Path, root)}
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return &tree.InputError{Path: rs.opts.Display(k.File), Msg: fmt.Sprintf("%s: spec.path %q is not a directory under the source root %s: fix the path, or pass --source-root", k, k.Spec.Path, rs.opts.Display(root))}
	}
	// A symlink on the way may lead out, where the loader would bound its reads by the place it
	// lands; kustomize-controller builds in a filesystem rooted at the source (fluxcd/pkg
	// kustomize's secure build), so it could not follow it either.
	if real, err := filepath.EvalSymlinks(dir); err != nil || !tree.Within(root, real) {
		return &tree.InputError{Path: rs.opts.Display(k.File), Msg: fmt.Sprintf("%s: spec.path %q leaves the source root %s through a symlink", k, k.Spec.Path, rs.opts.Display(root))}
	}
	idx, err := rs.index(root)
	if err != nil {
		return err
	}
	ov, subst, warnings := overlay(k, dir, idx)
	for _, w := range warnings {
		rs.warn(k.File, "set the variables in spec.postBuild.substitute or a ConfigMap of the repository", "%s: %s", k, w)
	}
	rs.repo.Targets = append(rs.repo.Targets, Target{Dir: dir, Object: k, Overlay: ov, subst: subst})
	children, err := rs.objects(dir, ov, k)
	if err != nil {
		return err
	}
	for _, c := range children {
		if err := rs.follow(c); err != nil {
			return err
		}
	}
	return nil
}

// sourceRoot is --source-root, or the git top level of the file.
func (rs *resolver) sourceRoot(file string) (string, error) {
	root := rs.opts.SourceRoot
	if root == "" {
		if root, _ = tree.GitTop(filepath.Dir(file)); root == "" {
			return "", &tree.InputError{Path: rs.opts.Display(file), Msg: "holds a Flux Kustomization but is not in a git repository: pass --source-root DIR, the directory its spec.path is relative to"}
		}
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", &tree.InputError{Path: root, Msg: "source root: " + err.Error()}
	}
	if rs.repo.Root == "" {
		rs.repo.Root = real
	}
	return real, nil
}

func (rs *resolver) index(root string) (*Index, error) {
	if idx, ok := rs.indexes[root]; ok {
		return idx, nil
	}
	idx, err := NewIndex(root)
	if err != nil {
		return nil, err
	}
	rs.indexes[root] = idx
	if rs.repo.Index == nil {
		rs.repo.Index = idx
	}
	return idx, nil
}

// overlay is what kustomize-controller does for k on top of dir, as its generator does: the
// spec's targetNamespace, namePrefix and nameSuffix replace the root kustomization's, its
// patches and components are appended, its images are merged by name; then postBuild
// substitutes variables. The warnings name what cannot be resolved.
func overlay(k *Kustomization, dir string, idx *Index) (*tree.Overlay, *substituter, []string) {
	spec := k.Spec
	var warnings []string
	adjust := func(kus *types.Kustomization) {
		if spec.TargetNamespace != "" {
			kus.Namespace = spec.TargetNamespace
		}
		if spec.NamePrefix != "" {
			kus.NamePrefix = spec.NamePrefix
		}
		if spec.NameSuffix != "" {
			kus.NameSuffix = spec.NameSuffix
		}
		for _, p := range spec.Patches {
			kp := types.Patch{Patch: p.Patch}
			if s := p.Target; s != nil {
				kp.Target = &types.Selector{ResId: resID(s.Group, s.Version, s.Kind, s.Name, s.Namespace), AnnotationSelector: s.AnnotationSelector, LabelSelector: s.LabelSelector}
			}
			kus.Patches = append(kus.Patches, kp)
		}
		for _, c := range spec.Components {
			if _, err := os.Stat(filepath.Join(dir, c)); err != nil && spec.IgnoreMissingComponents {
				continue
			}
			kus.Components = append(kus.Components, c)
		}
		for _, im := range spec.Images {
			merged := false
			for i := range kus.Images {
				if kus.Images[i].Name != im.Name {
					continue
				}
				merged = true
				if im.NewName != "" {
					kus.Images[i].NewName = im.NewName
				}
				if im.NewTag != "" || im.Digest != "" {
					kus.Images[i].NewTag, kus.Images[i].Digest = im.NewTag, im.Digest
				}
				break
			}
			if !merged {
				kus.Images = append(kus.Images, types.Image{Name: im.Name, NewName: im.NewName, NewTag: im.NewTag, Digest: im.Digest})
			}
		}
	}
	ov := &tree.Overlay{Adjust: adjust}
	if spec.PostBuild == nil {
		return ov, nil, nil
	}
	vars := map[string]string{}
	for _, ref := range spec.PostBuild.SubstituteFrom {
		data, found, encrypted := idx.Lookup(ref.Kind, ref.Name, k.Namespace)
		switch {
		case !found && ref.Optional:
		case !found:
			warnings = append(warnings, fmt.Sprintf("postBuild.substituteFrom %s %s is not in the repository: its variables cannot be resolved (Flux fails if the cluster lacks it too)", ref.Kind, ref.Name))
		case encrypted:
			warnings = append(warnings, fmt.Sprintf("postBuild.substituteFrom %s %s is SOPS-encrypted: acrgen cannot read its variables", ref.Kind, ref.Name))
		}
		for n, v := range data {
			vars[n] = v
		}
	}
	for n, v := range spec.PostBuild.Substitute {
		vars[n] = strings.ReplaceAll(v, "\n", "")
	}
	if len(vars) == 0 && len(spec.PostBuild.SubstituteFrom) == 0 {
		return ov, nil, warnings // kustomize-controller substitutes nothing
	}
	s := &substituter{vars: vars, unresolved: map[string]bool{}}
	ov.Substitute, ov.SubstituteNamespace = s.substitute, s.eval
	return ov, s, warnings
}

func resID(group, version, kind, name, namespace string) resid.ResId {
	return resid.ResId{Gvk: resid.Gvk{Group: group, Version: version, Kind: kind}, Name: name, Namespace: namespace}
}

// plainVar is a ${NAME} reference without a default.
var plainVar = regexp.MustCompile(`\$\{([_a-zA-Z][_a-zA-Z0-9]*)\}`)

// substituter runs Flux's envsubst on image references.
type substituter struct {
	vars       map[string]string
	unresolved map[string]bool
}

// substitute resolves an image reference; the variables it cannot resolve are named in the
// Kustomization's warning (Target.Unresolved).
func (s *substituter) substitute(in string) string {
	if !strings.Contains(in, "$") {
		return in
	}
	for _, m := range plainVar.FindAllStringSubmatch(in, -1) {
		if _, ok := s.vars[m[1]]; !ok {
			s.unresolved[m[1]] = true
		}
	}
	return s.eval(in)
}

// eval resolves the variables of in; when one of them has no value (and no default), in is
// left as written, whole: envsubst fails on the first, so a partial answer would be a guess.
// Namespaces are resolved with it alone: a namespace left with a variable is no namespace
// name, and is reported with the object that has it (judge.Unplaced).
func (s *substituter) eval(in string) string {
	if !strings.Contains(in, "$") {
		return in
	}
	out, err := envsubst.Eval(in, func(n string) (string, bool) { v, ok := s.vars[n]; return v, ok })
	if err != nil {
		return in
	}
	return out
}

// Index describes the ConfigMaps and Secrets of a source root, by kind, namespace and name.
type Index struct {
	objs map[string]indexed
	// ageSecret is set when a file of the root sets kustomize-controller's --sops-age-secret.
	ageSecret bool
}

// sopsAgeSecretFlag is kustomize-controller's flag naming a Secret of age keys that it
// decrypts with when a Kustomization has no spec.decryption.secretRef (Flux:
// kustomize-controller docs/spec/v1/kustomizations.md, "SOPS Age Keys").
const sopsAgeSecretFlag = "--sops-age-secret"

// SopsAgeSecret reports whether the repository configures kustomize-controller with
// --sops-age-secret (in its Deployment or a patch of it), so that it has age keys of its own.
func (idx *Index) SopsAgeSecret() bool { return idx.ageSecret }

type indexed struct {
	data      map[string]string
	encrypted bool
}

func indexKey(kind, namespace, name string) string { return kind + "\x00" + namespace + "\x00" + name }

// NewIndex reads every ConfigMap and Secret under root.
func NewIndex(root string) (*Index, error) {
	idx := &Index{objs: map[string]indexed{}}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(p); ext != ".yaml" && ext != ".yml" || !d.Type().IsRegular() {
			return nil // a symlink may lead out of the repository, a FIFO would block the read
		}
		b, _, err := tree.ReadRegular(p, tree.DefaultMaxFileSize)
		if err == nil && strings.Contains(string(b), sopsAgeSecretFlag) {
			idx.ageSecret = true
		}
		if err != nil || (!strings.Contains(string(b), "ConfigMap") && !strings.Contains(string(b), "Secret")) {
			return nil
		}
		m, err := manifest.Parse(b)
		if err != nil {
			return nil // not a manifest acrgen reads; the tree loader reports it where it matters
		}
		for _, r := range m.Resources() {
			if r.APIVersion != "v1" || (r.Kind != "ConfigMap" && r.Kind != "Secret") {
				continue
			}
			idx.add(r)
		}
		return nil
	})
	if err != nil {
		return nil, &tree.InputError{Path: root, Msg: err.Error()}
	}
	return idx, nil
}

func (idx *Index) add(r manifest.Resource) {
	it := indexed{data: map[string]string{}, encrypted: manifest.SopsEncrypted(r.Node)}
	for _, field := range []string{"data", "stringData"} {
		m := manifest.MapValue(r.Node, field)
		if m == nil || m.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			v := m.Content[i+1].Value
			if it.encrypted {
				continue
			}
			if field == "data" && r.Kind == "Secret" {
				dec, err := base64.StdEncoding.DecodeString(v)
				if err != nil {
					continue
				}
				v = string(dec)
			}
			it.data[m.Content[i].Value] = v
		}
	}
	idx.objs[indexKey(r.Kind, r.Namespace, r.Name)] = it
	if r.Namespace != "" {
		// A namespace-less object takes its namespace from a kustomization: match it by name too.
		return
	}
	idx.objs[indexKey(r.Kind, "*", r.Name)] = it
}

// Lookup returns the data of a ConfigMap or Secret in namespace, whether one was found, and
// whether it is SOPS-encrypted.
func (idx *Index) Lookup(kind, name, namespace string) (map[string]string, bool, bool) {
	it, ok := idx.objs[indexKey(kind, namespace, name)]
	if !ok {
		it, ok = idx.objs[indexKey(kind, "*", name)]
	}
	return it.data, ok, it.encrypted
}

// Has reports whether the repository describes a Secret of that name in namespace.
func (idx *Index) Has(kind, name, namespace string) bool {
	_, ok, _ := idx.Lookup(kind, name, namespace)
	return ok
}

// sortedNames is for stable messages.
func sortedNames(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
