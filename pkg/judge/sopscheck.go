package judge

import (
	"fmt"
	"regexp"
	"slices"
	"sort"

	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// sopsValue is a value sops encrypted: the cipher text, nonce and tag in base64, and the
// plaintext's type.
var sopsValue = regexp.MustCompile(`^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]$`)

// sopsKeyTypes are the keys of sops metadata that list recipients, each an entry with the data
// key encrypted for it under "enc"; key_groups holds mappings of the same keys.
var sopsKeyTypes = []string{"age", "pgp", "azure_kv", "kms", "gcp_kms", "hc_vault", "hckms"}

// EncryptionProblem is one way a Secret falls short of being well-formed sops-encrypted: Field
// is the field at fault ("sops", "data", "stringData"), Msg says what is wrong.
type EncryptionProblem struct{ Field, Msg string }

// SecretEncryptionProblems lists what keeps a Secret object from being a well-formed
// sops-encrypted Secret: a value under data or stringData that is not an sops ENC[...] value,
// and sops metadata without a recipient, a MAC, lastmodified or version. No problems means
// well formed, as far as can be seen without a key. A Secret without any sops metadata gets a
// single problem. The messages name fields, never values.
func SecretEncryptionProblems(n *yaml.Node) []EncryptionProblem {
	meta := manifest.MapValue(n, "sops")
	if meta == nil || meta.Kind != yaml.MappingNode {
		return []EncryptionProblem{{"sops", "it is not SOPS-encrypted"}}
	}
	var out []EncryptionProblem
	bad := func(field, msg string) { out = append(out, EncryptionProblem{field, msg}) }
	for _, field := range []string{"data", "stringData"} {
		m := manifest.MapValue(n, field)
		switch {
		case m == nil || m.Tag == yaml.NodeTagNull:
		case m.Kind != yaml.MappingNode:
			bad(field, field+" is not a mapping")
		default:
			var plain []string
			for i := 0; i+1 < len(m.Content); i += 2 {
				if v := m.Content[i+1]; v.Kind != yaml.ScalarNode || !sopsValue.MatchString(v.Value) {
					plain = append(plain, m.Content[i].Value)
				}
			}
			sort.Strings(plain)
			for _, k := range plain {
				bad(field, fmt.Sprintf("%s.%s is not encrypted (not an sops ENC[...] value)", field, finding.Quote(k)))
			}
		}
	}
	if !hasRecipient(meta) {
		bad("sops", "its sops metadata lists no recipient (age, pgp, azure_kv, kms, gcp_kms, hc_vault or key_groups): nobody can decrypt it")
	}
	switch mac := manifest.MapValue(meta, "mac"); {
	case manifest.Scalar(mac) == "":
		bad("sops.mac", "its sops metadata has no mac: its integrity cannot be checked")
	case !sopsValue.MatchString(mac.Value):
		bad("sops.mac", "its sops mac is not an encrypted MAC")
	}
	for _, k := range []string{"lastmodified", "version"} {
		if manifest.Scalar(manifest.MapValue(meta, k)) == "" {
			bad("sops."+k, "its sops metadata has no "+k)
		}
	}
	return out
}

// hasRecipient reports whether sops metadata holds at least one recipient with its encrypted
// data key, at the top level or in a key group.
func hasRecipient(meta *yaml.Node) bool { return len(recipientTypes(meta)) > 0 }

// SopsKeyTypes lists the types of the keys an encrypted object's sops metadata holds its data
// key for, as sops names them (age, pgp, azure_kv, kms, gcp_kms, hc_vault, hckms), in that
// order; none for an object that is not sops-encrypted.
func SopsKeyTypes(n *yaml.Node) []string {
	meta := manifest.MapValue(n, "sops")
	if meta == nil || meta.Kind != yaml.MappingNode {
		return nil
	}
	return recipientTypes(meta)
}

// recipientTypes are the key types of sops metadata with at least one recipient that holds
// its encrypted data key, at the top level or in a key group.
func recipientTypes(meta *yaml.Node) []string {
	groups := []*yaml.Node{meta}
	if kg := manifest.MapValue(meta, "key_groups"); kg != nil && kg.Kind == yaml.SequenceNode {
		groups = append(groups, kg.Content...)
	}
	var out []string
	for _, t := range sopsKeyTypes {
		for _, g := range groups {
			if list := manifest.MapValue(g, t); list != nil && list.Kind == yaml.SequenceNode && slices.ContainsFunc(list.Content, func(k *yaml.Node) bool {
				return manifest.Scalar(manifest.MapValue(k, "enc")) != ""
			}) {
				out = append(out, t)
				break
			}
		}
	}
	return out
}
