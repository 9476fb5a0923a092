package encrypt

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/acrgen/acrgen/pkg/settings"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/azkv"
	"github.com/getsops/sops/v3/pgp"
	"go.yaml.in/yaml/v3"
)

// Info is what can be read from an encrypted file without decrypting it.
type Info struct {
	// Encrypted reports a top-level sops block with a non-empty mac (what Flux checks).
	Encrypted bool
	// Recipients are the age, PGP and Azure Key Vault keys in the sops metadata (all key
	// groups together). Azure keys are URLs with their version.
	Recipients Recipients
	// EncryptedRegex is the file's encrypted_regex ("" if it uses another rule).
	EncryptedRegex string
	// MACOnlyEncrypted is the file's mac_only_encrypted.
	MACOnlyEncrypted bool
	// Version is the sops version that wrote the file.
	Version string
	// LastModified is the file's sops lastmodified.
	LastModified time.Time

	// otherKeys holds the IDs of keys of other types (AWS/GCP/HuaweiCloud KMS, Vault
	// transit), so that SameRecipients sees them too.
	otherKeys []string
}

// Inspect reads Info from a (possibly) encrypted YAML document; a plain document gives
// Encrypted=false, no error. The input must be one YAML mapping. Errors never contain values.
func Inspect(doc []byte) (Info, error) {
	root, err := singleMapping(doc)
	if err != nil {
		return Info{}, err
	}
	meta := mappingValue(root, "sops")
	if meta == nil {
		return Info{}, nil
	}
	mac := mappingValue(meta, "mac")
	if meta.Kind != yaml.MappingNode || mac == nil || mac.Kind != yaml.ScalarNode || mac.Value == "" {
		return Info{}, nil
	}
	tree, err := newStore(0).LoadEncryptedFile(doc)
	if err != nil {
		return Info{}, fmt.Errorf("read sops metadata: %w", err)
	}
	m := tree.Metadata
	info := Info{
		Encrypted:        true,
		EncryptedRegex:   m.EncryptedRegex,
		MACOnlyEncrypted: m.MACOnlyEncrypted,
		Version:          m.Version,
		LastModified:     m.LastModified,
	}
	for _, g := range m.KeyGroups {
		for _, k := range g {
			switch k := k.(type) {
			case *sopsage.MasterKey:
				info.Recipients.Age = append(info.Recipients.Age, k.Recipient)
			case *pgp.MasterKey:
				info.Recipients.PGP = append(info.Recipients.PGP, k.Fingerprint)
			case *azkv.MasterKey:
				info.Recipients.AzureKV = append(info.Recipients.AzureKV, k.ToString())
			default:
				info.otherKeys = append(info.otherKeys, keyID(k))
			}
		}
	}
	return info, nil
}

// SameRecipients reports whether the file's recipients equal those of c (order-insensitive,
// key groups flattened; PGP fingerprints case-insensitive). Keys of types that Recipients
// cannot hold count too when info comes from Inspect.
func (c *Config) SameRecipients(info Info) bool {
	want := flatKeyIDs(c.groups)
	var got []string
	for _, r := range settings.SplitList(info.Recipients.Age) {
		got = append(got, sopsage.KeyTypeIdentifier+":"+r)
	}
	for _, r := range settings.SplitList(info.Recipients.PGP) {
		got = append(got, pgp.KeyTypeIdentifier+":"+strings.ToUpper(strings.ReplaceAll(r, " ", "")))
	}
	for _, r := range settings.SplitList(info.Recipients.AzureKV) {
		got = append(got, azkv.KeyTypeIdentifier+":"+r)
	}
	got = append(got, info.otherKeys...)
	slices.Sort(got)
	return slices.Equal(want, slices.Compact(got))
}
