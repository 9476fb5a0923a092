package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/acrgen/acrgen/pkg/yamledit"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// File is a parsed manifest file: its bytes and its documents.
type File struct {
	Src *yamledit.Source
	// Docs holds each document's root node (a mapping for a Kubernetes object); empty
	// documents are left out.
	Docs []*yaml.Node
	// Skipped are the documents ParseRelevant left unparsed, in file order: Docs and
	// Skipped together are every document of the file, whichever documents were parsed.
	Skipped []DocSpan
}

// DocSpan is where a document lies in its file: from Line (its "---" line, or line 1) to End.
type DocSpan struct{ Line, End int }

// LineError is an input error at a line of a file. The file is named by the caller.
type LineError struct {
	Line int
	Msg  string
}

func (e *LineError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse parses every document of b. Malformed YAML and unrendered templates ({{ }}
// outside quotes, as in a Helm chart) are errors naming the line.
func Parse(b []byte) (*File, error) {
	if err := refuseLoneCR(b); err != nil {
		return nil, err
	}
	m := &File{Src: yamledit.NewSource(b)}
	return m, m.parse(b, 0)
}

// refuseLoneCR refuses a carriage return that no line feed follows. YAML reads it as a line
// break (classic Mac OS line endings), but acrgen's line index and edits know only LF and CRLF.
func refuseLoneCR(b []byte) error {
	i := bytes.IndexByte(b, '\r')
	for i >= 0 && i+1 < len(b) && b[i+1] == '\n' {
		j := bytes.IndexByte(b[i+1:], '\r')
		if j < 0 {
			return nil
		}
		i += 1 + j
	}
	if i < 0 {
		return nil
	}
	return &LineError{Line: 1 + bytes.Count(b[:i], []byte("\n")), Msg: "a carriage return without a line feed (a classic Mac OS line ending): convert the file to LF or CRLF line endings"}
}

// ParseRelevant parses only the documents for which relevant returns true (given the
// document's bytes, from its "---" line to the next), which makes a large file whose documents
// mostly cannot matter cheap to read. Other documents are scanned for duplicate keys, and
// parsed (to be refused) when they may have one. Line numbers stay those of the whole file.
// Documents are split at "---" lines, which YAML never allows inside a document's content.
func ParseRelevant(b []byte, relevant func([]byte) bool) (*File, error) {
	return parseRelevant(b, relevant, true)
}

// Select is ParseRelevant without the duplicate-key scan of the documents it
// skips, for a caller that only looks for some objects (the Flux scan looks for Flux's): the
// refusal of a file with a repeated key is left to the load that works on the file.
func Select(b []byte, relevant func([]byte) bool) (*File, error) {
	return parseRelevant(b, relevant, false)
}

func parseRelevant(b []byte, relevant func([]byte) bool, scanSkipped bool) (*File, error) {
	if err := refuseLoneCR(b); err != nil {
		return nil, err
	}
	m := &File{Src: yamledit.NewSource(b)}
	// The document being read starts at offset from, on line start. Documents are found
	// with searches for "\n---", not line by line: most files of a large tree have no
	// document worth parsing, and need no line index.
	from, start := 0, 1
	flush := func(to int) error { // the document ends just before offset to
		if to <= from {
			return nil
		}
		seg := b[from:to]
		n := bytes.Count(seg, []byte("\n"))
		defer func() { from, start = to, start+n }()
		if relevant(seg) {
			return m.parse(seg, start-1)
		}
		if scanSkipped && mayHaveDuplicateKeys(seg) {
			// kustomize refuses the whole file: parse the document to find out.
			if err := (&File{Src: m.Src}).parse(seg, start-1); err != nil {
				return err
			}
		}
		if hasDocument(seg) {
			end := start + n
			if seg[len(seg)-1] == '\n' {
				end--
			}
			m.Skipped = append(m.Skipped, DocSpan{Line: start, End: end})
		}
		return nil
	}
	for i := 0; ; {
		k := bytes.Index(b[i:], []byte("\n---"))
		if k < 0 {
			break
		}
		at := i + k + 1 // where the line starting with "---" starts
		i = at
		line := b[at:]
		if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
			line = line[:nl]
		}
		if !yamledit.IsDocMarker(string(bytes.TrimSuffix(line, []byte("\r")))) {
			continue
		}
		if err := flush(at); err != nil {
			return nil, err
		}
	}
	if err := flush(len(b)); err != nil {
		return nil, err
	}
	return m, nil
}

// hasDocument reports whether a document's text, from its "---" line to the next, is a
// document for the YAML decoder, and so for Parse: any text after a "---" line is, even
// an empty one; the text before the first "---" is when it holds more than comments, directives
// and blank lines.
func hasDocument(seg []byte) bool {
	for i := 0; len(seg) > 0; i++ {
		line := seg
		if nl := bytes.IndexByte(seg, '\n'); nl >= 0 {
			line, seg = seg[:nl], seg[nl+1:]
		} else {
			seg = nil
		}
		t := string(bytes.TrimSpace(line))
		if i == 0 && strings.HasPrefix(t, "---") && yamledit.IsDocMarker(t) {
			return true
		}
		if t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "%") && !(strings.HasPrefix(t, "...") && yamledit.IsDocMarker(t)) {
			return true
		}
	}
	return false
}

// parse decodes the documents of b, which starts after line offset of the file, and appends
// them to m.Docs.
func (m *File) parse(b []byte, offset int) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			le := &LineError{Msg: err.Error()}
			if sm := yamlLineRe.FindStringSubmatch(err.Error()); sm != nil {
				le.Line, _ = strconv.Atoi(sm[1])
				le.Msg = sm[2]
			}
			if le.Line > 0 {
				le.Line += offset
			}
			if le.Line > 0 && bytes.Contains([]byte(m.Src.Line(le.Line)), []byte("{{")) || le.Line == 0 && bytes.Contains(b, []byte("{{")) {
				le.Msg = "unrendered template ({{ }}), as in a Helm chart: " + le.Msg
			}
			return le
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if offset > 0 {
			shiftLines(root, offset)
		}
		if err := checkTemplateKeys(root); err != nil {
			return err
		}
		m.Docs = append(m.Docs, root)
	}
	return nil
}

// shiftLines moves every node of a tree down by offset lines. Aliases point into the same
// document and are shifted where they are defined.
func shiftLines(n *yaml.Node, offset int) {
	n.Line += offset
	if n.Kind == yaml.AliasNode {
		return
	}
	for _, c := range n.Content {
		shiftLines(c, offset)
	}
}

// checkTemplateKeys finds mapping keys that are themselves collections, which is what an
// unquoted "{{ .Values.x }}" parses to: such a file is a template, not a manifest. It also
// finds duplicate keys, which kustomize refuses.
func checkTemplateKeys(n *yaml.Node) error {
	switch n.Kind {
	case yaml.MappingNode:
		if err := checkDuplicateKeys(n); err != nil {
			return err
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind == yaml.MappingNode || k.Kind == yaml.SequenceNode {
				return &LineError{Line: k.Line, Msg: "unrendered template ({{ }}) or complex mapping key: acrgen reads rendered manifests only"}
			}
			if err := checkTemplateKeys(n.Content[i+1]); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if err := checkTemplateKeys(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkDuplicateKeys reports a key that mapping n has twice, compared as kustomize's YAML
// decoder compares them (node kind and value, so 1 and "1" are the same key).
func checkDuplicateKeys(n *yaml.Node) error {
	dup := func(first, again *yaml.Node) error {
		return &LineError{Line: again.Line, Msg: fmt.Sprintf("mapping key %q already defined at line %d; kustomize refuses duplicate keys", again.Value, first.Line)}
	}
	if len(n.Content) <= 16 {
		for i := 0; i+1 < len(n.Content); i += 2 {
			for j := i + 2; j+1 < len(n.Content); j += 2 {
				if a, b := n.Content[i], n.Content[j]; a.Kind == b.Kind && a.Value == b.Value {
					return dup(a, b)
				}
			}
		}
		return nil
	}
	type key struct {
		kind  yaml.Kind
		value string
	}
	seen := make(map[key]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if first, ok := seen[key{k.Kind, k.Value}]; ok {
			return dup(first, k)
		}
		seen[key{k.Kind, k.Value}] = k
	}
	return nil
}

// Resources returns the Kubernetes objects of the manifest in document order; the items of a
// List follow the List itself.
func (m *File) Resources() []Resource {
	var out []Resource
	for _, d := range m.Docs {
		r, ok := ResourceOf(d)
		if !ok {
			continue
		}
		out = append(out, r)
		out = append(out, r.Items()...)
	}
	return out
}
