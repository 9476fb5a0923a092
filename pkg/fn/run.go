package fn

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/acrgen/acrgen/pkg/render"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// run is one invocation of the function.
type run struct {
	cfg      *Config
	opts     Options
	rl       *framework.ResourceList
	settings render.DecideSettings

	results framework.Results
	stats   stats

	// cred is the credential, read once when first needed.
	credRead bool
	cred     *render.Credential
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
	res   render.Resource
	// inList reports an object inside a List item.
	inList bool
}

// process does the work: it gathers the occurrences of the items, asks render.Decide what
// to do, and applies the decisions in the order of the items. Problems become error results.
func (r *run) process() {
	objs := r.objects()
	in, specs, specErr := r.occurrences(objs)
	r.settings = render.DecideSettings{
		Registries: r.cfg.Registries, SecretName: r.cfg.SecretName, Namespaces: r.cfg.Namespaces,
		ServiceAccount: r.cfg.ServiceAccount, Username: r.cfg.Username, Expires: r.cfg.Expires,
		Now: r.opts.Now(), Credential: render.Unknown,
	}
	d := render.Decide(in, r.settings)

	accountsOf := map[int][]render.AccountUse{} // by the index of the first pod that runs as it
	for _, a := range d.Accounts {
		accountsOf[a.User] = a.Accounts
	}
	k := 0
	for i, o := range objs {
		if specErr[i] != nil && !isServiceAccount(o) {
			r.add(framework.Error, o, "", specErr[i].Error())
		}
		for ; k < len(d.Pods) && d.Pods[k].ID == i; k++ {
			pd := d.Pods[k]
			for _, a := range accountsOf[k] {
				sa := in.ServiceAccounts[a.Index].ID
				r.patchAccount(objs[sa], specs[sa], specErr[sa], a.Patch, pd.Servers)
			}
			r.applyPod(o, specs[i][pd.PodSpec], pd)
		}
	}
	for _, u := range d.Unplaced {
		sev := framework.Warning
		if u.Blocks {
			sev = framework.Error
		}
		r.add(sev, objs[u.ID], "metadata.namespace", u.Reason)
	}
	for _, us := range render.GroupUnchecked(d.Unchecked) {
		o := objs[us[0].ID]
		r.add(framework.Warning, o, us[0].Field.Path, render.UncheckedMessage(o.res.Kind+" "+o.res.Name, us))
	}
	r.helmReleases(objs)
	r.secrets(objs, in.Secrets, d)
}

// helmReleases reports on the Flux HelmReleases among the items that release into the
// configured namespaces: the function cannot see into their charts, so its results must not
// vouch for the pods they render, unless the release carries acrgen's post-renderer (added by
// acrgen render --helm-release), which gives every pod the secret; its namespace then gets the
// Secret.
func (r *run) helmReleases(objs []*object) {
	var unseen []string
	for _, o := range objs {
		ns, patched, ok := r.release(o)
		if !ok {
			continue
		}
		name := o.res.Namespace + "/" + o.res.Name
		if err := render.ValidateNamespace(ns); err != nil {
			r.add(framework.Error, o, "", fmt.Sprintf("HelmRelease %s: its release namespace: %v", name, err))
			continue
		}
		if patched {
			continue
		}
		text := ""
		if values := render.MapValue(render.MapValue(o.res.Node, "spec"), "values"); values != nil {
			text, _ = yaml.NewRNode(values).String()
		}
		if named := render.ValuesNamed(text, r.settings.Registries); len(named) > 0 {
			r.add(framework.Warning, o, "spec.values", render.UnseenChartMessage("HelmRelease "+name, named[0]))
		} else {
			unseen = append(unseen, name)
		}
	}
	if len(unseen) > 0 {
		r.add(framework.Warning, nil, "", render.UnseenChartsMessage(unseen, "give its pods the secret through its values or a spec.postRenderers kustomize patch (acrgen render --helm-release adds one)"))
	}
}

// release reports, of a Flux HelmRelease that releases into a configured namespace (ok), that
// namespace (spec.targetNamespace, else its own) and whether it carries the post-renderer
// patches that add the secret to its chart's pods.
func (r *run) release(o *object) (ns string, patched, ok bool) {
	if !render.IsHelmRelease(o.res.APIVersion, o.res.Kind) {
		return "", false, false
	}
	spec := render.MapValue(o.res.Node, "spec")
	ns = cmp.Or(render.Scalar(render.MapValue(spec, "targetNamespace")), o.res.Namespace)
	if !render.NamespaceAllowed(r.cfg.Namespaces, ns) {
		return "", false, false
	}
	return ns, !render.HelmPostRendererMissing(spec, render.HelmPullSecretPatches(r.cfg.SecretName)), true
}

// isServiceAccount reports a core ServiceAccount (a custom kind of that name is a workload
// kind like any other).
func isServiceAccount(o *object) bool {
	return o.res.APIVersion == "v1" && o.res.Kind == "ServiceAccount"
}

// occurrences gathers what render.Decide needs of the objects; IDs index objs. It returns the
// pod specs of each object (of a ServiceAccount: the account itself) and the error reading
// them, if any. No objects at all is a kustomize generator call: the items hold only the
// function's own config.
func (r *run) occurrences(objs []*object) (render.Occurrences, [][]render.PodSpec, []error) {
	in := render.Occurrences{Generate: len(objs) == 0}
	specs := make([][]render.PodSpec, len(objs))
	specErr := make([]error, len(objs))
	for i, o := range objs {
		if isServiceAccount(o) {
			sps, err := render.NewKinds(render.ServiceAccountKind).PodSpecs(o.res)
			specs[i], specErr[i] = sps, err
			a := render.Account{ID: i, Namespace: o.res.Namespace, Name: o.res.Name}
			if len(sps) == 1 {
				a.Secrets = sps[0].SecretNames()
			}
			in.ServiceAccounts = append(in.ServiceAccounts, a)
			continue
		}
		if ns, patched, ok := r.release(o); ok && patched && render.ValidateNamespace(ns) == nil {
			// Its post-renderer gives the chart's pods the secret: its namespace needs it.
			in.Namespaces = append(in.Namespaces, ns)
		}
		if o.res.APIVersion == "v1" && o.res.Kind == "Secret" && r.isOurSecret(o) {
			sec := render.NewExistingSecret(i, o.res.Namespace, o.res.Node)
			sec.InList = o.inList
			ann := sec.Annotations
			sec.Generated = ann[annotationNeedsHash] != "" || ann[annotationGeneratorBehavior] != ""
			in.Secrets = append(in.Secrets, sec)
		}
		sps, err := r.cfg.Kinds.PodSpecs(o.res)
		if err != nil {
			specErr[i] = err
			continue
		}
		specs[i] = sps
		if len(sps) == 0 {
			if _, ok := r.cfg.Kinds.Lookup(o.res.APIVersion, o.res.Kind); !ok {
				if imgs := render.ImageFields(o.res.Node); len(imgs) > 0 {
					in.Others = append(in.Others, render.Other{ID: i, Namespace: o.res.Namespace, APIVersion: o.res.APIVersion, Kind: o.res.Kind, Images: imgs})
				}
			}
			continue
		}
		w := render.Workload{ID: i, Namespace: o.res.Namespace}
		for _, ps := range sps {
			images := make([]string, len(ps.Images))
			for j, img := range ps.Images {
				images[j] = img.Value
			}
			w.PodSpecs = append(w.PodSpecs, render.NewPodUse(ps, images, ps.SecretNames()))
		}
		in.Workloads = append(in.Workloads, w)
	}
	return in, specs, specErr
}

// applyPod applies the decision on one pod spec that pulls from a configured registry.
func (r *run) applyPod(o *object, ps render.PodSpec, pd render.PodDecision) {
	for _, w := range pd.Warnings {
		r.add(framework.Warning, o, ps.Path(), w)
	}
	servers := strings.Join(pd.Servers, ", ")
	name := r.cfg.SecretName
	switch pd.Action {
	case render.PodBadNamespace:
		// The Secret's file would be named after it.
		r.add(framework.Error, o, "metadata.namespace", pd.Reason)
	case render.PodOutOfScope:
		r.stats.skipped++
		r.workloadInfo(o, fmt.Sprintf("skipped: namespace %q is not among the configured namespaces (pulls from %s)", o.res.Namespace, servers))
	case render.PodHasSecret:
		r.stats.present++
		r.workloadInfo(o, fmt.Sprintf("already references %s (pulls from %s)", name, servers))
	case render.PodPatch:
		r.patchWorkload(o, ps, servers, "")
	case render.PodPatchOwnSecrets:
		r.patchWorkload(o, ps, servers, fmt.Sprintf(": it lists imagePullSecrets of its own, so those of ServiceAccount %q do not apply to it", pd.Account))
	case render.PodAccountMissing:
		r.add(framework.Error, o, ps.Path()+".serviceAccountName", fmt.Sprintf("pulls from %s and runs as ServiceAccount %q, which is not among the items: add the ServiceAccount, or set serviceAccount: false to patch the workload", servers, pd.Account))
	case render.PodViaAccount:
		r.stats.viaSA++
		r.workloadInfo(o, fmt.Sprintf("pulls from %s through ServiceAccount %q, which references %s", servers, pd.Account, name))
	}
}

// patchAccount adds the secret to a ServiceAccount that workloads pulling from servers run as.
func (r *run) patchAccount(sa *object, specs []render.PodSpec, err error, patch bool, servers []string) {
	name := r.cfg.SecretName
	switch {
	case err != nil || len(specs) != 1:
		r.add(framework.Error, sa, "imagePullSecrets", fmt.Sprintf("cannot read the ServiceAccount: %v", err))
	case !patch:
		r.add(framework.Info, sa, "", "already references "+name)
	case specs[0].Shared != "":
		r.add(framework.Error, sa, "imagePullSecrets", specs[0].SharedError().Error())
	default:
		if err := addPullSecret(sa.res.Node, name); err != nil {
			r.add(framework.Error, sa, "imagePullSecrets", err.Error())
			return
		}
		r.add(framework.Info, sa, "", "added imagePullSecrets "+name+" (workloads that run as it pull from "+strings.Join(servers, ", ")+")")
	}
}

// objects returns the Kubernetes objects the function works on: every item and every object
// of a List item, except local-config objects (functionConfigs) and package metadata
// (Kustomization, Kptfile), which pass through untouched.
func (r *run) objects() []*object {
	var out []*object
	for i, it := range r.rl.Items {
		res, ok := render.ResourceOf(it.YNode())
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
func skipped(res render.Resource) bool {
	group, _, _ := strings.Cut(res.APIVersion, "/")
	switch group {
	case "kustomize.config.k8s.io", "kpt.dev", "fn.kpt.dev", Group:
		return true
	}
	return res.Kind == "Kptfile"
}

// patchWorkload adds the secret to a pod spec's imagePullSecrets; why is said after the
// result's message.
func (r *run) patchWorkload(o *object, ps render.PodSpec, servers, why string) {
	name := r.cfg.SecretName
	field := ps.Path() + ".imagePullSecrets"
	if ps.Shared != "" {
		r.add(framework.Error, o, field, ps.SharedError().Error())
		return
	}
	if err := addPullSecret(ps.Node, name); err != nil {
		r.add(framework.Error, o, field, err.Error())
		return
	}
	r.stats.patched++
	r.workloadInfo(o, fmt.Sprintf("added imagePullSecrets %s (pulls from %s)%s", name, servers, why))
}

// addPullSecret appends {name: name} to the imagePullSecrets of mapping m, creating the
// list (or replacing a null) when needed.
func addPullSecret(m *yaml.Node, name string) error {
	entry := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: "name"},
		{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: name},
	}}
	list := render.MapValue(m, "imagePullSecrets")
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

// add records a result about an object; field is a path inside it ("" for none).
func (r *run) add(sev framework.Severity, o *object, field, msg string) {
	res := &framework.Result{Severity: sev, Message: msg}
	if o != nil {
		res.ResourceRef = &yaml.ResourceIdentifier{
			TypeMeta: yaml.TypeMeta{APIVersion: o.res.APIVersion, Kind: o.res.Kind},
			NameMeta: yaml.NameMeta{Name: o.res.Name, Namespace: o.res.Namespace},
		}
		res.File = fileOf(o.item)
	}
	if field != "" && sev != framework.Info {
		res.Field = &framework.Field{Path: field}
	}
	r.results = append(r.results, res)
}

// workloadInfo records the info result about a workload: one line that names it, without a
// resourceRef. A run writes one per matching workload, thousands in a large tree, and kyaml
// serialises results three times (marshal, parse, write into the ResourceList); structured
// references would make the results cost more than the function's work. Warnings and errors
// keep resourceRef and field.
func (r *run) workloadInfo(o *object, msg string) {
	name := o.res.Name
	if o.res.Namespace != "" {
		name = o.res.Namespace + "/" + name
	}
	r.results = append(r.results, &framework.Result{Severity: framework.Info, Message: o.res.Kind + " " + name + ": " + msg})
}

// addConfig records a result about the functionConfig.
func (r *run) addConfig(sev framework.Severity, field, msg string) {
	res := &framework.Result{Severity: sev, Message: msg, ResourceRef: r.cfg.ref}
	if field != "" {
		res.Field = &framework.Field{Path: r.cfg.prefix + "." + field}
	}
	r.results = append(r.results, res)
}

// fileOf returns the file an item came from, when the orchestrator says (kpt does,
// kustomize does not).
func fileOf(item *yaml.RNode) *framework.File {
	a := render.MapValue(render.MapValue(item.YNode(), "metadata"), "annotations")
	if a == nil {
		return nil
	}
	p := render.Scalar(render.MapValue(a, annotationPath))
	if p == "" {
		p = render.Scalar(render.MapValue(a, annotationLegacyPath))
	}
	if p == "" {
		return nil
	}
	idx := render.Scalar(render.MapValue(a, annotationIndex))
	if idx == "" {
		idx = render.Scalar(render.MapValue(a, annotationLegacyIndex))
	}
	i, _ := strconv.Atoi(idx)
	return &framework.File{Path: p, Index: i}
}

// summary is the run's closing info result.
func (r *run) summary() *framework.Result {
	s := r.stats
	errs := 0
	for _, res := range r.results {
		if res.Severity == framework.Error {
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
	return render.Scalar(render.MapValue(render.MapValue(render.MapValue(n, "metadata"), "annotations"), key))
}
