package manifest

import (
	"strings"
	"sync"
	"unsafe"

	"github.com/acrgen/acrgen/pkg/yamledit"
)

// mayHaveDuplicateKeys is a fast, conservative test for documents the loader does not parse:
// it reads block-style YAML line by line and returns false only when it is sure that no
// mapping of the document has a key twice. Anything it does not follow (flow collections that
// do not close on their line or that [flowLineClean] does not follow, quoted or complex keys,
// multi-line quoted scalars, tabs, directives) makes it return true,
// and the caller then parses the document in full, which decides.
func mayHaveDuplicateKeys(doc []byte) bool {
	scratch := framePool.Get().(*[]keyFrame)
	frames := (*scratch)[:0]
	defer func() {
		*scratch = frames[:0] // the frames keep their key lists for the next document
		framePool.Put(scratch)
	}()
	pop := func(indent int) { // drop the mappings deeper than indent
		for len(frames) > 0 && frames[len(frames)-1].indent > indent {
			frames = frames[:len(frames)-1]
		}
	}
	block := -1 // the indentation a block scalar's lines go deeper than; -1 outside one
	// The scan only reads doc, which no one changes meanwhile: read it as a string without
	// copying it (a run scans megabytes of skipped documents). The key strings the frames
	// keep in the pool point into doc until a later scan overwrites them; they are never read
	// again.
	text := unsafe.String(unsafe.SliceData(doc), len(doc))
	for len(text) > 0 {
		line := text
		if nl := strings.IndexByte(text, '\n'); nl >= 0 {
			line, text = text[:nl], text[nl+1:]
		} else {
			text = ""
		}
		line = strings.TrimSuffix(line, "\r")
		trimmed := strings.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		if trimmed == "" {
			continue
		}
		if block >= 0 {
			if indent > block {
				continue
			}
			block = -1
		}
		switch {
		case trimmed[0] == '#':
			continue
		case strings.HasPrefix(trimmed, "\t") || trimmed[0] == '%':
			return true
		case indent == 0 && yamledit.IsDocMarker(trimmed):
			if strings.TrimSpace(trimmed[3:]) != "" {
				return true
			}
			frames = frames[:0]
			continue
		}
		// Sequence indicators: each starts a new item, whose mapping keys sit after it.
		for trimmed == "-" || strings.HasPrefix(trimmed, "- ") {
			pop(indent)
			rest := strings.TrimLeft(trimmed[1:], " ")
			indent += len(trimmed) - len(rest)
			trimmed = rest
		}
		if trimmed == "" {
			continue
		}
		pop(indent)
		switch trimmed[0] {
		case '{', '[':
			if !flowLineClean(trimmed) {
				return true
			}
			continue
		case '"', '\'', '?', '&', '*', '!', '\t':
			return true
		case '|', '>':
			block = indent - 1
			continue
		}
		key, value, ok := splitKey(trimmed)
		if !ok {
			continue // a scalar, or a plain scalar's continuation
		}
		if len(frames) == 0 || frames[len(frames)-1].indent != indent {
			if n := len(frames); n < cap(frames) {
				// Reuse a popped frame's key list: most documents nest a few levels deep
				// many times over.
				frames = frames[:n+1]
				frames[n] = keyFrame{indent: indent, keys: frames[n].keys[:0]}
			} else {
				frames = append(frames, keyFrame{indent: indent})
			}
		}
		if !frames[len(frames)-1].add(key) {
			return true
		}
		if value == "" || value[0] == '#' {
			continue
		}
		for _, prop := range []byte{'&', '!'} { // an anchor or a tag before the value
			if value[0] == prop {
				sp := strings.IndexByte(value, ' ')
				if sp < 0 {
					value = ""
					break
				}
				value = strings.TrimLeft(value[sp:], " ")
			}
		}
		if value == "" {
			continue
		}
		switch value[0] {
		case '{', '[':
			if !flowLineClean(value) {
				return true
			}
		case '|', '>':
			block = indent
		case '"', '\'':
			if !closedQuote(value) {
				return true
			}
		}
	}
	return false
}

// framePool keeps the scan's frames and their key lists between documents: a tree has
// thousands of documents the loader skips, each nesting a few mappings.
var framePool = sync.Pool{New: func() any { return new([]keyFrame) }}

// keyFrame is a block mapping being scanned: its indentation and the keys seen so far.
type keyFrame struct {
	indent int
	keys   []string
	set    map[string]bool // replaces keys once the mapping is large
}

// add records key; it is false when the mapping has it already.
func (f *keyFrame) add(key string) bool {
	if f.set != nil {
		if f.set[key] {
			return false
		}
		f.set[key] = true
		return true
	}
	for _, k := range f.keys {
		if k == key {
			return false
		}
	}
	f.keys = append(f.keys, key)
	if len(f.keys) > 32 {
		f.set = make(map[string]bool, 2*len(f.keys))
		for _, k := range f.keys {
			f.set[k] = true
		}
		f.keys = nil
	}
	return true
}

// splitKey splits "key: value" (a plain key); ok is false for a line that is not a mapping
// entry.
func splitKey(s string) (key, value string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && i+1 < len(s) && s[i+1] == '#' {
			return "", "", false // a comment before any ": "
		}
		if s[i] == ':' && (i+1 == len(s) || s[i+1] == ' ') {
			return strings.TrimRight(s[:i], " "), strings.TrimLeft(s[i+1:], " "), true
		}
	}
	return "", "", false
}

// closedQuote reports whether a quoted scalar that starts a value ends on the same line.
func closedQuote(v string) bool {
	q := v[0]
	for i := 1; i < len(v); i++ {
		switch {
		case q == '"' && v[i] == '\\':
			i++
		case v[i] == q && q == '\'' && i+1 < len(v) && v[i+1] == '\'':
			i++
		case v[i] == q:
			return true
		}
	}
	return false
}

// flowLineClean reports whether v, which starts with a flow collection ("{" or "["), holds
// one that closes on this line, followed by nothing or a comment, and whose flow mappings
// certainly have no key twice. Keys must be plain or quoted scalars made of letters, digits
// and "-_./"; anything else it does not follow (anchors, aliases, tags, complex keys, other
// keys) makes it false, as does a repeated key.
func flowLineClean(v string) bool {
	type frame struct {
		mapping, wantKey bool
		keys             []string
	}
	var stack []frame
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == ' ':
			i++
			continue
		case c == '{' || c == '[':
			if n := len(stack); n > 0 && stack[n-1].mapping && stack[n-1].wantKey {
				return false // a collection as a key
			}
			stack = append(stack, frame{mapping: c == '{', wantKey: c == '{'})
			i++
			continue
		case c == '}' || c == ']':
			n := len(stack)
			if n == 0 || stack[n-1].mapping != (c == '}') {
				return false
			}
			stack = stack[:n-1]
			i++
			if len(stack) == 0 {
				rest := strings.TrimLeft(v[i:], " ")
				return rest == "" || rest[0] == '#' && len(rest) < len(v[i:])
			}
			continue
		case len(stack) == 0:
			return false
		case c == ',':
			top := &stack[len(stack)-1]
			top.wantKey = top.mapping
			i++
			continue
		case c == ':':
			stack[len(stack)-1].wantKey = false
			i++
			continue
		}
		// A scalar: quoted, or plain up to a flow indicator or ": ".
		var tok string
		switch c {
		case '"', '\'':
			j := i + 1
			for j < len(v) && v[j] != c {
				if c == '"' && v[j] == '\\' {
					return false
				}
				j++
			}
			if j == len(v) || c == '\'' && j+1 < len(v) && v[j+1] == '\'' {
				return false // unclosed, or an escaped quote: not followed
			}
			tok, i = v[i+1:j], j+1
		case '&', '*', '!', '?', '|', '>', '%', '@', '`', '#', '-':
			if c != '-' || i+1 < len(v) && v[i+1] == ' ' {
				return false
			}
			fallthrough
		default:
			j := i
			for j < len(v) && !strings.ContainsRune(",[]{}", rune(v[j])) && !(v[j] == ':' && (j+1 == len(v) || strings.ContainsRune(" ,[]{}", rune(v[j+1])))) {
				if v[j] == '#' && v[j-1] == ' ' {
					return false // a comment inside the collection: it does not close here
				}
				j++
			}
			tok, i = strings.TrimRight(v[i:j], " "), j
		}
		top := &stack[len(stack)-1]
		if !top.mapping || !top.wantKey {
			continue
		}
		if tok == "" || strings.IndexFunc(tok, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./", r))
		}) >= 0 {
			return false
		}
		for _, k := range top.keys {
			if k == tok {
				return false
			}
		}
		top.keys = append(top.keys, tok)
		top.wantKey = false
	}
	return false // not closed on this line
}
