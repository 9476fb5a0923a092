package engine

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/acrgen/acrgen/internal/argocd"
	"github.com/acrgen/acrgen/internal/flux"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/judge"
	"github.com/acrgen/acrgen/pkg/manifest"
)

// Plan computes a run over opts.Dirs (or opts.Dir) without writing anything: the one entry
// point of render, patch, check and provision. A directory holding Flux Kustomizations stands
// for every directory they build, followed through the graph, each with what
// kustomize-controller adds there (targetNamespace, images, patches, postBuild
// substitution...); other directories are worked on as they are. The changes of all of them
// make one result: two runs that would write the same file differently are an error naming
// both, and nothing is written.
func Plan(opts Options) (*Result, error) {
	if opts.Display == nil {
		opts.Display = func(s string) string { return s }
	}
	dirs := opts.Dirs
	if len(dirs) == 0 {
		dirs = []string{opts.Dir}
	}
	cache := tree.NewCache()
	argo, err := argocd.Resolve(dirs, argocd.Options{SourceRoot: opts.SourceRoot, RepoURLs: opts.RepoURLs, Kinds: opts.Kinds, MaxFileSize: opts.MaxFileSize, Display: opts.Display, Cache: cache})
	if err != nil {
		return nil, err
	}
	plain := func(dir string) bool { return argoPlain(argo, dir) }
	repo, err := flux.Resolve(dirs, flux.Options{SourceRoot: opts.SourceRoot, Kinds: opts.Kinds, MaxFileSize: opts.MaxFileSize, Display: opts.Display, Cache: cache, Plain: plain})
	if err != nil {
		return nil, err
	}
	helm, err := selectHelmReleases(opts.HelmReleases, repo, opts.Display)
	if err != nil {
		return nil, err
	}
	// A release that already carries acrgen's post-renderer (an earlier --helm-release) gives
	// its chart's pods the secret: its namespace needs the Secret, as the function judges it.
	patches := manifest.HelmPullSecretPatches(opts.SecretName)
	for _, h := range repo.HelmReleases {
		if !slices.Contains(helm, h) && inScope(h, opts) && !manifest.HelmPostRendererMissing(h.SpecNode, patches) {
			helm = append(helm, h)
		}
	}
	// One plain directory goes straight to Plan, unless it holds HelmReleases: their values
	// are checked below (a chart's pods are out of acrgen's sight).
	if len(repo.Targets) == 1 && repo.Targets[0].Object == nil && len(repo.Warnings) == 0 && len(repo.HelmReleases) == 0 && len(argo.Targets) == 0 && len(argo.Findings) == 0 {
		o := opts
		o.Dir = dirs[0]
		r, err := plan(o, part{cache: cache})
		if err != nil {
			return nil, err
		}
		return r.res, nil
	}
	built := map[string]bool{}
	for _, t := range repo.Targets {
		if t.Object != nil {
			built[realDir(t.Dir)] = true
		}
	}
	m := &merger{res: &Result{}, by: map[string]int{}, who: map[string]string{}, used: map[string]bool{}, display: opts.Display, writes: opts.Mode != Check}
	for _, w := range repo.Warnings {
		m.add(w)
	}
	for _, f := range argo.Findings {
		m.add(f)
	}
	if err := m.helmPostRenderers(helm, repo.Targets, opts); err != nil {
		return nil, err
	}
	if m.writes && m.res.Count(finding.Problem) > 0 {
		return m.res, nil // it writes nothing: nothing more to plan (or encrypt)
	}
	for _, t := range repo.Targets {
		if t.Object == nil && built[realDir(t.Dir)] {
			continue // a Flux Kustomization builds it: its run stands for this one
		}
		o := opts
		o.Dir, o.Overlay = t.Dir, t.Overlay
		p := part{ofMany: true, cache: cache, flux: t.Object != nil}
		if t.Object != nil {
			p.deployerPatches = "spec.patches of " + t.Object.String()
		}
		for _, h := range helm {
			if h.By != t.Object || realDir(h.Dir) != realDir(t.Dir) {
				continue
			}
			ns, _, _ := h.ReleaseNamespace() // checked by helmPostRenderers
			if t.Object != nil && t.Object.Spec.TargetNamespace != "" && t.Object.Spec.TargetNamespace != ns {
				return nil, &UsageError{Msg: fmt.Sprintf("%s (%s) releases into namespace %s, but %s puts everything of %s in namespace %s, the pull Secret too: add the Secret for namespace %s yourself elsewhere, or drop --helm-release %s/%s", h, opts.Display(h.File), finding.Quote(ns), t.Object, opts.Display(t.Dir), finding.Quote(t.Object.Spec.TargetNamespace), finding.Quote(ns), h.Namespace, h.Name)}
			}
			p.helmNamespaces = append(p.helmNamespaces, ns)
		}
		label := opts.Display(t.Dir)
		if t.Object != nil {
			label = fmt.Sprintf("%s (%s)", finding.Quote(t.Object.String()), opts.Display(t.Object.File))
		}
		r, err := plan(o, p)
		if err != nil {
			if t.Object == nil {
				return nil, err
			}
			return nil, fmt.Errorf("%s: %w", label, err)
		}
		if err := m.merge(t, label, r, repo, opts); err != nil {
			return nil, err
		}
	}
	if err := m.argoTargets(argo, opts, cache); err != nil {
		return nil, err
	}
	var scoped []*flux.HelmRelease
	var releases []judge.Release
	for _, h := range repo.HelmReleases {
		if !inScope(h, opts) {
			continue
		}
		rel := judge.Release{Name: h.Namespace + "/" + h.Name, Covered: slices.Contains(helm, h)}
		if h.Spec.Values != nil {
			rel.Values = string(h.Spec.Values.Raw)
		}
		scoped, releases = append(scoped, h), append(releases, rel)
	}
	fs, named, charts := judge.Charts(releases, opts.Registries)
	for _, reg := range named {
		m.used[reg] = true
	}
	for _, rf := range fs {
		if rf.Release >= 0 {
			h := scoped[rf.Release]
			rf.Finding = rf.Finding.At(h.File, 0).On(helmObject(h), rf.Finding.Field)
		}
		m.add(rf.Finding)
	}
	for _, reg := range opts.Registries {
		switch {
		case m.used[reg]:
		case len(built) == 0 && len(argo.Targets) == 0 && len(dirs) == 1:
			// No Flux Kustomization nor Argo CD Application: the one directory, as without them.
			m.add(noWorkloadIn(dirs[0], opts.Display(dirs[0]), reg, charts))
		default:
			m.add(finding.New(finding.RegistryUnused, "in any directory acrgen reached", reg, "after namespaces, images: and "+deployers(len(built) > 0, len(argo.Targets) > 0)+" changes", charts))
		}
	}
	return m.res, nil
}

// inScope reports whether a HelmRelease releases into a namespace the run works on (see
// [judge.ReleaseInScope]).
func inScope(h *flux.HelmRelease, opts Options) bool {
	ns, _, err := h.ReleaseNamespace()
	return judge.ReleaseInScope(opts.Namespaces, ns, err)
}

func realDir(d string) string {
	if r, err := filepath.EvalSymlinks(d); err == nil {
		return r
	}
	return d
}

// merger gathers the results of several runs into one.
type merger struct {
	res     *Result
	by      map[string]int    // path -> index in res.Changes
	who     map[string]string // path -> the run that changes it
	used    map[string]bool
	seen    map[string]bool
	display func(string) string
	writes  bool
}

// add records a finding once (several runs may find the same), its severity resolved.
func (m *merger) add(f finding.Finding) {
	f.Resolve(m.writes)
	if f.Severity == finding.Quiet {
		return
	}
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	key := fmt.Sprintf("%s\x00%s\x00%d\x00%s", f.Code, f.File, f.Line, f.Message())
	if !m.seen[key] {
		m.seen[key] = true
		m.res.Findings = append(m.res.Findings, f)
	}
}

func (m *merger) merge(t flux.Target, label string, r *run, repo *flux.Repo, opts Options) error {
	via := ""
	if t.Object != nil {
		via = label
	}
	if err := m.mergeRun(t.Dir, label, via, r); err != nil {
		return err
	}
	if t.Object == nil {
		return nil
	}
	obj := fluxObject(t.Object)
	if names := t.Unresolved(); len(names) > 0 {
		m.add(finding.New(finding.VariablesUnresolved, strings.Join(names, ", ")).At(t.Object.File, 0).On(obj, "spec.postBuild"))
	}
	m.decryption(t, obj, r, repo, opts)
	return nil
}

// mergeRun adds the run r of dir, named label in messages, to the result; via names the
// deployer's object whose run it is ("" for a directory worked on as it is).
func (m *merger) mergeRun(dir, label, via string, r *run) error {
	for reg := range r.used {
		m.used[reg] = true
	}
	m.res.Roots = append(m.res.Roots, dir)
	for _, repo := range r.res.Repositories {
		if !slices.Contains(m.res.Repositories, repo) {
			m.res.Repositories = append(m.res.Repositories, repo)
		}
	}
	slices.Sort(m.res.Repositories)
	m.res.Pulls = mergePulls(m.res.Pulls, r.res.Pulls)
	for _, rec := range r.res.Recorded {
		if !slices.ContainsFunc(m.res.Recorded, func(x RecordedSecret) bool { return x.File == rec.File && x.Namespace == rec.Namespace }) {
			m.res.Recorded = append(m.res.Recorded, rec)
		}
	}
	for _, c := range r.res.Changes {
		i, ok := m.by[c.Path]
		if !ok {
			m.by[c.Path], m.who[c.Path] = len(m.res.Changes), label
			m.res.Changes = append(m.res.Changes, c)
			continue
		}
		prev := m.res.Changes[i]
		if bytes.Equal(prev.New, c.New) || (prev.secret != "" && prev.secret == c.secret && bytes.Equal(prev.Old, c.Old)) {
			continue
		}
		return &UsageError{Msg: fmt.Sprintf("%s and %s need different changes to %s (they share a path but differ in images, namespaces or patches): give each its own overlay; nothing was written", m.who[c.Path], label, m.display(c.Path))}
	}
	for _, f := range r.res.Findings {
		if f.Severity == finding.Problem || f.Severity == finding.Action {
			f.Via = via
		}
		m.add(f)
	}
	return nil
}

// decryption reports a Flux Kustomization that applies the Secret without SOPS decryption,
// and a decryption key Secret that the repository does not describe.
func (m *merger) decryption(t flux.Target, obj finding.Object, r *run, repo *flux.Repo, opts Options) {
	applies := false
	for _, inst := range r.t.Instances {
		applies = applies || judge.IsPullSecret(inst.Resource, opts.SecretName)
	}
	for _, c := range r.res.Changes {
		if c.secret != "" {
			applies = true
		}
	}
	dec := t.Object.Spec.Decryption
	if applies && (dec == nil || dec.Provider != "sops") {
		m.add(finding.New(finding.DecryptionMissing, opts.SecretName).At(t.Object.File, 0).On(obj, "spec.decryption"))
	}
	if dec != nil && dec.Provider == "sops" && dec.SecretRef == nil {
		ageSecret := repo.Index != nil && repo.Index.SopsAgeSecret()
		for _, types := range appliedKeyTypes(r, opts.SecretName) {
			if keys := keylessTypes(types, ageSecret); keys != "" {
				m.add(finding.New(finding.DecryptionNoKey, opts.SecretName, keys).At(t.Object.File, 0).On(obj, "spec.decryption.secretRef"))
				break
			}
		}
	}
	if dec != nil && dec.SecretRef != nil && repo.Index != nil && !repo.Index.Has("Secret", dec.SecretRef.Name, t.Object.Namespace) {
		m.add(finding.New(finding.DecryptionKeyUnseen, dec.SecretRef.Name, t.Object.Namespace).At(t.Object.File, 0).On(obj, "spec.decryption.secretRef"))
	}
}

// appliedKeyTypes are the sops key types of each pull Secret a run's directory applies: those
// of the tree, and those the run writes.
func appliedKeyTypes(r *run, name string) [][]string {
	var out [][]string
	for _, inst := range r.t.Instances {
		if judge.IsPullSecret(inst.Resource, name) {
			out = append(out, judge.SopsKeyTypes(inst.Resource.Node))
		}
	}
	for _, c := range r.res.Changes {
		if c.secret == "" {
			continue
		}
		if m, err := manifest.Parse(c.New); err == nil && len(m.Docs) == 1 {
			out = append(out, judge.SopsKeyTypes(m.Docs[0]))
		}
	}
	return out
}

// keylessTypes names the key types of a Secret (as judge.SopsKeyTypes gives them) when
// kustomize-controller can decrypt it with none of them without a spec.decryption.secretRef,
// "" when it can (or the Secret is not encrypted). Without a secretRef, it has the key services
// it reaches with its own or the object's workload identity (Azure Key Vault, AWS KMS, GCP
// KMS), Vault (VAULT_TOKEN, Kubernetes auth), and age only with --sops-age-secret (ageSecret);
// PGP keys come from a secretRef only (Flux: kustomize-controller docs/spec/v1/kustomizations.md,
// "Decryption" and "Controller global decryption"; internal/decryptor ImportKeys).
func keylessTypes(types []string, ageSecret bool) string {
	var names []string
	for _, t := range types {
		switch {
		case t == "azure_kv" || t == "kms" || t == "gcp_kms" || t == "hc_vault" || (t == "age" && ageSecret):
			return ""
		case t == "age":
			names = append(names, "age")
		case t == "pgp":
			names = append(names, "PGP")
		default:
			names = append(names, t)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return strings.Join(names, " and ") + " keys"
}

// fluxObject is the finding object of a Flux Kustomization.
func fluxObject(k *flux.Kustomization) finding.Object {
	return finding.Object{APIVersion: "kustomize.toolkit.fluxcd.io/v1", Kind: "Kustomization", Namespace: k.Namespace, Name: k.Name}
}

// helmObject is the finding object of a Flux HelmRelease.
func helmObject(h *flux.HelmRelease) finding.Object {
	return finding.Object{APIVersion: manifest.HelmGroup + "/v2", Kind: "HelmRelease", Namespace: h.Namespace, Name: h.Name}
}

// secretKey identifies the plaintext acrgen wants for the Secret of namespace ns, without the
// credential (which is the same for every run of one invocation).
func (r *run) secretKey(ns string, old map[string]string) string {
	field := ns
	if r.secretSpecNamespaceless(ns) {
		field = ""
	}
	return strings.Join(append([]string{r.opts.SecretName, field}, r.secretServers(ns, old)...), "\x00")
}
