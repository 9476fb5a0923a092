package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/encrypt"
	"github.com/acrgen/acrgen/pkg/render"
)

// secrets makes sure every effective namespace that needs the pull Secret has one, encrypted,
// holding the current credential, and checks the ones that exist.
func (r *run) secrets(needed map[string]bool) error {
	byNS := map[string][]tree.Instance{}
	for _, inst := range r.t.Instances {
		res := inst.Resource
		if res.Kind != "Secret" || res.APIVersion != "v1" || res.Name != r.opts.SecretName {
			continue
		}
		byNS[inst.Namespace] = append(byNS[inst.Namespace], inst)
	}
	generated := map[string]bool{}
	for _, g := range r.t.Generated {
		if g.Name == r.opts.SecretName {
			generated[g.Namespace] = true
		}
	}
	// Every Secret of that name is reported, needed or not. One that acrgen could not rewrite
	// without touching other objects is bad input, for check as for render.
	for _, ns := range slices.Sorted(maps.Keys(byNS)) {
		for _, inst := range byNS[ns] {
			if why := sharedFile(inst); why != "" {
				return &tree.InputError{Path: r.display(inst.File.Path), Line: inst.Resource.Node.Line,
					Msg: fmt.Sprintf("Secret %s %s; acrgen re-encrypts whole files: move it to a file of its own", inst.Resource.Name, why)}
			}
			r.describeSecret(inst)
		}
	}
	var missing []string
	for _, ns := range slices.Sorted(maps.Keys(needed)) {
		switch {
		case len(byNS[ns]) > 0:
			inst := byNS[ns][0]
			if !inst.File.InRoot {
				r.res.Notes = append(r.res.Notes, fmt.Sprintf("Secret %s%s comes from %s, outside the directory: kept as it is", r.opts.SecretName, nsSuffix(ns), r.display(inst.File.Path)))
				continue
			}
			if err := r.syncSecret(inst, ns); err != nil {
				return err
			}
		case generated[ns]:
			r.res.Notes = append(r.res.Notes, fmt.Sprintf("Secret %s%s is made by a secretGenerator: kept as it is", r.opts.SecretName, nsSuffix(ns)))
		default:
			if err := r.createSecret(ns, &missing); err != nil {
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
				r.res.Problems = append(r.res.Problems, fmt.Sprintf("no Secret %s%s, where workloads pull from %s", r.opts.SecretName, where, strings.Join(r.opts.Registries, ", ")))
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

// describeSecret reports a Secret from its plaintext parts only, and flags one that is not
// encrypted or does not cover every registry.
func (r *run) describeSecret(inst tree.Instance) {
	where := r.display(inst.File.Path)
	md := inst.Resource.Node
	ann := render.Annotations(md)
	desc := fmt.Sprintf("Secret %s%s (%s)", inst.Resource.Name, nsSuffix(inst.Namespace), where)
	if reg := ann[render.AnnotationRegistry]; reg != "" {
		desc += ": registry " + reg
		for _, want := range render.MissingRegistries(reg, r.opts.Registries) {
			if r.opts.Mode == Check {
				r.res.Problems = append(r.res.Problems, fmt.Sprintf("%s: Secret %s holds credentials for %s, not for %s", where, inst.Resource.Name, reg, want))
			}
		}
	}
	if u := ann[render.AnnotationUsername]; u != "" {
		desc += ", username " + u
	}
	if e := ann[render.AnnotationExpires]; e != "" {
		desc += ", expires " + e
		// An expired credential fails check; elsewhere it is worth a warning.
		failing := &r.res.Warnings
		if r.opts.Mode == Check {
			failing = &r.res.Problems
		}
		switch st, err := render.CheckExpiry(e, r.opts.Now(), r.opts.ExpiryWarning); {
		case err != nil:
			*failing = append(*failing, fmt.Sprintf("%s: Secret %s: annotation %s: %v", where, inst.Resource.Name, render.AnnotationExpires, err))
		case st == render.ExpiryPast:
			*failing = append(*failing, fmt.Sprintf("%s: the credential in Secret %s expired on %s: rotate it (acrgen provision --rotate)", where, inst.Resource.Name, e))
		case st == render.ExpirySoon:
			r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("%s: the credential in Secret %s expires on %s: rotate it soon", where, inst.Resource.Name, e))
		}
	}
	r.res.Notes = append(r.res.Notes, desc)
	if r.opts.Mode == Check {
		for _, p := range render.SecretEncryptionProblems(md) {
			r.res.Problems = append(r.res.Problems, fmt.Sprintf("%s: Secret %s: %s", where, inst.Resource.Name, p.Msg))
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
	return render.SecretSpec{Name: r.opts.SecretName, Namespace: field, Servers: servers, Credential: *r.opts.Credential, Expires: r.opts.Expires}
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
		if err := r.syncFile(path, old, ns, mode); err != nil {
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
	r.res.Actions = append(r.res.Actions, fmt.Sprintf("%s: new encrypted Secret %s%s", r.display(path), r.opts.SecretName, nsSuffix(ns)))
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

func (r *run) syncSecret(inst tree.Instance, ns string) error {
	f := inst.File
	if r.opts.Credential == nil && r.opts.Mode == Render {
		if missing := render.MissingRegistries(render.Annotations(inst.Resource.Node)[render.AnnotationRegistry], r.opts.Registries); len(missing) > 0 {
			return &UsageError{Msg: fmt.Sprintf("%s: Secret %s does not hold credentials for %s: give the credential (--username with --password-stdin, --password-file or ACRGEN_PASSWORD) to add it", r.display(f.Path), r.opts.SecretName, missing[0])}
		}
	}
	return r.syncFile(f.Path, f.Manifest.Src.Bytes(), ns, f.Mode)
}

// syncFile brings an existing Secret file up to date, rewriting it only when something it
// holds changed (the no-churn rule).
func (r *run) syncFile(path string, old []byte, ns string, mode os.FileMode) error {
	if r.opts.Mode == Check {
		return nil
	}
	cfg, err := r.opts.Encrypter.Config(path, r.opts.Recipients)
	if err != nil {
		return &UsageError{Msg: err.Error() + keysHint(err)}
	}
	var oldAnn map[string]string
	var malformed []string // what is wrong with an encrypted Secret that is not well formed
	if m, err := render.ParseManifest(old); err == nil && len(m.Docs) == 1 {
		oldAnn = render.Annotations(m.Docs[0])
		if render.MapValue(m.Docs[0], "sops") != nil {
			for _, p := range render.SecretEncryptionProblems(m.Docs[0]) {
				malformed = append(malformed, p.Msg)
			}
		}
	}
	var info encrypt.Info
	if len(malformed) == 0 {
		if info, err = encrypt.Inspect(old); err != nil {
			return &tree.InputError{Path: r.display(path), Msg: err.Error()}
		}
	}
	var out []byte
	changed := false
	switch {
	case len(malformed) > 0 && r.opts.Credential == nil:
		return &UsageError{Msg: fmt.Sprintf("%s: Secret %s is not well-formed sops (%s): give the credential (--username with --password-stdin, --password-file or ACRGEN_PASSWORD) to re-create it", r.display(path), r.opts.SecretName, strings.Join(malformed, "; "))}
	case len(malformed) > 0:
		plain, perr := render.Secret(r.secretSpec(ns, oldAnn))
		if perr != nil {
			return &UsageError{Msg: perr.Error()}
		}
		defer clear(plain)
		out, err = cfg.Encrypt(plain, r.opts.Now())
		changed = true
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("%s: Secret %s was not well-formed sops (%s); it is re-created with the credential given", r.display(path), r.opts.SecretName, strings.Join(malformed, "; ")))
	case !info.Encrypted:
		// A plaintext Secret in the tree: encrypt what is there, or the new credential.
		plain := old
		if r.opts.Credential != nil {
			if plain, err = render.Secret(r.secretSpec(ns, oldAnn)); err != nil {
				return &UsageError{Msg: err.Error()}
			}
			defer clear(plain)
		}
		out, err = cfg.Encrypt(plain, r.opts.Now())
		changed = true
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("%s: Secret %s was not encrypted; it is now", r.display(path), r.opts.SecretName))
	case r.opts.Credential != nil:
		plain, perr := render.Secret(r.secretSpec(ns, oldAnn))
		if perr != nil {
			return &UsageError{Msg: perr.Error()}
		}
		defer clear(plain)
		out, changed, err = cfg.Sync(old, plain, r.opts.Now())
		if errors.Is(err, encrypt.ErrNoDecryptionKey) {
			r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("%s: no key to decrypt the existing Secret and compare it (set SOPS_AGE_KEY_FILE or similar); re-encrypting it with the credential given", r.display(path)))
			out, err = cfg.Encrypt(plain, r.opts.Now())
			changed = true
		}
	case !cfg.SameRecipients(info):
		out, changed, err = cfg.Sync(old, nil, r.opts.Now())
		if errors.Is(err, encrypt.ErrNoDecryptionKey) {
			return &UsageError{Msg: fmt.Sprintf("%s: the recipients changed but no key can decrypt the Secret to re-encrypt it: set SOPS_AGE_KEY_FILE (or similar), or give the credential again", r.display(path))}
		}
	default:
		return nil
	}
	if err != nil {
		return &EncryptionError{Err: fmt.Errorf("encrypting %s: %w", r.display(path), err)}
	}
	if changed {
		r.res.Changes = append(r.res.Changes, FileChange{Path: path, Old: old, New: out, Mode: mode, secret: r.secretKey(ns, oldAnn)})
		r.res.Actions = append(r.res.Actions, fmt.Sprintf("%s: Secret %s%s updated", r.display(path), r.opts.SecretName, nsSuffix(ns)))
	}
	return nil
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
