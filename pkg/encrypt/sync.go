package encrypt

import (
	"errors"
	"fmt"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/version"
)

// Sync is the no-churn rule. existing is the current encrypted file; plain the desired
// plaintext, or nil when the caller has no new credential (then only recipients or encryption
// settings may need updating).
//
//   - If existing is not SOPS-encrypted -> error.
//   - It decrypts existing with the keys sops finds in the environment (SOPS_AGE_KEY_FILE,
//     SOPS_AGE_KEY, gpg agent, Azure default credential...) and checks its MAC. If no key can
//     recover the data key, the error wraps ErrNoDecryptionKey; the caller decides.
//   - If the decrypted plaintext equals plain (same tree whatever the key order, comments
//     ignored; data[.dockerconfigjson] compared as the JSON it encodes) and the key groups,
//     shamir threshold and encryption settings (encrypted_regex, mac_only_encrypted) equal c,
//     it returns existing unchanged and changed=false. The YAML indent is not compared.
//   - If only recipients changed, the same data key is wrapped for the new key groups
//     (`sops updatekeys`): values, lastmodified and MAC are untouched; every key's enc stanza is
//     rewritten.
//   - Otherwise (values or settings changed) the data key and the cipher that decrypted the
//     file are reused (`sops edit`): unchanged values keep byte-identical ciphertext, the enc
//     stanzas stay as they are unless recipients changed too; lastmodified becomes now and the
//     MAC is recomputed.
//
// A zero now means time.Now(). Errors never contain plaintext.
func (c *Config) Sync(existing, plain []byte, now time.Time) (out []byte, changed bool, err error) {
	var desired sops.TreeBranch
	if plain != nil {
		if desired, err = loadPlain(plain); err != nil {
			return nil, false, err
		}
	}
	if _, err := c.freshGroups(); err != nil {
		return nil, false, err
	}
	o, err := open(existing, false)
	if err != nil {
		return nil, false, fmt.Errorf("existing file: %w", err)
	}
	if len(o.tree.Branches) != 1 {
		return nil, false, errors.New("existing file: want exactly one yaml document")
	}
	current := o.tree.Branches[0]

	sameValues := desired == nil || sameDocument(current, desired)
	sameSettings := c.sameSettings(o.tree.Metadata)
	sameKeys := c.sameKeyGroups(o.tree.Metadata)

	switch {
	case sameValues && sameSettings && sameKeys:
		return existing, false, nil

	case sameValues && sameSettings:
		// updatekeys: start again from the still-encrypted file.
		tree, err := newStore(0).LoadEncryptedFile(existing)
		if err != nil {
			return nil, false, fmt.Errorf("existing file: load sops file: %w", err)
		}
		if err := c.rewrapKeys(&tree.Metadata, o.key); err != nil {
			return nil, false, err
		}
		out, err := newStore(c.indent).EmitEncryptedFile(tree)
		if err != nil {
			return nil, false, errors.New("emit encrypted yaml: the sops yaml store failed")
		}
		return out, true, nil

	default:
		// edit: same data key, same cipher (its IV cache keeps unchanged values' ciphertext).
		if desired == nil {
			desired = current
		} else {
			keepEquivalent(desired, current)
		}
		o.tree.Branches = sops.TreeBranches{desired}
		c.setSettings(&o.tree.Metadata)
		o.tree.Metadata.Version = version.Version
		if !sameKeys {
			if err := c.rewrapKeys(&o.tree.Metadata, o.key); err != nil {
				return nil, false, err
			}
		}
		out, err := c.seal(&o.tree, o.key, o.cipher, now)
		if err != nil {
			return nil, false, err
		}
		return out, true, nil
	}
}

// rewrapKeys replaces m's key groups with fresh keys of c and wraps dataKey for them.
func (c *Config) rewrapKeys(m *sops.Metadata, dataKey []byte) error {
	groups, err := c.freshGroups()
	if err != nil {
		return err
	}
	m.KeyGroups = groups
	m.ShamirThreshold = c.shamir
	m.DataKey = nil
	if errs := m.UpdateMasterKeysWithKeyServices(dataKey, keyServices()); len(errs) > 0 {
		return fmt.Errorf("encrypt the data key for %s: %w", describeKeys(groups), errors.Join(errs...))
	}
	return nil
}
