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
	"github.com/acrgen/acrgen/pkg/encrypt"
	"github.com/acrgen/acrgen/pkg/render"
)

// secrets applies the verdicts on the pull Secrets: every effective namespace that needs one
// gets one, encrypted, holding the current credential; the ones that exist are described, and
// checked.
func (r *run) secrets(occ occurrences, d render.Decisions) error {
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
				Msg: fmt.Sprintf("Secret %s %s; acrgen re-encrypts whole files: move it to a file of its own", inst.Resource.Name, why)}
		}
		r.describeSecret(inst, d.Secrets[i])
	}
	var missing []string
	servers := map[string][]string{} // of the namespaces missing the Secret
	for _, nd := range d.Namespaces {
		ns := nd.Namespace
		if nd.Secret < 0 {
			servers[ns] = nd.Servers
			if err := r.createSecret(ns, &missing); err != nil {
				return err
			}
			continue
		}
		v, inst := d.Secrets[nd.Secret], occ.secrets[nd.Secret]
		switch {
		case inst == nil:
			r.res.Notes = append(r.res.Notes, fmt.Sprintf("Secret %s%s is made by a secretGenerator: kept as it is", r.opts.SecretName, nsSuffix(ns)))
		case v.Refusal == render.RefuseDuplicate:
			msg := fmt.Sprintf("%s and %s: two Secrets named %s in %s: keep one", r.display(inst.File.Path), r.display(occ.secrets[v.Other].File.Path), r.opts.SecretName, nsList([]string{ns}))
			if r.opts.Mode == Check {
				r.res.Problems = append(r.res.Problems, msg)
				continue
			}
			return &UsageError{Msg: msg}
		case !inst.File.InRoot:
			r.res.Notes = append(r.res.Notes, fmt.Sprintf("Secret %s%s comes from %s, outside the directory: kept as it is", r.opts.SecretName, nsSuffix(ns), r.display(inst.File.Path)))
		default:
			f := inst.File
			if err := r.syncFile(f.Path, f.Manifest.Src.Bytes(), ns, f.Mode, occ.Secrets[nd.Secret], v); err != nil {
				return err
			}
		}
	}
	if len(missing) > 0 {
		if r.opts.Mode == Check {
			for _, ns := range missing {
				where := nsSuffix(ns)
				if ns == "" {
					where = " in the default namespace"
				}
				why := ""
				if servers := servers[ns]; len(servers) > 0 {
					why = ", where workloads pull from " + strings.Join(servers, ", ")
				}
				r.res.Problems = append(r.res.Problems, fmt.Sprintf("no Secret %s%s%s", r.opts.SecretName, where, why))
			}
			return nil
		}
		return &UsageError{Msg: fmt.Sprintf("Secret %s is needed in %s and no credential was given: pass --username with --password-stdin, --password-file or ACRGEN_PASSWORD (or run acrgen provision)", r.opts.SecretName, nsList(missing))}
	}
	return nil
}

func nsSuffix(ns string) string {
	if ns == "" {
		return ""
	}
	return " in namespace " + ns
}

func nsList(nss []string) string {
	out := make([]string, len(nss))
	for i, ns := range nss {
		if ns == "" {
			ns = "the default namespace"
		} else {
			ns = "namespace " + ns
		}
		out[i] = ns
	}
	return strings.Join(out, ", ")
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

// describeSecret reports a Secret from its plaintext parts only, and flags what render.Decide
// found wrong with it: not encrypted, not covering every registry, expired.
func (r *run) describeSecret(inst tree.Instance, v render.SecretVerdict) {
	where := r.display(inst.File.Path)
	ann := render.Annotations(inst.Resource.Node)
	desc := fmt.Sprintf("Secret %s%s (%s)", inst.Resource.Name, nsSuffix(inst.Namespace), where)
	if reg := ann[render.AnnotationRegistry]; reg != "" {
		desc += ": registry " + reg
		for _, want := range v.Missing {
			if r.opts.Mode == Check {
				r.res.Problems = append(r.res.Problems, fmt.Sprintf("%s: Secret %s holds credentials for %s, not for %s", where, inst.Resource.Name, reg, want))
			}
		}
	}
	if u := ann[render.AnnotationUsername]; u != "" {
		desc += ", username " + u
	}
	if c := ann[render.AnnotationCredential]; c != "" {
		desc += ", credential " + c
	}
	if e := ann[render.AnnotationExpires]; e != "" {
		desc += ", expires " + e
		// An expired credential fails check; elsewhere it is worth a warning.
		failing := &r.res.Warnings
		if r.opts.Mode == Check {
			failing = &r.res.Problems
		}
		if f, ok := v.Has(render.FindingExpiryUnreadable); ok {
			*failing = append(*failing, fmt.Sprintf("%s: Secret %s: annotation %s: %s", where, inst.Resource.Name, render.AnnotationExpires, f.Msg))
		}
		if _, ok := v.Has(render.FindingExpired); ok {
			*failing = append(*failing, fmt.Sprintf("%s: the credential in Secret %s expired on %s: rotate it (acrgen provision --rotate)", where, inst.Resource.Name, e))
		}
		if _, ok := v.Has(render.FindingExpiresSoon); ok {
			r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("%s: the credential in Secret %s expires on %s: rotate it soon", where, inst.Resource.Name, e))
		}
	}
	r.res.Notes = append(r.res.Notes, desc)
	if r.opts.Mode == Check {
		for _, f := range v.Findings {
			if f.Kind == render.FindingNotEncrypted || f.Kind == render.FindingMalformed {
				r.res.Problems = append(r.res.Problems, fmt.Sprintf("%s: Secret %s: %s", where, inst.Resource.Name, f.Msg))
			}
		}
	}
}

// secretSpec is the Secret acrgen wants in namespace ns. It serves the configured registries
// and keeps serving those the existing Secret (with annotations old) served: workloads may
// still pull from them.
func (r *run) secretSpec(ns string, old map[string]string) render.SecretSpec {
	field := ns
	if r.t.Kustomization != nil && r.t.Kustomization.K.Namespace != "" {
		field = "" // the root kustomization's namespace: sets it
	}
	servers := append([]string(nil), r.opts.Registries...)
	for _, s := range render.SplitList([]string{old[render.AnnotationRegistry]}) {
		servers = render.AppendUnique(servers, s)
	}
	return render.SecretSpec{Name: r.opts.SecretName, Namespace: field, Servers: servers, Credential: *r.opts.Credential, Expires: r.opts.Expires, CredentialID: r.opts.CredentialID}
}

// secretFileName is where a new Secret for ns goes.
func (r *run) secretFileName(ns string) string {
	if r.secretSpecNamespaceless() {
		ns = ""
	}
	return render.SecretFileName(r.opts.SecretName, ns)
}

func (r *run) secretSpecNamespaceless() bool {
	return r.t.Kustomization != nil && r.t.Kustomization.K.Namespace != ""
}

func (r *run) createSecret(ns string, missing *[]string) error {
	if root := r.t.RootNamespace; root != "" && ns != root {
		// A component of the root sets a namespace that some workloads do not end in.
		msg := fmt.Sprintf("Secret %s is needed in %s, but %s and its components put every resource it lists in namespace %s: add the Secret yourself to a kustomization whose resources end in %s", r.opts.SecretName, nsList([]string{ns}), r.display(r.t.Kustomization.Path), root, nsList([]string{ns}))
		if r.opts.Mode == Check {
			r.res.Problems = append(r.res.Problems, msg)
			return nil
		}
		return &UsageError{Msg: msg}
	}
	path := filepath.Join(r.t.Root, r.secretFileName(ns))
	if old, mode, err := r.readFile(path); err == nil {
		// A Secret file from an earlier run that never made it into resources: reuse it.
		sec, err := r.leftoverSecret(path, old, ns)
		if err != nil {
			return err
		}
		if err := r.syncFile(path, old, ns, mode, sec, render.JudgeSecret(sec, r.settings())); err != nil {
			return err
		}
		return r.listResource(path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if r.opts.Mode == Check || r.opts.Credential == nil {
		*missing = append(*missing, ns)
		return nil
	}
	cfg, err := r.opts.Encrypter.Config(path, r.opts.Recipients)
	if err != nil {
		return &UsageError{Msg: err.Error() + keysHint(err)}
	}
	plain, err := render.Secret(r.secretSpec(ns, nil))
	if err != nil {
		return &UsageError{Msg: err.Error()}
	}
	defer clear(plain)
	enc, err := cfg.Encrypt(plain, r.opts.Now())
	if err != nil {
		return &EncryptionError{Err: fmt.Errorf("encrypting %s: %w", r.display(path), err)}
	}
	r.res.Changes = append(r.res.Changes, FileChange{Path: path, New: enc, Created: true, Mode: 0o644, secret: r.secretKey(ns, nil)})
	r.res.Actions = append(r.res.Actions, fmt.Sprintf("%s: new encrypted Secret %s%s%s", r.display(path), r.opts.SecretName, nsSuffix(ns), r.recipientsFrom(cfg)))
	return r.listResource(path)
}

// listResource adds a file of the root directory to the root kustomization's resources.
func (r *run) listResource(path string) error {
	k := r.t.Kustomization
	if k == nil {
		return nil // a plain directory: every file in it is a resource
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
	if r.opts.Mode == Check {
		r.res.Problems = append(r.res.Problems, fmt.Sprintf("%s: %s is not listed under resources", r.display(k.Path), rel))
		return nil
	}
	style := render.SeqStyleOf(k.Src, k.Doc, "resources", render.CompactSeq)
	e, err := render.AppendListItem(k.Src, k.Doc, "resources", render.ListItem{Value: rel}, style)
	if err != nil {
		return &tree.InputError{Path: r.display(k.Path), Msg: err.Error()}
	}
	r.kustoms = append(r.kustoms, e)
	return nil
}

// leftoverSecret reads a Secret file that an earlier run wrote but never listed.
func (r *run) leftoverSecret(path string, old []byte, ns string) (render.ExistingSecret, error) {
	m, err := render.ParseManifest(old)
	if err == nil && len(m.Docs) != 1 {
		err = fmt.Errorf("holds %d YAML documents, not one Secret", len(m.Docs))
	}
	if err != nil {
		return render.ExistingSecret{}, &tree.InputError{Path: r.display(path), Msg: err.Error()}
	}
	return render.NewExistingSecret(-1, ns, m.Docs[0]), nil
}

// syncFile applies the verdict v on an existing Secret file, once what only decrypting can
// tell is known: it rewrites the file only when something it holds changed (the no-churn
// rule).
func (r *run) syncFile(path string, old []byte, ns string, mode os.FileMode, sec render.ExistingSecret, v render.SecretVerdict) error {
	if v.Refusal == render.RefuseWrongType {
		msg := fmt.Sprintf("%s: Secret %s is of type %q, not %s: choose another --secret-name, or remove it", r.display(path), r.opts.SecretName, sec.Type, render.SecretType)
		if r.opts.Mode == Check {
			r.res.Problems = append(r.res.Problems, msg)
			return nil
		}
		return &UsageError{Msg: msg}
	}
	if r.opts.Mode == Check {
		return nil
	}
	if v.Action == render.Refuse {
		return r.refuse(path, v)
	}
	cfg, err := r.opts.Encrypter.Config(path, r.opts.Recipients)
	if err != nil {
		return &UsageError{Msg: err.Error() + keysHint(err)}
	}
	oldAnn := sec.Annotations
	var plain []byte // the Secret wanted, when a credential was given
	if r.opts.Credential != nil {
		if plain, err = render.Secret(r.secretSpec(ns, oldAnn)); err != nil {
			return &UsageError{Msg: err.Error()}
		}
		defer clear(plain)
	}
	var synced []byte // the file brought up to date by decrypting it
	if sec.Encrypted && len(sec.Problems) == 0 {
		info, err := encrypt.Inspect(old)
		if err != nil {
			return &tree.InputError{Path: r.display(path), Msg: err.Error()}
		}
		sec.SameRecipients = render.No
		if cfg.SameRecipients(info) {
			sec.SameRecipients = render.Yes
		}
		if plain != nil {
			out, changed, err := cfg.Sync(old, plain, r.opts.Now())
			switch {
			case errors.Is(err, encrypt.ErrNoDecryptionKey):
				sec.Current = render.NoKey
			case err != nil:
				return &EncryptionError{Err: fmt.Errorf("encrypting %s: %w", r.display(path), err)}
			case changed:
				sec.Current, synced = render.Differs, out
			default:
				sec.Current = render.Same
			}
		}
		v = render.JudgeSecret(sec, r.settings())
	}
	var out []byte
	switch v.Action {
	case render.Keep:
		return nil
	case render.Refuse:
		return r.refuse(path, v)
	case render.ReEncrypt:
		if !sec.Encrypted {
			// A plaintext Secret in the tree and no credential: encrypt what is there.
			out, err = cfg.Encrypt(old, r.opts.Now())
			r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("%s: Secret %s was not encrypted; it is now", r.display(path), r.opts.SecretName))
			break
		}
		var changed bool
		out, changed, err = cfg.Sync(old, nil, r.opts.Now())
		if errors.Is(err, encrypt.ErrNoDecryptionKey) {
			return &UsageError{Msg: fmt.Sprintf("%s: the recipients changed but no key can decrypt the Secret to re-encrypt it: set SOPS_AGE_KEY_FILE (or similar), or give the credential again", r.display(path))}
		}
		if err == nil && !changed {
			return nil
		}
	case render.Replace:
		switch {
		case !sec.Encrypted:
			r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("%s: Secret %s was not encrypted; it is now", r.display(path), r.opts.SecretName))
		case len(sec.Problems) > 0:
			r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("%s: Secret %s was not well-formed sops (%s); it is re-created with the credential given", r.display(path), r.opts.SecretName, problems(v)))
		case sec.Current == render.NoKey:
			r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("%s: no key to decrypt the existing Secret and compare it (set SOPS_AGE_KEY_FILE or similar); re-encrypting it with the credential given", r.display(path)))
		}
		if out = synced; out == nil {
			out, err = cfg.Encrypt(plain, r.opts.Now())
		}
	}
	if err != nil {
		return &EncryptionError{Err: fmt.Errorf("encrypting %s: %w", r.display(path), err)}
	}
	r.res.Changes = append(r.res.Changes, FileChange{Path: path, Old: old, New: out, Mode: mode, secret: r.secretKey(ns, oldAnn)})
	r.res.Actions = append(r.res.Actions, fmt.Sprintf("%s: Secret %s%s updated%s", r.display(path), r.opts.SecretName, nsSuffix(ns), r.recipientsFrom(cfg)))
	return nil
}

// recipientsFrom says which .sops.yaml chose a Secret's recipients, when one did.
func (r *run) recipientsFrom(cfg Sealer) string {
	if src := cfg.Source(); src != "" {
		return " (recipients from " + r.display(src) + ")"
	}
	return ""
}

// refuse is the error for a Secret that must change and cannot without the credential.
func (r *run) refuse(path string, v render.SecretVerdict) error {
	give := "give the credential (--username with --password-stdin, --password-file or ACRGEN_PASSWORD)"
	switch {
	case len(v.Missing) > 0:
		return &UsageError{Msg: fmt.Sprintf("%s: Secret %s does not hold credentials for %s: %s to add it", r.display(path), r.opts.SecretName, v.Missing[0], give)}
	case problems(v) != "":
		return &UsageError{Msg: fmt.Sprintf("%s: Secret %s is not well-formed sops (%s): %s to re-create it", r.display(path), r.opts.SecretName, problems(v), give)}
	}
	return &UsageError{Msg: fmt.Sprintf("%s: Secret %s cannot be kept (%s): %s to re-create it, or run acrgen provision --rotate", r.display(path), r.opts.SecretName, v.Why(), give)}
}

// problems joins what keeps a Secret from being well-formed sops.
func problems(v render.SecretVerdict) string {
	var out []string
	for _, f := range v.Findings {
		if f.Kind == render.FindingMalformed {
			out = append(out, f.Msg)
		}
	}
	return strings.Join(out, "; ")
}

// keysHint tells CLI users how to give SOPS recipients when none were found.
func keysHint(err error) string {
	var nk *encrypt.NoKeysError
	switch {
	case !errors.As(err, &nk):
		return ""
	case nk.RuleWithoutKeys:
		return "; pass --age, --pgp or --azure-kv, or add keys to the rule"
	default:
		return "; pass --age, --pgp or --azure-kv, or add a .sops.yaml creation rule for it"
	}
}
