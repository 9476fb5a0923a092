package encrypt

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/acrgen/acrgen/pkg/settings"
	"github.com/getsops/sops/v3"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/azkv"
	"github.com/getsops/sops/v3/gcpkms"
	"github.com/getsops/sops/v3/hckms"
	"github.com/getsops/sops/v3/hcvault"
	"github.com/getsops/sops/v3/keys"
	"github.com/getsops/sops/v3/kms"
	"github.com/getsops/sops/v3/pgp"
)

// Recipients lists the keys a Secret is encrypted for. Empty means: use the .sops.yaml rule.
//
// Each entry may also hold several comma-separated values, as the sops CLI flags accept.
type Recipients struct {
	// Age lists age recipients (age1...).
	Age []string
	// PGP lists PGP key fingerprints (hex; spaces are ignored).
	PGP []string
	// AzureKV lists Azure Key Vault key URLs,
	// https://<vault>.vault.azure.net/keys/<name>/<version>. A URL without a version makes
	// ConfigFor ask Key Vault for the latest version, which needs network and Azure credentials.
	AzureKV []string
}

// Empty reports whether r names no key at all (blank entries do not count).
func (r Recipients) Empty() bool {
	return len(settings.SplitList(r.Age)) == 0 && len(settings.SplitList(r.PGP)) == 0 && len(settings.SplitList(r.AzureKV)) == 0
}

// keyGroup builds one sops key group from the recipients, in the order age, PGP, Azure Key
// Vault, without duplicates.
func (r Recipients) keyGroup() (sops.KeyGroup, error) {
	var group sops.KeyGroup
	for _, rcpt := range settings.SplitList(r.Age) {
		k, err := sopsage.MasterKeyFromRecipient(rcpt)
		if err != nil {
			return nil, fmt.Errorf("invalid age recipient %q: %w", rcpt, err)
		}
		group = append(group, k)
	}
	for _, fp := range settings.SplitList(r.PGP) {
		fp = strings.ReplaceAll(fp, " ", "")
		if !isFingerprint(fp) {
			return nil, fmt.Errorf("invalid pgp fingerprint %q: want 16, 40 or 64 hex digits", fp)
		}
		group = append(group, pgp.NewMasterKeyFromFingerprint(fp))
	}
	for _, u := range settings.SplitList(r.AzureKV) {
		k, err := azkv.NewMasterKeyFromURL(u)
		if err != nil {
			return nil, fmt.Errorf("invalid azure key vault key %q: %w", u, err)
		}
		group = append(group, k)
	}
	return dedupGroup(group), nil
}

func isFingerprint(s string) bool {
	switch len(s) {
	case 16, 40, 64:
	default:
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// dedupGroup drops keys that appear twice in a group, keeping the first.
func dedupGroup(group sops.KeyGroup) sops.KeyGroup {
	seen := map[string]bool{}
	var out sops.KeyGroup
	for _, k := range group {
		id := keyID(k)
		if !seen[id] {
			seen[id] = true
			out = append(out, k)
		}
	}
	return out
}

// keyID identifies a master key by type and public name, for comparisons. PGP fingerprints
// are compared case-insensitively.
func keyID(k keys.MasterKey) string {
	s := k.ToString()
	if k.TypeToIdentifier() == pgp.KeyTypeIdentifier {
		s = strings.ToUpper(s)
	}
	return k.TypeToIdentifier() + ":" + s
}

// groupsSignature is an order-insensitive description of key groups: the sorted key IDs of
// each group, with the groups sorted too.
func groupsSignature(groups []sops.KeyGroup) string {
	var gs []string
	for _, g := range groups {
		var ids []string
		for _, k := range g {
			ids = append(ids, keyID(k))
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		gs = append(gs, strings.Join(ids, ","))
	}
	slices.Sort(gs)
	return strings.Join(gs, ";")
}

// flatKeyIDs returns the sorted, de-duplicated key IDs of all groups.
func flatKeyIDs(groups []sops.KeyGroup) []string {
	var ids []string
	for _, g := range groups {
		for _, k := range g {
			ids = append(ids, keyID(k))
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// cloneGroups makes fresh master keys with the same identity as the given ones, so that no two
// operations (and no two files) share a key object: sops stores each file's wrapped data key
// inside the key object. No network access happens here: Azure keys are already pinned to a
// version by the time they reach a Config.
func cloneGroups(groups []sops.KeyGroup) ([]sops.KeyGroup, error) {
	out := make([]sops.KeyGroup, 0, len(groups))
	for _, g := range groups {
		ng := make(sops.KeyGroup, 0, len(g))
		for _, k := range g {
			nk, err := cloneKey(k)
			if err != nil {
				return nil, err
			}
			ng = append(ng, nk)
		}
		out = append(out, ng)
	}
	return out, nil
}

func cloneKey(k keys.MasterKey) (keys.MasterKey, error) {
	switch k := k.(type) {
	case *sopsage.MasterKey:
		nk, err := sopsage.MasterKeyFromRecipient(k.Recipient)
		if err != nil {
			return nil, fmt.Errorf("invalid age recipient %q: %w", k.Recipient, err)
		}
		return nk, nil
	case *pgp.MasterKey:
		return pgp.NewMasterKeyFromFingerprint(k.Fingerprint), nil
	case *azkv.MasterKey:
		return azkv.NewMasterKey(k.VaultURL, k.Name, k.Version), nil
	case *kms.MasterKey:
		return kms.NewMasterKeyWithProfile(k.Arn, k.Role, k.EncryptionContext, k.AwsProfile), nil
	case *gcpkms.MasterKey:
		return gcpkms.NewMasterKeyFromResourceID(k.ResourceID), nil
	case *hcvault.MasterKey:
		return hcvault.NewMasterKey(k.VaultAddress, k.EnginePath, k.KeyName), nil
	case *hckms.MasterKey:
		nk, err := hckms.NewMasterKey(k.KeyID)
		if err != nil {
			return nil, fmt.Errorf("invalid huaweicloud kms key %q: %w", k.KeyID, err)
		}
		return nk, nil
	default:
		return nil, fmt.Errorf("unsupported sops key type %q", k.TypeToIdentifier())
	}
}

// describeKeys lists the public names of the keys, for error messages.
func describeKeys(groups []sops.KeyGroup) string {
	ids := flatKeyIDs(groups)
	if len(ids) == 0 {
		return "no keys"
	}
	return strings.Join(ids, ", ")
}
