package finding

import (
	"slices"
	"strings"
)

// Rule is one row of the findings table: everything said about one code.
//
// Message, FixMessage and Hint are templates: {name} stands for the value of the parameter
// name (one of Params), {object} for the finding's object, {kindname} for its kind and name
// alone and {field} for its field, each quoted where needed (see [Quote]); a part in
// [brackets] is left out when a value in it is empty. Templates hold no other brackets.
type Rule struct {
	Code Code
	// Name is the code's stable name, e.g. pull-secret-missing.
	Name string
	// Params name the finding's Args, in order.
	Params []string
	// Check is the severity when the run does not fix it and only reads (check); Write when
	// it does not fix it and writes (render, patch, the function), zero meaning Check; Fixed
	// when the run fixes it, zero meaning Action.
	Check, Write, Fixed Severity
	// Message says what was found; FixMessage what the run does about it, empty meaning
	// Message. Hint says what to do.
	Message, FixMessage, Hint string
	// Help explains the finding, for docs/findings.md and SARIF rules.
	Help string
	// Caveat is what a finding of the rule leaves unchecked, for check's verdict: a note whose
	// ok is qualified (see [Verdict]); empty for none.
	Caveat string
	// Example are example values of Params (with ExampleObject), for the docs.
	Example       []string
	ExampleObject Object
}

// severity is the rule's severity for a finding that the run fixed or not, in a run that
// writes or not.
func (r Rule) severity(fixed, writes bool) Severity {
	switch {
	case fixed && r.Fixed != 0:
		return r.Fixed
	case fixed:
		return Action
	case writes && r.Write != 0:
		return r.Write
	}
	return r.Check
}

// format fills template t with f's values.
func (r Rule) format(t string, f Finding) string {
	var b strings.Builder
	b.Grow(len(t) + 32*len(f.Args))
	for t != "" {
		i := strings.IndexByte(t, '[')
		if i < 0 {
			r.fill(&b, t, f)
			break
		}
		r.fill(&b, t[:i], f)
		t = t[i+1:]
		j := strings.IndexByte(t, ']')
		if j < 0 {
			j = len(t) // a test keeps templates balanced
		}
		opt := t[:j]
		if t = t[min(j+1, len(t)):]; r.complete(opt, f) {
			r.fill(&b, opt, f)
		}
	}
	return b.String()
}

// fill writes t with its placeholders replaced.
func (r Rule) fill(b *strings.Builder, t string, f Finding) {
	for {
		i := strings.IndexByte(t, '{')
		j := strings.IndexByte(t[max(i, 0):], '}')
		if i < 0 || j < 0 {
			b.WriteString(t)
			return
		}
		b.WriteString(t[:i])
		b.WriteString(r.value(t[i+1:i+j], f))
		t = t[i+j+1:]
	}
}

// complete reports whether every placeholder of t has a value.
func (r Rule) complete(t string, f Finding) bool {
	for {
		i := strings.IndexByte(t, '{')
		j := strings.IndexByte(t[max(i, 0):], '}')
		if i < 0 || j < 0 {
			return true
		}
		if r.value(t[i+1:i+j], f) == "" {
			return false
		}
		t = t[i+j+1:]
	}
}

// value is the quoted value of placeholder name.
func (r Rule) value(name string, f Finding) string {
	switch name {
	case "object":
		return f.Object.String()
	case "kindname": // the object without its namespace, when that is what the message is about
		if f.Object.IsZero() {
			return ""
		}
		return Quote(f.Object.Kind) + " " + Quote(f.Object.Name)
	case "field":
		return Quote(f.Field)
	}
	if i := slices.Index(r.Params, name); i >= 0 && i < len(f.Args) {
		return Quote(f.Args[i])
	}
	return ""
}

// placeholders returns the names of t's placeholders.
func placeholders(t string) []string {
	var out []string
	for {
		i := strings.IndexByte(t, '{')
		j := strings.IndexByte(t[max(i, 0):], '}')
		if i < 0 || j < 0 {
			return out
		}
		out = append(out, t[i+1:i+j])
		t = t[i+j+1:]
	}
}

var byCode = func() map[Code]int {
	m := make(map[Code]int, len(Rules))
	for i, r := range Rules {
		m[r.Code] = i
	}
	return m
}()

// Lookup returns the rule of code.
func Lookup(code Code) (Rule, bool) {
	i, ok := byCode[code]
	if !ok {
		return Rule{}, false
	}
	return Rules[i], true
}
