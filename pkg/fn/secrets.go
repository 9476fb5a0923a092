package fn

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/judge"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// secrets applies the decisions on the pull Secret: in each namespace that needs it, an
// encrypted one already in the items that fits is kept as it is; otherwise one is created
// (or replaced) when a credential is available, and an error result says which namespaces
// lack it when not.
func (r *run) secrets(objs []*object, secrets []judge.ExistingSecret, d judge.Decisions) {
	for i, sec := range secrets {
		for _, f := range judge.SecretFindings(sec, d.Secrets[i], r.cfg.SecretName) {
			r.report(objs[sec.ID], f)
		}
	}
	for _, nd := range d.Namespaces {
		if nd.Secret < 0 {
			// A run that found a problem fails (kpt and kustomize write nothing of it): it
			// encrypts nothing.
			if !r.blocked() && r.createSecret(nd, nil, "") {
				continue
			}
			if r.credential() == nil {
				r.reportConfig(judge.SecretMissingFinding(r.cfg.SecretName, nd.Namespace, nd.Servers, "no credential to create it ("+r.credWhy+")", ""), "passwordFrom")
				continue
			}
			r.report(nil, judge.SecretMissingFinding(r.cfg.SecretName, nd.Namespace, nd.Servers, "", ""))
			continue
		}
		v, sec := d.Secrets[nd.Secret], secrets[nd.Secret]
		if v.NeedsFacts() && r.opts.Encrypter != nil {
			// The verdict also depends on the Secret's keys: ask the encrypter.
			var ok bool
			if sec.SameRecipients, ok = r.sameRecipients(objs[sec.ID], nd.Namespace); !ok {
				continue
			}
			v = judge.JudgeSecret(sec, nd.Settings(r.settings))
			v.Index = nd.Secret
		}
		r.applySecret(objs, secrets, v, nd)
	}
}

// applySecret applies the verdict on the existing Secret of the namespace of nd.
func (r *run) applySecret(objs []*object, secrets []judge.ExistingSecret, v judge.SecretVerdict, nd judge.NamespaceDecision) {
	o, ns := objs[v.ID], nd.Namespace
	name := r.cfg.SecretName
	switch {
	case v.Action == judge.Keep && secrets[v.Index].Generated && !secrets[v.Index].Encrypted:
		r.stats.kept++
		r.report(o, finding.New(finding.SecretGenerated, name, ns))
	case v.Action == judge.Keep:
		r.stats.kept++
	case v.Refusal == judge.RefuseDuplicate:
		r.report(objs[secrets[v.Other].ID], judge.DuplicateFinding(v, name, ns, secretFileOf(o)))
	case v.Refusal == judge.RefuseWrongType:
		r.report(o, judge.WrongTypeFinding(secrets[v.Index], name))
	case v.Refusal == judge.RefuseInList:
		r.report(o, judge.CannotKeepFinding(v, name, ""))
	case r.credential() == nil:
		r.report(o, judge.CannotKeepFinding(v, name, "no credential to re-create it ("+r.credWhy+")"))
	default:
		if r.createSecret(nd, o, v.Why()) {
			for _, f := range judge.EncryptionFindings(v, name) {
				f.Fixed = true
				r.report(o, f)
			}
		}
	}
}

// secretFileOf is the file an item came from, "" when the orchestrator does not say.
func secretFileOf(o *object) string {
	if f := fileOf(o.item); f != nil {
		return f.Path
	}
	return ""
}

// credential returns the configured credential, reading it once. nil means none is
// available (r.credWhy says why); a source that exists but cannot be read is an error result.
func (r *run) credential() *secret.Credential {
	if r.credRead {
		return r.cred
	}
	r.credRead = true
	cred, why, err := r.readCredential()
	if err != nil {
		r.reportConfig(finding.New(finding.SecretError, r.cfg.SecretName, "reading its password", err.Error()), "passwordFrom")
		r.credWhy = "its password cannot be read"
		return nil
	}
	r.cred, r.credWhy = cred, why
	return cred
}

// sameRecipients asks the encrypter whether an encrypted Secret is encrypted for the
// configured keys. ok is false when an error result was recorded.
func (r *run) sameRecipients(o *object, ns string) (same judge.Fact, ok bool) {
	file := secretFile(o, r.cfg.SecretName, ns)
	doc, err := yaml.NewRNode(o.res.Node).String()
	if err != nil {
		r.report(o, finding.New(finding.SecretError, r.cfg.SecretName, "reading it", err.Error()))
		return judge.Unknown, false
	}
	keys, err := r.keys(file)
	yes := false
	if err == nil {
		yes, err = keys.SameRecipients([]byte(doc))
	}
	switch {
	case err != nil && r.cfg.Recipients.Empty():
		// No keys configured for it: nothing to compare with.
		return judge.Unknown, true
	case err != nil:
		r.report(o, field(finding.New(finding.SecretError, r.cfg.SecretName, "checking its recipients", err.Error()), "sops"))
		return judge.Unknown, false
	case !yes:
		return judge.No, true
	}
	return judge.Yes, true
}

// secretFile is the file of a Secret: where it came from, or where a new one goes (relative
// to the package root for kpt; the working directory decides .sops.yaml rules).
func secretFile(o *object, name, ns string) string {
	if o != nil {
		if f := fileOf(o.item); f != nil {
			return f.Path
		}
	}
	return secret.FileName(name, ns)
}

// orchestratorAnnotation reports the annotations that belong to kustomize and kpt, which a
// replaced Secret keeps. They are not part of the encrypted document: orchestrators remove
// them before writing.
func orchestratorAnnotation(k string) bool {
	for _, p := range []string{"internal.config.kubernetes.io/", "config.kubernetes.io/", "config.k8s.io/", "kustomize.config.k8s.io/"} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// createSecret encrypts a new pull Secret for the namespace of nd, with an auths entry for
// each registry and host form its workloads pull with, and adds it to the items, or puts it in
// place of old. It reports false when no credential is available (no result recorded).
func (r *run) createSecret(nd judge.NamespaceDecision, old *object, why string) bool {
	ns := nd.Namespace
	cred := r.credential()
	if cred == nil {
		return false
	}
	file := secretFile(old, r.cfg.SecretName, ns)
	ref := &object{res: manifest.Resource{APIVersion: "v1", Kind: "Secret", Name: r.cfg.SecretName, Namespace: ns}}
	if old != nil {
		ref = old
	}
	if r.opts.Encrypter == nil {
		r.report(ref, finding.New(finding.SecretError, ref.res.Name, "creating it", "this build of the function has no encrypter"))
		return true
	}
	name := r.cfg.SecretName
	if old != nil {
		name = old.res.Name // as kustomize's namePrefix/nameSuffix left it
	}
	plain, err := secret.Plaintext(secret.Spec{Name: name, Namespace: ns, Servers: judge.SecretServers(r.cfg.Registries, nd.Hosts, ""), Credential: *cred, Expires: r.cfg.Expires})
	if err != nil {
		r.report(ref, finding.New(finding.SecretError, ref.res.Name, "building it", err.Error()))
		return true
	}
	keys, err := r.keys(file)
	var enc []byte
	if err == nil {
		enc, err = keys.Encrypt(plain, r.opts.Now())
	}
	clear(plain)
	if err != nil {
		r.report(ref, field(finding.New(finding.SecretError, ref.res.Name, "encrypting it", err.Error()), "sops"))
		return true
	}
	node, err := yaml.Parse(string(enc))
	if err != nil {
		r.report(ref, finding.New(finding.SecretError, ref.res.Name, "reading it encrypted", err.Error()))
		return true
	}
	if old != nil {
		// Keep the orchestrator's annotations (file path, ids) so that kpt writes it back to
		// the same file and kustomize tracks it.
		ann := manifest.Annotations(old.res.Node)
		keys := make([]string, 0, len(ann))
		for k := range ann {
			if orchestratorAnnotation(k) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := node.PipeE(yaml.SetAnnotation(k, ann[k])); err != nil {
				r.report(ref, finding.New(finding.SecretError, ref.res.Name, "annotating it", err.Error()))
				return true
			}
		}
		r.rl.Items[old.index] = node
		r.stats.replaced++
		r.report(&object{item: node, index: old.index, res: ref.res}, judge.SecretUpdatedFinding(ref.res.Name, ns, why, ""))
		return true
	}
	if err := node.PipeE(yaml.SetAnnotation(annotationPath, file)); err != nil {
		r.report(ref, finding.New(finding.SecretError, ref.res.Name, "annotating it", err.Error()))
		return true
	}
	r.rl.Items = append(r.rl.Items, node)
	r.stats.created++
	created := judge.SecretMissingFinding(ref.res.Name, ns, nil, "", "")
	created.Fixed = true
	r.report(&object{item: node, index: len(r.rl.Items) - 1, res: ref.res}, created)
	return true
}

// keys are the keys of the Secret file: the configured recipients, else the matching
// .sops.yaml creation rule. Without any, the error names the functionConfig's fields.
func (r *run) keys(file string) (secret.Keys, error) {
	keys, err := r.opts.Encrypter.Keys(file, r.cfg.Recipients)
	var nk *secret.NoKeysError
	if errors.As(err, &nk) {
		fix := "add a .sops.yaml creation rule for " + file
		if nk.RuleWithoutKeys {
			fix = "add keys to the rule"
		}
		return nil, fmt.Errorf("no SOPS recipients for %s (%s): set age, pgp or azureKeyVault in the functionConfig, or %s", file, nk.Reason, fix)
	}
	return keys, err
}
