package yamledit

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Source is a YAML file's bytes with a line index. Edits are computed against a Source and
// applied to its bytes with [Apply], so everything outside the inserted text stays as it was.
// The index is made when first needed: most files of a large tree are only searched, never
// parsed or edited.
type Source struct {
	b      []byte
	once   sync.Once
	starts []int // byte offset where each line starts; starts[i] is line i+1
	nl     string
}

// NewSource returns a Source of b. The line ending of inserted lines follows the file's first
// line ending.
func NewSource(b []byte) *Source { return &Source{b: b} }

// index makes the line index, once.
func (s *Source) index() {
	s.once.Do(func() {
		b := s.b
		s.starts = make([]int, 1, 1+bytes.Count(b, []byte{'\n'}))
		s.nl = "\n"
		for i := 0; ; {
			j := bytes.IndexByte(b[i:], '\n')
			if j < 0 {
				return
			}
			i += j
			if len(s.starts) == 1 && i > 0 && b[i-1] == '\r' {
				s.nl = "\r\n"
			}
			i++
			s.starts = append(s.starts, i)
		}
	})
}

// lines returns the offset where each line starts: lines()[i] is line i+1's.
func (s *Source) lines() []int {
	s.index()
	return s.starts
}

// newline is the line ending of inserted lines.
func (s *Source) newline() string {
	s.index()
	return s.nl
}

// Bytes returns the source bytes.
func (s *Source) Bytes() []byte { return s.b }

func (s *Source) numLines() int { return len(s.lines()) }

// Line returns line n (1-based) without its line ending; "" past the end.
func (s *Source) Line(n int) string { return s.line(n) }

// line returns line n (1-based) without its line ending.
func (s *Source) line(n int) string {
	if n < 1 || n > len(s.lines()) {
		return ""
	}
	end := len(s.b)
	if n < len(s.lines()) {
		end = s.lines()[n] - 1
	}
	return strings.TrimSuffix(string(s.b[s.lines()[n-1]:end]), "\r")
}

// lineEnd returns the offset just past line n's line ending.
func (s *Source) lineEnd(n int) int {
	if n < len(s.lines()) {
		return s.lines()[n]
	}
	return len(s.b)
}

// offset converts a yaml.v3 position (1-based line, 1-based column counted in characters)
// to a byte offset.
func (s *Source) offset(line, col int) int {
	if line < 1 || line > len(s.lines()) {
		return len(s.b)
	}
	off := s.lines()[line-1]
	for i := 1; i < col && off < len(s.b); i++ {
		_, w := utf8.DecodeRune(s.b[off:])
		off += w
	}
	return off
}

// Edit replaces the bytes [Start, End) of a file with Text; Start == End inserts.
type Edit struct {
	Start, End int
	Text       string
	// NewKey marks an edit that adds a key after a mapping's last entry. At the same offset,
	// items appended to that last entry's list must come first, or they would land under the
	// new key.
	NewKey bool
	// Shape is what is known of the result without parsing it ([Proven]).
	Shape EditShape
	// next is where the first line of content after the insertion starts, for a Shape other
	// than ShapeUnknown; target is the collection the edit extends.
	next   int
	target *yaml.Node
}

// Apply applies edits to src. Edits must not overlap; insertions at the same offset keep
// their order, except that NewKey edits go after the others.
func Apply(src []byte, edits []Edit) ([]byte, error) {
	es := append([]Edit(nil), edits...)
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Start != es[j].Start {
			return es[i].Start < es[j].Start
		}
		return !es[i].NewKey && es[j].NewKey
	})
	var out bytes.Buffer
	out.Grow(len(src) + 64*len(es))
	pos := 0
	for _, e := range es {
		if e.Start < pos || e.End < e.Start || e.End > len(src) {
			return nil, fmt.Errorf("overlapping or out-of-range edit at byte %d", e.Start)
		}
		out.Write(src[pos:e.Start])
		out.WriteString(e.Text)
		pos = e.End
	}
	out.Write(src[pos:])
	return out.Bytes(), nil
}

// ListItem is an entry to append to a YAML list: a scalar (Key empty) or a one-key mapping.
type ListItem struct {
	Key, Value string
}

func (it ListItem) block() string {
	if it.Key == "" {
		return QuoteScalar(it.Value, false)
	}
	return it.Key + ": " + QuoteScalar(it.Value, false)
}

func (it ListItem) flow() string {
	if it.Key == "" {
		return QuoteScalar(it.Value, true)
	}
	return "{" + it.Key + ": " + QuoteScalar(it.Value, true) + "}"
}

// json is the item as JSON, for flow collections written as JSON (a .json manifest).
func (it ListItem) json() string {
	if it.Key == "" {
		return strconv.Quote(it.Value)
	}
	return "{" + strconv.Quote(it.Key) + ": " + strconv.Quote(it.Value) + "}"
}

// jsonStyle reports whether a flow collection is written as JSON: its (first) keys are
// double-quoted.
func jsonStyle(n *yaml.Node) bool {
	for n != nil {
		switch n.Kind {
		case yaml.MappingNode:
			return len(n.Content) > 0 && n.Content[0].Style&yaml.DoubleQuotedStyle != 0
		case yaml.SequenceNode:
			if len(n.Content) == 0 {
				return false
			}
			n = n.Content[0]
		default:
			return false
		}
	}
	return false
}

// QuoteScalar renders s as a YAML string scalar, quoted only when a plain scalar would not
// read back as the same string. A run quotes the same few names for every edit, and each
// yaml.Marshal builds an encoder: the answers for the last few strings are kept.
func QuoteScalar(s string, flow bool) string {
	k := quoteKey{s, flow}
	quoted.Lock()
	q, ok := quoted.m[k]
	quoted.Unlock()
	if !ok {
		q = quoteScalarUncached(s, flow)
		quoted.Lock()
		if len(quoted.m) >= 64 {
			clear(quoted.m)
		}
		quoted.m[k] = q
		quoted.Unlock()
	}
	return q
}

type quoteKey struct {
	s    string
	flow bool
}

var quoted = struct {
	sync.Mutex
	m map[quoteKey]string
}{m: map[quoteKey]string{}}

func quoteScalarUncached(s string, flow bool) string {
	out, err := yaml.Marshal(s)
	if err != nil {
		return strconv.Quote(s)
	}
	q := strings.TrimSuffix(string(out), "\n")
	if strings.Contains(q, "\n") || (flow && !strings.HasPrefix(q, `"`) && !strings.HasPrefix(q, "'") && strings.ContainsAny(q, ",[]{}")) {
		return strconv.Quote(s)
	}
	return q
}

// SeqStyle is how a file indents block sequences: the dash's offset from its parent key and
// the spaces between the dash and the item.
type SeqStyle struct {
	Offset, Gap int
}

// CompactSeq is "key:\n- item", the style kubectl and kyaml write.
var CompactSeq = SeqStyle{Offset: 0, Gap: 1}

// SeqStyleOf reads the style of the block sequence under key in mapping m, or returns def.
func SeqStyleOf(src *Source, m *yaml.Node, key string, def SeqStyle) SeqStyle {
	k, v := Pair(m, key)
	if k == nil || v.Kind != yaml.SequenceNode || v.Style&yaml.FlowStyle != 0 || len(v.Content) == 0 {
		return def
	}
	dash, gap, ok := src.dashOf(v.Content[0])
	if !ok || dash < k.Column-1 {
		return def
	}
	return SeqStyle{Offset: dash - (k.Column - 1), Gap: gap}
}

// dashOf finds the "-" that introduces a block sequence item: its column (0-based) and the
// number of spaces after it.
func (s *Source) dashOf(item *yaml.Node) (dash, gap int, ok bool) {
	for l := item.Line; l >= 1 && l >= item.Line-1; l-- {
		t := s.line(l)
		limit := len(t)
		if l == item.Line {
			limit = s.offset(l, item.Column) - s.lines()[l-1]
		}
		if limit > len(t) {
			limit = len(t)
		}
		for i := limit - 1; i >= 0; i-- {
			if t[i] == '-' && (i+1 == len(t) || t[i+1] == ' ') && strings.Trim(t[:i], " -") == "" {
				g := 0
				for j := i + 1; j < len(t) && t[j] == ' '; j++ {
					g++
				}
				if i+1 == len(t) || l != item.Line {
					g = 1
				}
				return i, g, true
			}
		}
	}
	return 0, 0, false
}

// IsDocMarker reports whether a line is a document separator ("---") or end marker ("...").
func IsDocMarker(t string) bool {
	for _, m := range []string{"---", "..."} {
		if strings.HasPrefix(t, m) && (len(t) == 3 || t[3] == ' ' || t[3] == '\t') {
			return true
		}
	}
	return false
}

// blockEnd returns the last line of a block node whose last entry starts at line start and
// whose entries are indented by indent columns. Lines indented deeper belong to it; so do
// comments indented at least as deep, and (for mappings) compact sequence items at the same
// indentation. Trailing blank lines and shallower comments are left to what follows.
func (s *Source) blockEnd(start, indent int, allowDash bool) int {
	end := start
	for l := start + 1; l <= s.numLines(); l++ {
		t := s.line(l)
		if IsDocMarker(t) {
			break
		}
		trimmed := strings.TrimLeft(t, " ")
		ind := len(t) - len(trimmed)
		switch {
		case trimmed == "":
			continue
		case trimmed[0] == '#':
			if ind >= indent {
				end = l
			}
			continue
		case ind > indent:
			end = l
		case ind == indent && allowDash && trimmed[0] == '-' && (len(trimmed) == 1 || trimmed[1] == ' '):
			end = l
		default:
			return end
		}
	}
	return end
}

// insertAfterLine returns an edit inserting text (complete lines) after line n. At the end of
// a file that has no final line ending, the text goes after a new line ending and the file
// still ends without one.
func (s *Source) insertAfterLine(n int, text string) Edit {
	off := s.lineEnd(n)
	if off == len(s.b) && len(s.b) > 0 && s.b[len(s.b)-1] != '\n' {
		text = s.newline() + strings.TrimSuffix(text, s.newline())
	}
	return Edit{Start: off, End: off, Text: text}
}

// AppendListItem returns the edit that appends item to the list under key in mapping m,
// creating the key (at the end of m) when it is missing. style is used when the list is
// created. Flow-style mappings and lists get flow-style text.
func AppendListItem(src *Source, m *yaml.Node, key string, item ListItem, style SeqStyle) (Edit, error) {
	if m == nil || m.Kind != yaml.MappingNode {
		return Edit{}, fmt.Errorf("line %d: expected a mapping", NodeLine(m))
	}
	k, v := Pair(m, key)
	if k == nil && m.Style&yaml.FlowStyle != 0 {
		if jsonStyle(m) {
			return src.appendFlow(m, strconv.Quote(key)+": ["+item.json()+"]")
		}
		return src.appendFlow(m, key+": ["+item.flow()+"]")
	}
	if k == nil {
		if len(m.Content) == 0 {
			return Edit{}, fmt.Errorf("line %d: cannot add %q to an empty mapping", m.Line, key)
		}
		indent := m.Content[0].Column - 1
		last := m.Content[len(m.Content)-2]
		end := src.blockEnd(last.Line, indent, true)
		text := strings.Repeat(" ", indent) + key + ":" + src.newline() +
			strings.Repeat(" ", indent+style.Offset) + "-" + strings.Repeat(" ", style.Gap) + item.block() + src.newline()
		e := src.insertAfterLine(end, text)
		e.NewKey = true
		src.shapeNewEntry(&e, m, key, item, style, end)
		return e, nil
	}
	switch {
	case v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle != 0:
		if jsonStyle(v) || jsonStyle(m) && m.Style&yaml.FlowStyle != 0 {
			return src.appendFlow(v, item.json())
		}
		return src.appendFlow(v, item.flow())
	case v.Kind == yaml.SequenceNode && len(v.Content) > 0:
		dash, gap, ok := src.dashOf(v.Content[0])
		if !ok {
			return Edit{}, fmt.Errorf("line %d: cannot find the list item indicator of %q", v.Content[0].Line, key)
		}
		last := v.Content[len(v.Content)-1]
		text, flow := item.block(), last.Kind == yaml.MappingNode && last.Style&yaml.FlowStyle != 0
		if flow {
			text = item.flow()
		}
		end := src.blockEnd(last.Line, dash, false)
		e := src.insertAfterLine(end, strings.Repeat(" ", dash)+"-"+strings.Repeat(" ", gap)+text+src.newline())
		if !flow {
			src.shapeNewItem(&e, k, v, item, dash, gap, end)
		}
		return e, nil
	case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
		keyEnd := src.offset(k.Line, k.Column) + len(k.Value)
		rest := src.line(k.Line)[keyEnd-src.lines()[k.Line-1]:]
		colon := strings.IndexByte(rest, ':')
		after := ""
		if colon >= 0 {
			after = strings.TrimSpace(rest[colon+1:])
		}
		switch {
		case after == "":
			// "key:" with nothing after it: the list goes on the following lines.
			off := src.lines()[k.Line-1] + len(src.line(k.Line))
			text := src.newline() + strings.Repeat(" ", k.Column-1+style.Offset) + "-" + strings.Repeat(" ", style.Gap) + item.block()
			return Edit{Start: off, End: off, Text: text}, nil
		case after[0] == '#':
			// "key: # comment": keep the comment where it is, after a flow list.
			off := keyEnd + colon + 1
			return Edit{Start: off, End: off, Text: " [" + item.flow() + "]"}, nil
		}
		start := src.offset(v.Line, v.Column)
		token := strings.TrimRight(strings.Fields(after)[0], ",}]")
		text := "[" + item.flow() + "]"
		if m.Style&yaml.FlowStyle != 0 && jsonStyle(m) {
			text = "[" + item.json() + "]"
		}
		return Edit{Start: start, End: start + len(token), Text: text}, nil
	default:
		return Edit{}, fmt.Errorf("line %d: %q is not a list", k.Line, key)
	}
}

// appendFlow inserts text as the last entry of a flow mapping or sequence.
func (s *Source) appendFlow(n *yaml.Node, text string) (Edit, error) {
	start := s.offset(n.Line, n.Column)
	closeAt, err := s.flowClose(start)
	if err != nil {
		return Edit{}, fmt.Errorf("line %d: %w", n.Line, err)
	}
	// Insert after the last non-space character before the closing bracket.
	p := closeAt
	for p > start+1 && (s.b[p-1] == ' ' || s.b[p-1] == '\t' || s.b[p-1] == '\n' || s.b[p-1] == '\r') {
		p--
	}
	if len(n.Content) > 0 {
		text = ", " + text
	}
	return Edit{Start: p, End: p, Text: text}, nil
}

// flowClose returns the offset of the bracket that closes the flow collection opening at start.
func (s *Source) flowClose(start int) (int, error) {
	b := s.b
	if start >= len(b) || (b[start] != '{' && b[start] != '[') {
		return 0, fmt.Errorf("expected a flow collection")
	}
	depth := 0
	prev := byte(' ') // last non-space character, to tell a quote from an apostrophe in a word
	for i := start; i < len(b); i++ {
		c := b[i]
		switch {
		case (c == '"' || c == '\'') && strings.IndexByte("{[,: \t\n", prev) >= 0:
			j := i + 1
			for ; j < len(b); j++ {
				if c == '"' && b[j] == '\\' {
					j++
					continue
				}
				if b[j] == c {
					if c == '\'' && j+1 < len(b) && b[j+1] == '\'' {
						j++
						continue
					}
					break
				}
			}
			i = j
		case c == '#' && (prev == ' ' || i > 0 && (b[i-1] == ' ' || b[i-1] == '\t' || b[i-1] == '\n')):
			for i < len(b) && b[i] != '\n' {
				i++
			}
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return i, nil
			}
		}
		if c != ' ' && c != '\t' && c != '\r' {
			prev = c
		}
		if c == '\n' {
			prev = '\n'
		}
	}
	return 0, fmt.Errorf("unterminated flow collection")
}

func NodeLine(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

// AppendBlockItem returns the edit that appends a list item of several lines to the block
// list under key in block mapping m, creating the list after m's last entry when key is
// missing (or holds null). item are the item's lines relative to the column after its "- ";
// the new lines copy the list's indentation and the file's line ending.
func AppendBlockItem(src *Source, m *yaml.Node, key string, item []string) (Edit, error) {
	if m == nil || m.Kind != yaml.MappingNode || m.Style&yaml.FlowStyle != 0 || len(m.Content) == 0 {
		return Edit{}, fmt.Errorf("line %d: not a block mapping: write it in block style", NodeLine(m))
	}
	lines := func(dash, gap int) string {
		var b strings.Builder
		for i, l := range item {
			if i == 0 {
				b.WriteString(strings.Repeat(" ", dash) + "-" + strings.Repeat(" ", gap) + l + src.newline())
				continue
			}
			b.WriteString(strings.Repeat(" ", dash+1+gap) + l + src.newline())
		}
		return b.String()
	}
	k, v := Pair(m, key)
	switch {
	case k == nil:
		indent := m.Content[0].Column - 1
		last := m.Content[len(m.Content)-2]
		end := src.blockEnd(last.Line, indent, true)
		e := src.insertAfterLine(end, strings.Repeat(" ", indent)+key+":"+src.newline()+lines(indent, 1))
		e.NewKey = true
		return e, nil
	case v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0:
		dash, gap, ok := src.dashOf(v.Content[0])
		if !ok {
			return Edit{}, fmt.Errorf("line %d: cannot find the list item indicator of %s", v.Content[0].Line, key)
		}
		end := src.blockEnd(v.Content[len(v.Content)-1].Line, dash, false)
		return src.insertAfterLine(end, lines(dash, gap)), nil
	case v.Kind == yaml.ScalarNode && v.Tag == "!!null" && strings.TrimSpace(src.line(k.Line)[k.Column-1+len(k.Value):]) == ":":
		return src.insertAfterLine(k.Line, lines(k.Column-1, 1)), nil
	}
	return Edit{}, &NotBlockListError{Line: k.Line, Key: key}
}

// NotBlockListError is AppendBlockItem's answer for a key whose value is not a block list.
type NotBlockListError struct {
	Line int
	Key  string
}

func (e *NotBlockListError) Error() string {
	return fmt.Sprintf("line %d: %s is not a block list", e.Line, e.Key)
}
