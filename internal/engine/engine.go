// Package engine runs acrgen's render, patch and check on a directory: it loads the tree,
// asks the pure core which pod specs need the pull secret and how to edit them, decides
// which encrypted Secrets to keep, write or create, and returns the complete set of file
// changes before anything is written, so a run is all or nothing.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/acrgen/acrgen/internal/argocd"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/judge"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
	"github.com/acrgen/acrgen/pkg/yamledit"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Mode is what a run does.
type Mode int

const (
	// Render patches workloads and writes the encrypted Secrets.
	Render Mode = iota
	// Patch patches workloads only; Secrets are never touched.
	Patch
	// Check changes nothing and reports problems.
	Check
)

// Options configures a run.
type Options struct {
	Dir        string
	Mode       Mode
	Registries []string // login servers, as from settings.ParseLoginServer
	SecretName string
	// Namespaces limits the run to workloads whose effective namespace is listed; empty
	// means every namespace.
	Namespaces []string
	Kinds      *manifest.Kinds
	// ServiceAccount adds the secret to the ServiceAccount each matching workload runs as
	// (which must be in the tree) instead of to the workload. Workloads that list pull secrets
	// of their own are patched too: Kubernetes copies a ServiceAccount's pull secrets only into
	// pods that list none.
	ServiceAccount bool
	// Credential is the registry credential; nil when none was given.
	Credential *secret.Credential
	// Expires is the credential's expiry, recorded on the Secret; zero when unknown. One in
	// the past is refused.
	Expires     time.Time
	Recipients  secret.Recipients
	MaxFileSize int64
	Now         func() time.Time
	// Display turns absolute paths into the form shown to the user.
	Display func(string) string

	// ExpiryWarning is how long before a Secret's recorded expiry a warning starts; zero
	// means none. An expired Secret is a problem for check whatever it is.
	ExpiryWarning time.Duration
	// Overlay is what a Flux Kustomization adds on top of Dir; nil for none.
	Overlay *tree.Overlay
	// Dirs are the directories Plan works on; empty means Dir.
	Dirs []string
	// SourceRoot is what Flux Kustomizations' spec.path is relative to; empty means the git
	// top level of the file holding the object.
	SourceRoot string

	// HelmReleases names the Flux HelmReleases ("namespace/name", "name", or "all") that get a
	// post-renderer patch giving their chart's pods the secret, and the Secret in their
	// release namespace.
	HelmReleases []string

	// Encrypter encrypts the Secrets (cmd/acrgen gives pkg/encrypt's); nil means none: a
	// run that must encrypt fails. check asks it which recipients each Secret's file should be
	// encrypted for.
	Encrypter secret.Encrypter
	// Decrypter lets check verify each encrypted Secret's MAC, with the age and PGP keys at
	// hand (cmd/acrgen gives pkg/encrypt's); nil means check does not verify it.
	Decrypter secret.Decrypter
	// Online is check --online: verifying a MAC may use every key sops can, key services
	// (Azure Key Vault) included, as sops -d would.
	Online bool

	// CredentialID names the credential, recorded on the Secret (secret.AnnotationCredential);
	// empty when unknown.
	CredentialID string

	// RepoURLs name this repository for Argo CD Applications' repoURL, besides its git
	// remotes.
	RepoURLs []string
	// Decryptor says what decrypts the pull Secret where the trees are built: it decides
	// whether a new Secret is listed under resources: or in a KSOPS generator.
	Decryptor judge.Decryptor
}

// FileChange is a file a run writes.
type FileChange struct {
	Path     string
	Old, New []byte
	// Created is true for a file that does not exist yet.
	Created bool
	Mode    fs.FileMode
	// secret identifies the plaintext of an encrypted Secret file: two runs that write the
	// same Secret produce different ciphertexts of it.
	secret string
	// proven is true when every edit from Old to New has a shape whose parse is known
	// (yamledit.Proven): verifyChanges need not parse New again.
	proven bool
}

// Result is what a run found and would write.
type Result struct {
	Changes []FileChange
	// Findings are what the run found and what it does about it, in the order found, their
	// severities resolved for the run (see [finding.Finding.Resolve]).
	Findings []finding.Finding
	// Roots are the directories the run may write in: each DIR it was given, and each path
	// of a Flux Kustomization it followed. The writer refuses a change outside them.
	Roots []string
	// Repositories are the repositories the workloads pull from the configured registries,
	// sorted: the scope a repository-scoped token (or an ABAC condition) needs.
	Repositories []string
	// Recorded are the pull Secrets the trees apply, as their plaintext metadata describes
	// them: what acrgen provision --retire must keep working.
	Recorded []RecordedSecret
	// Pulls are, for check, each namespace's images from the registries and its pull Secret:
	// what check --online asks the registry about.
	Pulls []Pull
}

// Count returns the number of findings of severity s.
func (res *Result) Count(s finding.Severity) int {
	n := 0
	for _, f := range res.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// UsageError is a problem with the options or the credential; the CLI exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// EncryptionError is a failure of encryption or of a key service; the CLI exits 3.
type EncryptionError struct{ Err error }

func (e *EncryptionError) Error() string { return e.Err.Error() }
func (e *EncryptionError) Unwrap() error { return e.Err }

type run struct {
	opts    Options
	part    part
	t       *tree.Tree
	res     *Result
	kustoms []yamledit.Edit // edits to the root kustomization
	used    map[string]bool // the registries some workload pulls from
	// ksops is set when the tree decrypts with KSOPS; ksopsFiles are the Secret files (relative
	// to the root kustomization, slash-separated) to add to its generator.
	ksops      bool
	ksopsFiles []string
	// hosts are each namespace's host forms besides the registries (judge.NamespaceDecision.Hosts).
	hosts map[string][]string
}

// writes reports whether the run writes (render, patch) rather than only reads (check).
func (r *run) writes() bool { return r.opts.Mode != Check }

// add records a finding, its severity resolved for the run; a quiet one is dropped (the
// action or the refusal that follows says it).
func (r *run) add(f finding.Finding) {
	f.Resolve(r.writes())
	if f.Severity != finding.Quiet {
		r.res.Findings = append(r.res.Findings, f)
	}
}

// blocked reports whether the run writes and found a problem: it will write nothing, so it
// need not encrypt anything either.
func (r *run) blocked() bool {
	return r.writes() && r.res.Count(finding.Problem) > 0
}

// part is what one directory's run of a Plan takes from the others.
type part struct {
	// helmNamespaces are the release namespaces of the selected HelmReleases that the
	// directory applies: each needs the Secret there, as a workload would.
	helmNamespaces []string
	// ofMany is set when the run is one of several: Plan reports unused registries.
	ofMany bool
	// cache shares the files read between the runs.
	cache *tree.Cache
	// flux is set for the run of a Flux Kustomization: kustomize-controller decrypts the
	// Secret itself, and runs no kustomize plugin.
	flux bool
	// argo is the Argo CD Application source whose run it is; nil for none.
	argo *argocd.Target
	// deployerPatches names the patches the deployer appends to the root's (those of an
	// Overlay's Adjust), for messages.
	deployerPatches string
}

// plan computes the run of one directory, opts.Dir, with what the other runs of its Plan
// give it.
func plan(opts Options, p part) (*run, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Display == nil {
		opts.Display = func(s string) string { return s }
	}
	if opts.Kinds == nil {
		opts.Kinds = manifest.NewKinds()
	}
	if opts.Encrypter == nil {
		opts.Encrypter = noEncrypter{}
	}
	// ServiceAccounts are read in every mode: a workload that lists no pull secrets gets those
	// of the ServiceAccount it runs as.
	opts.Kinds = opts.Kinds.With(manifest.ServiceAccountKind)
	if len(opts.Registries) == 0 {
		return nil, &UsageError{Msg: "no --registry given"}
	}
	if err := secret.ValidateName(opts.SecretName); err != nil {
		return nil, &UsageError{Msg: "--secret-name: " + err.Error()}
	}
	for _, ns := range opts.Namespaces {
		if err := manifest.ValidateNamespace(ns); err != nil {
			return nil, &UsageError{Msg: "--namespace: " + err.Error()}
		}
	}
	if !opts.Expires.IsZero() && !opts.Now().Before(opts.Expires) {
		return nil, &UsageError{Msg: fmt.Sprintf("--expires %s is in the past: give the expiry of a credential that is still valid", opts.Expires.UTC().Format(time.RFC3339))}
	}
	// The documents that matter: those that may pull from the registries (and, through the
	// kinds, the ServiceAccounts pods pull through), and the Secrets of the name.
	interest := tree.Interest{Registries: opts.Registries, Names: []string{opts.SecretName}}
	t, err := tree.Load(opts.Dir, tree.Options{MaxFileSize: opts.MaxFileSize, Kinds: opts.Kinds, Display: opts.Display,
		Interest: interest, Overlay: opts.Overlay, Cache: p.cache})
	if err != nil {
		return nil, err
	}
	r := &run{opts: opts, part: p, t: t, res: &Result{Roots: []string{opts.Dir}}}
	if r.ksops, err = r.usesKSOPS(); err != nil {
		return nil, err
	}
	for _, w := range t.Warnings {
		r.add(w)
	}
	occ := r.occurrences()
	d := judge.Decide(occ.Occurrences, r.settings())
	r.hosts = map[string][]string{}
	for _, nd := range d.Namespaces {
		r.hosts[nd.Namespace] = nd.Hosts
	}
	r.res.Repositories, r.res.Recorded = r.repositories(d), r.recorded(occ)
	needs, targets, err := r.workloads(occ, d)
	if err != nil {
		return nil, err
	}
	if err := r.patchFiles(needs); err != nil {
		return nil, err
	}
	if err := r.patchExternal(targets); err != nil {
		return nil, err
	}
	if opts.Mode != Patch {
		if err := r.secrets(occ, d); err != nil {
			return nil, err
		}
	}
	if err := r.finishKSOPS(); err != nil {
		return nil, err
	}
	if opts.Mode == Check {
		r.res.Pulls = r.pulls(occ, d)
	}
	if err := r.finishKustomization(); err != nil {
		return nil, err
	}
	if i, err := verifyChanges(r.res.Changes); err != nil {
		return nil, fmt.Errorf("internal error: the new %s does not parse (%v); nothing was written", opts.Display(r.res.Changes[i].Path), err)
	}
	sort.Slice(r.res.Changes, func(i, j int) bool { return r.res.Changes[i].Path < r.res.Changes[j].Path })
	return r, nil
}

// noEncrypter is the Encrypter of a run that was given none.
type noEncrypter struct{}

func (noEncrypter) Keys(string, secret.Recipients) (secret.Keys, error) {
	return nil, errors.New("no encrypter: this build of acrgen cannot encrypt")
}

// Write writes a planned result under the tree's exclusive lock: only files that still hold
// what Plan read, all or nothing (see [tree.Lock.WriteAll]).
func Write(ctx context.Context, lk *tree.Lock, res *Result) error {
	ws := make([]tree.Write, 0, len(res.Changes))
	for _, c := range res.Changes {
		ws = append(ws, tree.Write{Path: c.Path, Data: c.New, Mode: c.Mode, Old: c.Old, Created: c.Created})
	}
	return lk.WriteAll(ctx, ws)
}

func (r *run) display(p string) string { return r.opts.Display(p) }

// readFile reads a file acrgen may rewrite with the loader's checks: size, symlinks, regular
// file. A missing file's error matches fs.ErrNotExist.
func (r *run) readFile(path string) ([]byte, fs.FileMode, error) {
	return tree.ReadFile(r.t.Root, path, tree.Options{MaxFileSize: r.opts.MaxFileSize, Display: r.opts.Display})
}

// object is the finding object of an instance: its kind and name as written, in its effective
// namespace.
func object(inst tree.Instance) finding.Object {
	res := inst.Resource
	return finding.Object{APIVersion: res.APIVersion, Kind: res.Kind, Namespace: inst.Namespace, Name: res.Name}
}

// describe names an instance in a message argument.
func describe(inst tree.Instance) string { return object(inst).String() }

// occurrences is what the run gathered from the tree for judge.Decide, with the instances
// and generated Secrets that its IDs stand for.
type occurrences struct {
	judge.Occurrences
	// secrets[i] is the Secret of Occurrences.Secrets[i]: an instance, or nil for one a
	// secretGenerator makes.
	secrets []*tree.Instance
}

// occurrences gathers the workloads, ServiceAccounts and pull Secrets of the tree (with
// judge.Gather). IDs index r.t.Instances.
func (r *run) occurrences() occurrences {
	objs := make([]judge.Object, len(r.t.Instances))
	for i := range r.t.Instances {
		inst := &r.t.Instances[i]
		objs[i] = judge.Object{ID: i, Res: inst.Resource, Namespace: inst.Namespace, PodSpecs: podUses(inst.PodSpecs),
			ImageFields: inst.ImageFields, Outside: !inst.File.InRoot}
	}
	o := occurrences{Occurrences: judge.Gather(objs, r.opts.SecretName)}
	o.Namespaces = r.part.helmNamespaces
	for _, sec := range o.Secrets {
		o.secrets = append(o.secrets, &r.t.Instances[sec.ID])
	}
	for _, g := range r.t.Generated {
		if g.Name == r.opts.SecretName {
			o.Secrets = append(o.Secrets, judge.ExistingSecret{ID: -1, Namespace: g.Namespace, Generated: true})
			o.secrets = append(o.secrets, nil)
		}
	}
	return o
}

// settingsFor are the run's settings for judging the Secret of namespace ns: its host forms
// included.
func (r *run) settingsFor(ns string) judge.DecideSettings {
	return judge.NamespaceDecision{Hosts: r.hosts[ns]}.Settings(r.settings())
}

// podUses are what judge.Decide needs of an instance's pod specs: their effective images and
// pull secrets.
func podUses(specs []tree.PodSpec) []judge.PodUse {
	if len(specs) == 0 {
		return nil
	}
	out := make([]judge.PodUse, len(specs))
	for i, ps := range specs {
		out[i] = judge.NewPodUse(ps.Spec, ps.Images, ps.Secrets)
	}
	return out
}

// settings are the run's settings for judge.Decide. The CLI decrypts an existing Secret to
// compare it (see syncFile), and can encrypt its content again for other keys.
func (r *run) settings() judge.DecideSettings {
	s := judge.DecideSettings{
		Registries: r.opts.Registries, SecretName: r.opts.SecretName, Namespaces: r.opts.Namespaces,
		ServiceAccount: r.opts.ServiceAccount, Now: r.opts.Now(), ExpiryWarning: r.opts.ExpiryWarning,
		Credential: judge.No, ReEncrypt: true,
	}
	if c := r.opts.Credential; c != nil {
		s.Credential, s.Username, s.Expires = judge.Yes, c.Username, r.opts.Expires
	}
	return s
}

// workloads applies the decisions on pod specs and ServiceAccounts: it returns the pod specs
// to edit in place and the patch targets for workloads from outside the root.
func (r *run) workloads(occ occurrences, d judge.Decisions) (map[*yaml.Node]bool, []external, error) {
	if err := r.unplaced(d); err != nil {
		return nil, nil, err
	}
	w := &wanted{needs: map[*yaml.Node]bool{}, seen: map[string]bool{}}
	for _, pd := range d.Pods {
		inst := r.t.Instances[pd.ID]
		ps := inst.PodSpecs[pd.PodSpec]
		for _, f := range judge.PodFindings(pd, ps.Spec.Path()) {
			r.add(r.locate(f, inst, ps.Spec.Node.Line))
		}
		if pd.Action == judge.PodPatch || pd.Action == judge.PodPatchOwnSecrets {
			missing := func(from string) finding.Finding {
				return judge.MissingPullSecret(pd, ps.Spec.Path(), from, r.opts.SecretName)
			}
			if err := r.require(w, inst, ps, missing); err != nil {
				return nil, nil, err
			}
		}
	}
	r.used = map[string]bool{}
	for _, reg := range d.Used {
		r.used[reg] = true
	}
	for _, us := range judge.GroupUnchecked(d.Unchecked) {
		r.add(r.locate(judge.UncheckedFinding(us), r.t.Instances[us[0].ID], us[0].Field.Line))
	}
	for _, reg := range r.opts.Registries {
		if !r.used[reg] && !r.part.ofMany {
			r.add(noWorkloadIn(r.t.Root, r.display(r.t.Root), reg, ""))
		}
	}
	if err := r.serviceAccounts(w, occ, d); err != nil {
		return nil, nil, err
	}
	return w.needs, w.targets, nil
}

// locate puts a finding about an instance at its file and line.
func (r *run) locate(f finding.Finding, inst tree.Instance, line int) finding.Finding {
	f.File, f.Line, f.Object = inst.File.Path, line, object(inst)
	return f
}

// unplaced reports the resources whose effective namespace is no namespace name (a ${VAR} that
// nothing substituted, a typo): a warning for each that acrgen leaves out of its verdict, and
// an input error, for check too, for the first that it would have to edit or place the Secret
// beside (acrgen names Secret files after namespaces; it cannot tell which one). A namespace
// that a kustomization's namespace: field gives is named there; the loader warned about the
// field once, for every resource it places.
func (r *run) unplaced(d judge.Decisions) error {
	at := func(id int, reason string) *tree.InputError {
		inst := r.t.Instances[id]
		if inst.NamespaceFile != "" {
			return &tree.InputError{Path: r.display(inst.NamespaceFile), Line: inst.NamespaceLine, Msg: fmt.Sprintf("%s %s (%s): namespace %s", finding.Quote(inst.Resource.Kind), finding.Quote(inst.Resource.Name), r.display(inst.File.Path), reason)}
		}
		return &tree.InputError{Path: r.display(inst.File.Path), Line: namespaceLine(inst), Msg: fmt.Sprintf("%s %s: metadata.namespace %s", finding.Quote(inst.Resource.Kind), finding.Quote(inst.Resource.Name), reason)}
	}
	for _, pd := range d.Pods {
		if pd.Action == judge.PodBadNamespace {
			return at(pd.ID, pd.Reason)
		}
	}
	for _, u := range d.Unplaced {
		if u.Blocks {
			return at(u.ID, u.Reason)
		}
		if inst := r.t.Instances[u.ID]; inst.NamespaceFile == "" {
			r.add(r.locate(judge.UnplacedFinding(u), inst, namespaceLine(inst)))
		}
	}
	return nil
}

// namespaceLine is the line of an instance's metadata.namespace, else of the instance.
func namespaceLine(inst tree.Instance) int {
	if n := manifest.MapValue(manifest.MapValue(inst.Resource.Node, "metadata"), "namespace"); n != nil {
		return n.Line
	}
	return inst.Resource.Node.Line
}

// wanted collects the pod specs (or ServiceAccounts) that must list the secret.
type wanted struct {
	needs   map[*yaml.Node]bool // in files under the root: edited in place
	targets []external          // from outside the root: patched
	seen    map[string]bool
}

// require records that a pod spec (or ServiceAccount) of an instance, which judge.Decide
// found lacking the secret, must list it; missing makes the finding that says so (from: the
// file of a workload from outside the root). A pod spec in the root that cannot be edited in
// place (see manifest.PodSpec.Shared) is an input error, in check too.
func (r *run) require(w *wanted, inst tree.Instance, tps tree.PodSpec, missing func(from string) finding.Finding) error {
	f := missing("")
	ps := tps.Spec
	if inst.File.InRoot && ps.Shared != "" {
		return &tree.InputError{Path: r.display(inst.File.Path), Line: ps.SharedLine, Msg: describe(inst) + ": " + ps.SharedError().Msg}
	}
	if tps.EditLost && tps.RootPatchLost {
		lost := finding.New(finding.PullSecretOverridden, ps.Path(), strings.Join(r.opts.Registries, ", "), r.display(r.t.Kustomization.Path), r.opts.SecretName)
		if tps.DeployerPatchLost {
			lost = finding.New(finding.DeployerPatchOverrides, ps.Path(), strings.Join(r.opts.Registries, ", "), r.part.deployerPatches, r.opts.SecretName)
		}
		lost.Field = f.Field
		r.add(r.locate(lost, inst, ps.Node.Line))
		return nil
	}
	if inst.File.InRoot && !tps.EditLost {
		if !w.needs[ps.Node] {
			w.needs[ps.Node] = true
			f.Fixed = r.writes() // patchFiles edits it
			r.add(r.locate(f, inst, ps.Node.Line))
		}
		return nil
	}
	// The patch lists what the pod spec lists after the patches on the way, and the secret.
	t := manifest.PatchTarget{APIVersion: inst.Resource.APIVersion, Kind: inst.Resource.Kind, Name: inst.PatchName, Namespace: inst.PatchNamespace, Path: ps.Kind.Path, Secrets: append(append([]string(nil), tps.Secrets...), r.opts.SecretName)}
	key := strings.Join([]string{t.APIVersion, t.Kind, t.Namespace, t.Name, ps.Path()}, "\x00")
	if !w.seen[key] {
		w.seen[key] = true
		at := r.t.Root
		if r.t.Kustomization != nil {
			at = r.t.Kustomization.Path
		}
		f = r.locate(missing(r.display(inst.File.Path)), inst, 0)
		f.File = at
		w.targets = append(w.targets, external{target: t, finding: f})
	}
	return nil
}

// serviceAccounts requires the secret on each ServiceAccount that matching workloads run as.
func (r *run) serviceAccounts(w *wanted, occ occurrences, d judge.Decisions) error {
	for _, ad := range d.Accounts {
		user := describe(r.t.Instances[d.Pods[ad.User].ID])
		for _, a := range ad.Accounts {
			inst := r.t.Instances[occ.ServiceAccounts[a.Index].ID]
			if !a.Patch {
				continue
			}
			missing := func(from string) finding.Finding { return judge.MissingAccountSecret(user, from, r.opts.SecretName) }
			if err := r.require(w, inst, inst.PodSpecs[0], missing); err != nil {
				return err
			}
		}
	}
	return nil
}

// external is a workload from outside the root that needs the patch file, and the finding
// that says so.
type external struct {
	target  manifest.PatchTarget
	finding finding.Finding
}

func (r *run) patchFiles(needs map[*yaml.Node]bool) error {
	if len(needs) == 0 || r.opts.Mode == Check {
		return nil
	}
	paths := make([]string, 0, len(r.t.Files))
	for p, f := range r.t.Files {
		if f.InRoot {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	// Each file is planned on its own, on every core; the results are taken in path order.
	changes := make([]*FileChange, len(paths))
	errs := make([]error, len(paths))
	tree.ForEach(len(paths), func(i int) error {
		f := r.t.Files[paths[i]]
		edits, err := manifest.PlanPatch(f.Manifest, r.opts.Kinds, func(_ manifest.Resource, ps manifest.PodSpec) bool { return needs[ps.Node] }, r.opts.SecretName)
		if err == nil && len(edits) > 0 {
			var out []byte
			if out, err = yamledit.Apply(f.Manifest.Src.Bytes(), edits); err == nil {
				changes[i] = &FileChange{Path: paths[i], Old: f.Manifest.Src.Bytes(), New: out, Mode: f.Mode, proven: yamledit.Proven(edits)}
			}
		}
		errs[i] = err
		return nil
	})
	for i, p := range paths {
		if errs[i] != nil {
			return &tree.InputError{Path: r.display(p), Msg: errs[i].Error()}
		}
		if changes[i] != nil {
			r.res.Changes = append(r.res.Changes, *changes[i])
		}
	}
	return nil
}

// patchFileName is the patch file acrgen owns in the root kustomization's directory.
func (r *run) patchFileName() string { return r.opts.SecretName + ".patch.yaml" }

func (r *run) patchExternal(exts []external) error {
	if len(exts) == 0 {
		return nil
	}
	targets := make([]manifest.PatchTarget, len(exts))
	for i, e := range exts {
		targets[i] = e.target
	}
	k := r.t.Kustomization
	if k == nil {
		return &tree.InputError{Path: r.display(r.t.Root), Msg: fmt.Sprintf("has no kustomization.yaml, but %s %s from outside it needs the secret: add a kustomization.yaml so acrgen can patch it", finding.Quote(exts[0].target.Kind), finding.Quote(exts[0].target.Name))}
	}
	name := r.patchFileName()
	path := filepath.Join(r.t.Root, name)
	old, _, err := r.readFile(path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if exists && !strings.HasPrefix(string(old), manifest.PatchHeader) {
		return &tree.InputError{Path: r.display(path), Msg: "exists and was not written by acrgen; move it away or choose another --secret-name"}
	}
	if exists {
		kept, err := r.keptPatchTargets(old, targets)
		if err != nil {
			return &tree.InputError{Path: r.display(path), Msg: "reading the patches acrgen wrote earlier: " + err.Error()}
		}
		targets = append(targets, kept...)
	}
	// check needs what the patch file would hold only to compare it with one that exists.
	var want []byte
	if exists || r.writes() {
		if want, err = manifest.PatchDocuments(targets); err != nil {
			return err
		}
	}
	listed := false
	for _, p := range k.K.Patches {
		if filepath.Clean(p.Path) == name {
			listed = true
		}
	}
	//lint:ignore SA1019 users still write the deprecated field, and kustomize still applies it
	for _, p := range k.K.PatchesStrategicMerge {
		if filepath.Clean(string(p)) == name {
			listed = true
		}
	}
	if exists && string(old) == string(want) && listed {
		return nil // the patch already covers every one of them
	}
	for _, e := range exts {
		e.finding.Fixed = r.writes() // by the patch file
		r.add(e.finding)
	}
	if !r.writes() {
		return nil
	}
	if string(old) != string(want) {
		r.res.Changes = append(r.res.Changes, FileChange{Path: path, Old: old, New: want, Created: !exists, Mode: 0o644})
	}
	if !listed {
		style := yamledit.SeqStyleOf(k.Src, k.Doc, "resources", yamledit.CompactSeq)
		e, err := yamledit.AppendListItem(k.Src, k.Doc, "patches", yamledit.ListItem{Key: "path", Value: name}, style)
		if err != nil {
			return &tree.InputError{Path: r.display(k.Path), Msg: err.Error()}
		}
		r.kustoms = append(r.kustoms, e)
	}
	return nil
}

// keptPatchTargets returns the entries of the existing patch file that this run did not
// compute but that still patch a workload the root gets from outside: entries from runs for
// other namespaces or registries. They are kept, so runs add up as in-place edits do.
func (r *run) keptPatchTargets(old []byte, targets []manifest.PatchTarget) ([]manifest.PatchTarget, error) {
	prev, err := manifest.ParsePatchDocuments(old)
	if err != nil {
		return nil, err
	}
	id := func(apiVersion, kind, ns, name, path string) string {
		return strings.Join([]string{apiVersion, kind, ns, name, path}, "\x00")
	}
	have := map[string]bool{}
	for _, t := range targets {
		have[id(t.APIVersion, t.Kind, t.Namespace, t.Name, strings.Join(t.Path, "."))] = true
	}
	exists := map[string]bool{}
	for _, inst := range r.t.Instances {
		for _, ps := range inst.PodSpecs {
			if inst.File.InRoot && !ps.EditLost {
				continue
			}
			exists[id(inst.Resource.APIVersion, inst.Resource.Kind, inst.PatchNamespace, inst.PatchName, ps.Spec.Path())] = true
		}
	}
	var kept []manifest.PatchTarget
	for _, t := range prev {
		key := id(t.APIVersion, t.Kind, t.Namespace, t.Name, strings.Join(t.Path, "."))
		if !have[key] && exists[key] {
			kept = append(kept, t)
		}
	}
	return kept, nil
}

func (r *run) finishKustomization() error {
	if len(r.kustoms) == 0 {
		return nil
	}
	k := r.t.Kustomization
	out, err := yamledit.Apply(k.Src.Bytes(), r.kustoms)
	if err != nil {
		return &tree.InputError{Path: r.display(k.Path), Msg: "adding to the kustomization: " + err.Error()}
	}
	r.res.Changes = append(r.res.Changes, FileChange{Path: k.Path, Old: k.Src.Bytes(), New: out, Mode: k.Mode, proven: yamledit.Proven(r.kustoms)})
	return nil
}

// noWorkloadIn is the warning about a registry that no workload of the directory at path
// (shown as dir) pulls from; charts names HelmReleases whose charts may ("" for none).
func noWorkloadIn(path, dir, reg, charts string) finding.Finding {
	return finding.New(finding.RegistryUnused, "in "+dir, reg, "after namespaces and images: transformers", charts).At(path, 0)
}
