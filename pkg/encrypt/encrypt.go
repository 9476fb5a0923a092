package encrypt

import (
	"errors"
	"fmt"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/keyservice"
	"github.com/getsops/sops/v3/logging"
	"github.com/getsops/sops/v3/pgp"
	"github.com/getsops/sops/v3/version"
	"github.com/sirupsen/logrus"
)

func init() {
	// sops loggers write warnings and info to stderr; acrgen prints nothing of sops' own.
	logging.SetLevel(logrus.ErrorLevel)
}

// ErrNoDecryptionKey reports that no available key could decrypt an existing file.
var ErrNoDecryptionKey = errors.New("no available key can decrypt the file")

// ErrIntegrity reports a file that does not authenticate: a value or the MAC that does not
// decrypt with its data key, or values (encrypted or not) that do not match the MAC. sops -d
// refuses such a file, and so does Flux.
var ErrIntegrity = errors.New("the file does not match its MAC: it was changed after it was encrypted")

// keyServices is where sops encrypts and decrypts data keys: in this process, with the keys it
// finds in the environment.
func keyServices() []keyservice.KeyServiceClient {
	return []keyservice.KeyServiceClient{keyservice.NewLocalClient()}
}

// Encrypt encrypts one plaintext YAML document (a Secret) held in memory, for the keys of c,
// with a new random data key. now is used for sops lastmodified (a zero now means time.Now()).
//
// Only values under data and stringData are encrypted. The input must be exactly one YAML
// mapping without a top-level sops key. Encrypting for Azure Key Vault (or any KMS) calls the
// key service over the network here.
func (c *Config) Encrypt(plain []byte, now time.Time) ([]byte, error) {
	doc, err := loadPlain(plain)
	if err != nil {
		return nil, err
	}
	groups, err := c.freshGroups()
	if err != nil {
		return nil, err
	}
	tree := sops.Tree{
		Branches: sops.TreeBranches{doc},
		Metadata: sops.Metadata{
			KeyGroups:       groups,
			ShamirThreshold: c.shamir,
			Version:         version.Version,
		},
	}
	c.setSettings(&tree.Metadata)
	key, errs := tree.GenerateDataKeyWithKeyServices(keyServices())
	if len(errs) > 0 {
		return nil, fmt.Errorf("encrypt the data key for %s: %w", describeKeys(groups), errors.Join(errs...))
	}
	return c.seal(&tree, key, aes.NewCipher(), now)
}

// seal encrypts tree's (plaintext) values in place with key and cipher, sets lastmodified and
// the MAC, and emits the file.
func (c *Config) seal(tree *sops.Tree, key []byte, cipher aes.Cipher, now time.Time) ([]byte, error) {
	if now.IsZero() {
		now = time.Now()
	}
	mac, err := tree.Encrypt(key, cipher)
	if err != nil {
		// The sops message can quote a value; it is withheld.
		return nil, errors.New("encrypt values: sops could not encrypt a value under data or stringData (unsupported value type?)")
	}
	tree.Metadata.LastModified = now.UTC()
	tree.Metadata.MessageAuthenticationCode, err = cipher.Encrypt(mac, key, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return nil, errors.New("encrypt mac: sops could not encrypt the mac")
	}
	out, err := newStore(c.indent).EmitEncryptedFile(*tree)
	if err != nil {
		return nil, errors.New("emit encrypted yaml: the sops yaml store failed")
	}
	return out, nil
}

// opened is a decrypted file: its tree (values in plaintext), data key and the cipher that
// decrypted it, whose IV cache lets unchanged values keep their ciphertext on re-encryption.
type opened struct {
	tree   sops.Tree
	key    []byte
	cipher aes.Cipher
}

// open decrypts an encrypted YAML file with the keys sops finds in the environment and checks
// its MAC. With local, only the keys that need no network are tried: age and PGP; a file only
// a key service (Azure Key Vault, a cloud KMS, Vault) can open gives ErrNoDecryptionKey. Errors
// never contain values.
func open(enc []byte, local bool) (*opened, error) {
	info, err := Inspect(enc)
	if err != nil {
		return nil, err
	}
	if !info.Encrypted {
		return nil, errors.New("the file is not sops-encrypted (no top-level sops block with a mac)")
	}
	tree, err := newStore(0).LoadEncryptedFile(enc)
	if err != nil {
		return nil, fmt.Errorf("load sops file: %w", err)
	}
	meta := tree.Metadata
	if local {
		meta.KeyGroups = localKeys(meta.KeyGroups)
	}
	key, err := meta.GetDataKeyWithKeyServices(keyServices(), sops.DefaultDecryptionOrder)
	if err != nil {
		// The sops error lists every key source it tried and their errors, which can quote
		// key-loading details; it is withheld.
		return nil, fmt.Errorf("%w: it is encrypted for %s; make one of these keys available (for age: SOPS_AGE_KEY_FILE or SOPS_AGE_KEY)",
			ErrNoDecryptionKey, describeKeys(tree.Metadata.KeyGroups))
	}
	cipher := aes.NewCipher()
	mac, err := tree.Decrypt(key, cipher)
	if err != nil {
		// The sops message quotes the offending value, which may be plaintext: withheld.
		return nil, fmt.Errorf("decrypt values: %w: a value that should be encrypted is not valid sops ciphertext, or does not authenticate (was it edited by hand or patched in plaintext?)", ErrIntegrity)
	}
	stored, err := cipher.Decrypt(tree.Metadata.MessageAuthenticationCode, key, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return nil, fmt.Errorf("decrypt mac: %w: the sops mac is invalid or does not match lastmodified", ErrIntegrity)
	}
	if s, ok := stored.(string); !ok || s != mac {
		return nil, fmt.Errorf("mac mismatch: %w", ErrIntegrity)
	}
	return &opened{tree: tree, key: key, cipher: cipher}, nil
}

// Decrypt decrypts an encrypted YAML document with the keys sops finds in the environment and
// verifies its MAC, like `sops decrypt`; used by tests and by acrgen to compare. The plaintext
// is emitted with the sops default indent (4). If no key is available the error wraps
// ErrNoDecryptionKey. Errors never include plaintext.
func Decrypt(enc []byte) ([]byte, error) {
	return decrypt(enc, false)
}

// decrypt is Decrypt, with only the keys that need no network when local (see open).
func decrypt(enc []byte, local bool) ([]byte, error) {
	o, err := open(enc, local)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	out, err := newStore(0).EmitPlainFile(o.tree.Branches)
	if err != nil {
		return nil, errors.New("decrypt: the sops yaml store could not emit the plaintext")
	}
	return out, nil
}

// localKeys are the keys of groups that decrypt without the network: age identities and PGP
// keys (through gpg). Each group is kept, possibly empty, so that a shamir threshold still
// counts groups.
func localKeys(groups []sops.KeyGroup) []sops.KeyGroup {
	out := make([]sops.KeyGroup, len(groups))
	for i, g := range groups {
		for _, k := range g {
			switch k.(type) {
			case *sopsage.MasterKey, *pgp.MasterKey:
				out[i] = append(out[i], k)
			}
		}
	}
	return out
}
