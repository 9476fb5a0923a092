package engine

import (
	"time"

	"github.com/acrgen/acrgen/pkg/encrypt"
)

// Encrypter finds the SOPS keys a Secret file is encrypted for. The CLI uses [SOPS]; tests
// pass a fake, so the engine's decisions are tested without keys or ciphertext.
type Encrypter interface {
	Config(path string, r encrypt.Recipients) (Sealer, error)
}

// Sealer encrypts for one file's keys: what the engine needs of an [encrypt.Config].
type Sealer interface {
	Encrypt(plain []byte, now time.Time) ([]byte, error)
	// Sync re-encrypts existing when its plaintext (or, with plain nil, its keys) changed.
	Sync(existing, plain []byte, now time.Time) ([]byte, bool, error)
	SameRecipients(info encrypt.Info) bool
}

// SOPS is the Encrypter that uses pkg/encrypt: .sops.yaml creation rules and real keys.
type SOPS struct{}

// Config returns the keys for path, from r or else the matching .sops.yaml creation rule.
func (SOPS) Config(path string, r encrypt.Recipients) (Sealer, error) {
	c, err := encrypt.ConfigFor(path, r)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return c, nil
}
