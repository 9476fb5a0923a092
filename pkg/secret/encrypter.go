package secret

import (
	"errors"
	"strings"
	"time"
)

// Recipients are the SOPS keys a Secret is encrypted for: age recipients (age1...), PGP
// fingerprints and Azure Key Vault key URLs, each entry possibly comma-separated. All empty
// means the .sops.yaml creation rule that matches the Secret's file, as the sops CLI picks it.
type Recipients struct {
	Age, PGP, AzureKV []string
}

// Empty reports whether r names no key at all (blank entries do not count).
func (r Recipients) Empty() bool {
	for _, list := range [][]string{r.Age, r.PGP, r.AzureKV} {
		for _, s := range list {
			if strings.Trim(s, ", ") != "" {
				return false
			}
		}
	}
	return true
}

// Encrypter gives the keys a pull Secret's file is encrypted for. It is the one encryption
// interface of acrgen: the CLI's engine and the KRM function take it, pkg/encrypt implements
// it with sops, cmd/acrgen wires that in, and neither front end imports sops. Its errors never
// hold plaintext.
type Encrypter interface {
	// Keys returns the keys for the Secret file at path: r, or else the .sops.yaml creation
	// rule that matches path. A *NoKeysError says that there are none.
	Keys(path string, r Recipients) (Keys, error)
}

// Keys encrypt for one file's keys.
type Keys interface {
	// Encrypt returns plain, a Secret manifest, SOPS-encrypted (values under data and
	// stringData only).
	Encrypt(plain []byte, now time.Time) ([]byte, error)
	// SameRecipients reports whether doc, a SOPS-encrypted Secret, is encrypted for exactly
	// these keys (and acrgen's sops settings).
	SameRecipients(doc []byte) (bool, error)
	// Sync decrypts existing and encrypts it again only when its plaintext differs from
	// plain, or (plain nil) when its keys are not these; changed says whether it did. An error
	// wrapping ErrNoDecryptionKey means that no available key decrypts existing.
	Sync(existing, plain []byte, now time.Time) (out []byte, changed bool, err error)
	// Source is the .sops.yaml whose creation rule chose the keys; "" when they were given.
	Source() string
}

// Decrypter decrypts a SOPS-encrypted Secret file as `sops -d` does, verifying its MAC: check
// uses it to verify a Secret's integrity (the MAC covers its plaintext metadata too) and, with
// --online, to read the credential it holds. pkg/encrypt implements it with the keys sops finds
// in the environment.
type Decrypter interface {
	// Decrypt returns doc's plaintext, which holds the password: the caller clears it after
	// use and never shows it. With local, only keys that need no network are tried (age,
	// PGP). An error wrapping ErrNoDecryptionKey: no available key decrypts it; ErrTampered:
	// it does not authenticate. Errors never hold plaintext.
	Decrypt(doc []byte, local bool) ([]byte, error)
}

// ErrNoDecryptionKey reports that no available key decrypts an existing Secret.
var ErrNoDecryptionKey = errors.New("no available key can decrypt the file")

// EncryptedFor is the part of an error wrapping ErrNoDecryptionKey that names the keys the file
// is encrypted for, as ": it is encrypted for KEYS", or "" when the error does not say. The
// keys are public names (age recipients, PGP fingerprints, key URLs).
func EncryptedFor(err error) string {
	const lead = "it is encrypted for "
	_, keys, ok := strings.Cut(err.Error(), lead)
	if !ok || !errors.Is(err, ErrNoDecryptionKey) {
		return ""
	}
	keys, _, _ = strings.Cut(keys, ";")
	return ": " + lead + keys
}

// ErrTampered reports an encrypted Secret that does not match its MAC: a value or its
// plaintext metadata was changed after it was encrypted. sops -d, and Flux, refuse it.
var ErrTampered = errors.New("it does not match its sops MAC")

// ErrNeedsNetwork reports keys that only a network service can name (an Azure Key Vault key
// without a version, whose latest version sops asks Key Vault for), in a run that stays
// offline.
var ErrNeedsNetwork = errors.New("naming the keys needs the network")

// NoKeysError is an Encrypter's answer when no recipient is given and no .sops.yaml creation
// rule supplies keys for the file; each front end says how its users give recipients.
type NoKeysError struct {
	// Path is the file that was to be encrypted; Reason says why no rule applies.
	Path, Reason string
	// RuleWithoutKeys is true when a rule matches but lists no keys.
	RuleWithoutKeys bool
}

func (e *NoKeysError) Error() string { return "cannot encrypt " + e.Path + ": " + e.Reason }
