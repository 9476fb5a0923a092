package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

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
	// Every Secret of that name is reported, needed or not.
	for _, ns := range sortedKeys(byNS) {
		for _, inst := range byNS[ns] {
			r.describeSecret(inst)
		}
	}
	var missing []string
	for _, ns := range sortedKeys(needed) {
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

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
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
		covered := map[string]bool{}
		for _, s := range strings.Split(reg, ",") {
			covered[strings.TrimSpace(s)] = true
		}
		for _, want := range r.opts.Registries {
			if !covered[want] && r.opts.Mode == Check {
				r.res.Problems = append(r.res.Problems, fmt.Sprintf("%s: Secret %s holds credentials for %s, not for %s", where, inst.Resource.Name, reg, want))
			}
		}
	}
	if u := ann[render.AnnotationUsername]; u != "" {
		desc += ", username " + u
	}
	if e := ann[render.AnnotationExpires]; e != "" {
		desc += ", expires " + e
		if t, err := time.Parse(time.RFC3339, e); err == nil {
			switch now := r.opts.Now(); {
			case now.After(t):
				r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("%s: the credential in Secret %s expired on %s: rotate it (acrgen provision --rotate)", where, inst.Resource.Name, e))
			case now.Add(30 * 24 * time.Hour).After(t):
				r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("%s: the credential in Secret %s expires on %s: rotate it soon", where, inst.Resource.Name, e))
			}
		}
	}
	r.res.Notes = append(r.res.Notes, desc)
	if !render.SopsEncrypted(md) && r.opts.Mode == Check {
		r.res.Problems = append(r.res.Problems, fmt.Sprintf("%s: Secret %s is not SOPS-encrypted: its credential is in plain text", where, inst.Resource.Name))
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
	if ns == "" || r.secretSpecNamespaceless() {
		return r.opts.SecretName + ".enc.yaml"
	}
	return r.opts.SecretName + "." + ns + ".enc.yaml"
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
	if old, err := os.ReadFile(path); err == nil {
		// A Secret file from an earlier run that never made it into resources: reuse it.
		if err := r.syncFile(path, old, ns, 0o644); err != nil {
			return err
		}
		return r.listResource(path)
	}
	if r.opts.Mode == Check || r.opts.Credential == nil {
		*missing = append(*missing, ns)
		return nil
	}
	cfg, err := encrypt.ConfigFor(path, r.opts.Recipients)
	if err != nil {
		return &UsageError{Msg: err.Error()}
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
	r.res.Changes = append(r.res.Changes, FileChange{Path: path, New: enc, Created: true, Mode: 0o644})
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
	if len(f.Manifest.Docs) != 1 {
		if r.opts.Credential != nil && r.opts.Mode == Render {
			return &tree.InputError{Path: r.display(f.Path), Msg: fmt.Sprintf("Secret %s shares this file with other documents; acrgen re-encrypts whole files: move it to a file of its own", r.opts.SecretName)}
		}
		return nil
	}
	if r.opts.Credential == nil && r.opts.Mode == Render {
		covered := map[string]bool{}
		for _, s := range strings.Split(render.Annotations(inst.Resource.Node)[render.AnnotationRegistry], ",") {
			covered[strings.TrimSpace(s)] = true
		}
		for _, want := range r.opts.Registries {
			if !covered[want] {
				return &UsageError{Msg: fmt.Sprintf("%s: Secret %s does not hold credentials for %s: give the credential (--username with --password-stdin, --password-file or ACRGEN_PASSWORD) to add it", r.display(f.Path), r.opts.SecretName, want)}
			}
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
	cfg, err := encrypt.ConfigFor(path, r.opts.Recipients)
	if err != nil {
		return &UsageError{Msg: err.Error()}
	}
	info, err := encrypt.Inspect(old)
	if err != nil {
		return &tree.InputError{Path: r.display(path), Msg: err.Error()}
	}
	var oldAnn map[string]string
	if m, err := render.ParseManifest(old); err == nil && len(m.Docs) == 1 {
		oldAnn = render.Annotations(m.Docs[0])
	}
	var out []byte
	changed := false
	switch {
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
		r.res.Changes = append(r.res.Changes, FileChange{Path: path, Old: old, New: out, Mode: mode})
		r.res.Actions = append(r.res.Actions, fmt.Sprintf("%s: Secret %s%s updated", r.display(path), r.opts.SecretName, nsSuffix(ns)))
	}
	return nil
}
