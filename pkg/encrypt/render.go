package encrypt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/acrgen/acrgen/pkg/secret"
	"github.com/acrgen/acrgen/pkg/settings"
)

// SOPS is acrgen's [secret.Encrypter]: the keys [ConfigFor] finds (the recipients given, or the
// matching .sops.yaml creation rule) and sops itself. cmd/acrgen gives it to the engine and to
// the KRM function.
type SOPS struct {
	// Top is where the search for .sops.yaml stops (see [ConfigFor]); "" means the filesystem
	// root, as for the sops CLI.
	Top string
	// Offline makes Keys refuse, rather than ask Azure Key Vault, when the keys name a Key
	// Vault key without a version: sops resolves its latest version over the network. A plain
	// check stays offline.
	Offline bool
}

// Decrypt decrypts a Secret file as `sops -d` does, MAC verified, with the keys sops finds in
// the environment; with local, only age and PGP keys. Errors wrap [secret.ErrNoDecryptionKey]
// when no key decrypts it and [secret.ErrTampered] when it does not authenticate.
func (s SOPS) Decrypt(doc []byte, local bool) ([]byte, error) {
	plain, err := decrypt(doc, local)
	switch {
	case errors.Is(err, ErrNoDecryptionKey):
		err = also{err, secret.ErrNoDecryptionKey}
	case errors.Is(err, ErrIntegrity):
		err = also{err, secret.ErrTampered}
	}
	return plain, err
}

// also is err, matching target too (errors.Is), worded as err alone.
type also struct{ err, target error }

func (a also) Error() string   { return a.err.Error() }
func (a also) Unwrap() []error { return []error{a.err, a.target} }

var (
	_ secret.Encrypter = SOPS{}
	_ secret.Decrypter = SOPS{}
)

// Keys returns the keys of the Secret file at path. With Offline set, keys that only the
// network can name are an error wrapping [secret.ErrNeedsNetwork] (see [SOPS.Offline]).
func (s SOPS) Keys(path string, r secret.Recipients) (secret.Keys, error) {
	rc := Recipients{Age: r.Age, PGP: r.PGP, AzureKV: r.AzureKV}
	if s.Offline {
		if err := offline(path, s.Top, rc); err != nil {
			return nil, err
		}
	}
	c, err := ConfigFor(path, s.Top, rc)
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

// versionless matches an Azure Key Vault key URL without a version, the form sops resolves to
// the key's latest version by asking Key Vault (azkv.NewMasterKeyFromURL).
var versionless = regexp.MustCompile(`^https://[^/]+/keys/[^/]+/?$`)

// azureKeyVaultLine is a .sops.yaml creation rule's azure_keyvault: list (comma-separated URLs).
var azureKeyVaultLine = regexp.MustCompile(`(?m)^\s*-?\s*azure_keyvault:\s*["']?([^"'#\n]*)`)

// offline returns an error wrapping secret.ErrNeedsNetwork when the keys of the file at path
// (the recipients r, else the .sops.yaml that ConfigFor would load) name an Azure Key Vault key
// without a version. Key groups (azure_kv: entries with vaultUrl, key, version) never need
// the network to be named.
func offline(path, top string, r Recipients) error {
	urls := settings.SplitList(r.AzureKV)
	source := "--azure-kv"
	if r.Empty() {
		abs, err := filepath.Abs(path)
		if err != nil {
			return err
		}
		conf, err := findSopsConfig(abs, top)
		if err != nil || conf == "" {
			return err
		}
		b, err := os.ReadFile(conf)
		if err != nil {
			return err
		}
		for _, m := range azureKeyVaultLine.FindAllStringSubmatch(string(b), -1) {
			urls = append(urls, settings.SplitList([]string{m[1]})...)
		}
		source = conf
	}
	for _, u := range urls {
		if versionless.MatchString(strings.TrimSpace(u)) {
			return fmt.Errorf("%w: %s names Azure Key Vault key %s without a version, which only Key Vault can resolve", secret.ErrNeedsNetwork, source, strings.TrimSpace(u))
		}
	}
	return nil
}
