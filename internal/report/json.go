package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/acrgen/acrgen/pkg/finding"
)

// SchemaURI identifies the JSON document's schema (docs/findings.schema.json); it changes
// only with Version.
const SchemaURI = "https://acrgen.dev/schemas/findings-v1.json"

// Version is the version of the JSON document's shape. A release may add fields; it never
// removes or renames one, or changes its meaning, without a new version.
const Version = 1

// Document is the JSON output of check, render and patch (--output json).
type Document struct {
	Schema  string `json:"$schema"`
	Version int    `json:"version"`
	Tool    Tool   `json:"tool"`
	// Command is check, render or patch.
	Command string `json:"command"`
	// OK is true when the run found no problem; Counts counts the findings by severity.
	OK     bool           `json:"ok"`
	Counts map[string]int `json:"counts"`
	// Verdict is check's summary line (empty for render and patch).
	Verdict  string        `json:"verdict,omitempty"`
	Findings []JSONFinding `json:"findings"`
	// Changes are the files the run writes, or would write; Written says which.
	Changes []JSONChange `json:"changes"`
	Written bool         `json:"written"`
}

// Tool names acrgen and its version.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// JSONFinding is one finding.
type JSONFinding struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
	// File is relative to the working directory where it is below it; Line is 1-based.
	File   string      `json:"file,omitempty"`
	Line   int         `json:"line,omitempty"`
	Object *JSONObject `json:"object,omitempty"`
	Field  string      `json:"field,omitempty"`
	// Via names the Flux Kustomization whose run found it.
	Via string `json:"via,omitempty"`
}

// JSONObject is the Kubernetes object a finding is about.
type JSONObject struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// JSONChange is a file the run writes.
type JSONChange struct {
	File    string `json:"file"`
	Created bool   `json:"created"`
}

// Document returns the report as the JSON document, its paths shown by r.Plain, unquoted: JSON
// escapes what needs escaping.
func (r *Report) Document() Document {
	d := Document{
		Schema: SchemaURI, Version: Version, Tool: Tool{Name: "acrgen", Version: r.Version}, Command: r.Command,
		Counts: map[string]int{}, Findings: []JSONFinding{}, Changes: []JSONChange{}, Written: r.Written,
	}
	for _, s := range []finding.Severity{finding.Problem, finding.Warning, finding.Note, finding.Action} {
		d.Counts[s.String()] = 0
	}
	for _, f := range r.Findings {
		d.Counts[f.Severity.String()]++
		jf := JSONFinding{Code: string(f.Code), Name: f.Name(), Severity: f.Severity.String(), Message: f.Message(), Hint: f.Hint(), Line: f.Line, Field: f.Field, Via: f.Via}
		if f.File != "" {
			jf.File = r.Plain(f.File)
		}
		if o := f.Object; !o.IsZero() {
			jf.Object = &JSONObject{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
		}
		d.Findings = append(d.Findings, jf)
	}
	for _, c := range r.Changes {
		d.Changes = append(d.Changes, JSONChange{File: r.Plain(c.File), Created: c.Created})
	}
	d.OK = d.Counts[finding.Problem.String()] == 0
	if r.Command == "check" {
		d.Verdict = finding.Verdict(r.Findings)
	}
	return d
}

// writeJSON writes the document, its invisible characters escaped (see [writeVisible]).
func (r *Report) writeJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r.Document(), "", "  ")
	if err != nil {
		return err
	}
	return writeVisible(w, b)
}

// writeVisible writes a JSON document b and a line break. encoding/json leaves C1 controls,
// bidirectional controls and other invisible characters as they are inside strings; they are
// written as \u escapes instead, which decode to the same strings, so that the document shown
// on a terminal shows what it holds.
func writeVisible(w io.Writer, b []byte) error {
	var out strings.Builder
	out.Grow(len(b) + 1)
	for _, c := range string(b) {
		if c >= 0x80 && (!unicode.IsPrint(c) || unicode.Is(unicode.Bidi_Control, c)) {
			if r1, r2 := utf16.EncodeRune(c); r1 != unicode.ReplacementChar {
				fmt.Fprintf(&out, "\\u%04x\\u%04x", r1, r2)
			} else {
				fmt.Fprintf(&out, "\\u%04x", c)
			}
			continue
		}
		out.WriteRune(c)
	}
	out.WriteByte('\n')
	_, err := io.WriteString(w, out.String())
	return err
}
