package judge

import (
	"os"
	"reflect"
	"testing"

	"github.com/acrgen/acrgen/pkg/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// secretNode reads the real sops-encrypted Secret of testdata and lets edit change it.
func secretNode(t *testing.T, edit func(n *yaml.Node)) *yaml.Node {
	t.Helper()
	b, err := os.ReadFile("testdata/sops/secret.enc.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Parse(b)
	if err != nil || len(m.Docs) != 1 {
		t.Fatalf("parse: %v", err)
	}
	if edit != nil {
		edit(m.Docs[0])
	}
	return m.Docs[0]
}

// del removes key from the mapping at path.
func del(n *yaml.Node, key string, path ...string) {
	for _, p := range path {
		n = manifest.MapValue(n, p)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content = append(n.Content[:i], n.Content[i+2:]...)
			return
		}
	}
}

func set(n *yaml.Node, key, value string, path ...string) {
	for _, p := range path {
		n = manifest.MapValue(n, p)
	}
	if v := manifest.MapValue(n, key); v != nil {
		*v = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: value}
		return
	}
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: value})
}

func TestSecretEncryptionProblems(t *testing.T) {
	cases := []struct {
		name string
		edit func(n *yaml.Node)
		want []EncryptionProblem
	}{
		{"well formed", nil, nil},
		{"plain base64 instead of the encrypted value", func(n *yaml.Node) { set(n, ".dockerconfigjson", "e30=", "data") },
			[]EncryptionProblem{{"data", "data..dockerconfigjson is not encrypted (not an sops ENC[...] value)"}}},
		{"an added stringData", func(n *yaml.Node) {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "stringData"}, &yaml.Node{Kind: yaml.MappingNode})
			set(n, "password", "x", "stringData")
		}, []EncryptionProblem{{"stringData", "stringData.password is not encrypted (not an sops ENC[...] value)"}}},
		{"a nested value", func(n *yaml.Node) {
			d := manifest.MapValue(n, "data")
			d.Content = append(d.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "nested"}, &yaml.Node{Kind: yaml.MappingNode})
		}, []EncryptionProblem{{"data", "data.nested is not encrypted (not an sops ENC[...] value)"}}},
		{"no recipients", func(n *yaml.Node) { del(n, "age", "sops") },
			[]EncryptionProblem{{"sops", "its sops metadata lists no recipient (age, pgp, azure_kv, kms, gcp_kms, hc_vault or key_groups): nobody can decrypt it"}}},
		{"a recipient without its data key", func(n *yaml.Node) { del(manifest.MapValue(n, "sops").Content[1].Content[0], "enc") },
			[]EncryptionProblem{{"sops", "its sops metadata lists no recipient (age, pgp, azure_kv, kms, gcp_kms, hc_vault or key_groups): nobody can decrypt it"}}},
		{"recipients in a key group", func(n *yaml.Node) {
			s := manifest.MapValue(n, "sops")
			age := manifest.MapValue(s, "age")
			del(n, "age", "sops")
			group := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "age"}, age}}
			s.Content = append(s.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "key_groups"}, &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{group}})
		}, nil},
		{"no mac", func(n *yaml.Node) { del(n, "mac", "sops") },
			[]EncryptionProblem{{"sops.mac", "its sops metadata has no mac: its integrity cannot be checked"}}},
		{"a plain mac", func(n *yaml.Node) { set(n, "mac", "deadbeef", "sops") },
			[]EncryptionProblem{{"sops.mac", "its sops mac is not an encrypted MAC"}}},
		{"no lastmodified or version", func(n *yaml.Node) { del(n, "lastmodified", "sops"); del(n, "version", "sops") },
			[]EncryptionProblem{{"sops.lastmodified", "its sops metadata has no lastmodified"}, {"sops.version", "its sops metadata has no version"}}},
		{"no sops metadata", func(n *yaml.Node) { del(n, "sops") },
			[]EncryptionProblem{{"sops", "it is not SOPS-encrypted"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := SecretEncryptionProblems(secretNode(t, c.edit))
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

// A key left in plaintext is named quoted when it holds a control character: the rest of the
// message stays as it is.
func TestPlaintextKeyQuoted(t *testing.T) {
	n := secretNode(t, func(n *yaml.Node) {
		data := manifest.MapValue(n, "data")
		data.Content = append(data.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: "k\n::error::x"},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: "plain"})
	})
	got := SecretEncryptionProblems(n)
	want := []EncryptionProblem{{Field: "data", Msg: `data."k\n::error::x" is not encrypted (not an sops ENC[...] value)`}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
