package encrypt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/config"
	yamlstore "github.com/getsops/sops/v3/stores/yaml"
	"go.yaml.in/yaml/v3"
)

// newStore returns the sops YAML store; indent 0 means the sops default (4).
func newStore(indent int) *yamlstore.Store {
	return yamlstore.NewStore(&config.YAMLStoreConfig{Indent: indent})
}

var (
	// yaml.v3 syntax errors look like "yaml: line 3: did not find expected key"; the reason is
	// a fixed phrase. Anything else (type errors quote values) is reduced to the line number.
	yamlReasonRe = regexp.MustCompile(`^yaml: line (\d+): ([a-zA-Z ,']+)$`)
	yamlLineRe   = regexp.MustCompile(`line (\d+)`)
)

// yamlError turns a YAML parser error into one that cannot contain document content.
func yamlError(err error) error {
	msg := err.Error()
	if m := yamlReasonRe.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("invalid yaml at line %s: %s", m[1], m[2])
	}
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("invalid yaml near line %s", m[1])
	}
	return errors.New("invalid yaml")
}

// parseNodes parses in into YAML document nodes. Errors never contain document content.
func parseNodes(in []byte) ([]*yaml.Node, error) {
	var docs []*yaml.Node
	d := yaml.NewDecoder(bytes.NewReader(in))
	for {
		var n yaml.Node
		err := d.Decode(&n)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return nil, yamlError(err)
		}
		docs = append(docs, &n)
	}
}

// singleMapping parses in, which must hold exactly one YAML document whose root is a mapping
// with unique string keys, and returns that root.
func singleMapping(in []byte) (*yaml.Node, error) {
	docs, err := parseNodes(in)
	if err != nil {
		return nil, err
	}
	switch {
	case len(docs) == 0:
		return nil, errors.New("document is empty")
	case len(docs) > 1:
		return nil, fmt.Errorf("found %d yaml documents, want exactly one", len(docs))
	}
	root := docs[0]
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, errors.New("document is empty")
		}
		root = root.Content[0]
	}
	if root.Kind == yaml.AliasNode && root.Alias != nil {
		root = root.Alias
	}
	if root.Kind != yaml.MappingNode {
		return nil, errors.New("document is not a yaml mapping")
	}
	if len(root.Content) == 0 {
		return nil, errors.New("document is empty")
	}
	if err := checkKeys(root, nil); err != nil {
		return nil, err
	}
	return root, nil
}

// checkKeys rejects what the sops YAML store rejects with messages that may quote content:
// non-string keys and duplicate keys. Errors name key paths only (keys are not secret).
func checkKeys(n *yaml.Node, path []string) error {
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias != nil {
			return checkKeys(n.Alias, path)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if err := checkKeys(c, path); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
				return fmt.Errorf("non-string key under %q at line %d: only string keys are supported", keyPath(path), k.Line)
			}
			if seen[k.Value] {
				return fmt.Errorf("duplicate key %q at line %d", keyPath(append(path, k.Value)), k.Line)
			}
			seen[k.Value] = true
			if err := checkKeys(v, append(path, k.Value)); err != nil {
				return err
			}
		}
	}
	return nil
}

func keyPath(path []string) string {
	if len(path) == 0 {
		return "."
	}
	return strings.Join(path, ".")
}

// mappingValue returns the value of key in a mapping node, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			v := m.Content[i+1]
			if v.Kind == yaml.AliasNode && v.Alias != nil {
				v = v.Alias
			}
			return v
		}
	}
	return nil
}

// loadPlain parses one plaintext YAML document (a Secret) into a sops tree branch.
func loadPlain(plain []byte) (sops.TreeBranch, error) {
	root, err := singleMapping(plain)
	if err != nil {
		return nil, fmt.Errorf("plaintext: %w", err)
	}
	if mappingValue(root, "sops") != nil {
		return nil, errors.New("plaintext already has a top-level sops key: it is encrypted already")
	}
	branches, err := newStore(0).LoadPlainFile(plain)
	if err != nil {
		// Checked above already; the sops message may quote values, so it is withheld.
		return nil, errors.New("plaintext: cannot be loaded by the sops yaml store")
	}
	if len(branches) != 1 {
		return nil, fmt.Errorf("plaintext: found %d yaml documents, want exactly one", len(branches))
	}
	return branches[0], nil
}
