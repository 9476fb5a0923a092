package render

import "strings"

// mayHaveDuplicateKeys is a fast, conservative test for documents the loader does not parse:
// it reads block-style YAML line by line and returns false only when it is sure that no
// mapping of the document has a key twice. Anything it does not follow (flow collections,
// quoted or complex keys, multi-line quoted scalars, tabs, directives) makes it return true,
// and the caller then parses the document in full, which decides.
func mayHaveDuplicateKeys(doc []byte) bool {
	var frames []keyFrame
	pop := func(indent int) { // drop the mappings deeper than indent
		for len(frames) > 0 && frames[len(frames)-1].indent > indent {
			frames = frames[:len(frames)-1]
		}
	}
	block := -1 // the indentation a block scalar's lines go deeper than; -1 outside one
	text := string(doc)
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
		case indent == 0 && isDocMarker(trimmed):
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
		case '"', '\'', '?', '{', '[', '&', '*', '!', '\t':
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
			frames = append(frames, keyFrame{indent: indent})
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
			return true
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
