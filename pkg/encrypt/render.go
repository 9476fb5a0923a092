package encrypt

import (
	"errors"
	"fmt"
	"time"

	"github.com/acrgen/acrgen/pkg/secret"
)

// SOPS is acrgen's [secret.Encrypter]: the keys [ConfigFor] finds (the recipients given, or the
// matching .sops.yaml creation rule) and sops itself. cmd/acrgen gives it to the engine and to
// the KRM function.
type SOPS struct {
	// Top is where the search for .sops.yaml stops (see [ConfigFor]); "" means the filesystem
	// root, as for the sops CLI.
	Top string
}

var _ secret.Encrypter = SOPS{}

// Keys returns the keys of the Secret file at path.
func (s SOPS) Keys(path string, r secret.Recipients) (secret.Keys, error) {
	c, err := ConfigFor(path, s.Top, Recipients{Age: r.Age, PGP: r.PGP, AzureKV: r.AzureKV})
	var nk *NoKeysError
	if errors.As(err, &nk) {
		return nil, &secret.NoKeysError{Path: nk.Path, Reason: nk.Reason, RuleWithoutKeys: nk.RuleWithoutKeys}
	}
	if err != nil {
		return nil, err
	}
	return fileKeys{c}, nil
}

// fileKeys are a Config as [secret.Keys].
type fileKeys struct{ c *Config }

func (k fileKeys) Encrypt(plain []byte, now time.Time) ([]byte, error) {
	return k.c.Encrypt(plain, now)
}

func (k fileKeys) SameRecipients(doc []byte) (bool, error) {
	info, err := Inspect(doc)
	if err != nil {
		return false, err
	}
	return k.c.SameRecipients(info), nil
}

func (k fileKeys) Sync(existing, plain []byte, now time.Time) ([]byte, bool, error) {
	out, changed, err := k.c.Sync(existing, plain, now)
	if errors.Is(err, ErrNoDecryptionKey) {
		err = fmt.Errorf("%w: %w", secret.ErrNoDecryptionKey, err)
	}
	return out, changed, err
}

func (k fileKeys) Source() string { return k.c.Source() }
