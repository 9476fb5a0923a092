// Package yamlproof is test infrastructure: it compares the parse of a YAML file before and
// after an edit, to check the claims of pkg/yamledit's edit shapes (yamledit.Proven) against
// the parser itself.
package yamlproof

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Addition is a mapping entry or sequence item that the new file has and the old one lacks.
type Addition struct {
	// Parent is the old file's mapping or sequence that the new file extends.
	Parent *yaml.Node
	// Key is the new entry's key, empty for a sequence item.
	Key string
	// Value is the new entry's value, or the new item.
	Value *yaml.Node
}

// Parse decodes every document of b (empty ones included).
func Parse(b []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, &doc)
	}
}

// Additions parses old and updated and returns what updated adds to old. The only difference
// allowed is new entries after the last one of a mapping and new items after the last one of
// a sequence; any other is an error naming the line.
func Additions(old, updated []byte) ([]Addition, error) {
	a, err := Parse(old)
	if err != nil {
		return nil, fmt.Errorf("the old file: %w", err)
	}
	b, err := Parse(updated)
	if err != nil {
		return nil, fmt.Errorf("the new file: %w", err)
	}
	if len(a) != len(b) {
		return nil, fmt.Errorf("%d documents before, %d after", len(a), len(b))
	}
	var adds []Addition
	for i := range a {
		if err := diff(a[i], b[i], &adds); err != nil {
			return nil, err
		}
	}
	return adds, nil
}

// Equal reports how a and b differ (nil when they do not): kind, tag, value, anchor, style
// (comments and positions aside) and contents.
func Equal(a, b *yaml.Node) error { return diff(a, b, nil) }

var styles = yaml.TaggedStyle | yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle | yaml.LiteralStyle | yaml.FoldedStyle | yaml.FlowStyle

func diff(a, b *yaml.Node, adds *[]Addition) error {
	if a.Kind != b.Kind || a.ShortTag() != b.ShortTag() || a.Value != b.Value || a.Anchor != b.Anchor || a.Style&styles != b.Style&styles {
		return fmt.Errorf("old line %d, new line %d: %q (kind %d, tag %s, style %d) became %q (kind %d, tag %s, style %d)",
			a.Line, b.Line, a.Value, a.Kind, a.ShortTag(), a.Style&styles, b.Value, b.Kind, b.ShortTag(), b.Style&styles)
	}
	if a.Kind == yaml.AliasNode {
		return nil
	}
	if len(b.Content) < len(a.Content) || len(b.Content) > len(a.Content) && (adds == nil || a.Kind == yaml.DocumentNode || a.Kind == yaml.ScalarNode) {
		return fmt.Errorf("old line %d, new line %d: %d children became %d", a.Line, b.Line, len(a.Content), len(b.Content))
	}
	for i := range a.Content {
		if err := diff(a.Content[i], b.Content[i], adds); err != nil {
			return err
		}
	}
	for i := len(a.Content); i < len(b.Content); i++ {
		add := Addition{Parent: a, Value: b.Content[i]}
		if a.Kind == yaml.MappingNode {
			i++
			add.Key, add.Value = b.Content[i-1].Value, b.Content[i]
		}
		*adds = append(*adds, add)
	}
	return nil
}

// Claim is what an edit claims to add: Text, one mapping entry (Entry) or one sequence item,
// to the collection Target of the old file, at byte Start.
type Claim struct {
	Text   string
	Entry  bool
	Target *yaml.Node
	Start  int
}

// Holds checks claims against the parser: updated parses as old plus exactly one addition per
// claim, each the entry or item its text holds, in the collection it names.
func Holds(old, updated []byte, claims []Claim) error {
	adds, err := Additions(old, updated)
	if err != nil {
		return err
	}
	if len(adds) != len(claims) {
		return fmt.Errorf("%d additions for %d edits", len(adds), len(claims))
	}
	for _, c := range claims {
		want, err := Parse([]byte(c.Text))
		if err != nil || len(want) != 1 || len(want[0].Content) != 1 || len(want[0].Content[0].Content) == 0 {
			return fmt.Errorf("the edit's own text %q does not parse to one entry or item (%v)", c.Text, err)
		}
		root := want[0].Content[0]
		wantKey, wantValue := "", root.Content[0]
		if c.Entry {
			if root.Kind != yaml.MappingNode || len(root.Content) != 2 {
				return fmt.Errorf("the edit's text %q is not one mapping entry", c.Text)
			}
			wantKey, wantValue = root.Content[0].Value, root.Content[1]
		} else if root.Kind != yaml.SequenceNode || len(root.Content) != 1 {
			return fmt.Errorf("the edit's text %q is not one sequence item", c.Text)
		}
		found := false
		for _, a := range adds {
			if a.Parent.Line == c.Target.Line && a.Parent.Column == c.Target.Column && a.Parent.Kind == c.Target.Kind &&
				a.Key == wantKey && Equal(wantValue, a.Value) == nil {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("the edit at byte %d (%q) added nothing to the collection at line %d", c.Start, c.Text, c.Target.Line)
		}
	}
	return nil
}
