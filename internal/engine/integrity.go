package engine

import (
	"errors"
	"strings"

	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/judge"
	"github.com/acrgen/acrgen/pkg/secret"
)

// verifySecret is what check verifies of an encrypted, well-formed pull Secret beyond its
// plaintext: that it is encrypted for the recipients that the applicable .sops.yaml rule (or
// the recipients given) names now, and, when a key at hand decrypts it (an age or PGP key; with
// Options.Online, any key sops can use), that it matches its MAC as sops -d would verify it. What it could not verify is a note, which check's verdict
// names. An error is a .sops.yaml that cannot be loaded, as for render.
func (r *run) verifySecret(inst tree.Instance, sec judge.ExistingSecret) error {
	if !sec.Encrypted || len(sec.Problems) > 0 || sec.Generated {
		return nil // reported from its plaintext already
	}
	name := inst.Resource.Name
	at := func(f finding.Finding, field string) {
		f.Field = field
		r.add(r.locate(f, inst, inst.Resource.Node.Line))
	}
	doc, ok := secretDocument(inst)
	if !ok {
		at(finding.New(finding.SecretUnverified, name, "it shares its file with other documents, which sops -d would read as one"), "sops.mac")
		return nil
	}
	if err := r.verifyRecipients(inst, doc, at); err != nil {
		return err
	}
	if r.opts.Decrypter == nil {
		return nil
	}
	plain, err := r.opts.Decrypter.Decrypt(doc, !r.opts.Online)
	clear(plain)
	keys := "no age or PGP key here decrypts it"
	if r.opts.Online {
		keys = "no key here decrypts it"
	}
	switch {
	case err == nil:
	case errors.Is(err, secret.ErrNoDecryptionKey):
		at(finding.New(finding.SecretUnverified, name, keys+secret.EncryptedFor(err)), "sops.mac")
	default:
		at(finding.New(finding.SecretTampered, name, strings.TrimPrefix(err.Error(), "decrypt: ")), "sops.mac")
	}
	return nil
}

// verifyRecipients reports a Secret that is encrypted for other recipients than those its
// file's keys name now (no finding when nothing names any: no rule applies and none were
// given).
func (r *run) verifyRecipients(inst tree.Instance, doc []byte, at func(finding.Finding, string)) error {
	keys, err := r.opts.Encrypter.Keys(inst.File.Path, r.opts.Recipients)
	var nk *secret.NoKeysError
	switch {
	case errors.As(err, &nk):
		return nil
	case errors.Is(err, secret.ErrNeedsNetwork):
		at(finding.New(finding.RecipientsUnchecked, inst.Resource.Name, err.Error()), "sops")
		return nil
	case err != nil:
		return &UsageError{Msg: err.Error()}
	}
	same, err := keys.SameRecipients(doc)
	if err != nil {
		return &tree.InputError{Path: r.display(inst.File.Path), Line: inst.Resource.Node.Line, Msg: err.Error()}
	}
	if !same {
		source := "--age, --pgp and --azure-kv"
		if s := r.recipientsFrom(keys); s != "" {
			source = s
		}
		at(finding.New(finding.SecretRecipientsChanged, inst.Resource.Name, source), "sops")
	}
	return nil
}

// secretDocument is the encrypted Secret as sops -d would read it: the bytes of its file, when
// the Secret is the file's one document.
func secretDocument(inst tree.Instance) ([]byte, bool) {
	m := inst.File.Manifest
	if len(m.Docs) != 1 || len(m.Skipped) != 0 {
		return nil, false
	}
	return m.Src.Bytes(), true
}
