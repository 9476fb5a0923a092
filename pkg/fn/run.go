package fn

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/judge"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// run is one invocation of the function.
type run struct {
	cfg      *Config
	opts     Options
	rl       *framework.ResourceList
	settings judge.DecideSettings

	found []located
	stats stats

	// cred is the credential, read once when first needed.
	credRead bool
	cred     *secret.Credential
	credWhy  string
}

type stats struct {
	patched, present, skipped, viaSA int
	created, kept, replaced          int
}

// object is a Kubernetes object of the items: an item, or an object inside a List item.
type object struct {
	// item is the top-level item (the List for an object inside one) and index its
	// position in the items.
	item  *yaml.RNode
	index int
	res   manifest.Resource
	// inList reports an object inside a List item.
	inList bool
}

// process does the work: it gathers the occurrences of the items, asks judge.Decide what
// to do, and applies the decisions in the order of the items. Problems become error results.
func (r *run) process() {
	objs := r.objects()
	in, specs, specErr := r.occurrences(objs)
	r.settings = judge.DecideSettings{
		Registries: r.cfg.Registries, SecretName: r.cfg.SecretName, Namespaces: r.cfg.Namespaces,
		ServiceAccount: r.cfg.ServiceAccount, Username: r.cfg.Username, Expires: r.cfg.Expires,
		Now: r.opts.Now(), Credential: judge.Unknown,
	}
	d := judge.Decide(in, r.settings)

	accountsOf := map[int][]judge.AccountUse{} // by the index of the first pod that runs as it
	for _, a := range d.Accounts {
		accountsOf[a.User] = a.Accounts
	}
	k := 0
	for i, o := range objs {
		if specErr[i] != nil && !isServiceAccount(o) {
			r.report(o, finding.New(finding.PodSpecUnreadable, specErr[i].Error()))
		}
		for ; k < len(d.Pods) && d.Pods[k].ID == i; k++ {
			pd := d.Pods[k]
			for _, a := range accountsOf[k] {
				sa := in.ServiceAccounts[a.Index].ID
				r.patchAccount(objs[sa], specs[sa], specErr[sa], a.Patch, objectOf(o).String())
			}
			r.applyPod(o, specs[i][pd.PodSpec], pd)
		}
	}
	for _, u := range d.Unplaced {
		r.report(objs[u.ID], judge.UnplacedFinding(u))
	}
	for _, us := range judge.GroupUnchecked(d.Unchecked) {
		r.report(objs[us[0].ID], judge.UncheckedFinding(us))
	}
	used := map[string]bool{}
	for _, reg := range d.Used {
		used[reg] = true
	}
	// With an object it could not read, no verdict on the registries' use.
	if charts := r.helmReleases(objs, used); len(objs) > 0 && !slices.ContainsFunc(specErr, func(err error) bool { return err != nil }) {
		for _, reg := range r.cfg.Registries {
			if !used[reg] {
				r.report(nil, finding.New(finding.RegistryUnused, "among the resources", reg, "as kustomize or kpt built them", charts))
			}
		}
	}
	r.secrets(objs, in.Secrets, d)
	r.placeSecrets(objs)
}

// helmReleases reports on the Flux HelmReleases among the items that release into the
// configured namespaces (see [judge.Charts]): the function cannot see into their charts, so its
// results must not vouch for the pods they render, unless the release carries acrgen's
// post-renderer (added by acrgen render --helm-release), which gives every pod the secret; its
// namespace then gets the Secret, and must be a namespace name.
//
// The registries their values name are added to used; charts is the charts argument of a
// registry-unused finding ("" for none).
func (r *run) helmReleases(objs []*object, used map[string]bool) (charts string) {
	var scoped []*object
	var releases []judge.Release
	for _, o := range objs {
		rel, ok := r.release(o)
		if !ok {
			continue
		}
		if rel.patched && rel.err != nil {
			r.report(o, judge.NamespaceFinding(rel.field, rel.err))
		}
		text := ""
		if values := manifest.MapValue(manifest.MapValue(o.res.Node, "spec"), "values"); values != nil {
			text, _ = yaml.NewRNode(values).String()
		}
		scoped = append(scoped, o)
		releases = append(releases, judge.Release{Name: o.res.Namespace + "/" + o.res.Name, Values: text, Covered: rel.patched})
	}
	fs, named, charts := judge.Charts(releases, r.settings.Registries)
	for _, reg := range named {
		used[reg] = true
	}
	for _, rf := range fs {
		var o *object
		if rf.Release >= 0 {
			o = scoped[rf.Release]
		}
		r.report(o, rf.Finding)
	}
	return charts
}

// release is a Flux HelmRelease among the objects.
type release struct {
	// ns is the namespace it installs its chart in, set by field; err says when that is no
	// namespace name.
	ns, field string
	err       error
	// patched reports the post-renderer patches that add the secret to its chart's pods.
	patched bool
}

// release reports, of a Flux HelmRelease that releases into a configured namespace (ok), where
// and whether it carries acrgen's post-renderer.
func (r *run) release(o *object) (release, bool) {
	if !manifest.IsHelmRelease(o.res.APIVersion, o.res.Kind) {
		return release{}, false
	}
	spec := manifest.MapValue(o.res.Node, "spec")
	var rel release
	rel.ns, rel.field, rel.err = judge.ReleaseNamespace(manifest.Scalar(manifest.MapValue(spec, "targetNamespace")), o.res.Namespace)
	if !judge.ReleaseInScope(r.cfg.Namespaces, rel.ns, rel.err) {
		return release{}, false
	}
	rel.patched = !manifest.HelmPostRendererMissing(spec, manifest.HelmPullSecretPatches(r.cfg.SecretName))
	return rel, true
}

// isServiceAccount reports a core ServiceAccount (a custom kind of that name is a workload
// kind like any other).
func isServiceAccount(o *object) bool { return judge.IsServiceAccount(o.res.APIVersion, o.res.Kind) }

// occurrences gathers what judge.Decide needs of the objects (with judge.Gather); IDs
// index objs. It returns the pod specs of each object (of a ServiceAccount: the account
// itself) and the error reading them, if any. No objects at all is a kustomize generator call:
// the items hold only the function's own config.
func (r *run) occurrences(objs []*object) (judge.Occurrences, [][]manifest.PodSpec, []error) {
	specs := make([][]manifest.PodSpec, len(objs))
	specErr := make([]error, len(objs))
	gathered := make([]judge.Object, len(objs))
	var namespaces []string
	accounts := manifest.NewKinds(manifest.ServiceAccountKind)
	for i, o := range objs {
		kinds := r.cfg.Kinds
		if isServiceAccount(o) {
			kinds = accounts
		}
		specs[i], specErr[i] = kinds.PodSpecs(o.res)
		gathered[i] = judge.Object{ID: i, Res: o.res, Namespace: o.res.Namespace, InList: o.inList}
		for _, ps := range specs[i] {
			gathered[i].PodSpecs = append(gathered[i].PodSpecs, judge.WrittenPodUse(ps))
		}
		if _, known := r.cfg.Kinds.Lookup(o.res.APIVersion, o.res.Kind); !known && len(specs[i]) == 0 && specErr[i] == nil {
			gathered[i].ImageFields = manifest.ImageFields(o.res.Node)
		}
		if rel, ok := r.release(o); ok && rel.patched && rel.err == nil {
			// Its post-renderer gives the chart's pods the secret: its namespace needs it.
			namespaces = append(namespaces, rel.ns)
		}
	}
	in := judge.Gather(gathered, r.cfg.SecretName)
	in.Namespaces, in.Generate = namespaces, len(objs) == 0
	return in, specs, specErr
}

// applyPod applies the decision on one pod spec that pulls from a configured registry.
func (r *run) applyPod(o *object, ps manifest.PodSpec, pd judge.PodDecision) {
	for _, f := range judge.PodFindings(pd, ps.Path()) {
		r.report(o, f)
	}
	servers := strings.Join(pd.Servers, ", ")
	name := r.cfg.SecretName
	switch pd.Action {
	case judge.PodOutOfScope:
		r.stats.skipped++
		r.report(o, finding.New(finding.PodOutOfScope, servers))
	case judge.PodHasSecret:
		r.stats.present++
		r.report(o, finding.New(finding.PodHasSecret, ps.Path(), name, servers))
	case judge.PodPatch, judge.PodPatchOwnSecrets:
		r.patch(o, ps, judge.MissingPullSecret(pd, ps.Path(), "", name))
	case judge.PodViaAccount:
		r.stats.viaSA++
		r.report(o, finding.New(finding.PodViaAccount, servers, pd.Account, name))
	}
}

// patchAccount adds the secret to a ServiceAccount that workloads run as (user names the
// first of them).
func (r *run) patchAccount(sa *object, specs []manifest.PodSpec, err error, patch bool, user string) {
	switch {
	case err != nil || len(specs) != 1:
		r.report(sa, finding.New(finding.PodSpecUnreadable, fmt.Sprintf("cannot read the ServiceAccount: %v", err)))
	case !patch:
		r.report(sa, finding.New(finding.AccountHasSecret, r.cfg.SecretName))
	default:
		r.patch(sa, specs[0], judge.MissingAccountSecret(user, "", r.cfg.SecretName))
	}
}

// objects returns the Kubernetes objects the function works on: every item and every object
// of a List item, except local-config objects (functionConfigs) and package metadata
// (Kustomization, Kptfile), which pass through untouched.
func (r *run) objects() []*object {
	var out []*object
	for i, it := range r.rl.Items {
		res, ok := manifest.ResourceOf(it.YNode())
		if !ok || skipped(res) {
			continue
		}
		if isTrue(annotation(it.YNode(), annotationLocalConfig)) {
			continue
		}
		if items := res.Items(); items != nil {
			for _, sub := range items {
				if !skipped(sub) && !isTrue(annotation(sub.Node, annotationLocalConfig)) {
					out = append(out, &object{item: it, index: i, res: sub, inList: true})
				}
			}
			continue
		}
		out = append(out, &object{item: it, index: i, res: res})
	}
	return out
}

func isTrue(s string) bool { b, _ := strconv.ParseBool(s); return b }

// skipped reports package metadata and function configs: kustomize's Kustomization and
// Component, kpt's Kptfile, and acrgen's own kinds.
func skipped(res manifest.Resource) bool {
	group, _, _ := strings.Cut(res.APIVersion, "/")
	switch group {
	case "kustomize.config.k8s.io", "kpt.dev", "fn.kpt.dev", Group:
		return true
	}
	return res.Kind == "Kptfile"
}

// patch adds the secret to the imagePullSecrets of a pod spec (or ServiceAccount) that f says
// lacks it.
func (r *run) patch(o *object, ps manifest.PodSpec, f finding.Finding) {
	if ps.Shared != "" {
		r.report(o, field(finding.New(finding.PodSpecShared, ps.SharedError().Error()), f.Field))
		return
	}
	if err := addPullSecret(ps.Node, r.cfg.SecretName); err != nil {
		r.report(o, field(finding.New(finding.PodSpecUnreadable, err.Error()), f.Field))
		return
	}
	r.stats.patched++
	f.Fixed = true
	r.report(o, f)
}

func field(f finding.Finding, path string) finding.Finding {
	f.Field = path
	return f
}

// addPullSecret appends {name: name} to the imagePullSecrets of mapping m, creating the
// list (or replacing a null) when needed.
func addPullSecret(m *yaml.Node, name string) error {
	entry := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: "name"},
		{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: name},
	}}
	list := manifest.MapValue(m, "imagePullSecrets")
	switch {
	case list == nil:
		m.Content = append(m.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: "imagePullSecrets"},
			&yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq, Content: []*yaml.Node{entry}})
	case list.Kind == yaml.SequenceNode:
		list.Content = append(list.Content, entry)
	case list.Kind == yaml.ScalarNode && list.Tag == yaml.NodeTagNull:
		*list = yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq, Content: []*yaml.Node{entry}, Line: list.Line, Column: list.Column}
	default:
		return fmt.Errorf("imagePullSecrets is not a list (line %d): cannot add %s", list.Line, name)
	}
	return nil
}

// located is a finding with the object it came from (nil for none), or the functionConfig.
type located struct {
	f      finding.Finding
	o      *object
	config bool
}

// report records a finding about o (nil for none), its severity resolved for a run that writes;
// a quiet one is dropped.
func (r *run) report(o *object, f finding.Finding) {
	if o != nil {
		f.Object = objectOf(o)
		if file := fileOf(o.item); file != nil {
			f.File = file.Path
		}
	}
	f.Resolve(true)
	if f.Severity != finding.Quiet {
		r.found = append(r.found, located{f: f, o: o})
	}
}

// reportConfig records a finding about the functionConfig; field is relative to its settings.
func (r *run) reportConfig(f finding.Finding, field string) {
	f.Field = field
	f.Resolve(true)
	r.found = append(r.found, located{f: f, config: true})
}

// blocked reports whether the run found a problem: it fails, and kpt and kustomize write
// nothing of its output.
func (r *run) blocked() bool {
	return slices.ContainsFunc(r.found, func(l located) bool { return l.f.Severity == finding.Problem })
}

// objectOf is the finding object of o.
func objectOf(o *object) finding.Object {
	return finding.Object{APIVersion: o.res.APIVersion, Kind: o.res.Kind, Namespace: o.res.Namespace, Name: o.res.Name}
}

// perWorkload are the codes of the info results a run writes for each matching workload.
var perWorkload = map[finding.Code]bool{
	finding.PullSecretMissing: true, finding.AccountPullSecretMissing: true, finding.PodHasSecret: true,
	finding.PodOutOfScope: true, finding.PodViaAccount: true, finding.AccountHasSecret: true,
}

// results are the run's findings as kpt results: problems as errors, warnings as warnings,
// notes and actions as info. A run writes an info result per matching workload, thousands in a
// large tree, and kyaml serialises results three times (marshal, parse, write into the
// ResourceList); structured references would make them cost more than the function's work, so
// such a result is its message alone, which names the object. The others keep the
// resourceRef, file and field; warnings and errors carry the code (tag "code") and the hint.
func (r *run) results() framework.Results {
	out := make(framework.Results, 0, len(r.found)+1)
	for _, l := range r.found {
		f := l.f
		res := &framework.Result{Severity: framework.Info, Message: f.Message()}
		switch {
		case f.Severity == finding.Problem:
			res.Severity = framework.Error
		case f.Severity == finding.Warning:
			res.Severity = framework.Warning
		case perWorkload[f.Code]:
			out = append(out, res)
			continue
		}
		if h := f.Hint(); h != "" {
			res.Message += "; " + h
		}
		if res.Severity != framework.Info {
			res.Tags = map[string]string{"code": string(f.Code)}
		}
		switch {
		case l.config:
			res.ResourceRef = r.cfg.ref
			res.Field = &framework.Field{Path: r.cfg.prefix + "." + f.Field}
		case !f.Object.IsZero():
			res.ResourceRef = &yaml.ResourceIdentifier{
				TypeMeta: yaml.TypeMeta{APIVersion: f.Object.APIVersion, Kind: f.Object.Kind},
				NameMeta: yaml.NameMeta{Name: f.Object.Name, Namespace: f.Object.Namespace},
			}
			if l.o != nil {
				res.File = fileOf(l.o.item)
			}
			if f.Field != "" {
				res.Field = &framework.Field{Path: f.Field}
			}
		}
		out = append(out, res)
	}
	return out
}

// findings are the run's findings, in order.
func (r *run) findings() []finding.Finding {
	out := make([]finding.Finding, len(r.found))
	for i, l := range r.found {
		out[i] = l.f
	}
	return out
}

// fileOf returns the file an item came from, when the orchestrator says (kpt does,
// kustomize does not).
func fileOf(item *yaml.RNode) *framework.File {
	a := manifest.MapValue(manifest.MapValue(item.YNode(), "metadata"), "annotations")
	if a == nil {
		return nil
	}
	p := manifest.Scalar(manifest.MapValue(a, annotationPath))
	if p == "" {
		p = manifest.Scalar(manifest.MapValue(a, annotationLegacyPath))
	}
	if p == "" {
		return nil
	}
	idx := manifest.Scalar(manifest.MapValue(a, annotationIndex))
	if idx == "" {
		idx = manifest.Scalar(manifest.MapValue(a, annotationLegacyIndex))
	}
	i, _ := strconv.Atoi(idx)
	return &framework.File{Path: p, Index: i}
}

// summary is the run's closing info result.
func (r *run) summary() *framework.Result {
	s := r.stats
	errs := 0
	for _, l := range r.found {
		if l.f.Severity == finding.Problem {
			errs++
		}
	}
	parts := []string{
		fmt.Sprintf("%d workload(s) patched", s.patched),
		fmt.Sprintf("%d already referenced it", s.present),
	}
	if r.cfg.ServiceAccount || s.viaSA > 0 {
		parts = append(parts, fmt.Sprintf("%d through their ServiceAccount", s.viaSA))
	}
	parts = append(parts,
		fmt.Sprintf("%d skipped", s.skipped),
		fmt.Sprintf("Secrets: %d created, %d replaced, %d kept", s.created, s.replaced, s.kept),
		fmt.Sprintf("%d error(s)", errs),
	)
	return &framework.Result{
		Severity:    framework.Info,
		ResourceRef: r.cfg.ref,
		Message:     fmt.Sprintf("acrgen %s for %s: %s", r.cfg.SecretName, strings.Join(r.cfg.Registries, ", "), strings.Join(parts, "; ")),
	}
}

// annotation reads one annotation of an object's mapping node.
func annotation(n *yaml.Node, key string) string {
	return manifest.Scalar(manifest.MapValue(manifest.MapValue(manifest.MapValue(n, "metadata"), "annotations"), key))
}
