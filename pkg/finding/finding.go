package finding

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Severity is how much a finding matters.
type Severity int8

// The severities, most serious first.
const (
	// Problem: the cluster would not pull (or the input cannot be handled): check exits 1, and
	// a run that writes refuses to (exit 2), writing nothing.
	Problem Severity = iota + 1
	// Warning: worth a look; acrgen could not see or check something, or fixed something the
	// user should know about. The verdict says "as far as acrgen could see".
	Warning
	// Note: what acrgen found, for the record (a Secret and what it holds).
	Note
	// Action: a change the run makes (or, with --check or --diff, would make).
	Action
	// Quiet is a rule's severity for a finding that is not reported in that case: the action
	// or the refusal that follows says it (see [Rule]).
	Quiet Severity = -1
)

var severityNames = [...]string{Problem: "problem", Warning: "warning", Note: "note", Action: "action"}

// String is the severity's name: problem, warning, note or action.
func (s Severity) String() string {
	if s < Problem || s > Action {
		return "unknown"
	}
	return severityNames[s]
}

// ParseSeverity is the inverse of [Severity.String].
func ParseSeverity(s string) (Severity, bool) {
	for i, n := range severityNames {
		if n == s && n != "" {
			return Severity(i), true
		}
	}
	return 0, false
}

// Code is a finding's stable code, such as "ACR001". Codes are never reused for another
// meaning.
type Code string

// Object is the Kubernetes object a finding is about; the zero value is none.
type Object struct {
	APIVersion, Kind, Namespace, Name string
}

// IsZero reports whether o names no object.
func (o Object) IsZero() bool { return o.Kind == "" && o.Name == "" }

// String is the object as messages name it: "Kind name in namespace ns", quoted where needed.
func (o Object) String() string {
	if o.IsZero() {
		return ""
	}
	s := Quote(o.Kind) + " " + Quote(o.Name)
	if o.Namespace != "" {
		s += " in namespace " + Quote(o.Namespace)
	}
	return s
}

// Finding is one thing acrgen found.
type Finding struct {
	Code Code
	// Severity is set by [Finding.Resolve] from the rule, and from whether the run fixed it
	// and writes at all.
	Severity Severity
	// File is the file the finding is about, as the front end knows it (an absolute path for
	// the CLI, the path an orchestrator gave for the function); empty for none. Line is the
	// line in it (1-based); 0 for none.
	File string
	Line int
	// Object is the Kubernetes object it is about, and Field the path of the field in it
	// (e.g. spec.template.spec.imagePullSecrets); both may be empty.
	Object Object
	Field  string
	// Via names the Flux Kustomization whose run found it (as shown to the user); empty when
	// acrgen worked on the directory itself.
	Via string
	// Fixed is true when the run makes the change that resolves it.
	Fixed bool
	// Args are the values of the rule's Params, in order.
	Args []string
}

// New returns a finding of code with the values of its rule's Params.
func New(code Code, args ...string) Finding {
	return Finding{Code: code, Args: args}
}

// At returns f located at line of file.
func (f Finding) At(file string, line int) Finding {
	f.File, f.Line = file, line
	return f
}

// On returns f about obj, at field ("" for the object as a whole).
func (f Finding) On(obj Object, field string) Finding {
	f.Object, f.Field = obj, field
	return f
}

// Rule returns the rule of f's code; ok is false for an unknown code.
func (f Finding) Rule() (Rule, bool) { return Lookup(f.Code) }

// Resolve sets f's severity from its rule: the fixed severity when the run fixes it, else
// the severity in a run that writes (render, patch, the KRM function) or that only reads
// (check).
func (f *Finding) Resolve(writes bool) {
	r, _ := f.Rule()
	f.Severity = r.severity(f.Fixed, writes)
}

// Name is the rule's name, e.g. "pull-secret-missing".
func (f Finding) Name() string {
	r, _ := f.Rule()
	return r.Name
}

// Message is the finding's message, worded by its rule (its fix message when Fixed), every
// argument quoted where needed, and prefixed with "via VIA: " when Via is set.
func (f Finding) Message() string {
	r, ok := f.Rule()
	if !ok {
		return "unknown finding " + Quote(string(f.Code))
	}
	t := r.Message
	if f.Fixed && r.FixMessage != "" {
		t = r.FixMessage
	}
	msg := r.format(t, f)
	if f.Via != "" {
		msg = "via " + Quote(f.Via) + ": " + msg
	}
	return msg
}

// Hint is what to do about the finding, worded by its rule; empty for none (and when the run
// fixes it).
func (f Finding) Hint() string {
	r, ok := f.Rule()
	if !ok || f.Fixed {
		return ""
	}
	return r.format(r.Hint, f)
}

// Quote returns s as it is when it holds only printable characters and plain spaces, and as a
// Go string literal (with escapes) otherwise: a newline, a carriage return, an escape
// sequence, another C0 or C1 control, a bidirectional control, a line or paragraph separator,
// or bytes that are not UTF-8 never reach the output verbatim. Quote(Quote(s)) == Quote(s).
func Quote(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return quoteRunes(s)
		}
	}
	return s
}

func quoteRunes(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) || unicode.Is(unicode.Bidi_Control, r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// Join quotes each of items and joins them with ", ".
func Join(items []string) string {
	var b strings.Builder
	for i, s := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(Quote(s))
	}
	return b.String()
}

// Namespace names a namespace in a message argument: "namespace NS", or "the default
// namespace" for none.
func Namespace(ns string) string {
	if ns == "" {
		return "the default namespace"
	}
	return "namespace " + Quote(ns)
}
