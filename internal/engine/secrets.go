package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/judge"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
	"github.com/acrgen/acrgen/pkg/yamledit"
)

// secrets applies the verdicts on the pull Secrets: every effective namespace that needs one
// gets one, encrypted, holding the current credential; the ones that exist are described, and
// checked.
func (r *run) secrets(occ occurrences, d judge.Decisions) error {
	// Every Secret of that name is reported, needed or not. One that acrgen could not rewrite
	// without touching other objects is bad input, for check as for render.
	order := make([]int, 0, len(occ.secrets))
	for i, inst := range occ.secrets {
		if inst != nil {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(occ.Secrets[a].Namespace, occ.Secrets[b].Namespace) })
	for _, i := range order {
		inst := *occ.secrets[i]
		if why := sharedFile(inst); why != "" {
			return &tree.InputError{Path: r.display(inst.File.Path), Line: inst.Resource.Node.Line,
				Msg: fmt.Sprintf("Secret %s %s; acrgen re-encrypts whole files: move it to a file of its own", finding.Quote(inst.Resource.Name), why)}
		}
		r.describeSecret(inst, occ.Secrets[i], d.Secrets[i])
		r.placeSecret(inst, occ.Secrets[i])
		if !r.writes() {
			if err := r.verifySecret(inst, occ.Secrets[i]); err != nil {
				return err
			}
		}
	}
	for _, nd := range d.Namespaces {
		ns := nd.Namespace
		if nd.Secret < 0 {
			if err := r.createSecret(ns, nd.Servers); err != nil {
				return err
			}
			continue
		}
		v, inst := d.Secrets[nd.Secret], occ.secrets[nd.Secret]
		switch {
		case inst == nil:
			r.add(finding.New(finding.SecretGenerated, r.opts.SecretName, ns))
		case v.Refusal == judge.RefuseDuplicate:
			other := *occ.secrets[v.Other]
			r.add(r.locate(judge.DuplicateFinding(v, r.opts.SecretName, ns, r.display(inst.File.Path)), other, other.Resource.Node.Line))
		case !inst.File.InRoot:
			r.add(finding.New(finding.SecretOutside, r.opts.SecretName, ns, r.display(inst.File.Path)))
		default:
			f := inst.File
			if err := r.syncFile(f.Path, f.Manifest.Src.Bytes(), ns, f.Mode, occ.Secrets[nd.Secret], v); err != nil {
				return err
			}
		}
	}
	return nil
}

// sharedFile says why the file of a Secret in the root holds more than the Secret, or "" when
// the Secret is the file's only object. The documents the prefilter skipped count, so the
// answer is the same with it on and off, even when a skipped document is not valid YAML.
func sharedFile(inst tree.Instance) string {
	if !inst.File.InRoot {
		return ""
	}
	m := inst.File.Manifest
	switch {
	case len(m.Docs) != 1 || len(m.Skipped) != 0:
		return "shares this file with other documents"
	case m.Docs[0].Line != inst.Resource.Node.Line || m.Docs[0].Column != inst.Resource.Node.Column:
		return "is an item of a List"
	}
	return ""
}

// describeSecret reports a Secret from its plaintext parts only, and what judge.Decide found
// wrong with it: not encrypted, not covering every registry, expired.
func (r *run) describeSecret(inst tree.Instance, sec judge.ExistingSecret, v judge.SecretVerdict) {
	for _, f := range judge.SecretFindings(sec, v, inst.Resource.Name) {
		r.add(r.locate(f, inst, inst.Resource.Node.Line))
	}
}

// secretSpec is the Secret acrgen wants in namespace ns. It serves the configured registries
// in every host form the namespace's workloads use, and keeps serving those the existing
// Secret (with annotations old) served: workloads may still pull from them.
func (r *run) secretSpec(ns string, old map[string]string) secret.Spec {
	field := ns
	if r.secretSpecNamespaceless(ns) {
		field = ""
	}
	return secret.Spec{Name: r.opts.SecretName, Namespace: field, Servers: r.secretServers(ns, old), Credential: *r.opts.Credential, Expires: r.opts.Expires, CredentialID: r.opts.CredentialID}
}

// secretServers are the hosts the Secret of namespace ns holds entries for (see
// judge.SecretServers).
func (r *run) secretServers(ns string, old map[string]string) []string {
	return judge.SecretServers(r.opts.Registries, r.hosts[ns], old[secret.AnnotationRegistry])
}

// secretFileName is where a new Secret for ns goes.
func (r *run) secretFileName(ns string) string {
	if r.secretSpecNamespaceless(ns) {
		ns = ""
	}
	return secret.FileName(r.opts.SecretName, ns)
}

// secretSpecNamespaceless reports whether the Secret for namespace ns is written without a
// namespace, as a resource of the root without one ends in ns: the root kustomization's
// namespace: sets it, or the deployer's default namespace is ns (Argo CD's destination).
func (r *run) secretSpecNamespaceless(ns string) bool {
	if r.t.Kustomization != nil && r.t.Kustomization.K.Namespace != "" {
		return true
	}
	return ns != "" && r.opts.Overlay != nil && ns == r.opts.Overlay.DefaultNamespace
}

// createSecret writes a new Secret for namespace ns, whose workloads pull from servers, or
// reports it missing.
func (r *run) createSecret(ns string, servers []string) error {
	if root := r.t.RootNamespace; root != "" && ns != root {
		// A component of the root sets a namespace that some workloads do not end in.
		r.add(finding.New(finding.SecretNamespaceFixed, r.opts.SecretName, finding.Namespace(ns), r.display(r.t.Kustomization.Path), root).At(r.t.Kustomization.Path, 0))
		return nil
	}
	path := filepath.Join(r.t.Root, r.secretFileName(ns))
	if r.unread(path) {
		return nil
	}
	if old, mode, err := r.readFile(path); err == nil {
		// A Secret file from an earlier run that never made it into resources: reuse it.
		sec, err := r.leftoverSecret(path, old, ns)
		if err != nil {
			return err
		}
		if err := r.syncFile(path, old, ns, mode, sec, judge.JudgeSecret(sec, r.settingsFor(ns))); err != nil {
			return err
		}
		return r.listResource(path, ns)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	missing := judge.SecretMissingFinding(r.opts.SecretName, ns, servers, "", "")
	if !r.writes() || r.opts.Credential == nil || r.blocked() {
		// Not created: in check, without a credential, or in a run that writes nothing.
		at := r.t.Root // where the Secret would be listed
		if k := r.t.Kustomization; k != nil {
			at = k.Path
		}
		r.add(missing.At(at, 0))
		return nil
	}
	cfg, err := r.opts.Encrypter.Keys(path, r.opts.Recipients)
	if err != nil {
		return &UsageError{Msg: err.Error() + keysHint(err)}
	}
	plain, err := secret.Plaintext(r.secretSpec(ns, nil))
	if err != nil {
		return &UsageError{Msg: err.Error()}
	}
	defer clear(plain)
	enc, err := cfg.Encrypt(plain, r.opts.Now())
	if err != nil {
		return &EncryptionError{Err: fmt.Errorf("encrypting %s: %w", r.display(path), err)}
	}
	r.res.Changes = append(r.res.Changes, FileChange{Path: path, New: enc, Created: true, Mode: 0o644, secret: r.secretKey(ns, nil)})
	missing = judge.SecretMissingFinding(r.opts.SecretName, ns, servers, "", r.recipientsFrom(cfg))
	missing.Fixed = true
	r.add(missing.At(path, 0))
	return r.listResource(path, ns)
}

// listResource adds a file of the root directory, the Secret for namespace ns, to the root
// kustomization's resources, or, in a tree that decrypts with KSOPS, to its KSOPS generator.
func (r *run) listResource(path, ns string) error {
	k := r.t.Kustomization
	if k == nil {
		return nil // a plain directory: every file in it is a resource
	}
	if r.ksops {
		return r.listGenerated(path, ns)
	}
	rel, err := filepath.Rel(k.Dir, path)
	if err != nil {
		return err
	}
	for _, e := range k.K.Resources {
		if filepath.Clean(e) == rel {
			return nil
		}
	}
	f := finding.New(finding.SecretNotListed, rel).At(k.Path, 0)
	f.Field = "resources"
	f.Fixed = r.writes()
	r.add(f)
	if !f.Fixed {
		return nil
	}
	style := yamledit.SeqStyleOf(k.Src, k.Doc, "resources", yamledit.CompactSeq)
	e, err := yamledit.AppendListItem(k.Src, k.Doc, "resources", yamledit.ListItem{Value: rel}, style)
	if err != nil {
		return &tree.InputError{Path: r.display(k.Path), Msg: err.Error()}
	}
	r.kustoms = append(r.kustoms, e)
	return nil
}

// leftoverSecret reads a Secret file that an earlier run wrote but never listed.
func (r *run) leftoverSecret(path string, old []byte, ns string) (judge.ExistingSecret, error) {
	m, err := manifest.Parse(old)
	if err == nil && len(m.Docs) != 1 {
		err = fmt.Errorf("holds %d YAML documents, not one Secret", len(m.Docs))
	}
	if err != nil {
		return judge.ExistingSecret{}, &tree.InputError{Path: r.display(path), Msg: err.Error()}
	}
	return judge.NewExistingSecret(-1, ns, m.Docs[0]), nil
}

// syncFile applies the verdict v on an existing Secret file, once what only decrypting can
// tell is known: it rewrites the file only when something it holds changed (the no-churn
// rule).
func (r *run) syncFile(path string, old []byte, ns string, mode os.FileMode, sec judge.ExistingSecret, v judge.SecretVerdict) error {
	at := func(f finding.Finding) finding.Finding {
		if f.Object.IsZero() {
			f.Object = judge.SecretObject(r.opts.SecretName, ns)
		}
		return f.At(path, 0)
	}
	if v.Refusal == judge.RefuseWrongType {
		f := judge.WrongTypeFinding(sec, r.opts.SecretName)
		r.add(at(f))
		return nil
	}
	if !r.writes() || r.blocked() {
		return nil
	}
	if v.Action == judge.Refuse {
		r.add(at(judge.CannotKeepFinding(v, r.opts.SecretName, "")))
		return nil
	}
	cfg, err := r.opts.Encrypter.Keys(path, r.opts.Recipients)
	if err != nil {
		return &UsageError{Msg: err.Error() + keysHint(err)}
	}
	oldAnn := sec.Annotations
	var plain []byte // the Secret wanted, when a credential was given
	if r.opts.Credential != nil {
		if plain, err = secret.Plaintext(r.secretSpec(ns, oldAnn)); err != nil {
			return &UsageError{Msg: err.Error()}
		}
		defer clear(plain)
	}
	var synced []byte // the file brought up to date by decrypting it
	if v.NeedsFacts() {
		same, err := cfg.SameRecipients(old)
		if err != nil {
			return &tree.InputError{Path: r.display(path), Msg: err.Error()}
		}
		sec.SameRecipients = judge.No
		if same {
			sec.SameRecipients = judge.Yes
		}
		if plain != nil {
			out, changed, err := cfg.Sync(old, plain, r.opts.Now())
			switch {
			case errors.Is(err, secret.ErrNoDecryptionKey):
				sec.Current = judge.NoKey
			case err != nil:
				return &EncryptionError{Err: fmt.Errorf("encrypting %s: %w", r.display(path), err)}
			case changed:
				sec.Current, synced = judge.Differs, out
			default:
				sec.Current = judge.Same
			}
		}
		v = judge.JudgeSecret(sec, r.settingsFor(ns))
	}
	var out []byte
	updated := judge.SecretUpdatedFinding(r.opts.SecretName, ns, "", r.recipientsFrom(cfg))
	switch v.Action {
	case judge.Keep:
		return nil
	case judge.Refuse:
		r.add(at(judge.CannotKeepFinding(v, r.opts.SecretName, "")))
		return nil
	case judge.ReEncrypt:
		if !sec.Encrypted {
			// A plaintext Secret in the tree and no credential: encrypt what is there.
			out, err = cfg.Encrypt(old, r.opts.Now())
			r.fixed(at, v)
			break
		}
		var changed bool
		out, changed, err = cfg.Sync(old, nil, r.opts.Now())
		if errors.Is(err, secret.ErrNoDecryptionKey) {
			r.add(at(judge.CannotKeepFinding(v, r.opts.SecretName, "no key can decrypt it to re-encrypt it for the new recipients (set SOPS_AGE_KEY_FILE or similar)")))
			return nil
		}
		if err == nil && !changed {
			return nil
		}
		updated = finding.New(finding.SecretReEncrypted, r.opts.SecretName, ns).On(updated.Object, "sops")
	case judge.Replace:
		r.fixed(at, v)
		if sec.Encrypted && len(sec.Problems) == 0 && sec.Current == judge.NoKey {
			r.add(at(finding.New(finding.SecretCompareNoKey, r.opts.SecretName)))
		}
		if out = synced; out == nil {
			out, err = cfg.Encrypt(plain, r.opts.Now())
		}
	}
	if err != nil {
		return &EncryptionError{Err: fmt.Errorf("encrypting %s: %w", r.display(path), err)}
	}
	r.res.Changes = append(r.res.Changes, FileChange{Path: path, Old: old, New: out, Mode: mode, secret: r.secretKey(ns, oldAnn)})
	r.add(at(updated))
	return nil
}

// recipientsFrom is the .sops.yaml that chose a Secret's recipients, as shown to the user;
// "" when the flags gave them.
func (r *run) recipientsFrom(keys secret.Keys) string {
	if src := keys.Source(); src != "" {
		return r.display(src)
	}
	return ""
}

// fixed reports the encryption problems of a Secret that the run re-encrypts or re-creates.
func (r *run) fixed(at func(finding.Finding) finding.Finding, v judge.SecretVerdict) {
	for _, f := range judge.EncryptionFindings(v, r.opts.SecretName) {
		f.Fixed = true
		r.add(at(f))
	}
}

// keysHint tells CLI users how to give SOPS recipients when none were found.
func keysHint(err error) string {
	var nk *secret.NoKeysError
	switch {
	case !errors.As(err, &nk):
		return ""
	case nk.RuleWithoutKeys:
		return "; pass --age, --pgp or --azure-kv, or add keys to the rule"
	default:
		return "; pass --age, --pgp or --azure-kv, or add a .sops.yaml creation rule for it"
	}
}
