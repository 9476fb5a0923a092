package fn

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/acrgen/acrgen/pkg/render"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// run is one invocation of the function.
type run struct {
	cfg   *Config
	opts  Options
	rl    *framework.ResourceList
	match *matchCache

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

// process does the work; problems become error results.
func (r *run) process() {
	objs := r.objects()
	needed := map[string]bool{}
	var sas map[string]*object
	if r.cfg.ServiceAccount {
		sas = map[string]*object{}
		for _, o := range objs {
			if o.res.APIVersion == "v1" && o.res.Kind == "ServiceAccount" {
				sas[o.res.Namespace+"/"+o.res.Name] = o
			}
		}
	}
	patchedSA := map[*object]bool{}
	for _, o := range objs {
		specs, err := r.cfg.Kinds.PodSpecs(o.res)
		if err != nil {
			r.add(framework.Error, o, "", err.Error())
			continue
		}
		for _, ps := range specs {
			servers := r.pulls(o, ps)
			if len(servers) == 0 {
				continue
			}
			ns := o.res.Namespace
			if err := render.ValidateNamespace(ns); err != nil {
				// The Secret's file would be named after it.
				r.add(framework.Error, o, "metadata.namespace", err.Error())
				continue
			}
			if !render.NamespaceAllowed(r.cfg.Namespaces, ns) {
				r.stats.skipped++
				r.workloadInfo(o, fmt.Sprintf("skipped: namespace %q is not among the configured namespaces (pulls from %s)", ns, strings.Join(servers, ", ")))
				continue
			}
			needed[ns] = true
			if r.cfg.ServiceAccount {
				r.viaServiceAccount(o, ps, servers, sas, patchedSA)
				continue
			}
			r.patchWorkload(o, ps, servers, "")
		}
	}
	if len(objs) == 0 {
		// A kustomize generator call: the items hold only the function's own config. Generate
		// the Secret for the configured namespaces, or one without a namespace for kustomize's
		// namespace: to set.
		if len(r.cfg.Namespaces) == 0 {
			needed[""] = true
		}
		for _, ns := range r.cfg.Namespaces {
			needed[ns] = true
		}
	}
	r.secrets(objs, needed)
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

// pulls returns the configured login servers a pod spec's images pull from, in order.
func (r *run) pulls(o *object, ps render.PodSpec) []string {
	var servers []string
	for _, img := range ps.Images {
		m := r.match.match(img.Value)
		if !m.ok {
			continue
		}
		servers = render.AppendUnique(servers, m.server)
		if m.warning != "" {
			r.add(framework.Warning, o, ps.Path(), m.warning)
		}
	}
	return servers
}

// patchWorkload adds the secret to a pod spec's imagePullSecrets unless it is listed.
func (r *run) patchWorkload(o *object, ps render.PodSpec, servers []string, why string) {
	name := r.cfg.SecretName
	field := ps.Path() + ".imagePullSecrets"
	if ps.HasSecret(name) {
		r.stats.present++
		r.workloadInfo(o, fmt.Sprintf("already references %s (pulls from %s)", name, strings.Join(servers, ", ")))
		return
	}
	if ps.Shared != "" {
		r.add(framework.Error, o, field, ps.SharedError().Error())
		return
	}
	if err := addPullSecret(ps.Node, name); err != nil {
		r.add(framework.Error, o, field, err.Error())
		return
	}
	r.stats.patched++
	r.workloadInfo(o, fmt.Sprintf("added imagePullSecrets %s (pulls from %s)%s", name, strings.Join(servers, ", "), why))
}

// viaServiceAccount adds the secret to the ServiceAccount a workload runs as.
func (r *run) viaServiceAccount(o *object, ps render.PodSpec, servers []string, sas map[string]*object, patched map[*object]bool) {
	name := r.cfg.SecretName
	saName, field := render.ServiceAccountName(ps.Node), ps.Path()+".serviceAccountName"
	sa := sas[o.res.Namespace+"/"+saName]
	if sa == nil {
		r.add(framework.Error, o, field, fmt.Sprintf("pulls from %s and runs as ServiceAccount %q, which is not among the items: add the ServiceAccount, or set serviceAccount: false to patch the workload", strings.Join(servers, ", "), saName))
		return
	}
	if !patched[sa] {
		patched[sa] = true
		specs, err := render.NewKinds(render.ServiceAccountKind).PodSpecs(sa.res)
		var sps render.PodSpec
		if len(specs) == 1 {
			sps = specs[0]
		}
		if err != nil || len(specs) != 1 {
			r.add(framework.Error, sa, "imagePullSecrets", fmt.Sprintf("cannot read the ServiceAccount: %v", err))
		} else if sps.HasSecret(name) {
			r.add(framework.Info, sa, "", "already references "+name)
		} else if sps.Shared != "" {
			r.add(framework.Error, sa, "imagePullSecrets", sps.SharedError().Error())
		} else if err := addPullSecret(sa.res.Node, name); err != nil {
			r.add(framework.Error, sa, "imagePullSecrets", err.Error())
		} else {
			r.add(framework.Info, sa, "", "added imagePullSecrets "+name+" (workloads that run as it pull from "+strings.Join(servers, ", ")+")")
		}
	}
	if names := ps.SecretNames(); len(names) > 0 && !ps.HasSecret(name) {
		// The ServiceAccount admission plugin copies the account's pull secrets only into
		// pods that list none of their own.
		r.patchWorkload(o, ps, servers, fmt.Sprintf(": it lists imagePullSecrets of its own, so those of ServiceAccount %q do not apply to it", saName))
		return
	}
	r.stats.viaSA++
	r.workloadInfo(o, fmt.Sprintf("pulls from %s through ServiceAccount %q, which references %s", strings.Join(servers, ", "), saName, name))
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
	if r.cfg.ServiceAccount {
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

// matchCache remembers which images pull from the registries: the same few images repeat
// across thousands of workloads.
type matchCache struct {
	m     *render.Matcher
	cache map[string]matchResult
}

type matchResult struct {
	server  string
	ok      bool
	warning string // the upper-case host warning, if any
}

func newMatchCache(m *render.Matcher) *matchCache {
	return &matchCache{m: m, cache: map[string]matchResult{}}
}

func (c *matchCache) match(image string) matchResult {
	if res, ok := c.cache[image]; ok {
		return res
	}
	var res matchResult
	res.server, res.ok = c.m.Match(image)
	if res.ok {
		res.warning, _ = render.UpperCaseHostWarning(image)
	}
	c.cache[image] = res
	return res
}

// annotation reads one annotation of an object's mapping node.
func annotation(n *yaml.Node, key string) string {
	return render.Scalar(render.MapValue(render.MapValue(render.MapValue(n, "metadata"), "annotations"), key))
}
