package yamledit

import (
	"bytes"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// EditShape is what is known of the document an edit produces without parsing it again.
type EditShape int

const (
	// ShapeUnknown: the edited document must be parsed again to be trusted.
	ShapeUnknown EditShape = iota
	// ShapeNewBlockEntry: a block mapping gets a new last entry, "key:" and a block sequence
	// of one item, inserted as whole lines at the mapping's indentation right after its last
	// line. The document parses as before plus that entry.
	ShapeNewBlockEntry
	// ShapeBlockItem: a block sequence gets a new last item, inserted as a whole line at its
	// items' indentation right after its last line. The document parses as before plus that
	// item.
	ShapeBlockItem
)

// The proof that a shape's result parses as the original plus the new entry rests on these
// conditions, each checked on the source (anything else is ShapeUnknown):
//
//   - the collection edited is in block style, and so is every collection on the way from it
//     to its last node (the last value of each mapping, the last item of each sequence);
//   - that last node is a scalar, plain or single- or double-quoted without escapes, or a flow
//     collection, without anchor or tag, that ends on the line it starts (no multi-line
//     scalar or flow collection, no block scalar, whose kept trailing lines an insertion would
//     cut off);
//   - from that line to the insertion point, only blank and comment lines;
//   - the first line after the insertion point that is neither blank nor a comment is a
//     document marker, the end of the file, or a line indented by spaces less than the
//     collection's entries (for a sequence: at most its parent key's indentation, and then
//     not a "-" item): it closed the collection before and closes it after;
//   - the inserted text is whole lines at the collection's own indentation, indented by spaces
//     only, made of a plain key and plain values that read back as themselves (no tabs, no
//     flow style, nothing YAML would resolve to a number, boolean or null);
//   - no two edits of the file touch the same stretch: between one insertion point and the
//     next there is a line of content ([Proven]).
//
// Under them, the parser sees the same tokens as before up to the insertion point, then the
// inserted entry or item at the collection's indentation (which continues the collection),
// then the same tokens as before (which close it as they did).

var (
	plainKeyRe   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
	plainValueRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
)

// provenItem reports whether item, and key when it is not empty, are written as plain
// scalars that read back as the same strings.
func provenItem(key string, item ListItem) bool {
	if key != "" && !(plainKeyRe.MatchString(key) && QuoteScalar(key, false) == key) {
		return false
	}
	if item.Key != "" && !(plainKeyRe.MatchString(item.Key) && QuoteScalar(item.Key, false) == item.Key) {
		return false
	}
	return plainValueRe.MatchString(item.Value) && QuoteScalar(item.Value, false) == item.Value
}

// plainAt reports whether n is a scalar whose position is its own first character: a plain
// or quoted scalar without anchor or tag.
func plainAt(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Anchor == "" && n.Style&(yaml.TaggedStyle|yaml.LiteralStyle|yaml.FoldedStyle|yaml.FlowStyle) == 0
}

// lastLine returns the line of the last scalar under n (following the last value of each
// mapping and the last item of each sequence), when everything on the way is in block style
// and that scalar's token ends on the line it starts.
func (s *Source) lastLine(n *yaml.Node) (int, bool) {
	for {
		switch {
		case n == nil:
			return 0, false
		case (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) && n.Style&yaml.FlowStyle == 0 && len(n.Content) > 0:
			n = n.Content[len(n.Content)-1]
		case n.Kind == yaml.ScalarNode:
			return n.Line, s.oneLineScalar(n)
		case n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode:
			return n.Line, s.oneLineFlow(n)
		default:
			return 0, false
		}
	}
}

// oneLineScalar reports whether the scalar n is plain or quoted, has no anchor or tag, and
// its whole token is on its line, followed by nothing or a comment.
func (s *Source) oneLineScalar(n *yaml.Node) bool {
	if !plainAt(n) || n.Line < 1 || n.Line > s.numLines() || n.Value == "" {
		return false
	}
	line := s.line(n.Line)
	start := s.offset(n.Line, n.Column) - s.lines()[n.Line-1]
	if start < 0 || start > len(line) {
		return false
	}
	r := line[start:]
	var token string
	switch {
	case n.Style == 0:
		if i := strings.Index(r, " #"); i >= 0 {
			r = r[:i]
		}
		return strings.TrimRight(r, " ") == n.Value && !strings.ContainsAny(n.Value, "\t\n")
	case n.Style == yaml.SingleQuotedStyle:
		token = "'" + strings.ReplaceAll(n.Value, "'", "''") + "'"
	case n.Style == yaml.DoubleQuotedStyle:
		if strings.ContainsFunc(n.Value, func(c rune) bool { return c == '\\' || c == '"' || c < 0x20 || c == 0x7f }) {
			return false
		}
		token = `"` + n.Value + `"`
	default:
		return false
	}
	if strings.ContainsAny(n.Value, "\n") || !strings.HasPrefix(r, token) {
		return false
	}
	rest := strings.TrimLeft(r[len(token):], " ")
	return rest == "" || rest[0] == '#' && len(r) > len(token) && r[len(token)] == ' '
}

// oneLineFlow reports whether the flow collection n, without anchor or tag, closes on the
// line it opens on, followed by nothing or a comment.
func (s *Source) oneLineFlow(n *yaml.Node) bool {
	if n.Anchor != "" || n.Style&yaml.TaggedStyle != 0 || n.Style&yaml.FlowStyle == 0 || n.Line < 1 || n.Line > s.numLines() {
		return false
	}
	start := s.offset(n.Line, n.Column)
	closeAt, err := s.flowClose(start)
	if err != nil || bytes.IndexByte(s.b[start:closeAt], '\n') >= 0 {
		return false
	}
	rest := s.b[closeAt+1 : s.lineEnd(n.Line)]
	rest = bytes.TrimRight(rest, "\r\n")
	trimmed := bytes.TrimLeft(rest, " ")
	return len(trimmed) == 0 || trimmed[0] == '#' && len(trimmed) < len(rest)
}

// lineKind classifies line l: blank, a comment, a document marker, or content indented by
// ind spaces (tab is true when a tab follows the spaces).
func (s *Source) lineKind(l int) (blank, comment, marker bool, ind int, tab bool) {
	t := s.line(l)
	trimmed := strings.TrimLeft(t, " ")
	ind = len(t) - len(trimmed)
	switch {
	case trimmed == "":
		return true, false, false, ind, false
	case trimmed[0] == '#':
		return false, true, false, ind, false
	case IsDocMarker(t):
		return false, false, true, ind, false
	}
	return false, false, false, ind, trimmed[0] == '\t'
}

// closes checks the lines around an insertion after line end: the lines after leaf up to end
// are blank or comments, and the first content line after end satisfies ok (given its
// indentation and whether it is a "-" item), or is a document marker or the end of the file.
// It returns the offset where that line starts (the file's length at its end).
func (s *Source) closes(leaf, end int, ok func(ind int, dash bool) bool) (int, bool) {
	for l := leaf + 1; l <= end; l++ {
		if blank, comment, _, _, _ := s.lineKind(l); !blank && !comment {
			return 0, false
		}
	}
	for l := end + 1; l <= s.numLines(); l++ {
		blank, comment, marker, ind, tab := s.lineKind(l)
		switch {
		case blank || comment:
			continue
		case marker:
			return s.lines()[l-1], true
		case tab:
			return 0, false
		}
		t := s.line(l)[ind:]
		return s.lines()[l-1], ok(ind, t[0] == '-' && (len(t) == 1 || t[1] == ' '))
	}
	return len(s.b), true
}

// shapeNewEntry classifies the edit that adds key (a block sequence holding item) after the
// last entry of the block mapping m, inserted after line end.
func (s *Source) shapeNewEntry(e *Edit, m *yaml.Node, key string, item ListItem, style SeqStyle, end int) {
	if m.Style&yaml.FlowStyle != 0 || len(m.Content) == 0 || !plainAt(m.Content[0]) || !provenItem(key, item) || style.Offset < 0 || style.Gap < 1 {
		return
	}
	indent := m.Content[0].Column - 1
	leaf, ok := s.lastLine(m)
	if !ok || leaf > end {
		return
	}
	next, ok := s.closes(leaf, end, func(ind int, _ bool) bool { return ind < indent })
	if !ok {
		return
	}
	e.Shape, e.next, e.target = ShapeNewBlockEntry, next, m
}

// shapeNewItem classifies the edit that appends item to the block sequence v under the key
// k, at the dash column dash, inserted after line end.
func (s *Source) shapeNewItem(e *Edit, k, v *yaml.Node, item ListItem, dash, gap, end int) {
	if v.Style&yaml.FlowStyle != 0 || len(v.Content) == 0 || !plainAt(k) || !provenItem("", item) || gap < 1 {
		return
	}
	keyIndent := k.Column - 1
	if dash < keyIndent {
		return
	}
	if d, _, ok := s.dashOf(v.Content[len(v.Content)-1]); !ok || d != dash {
		return
	}
	leaf, ok := s.lastLine(v)
	if !ok || leaf > end {
		return
	}
	next, ok := s.closes(leaf, end, func(ind int, isDash bool) bool {
		return ind < keyIndent || ind == keyIndent && !isDash
	})
	if !ok {
		return
	}
	e.Shape, e.next, e.target = ShapeBlockItem, next, v
}

// Proven reports whether the document edits produce is known without parsing it: every edit
// has a shape other than ShapeUnknown, and a line of content separates each insertion from
// the next (so that no edit's surroundings are another edit's text).
func Proven(edits []Edit) bool {
	if len(edits) == 0 {
		return false
	}
	es := append([]Edit(nil), edits...)
	sort.SliceStable(es, func(i, j int) bool { return es[i].Start < es[j].Start })
	for i, e := range es {
		if e.Shape == ShapeUnknown || e.Start != e.End {
			return false
		}
		if i+1 < len(es) && es[i+1].Start <= e.next {
			return false
		}
	}
	return true
}

// Target is the mapping or sequence the edit adds to, when its Shape says what it adds.
func (e Edit) Target() *yaml.Node { return e.target }
