package report

import (
	"fmt"
	"io"
	"slices"

	"github.com/acrgen/acrgen/pkg/finding"
)

// Format is an output format of check, render and patch.
type Format string

// The formats.
const (
	Text   Format = "text"
	JSON   Format = "json"
	SARIF  Format = "sarif"
	GitHub Format = "github"
)

// Formats are the formats, in the order help lists them.
var Formats = []Format{Text, JSON, SARIF, GitHub}

// ParseFormat checks the name of a format.
func ParseFormat(s string) (Format, error) {
	if f := Format(s); slices.Contains(Formats, f) {
		return f, nil
	}
	return "", fmt.Errorf("%s is not an output format: want text, json, sarif or github", finding.Quote(s))
}

// Report is what one run of check, render or patch says.
type Report struct {
	// Command is check, render or patch.
	Command string
	// Version is acrgen's version.
	Version string
	// Findings are the run's findings, their severities resolved.
	Findings []finding.Finding
	// Changes are the files the run writes (or, with Written false, would write).
	Changes []Change
	// Written is true when the changes were written.
	Written bool
	// Plain shows a path relative to the working directory where it is below it, unquoted:
	// the text format quotes it (see [finding.Quote]), JSON escapes it.
	Plain func(string) string
	// Rel gives a path relative to the repository root, with forward slashes, unquoted, for
	// SARIF and GitHub; "" for a path outside the root.
	Rel func(string) string
}

// Change is a file the run writes.
type Change struct {
	File    string
	Created bool
}

// Write renders the report in format f: findings to out, except the text format's warnings,
// which go to errw as diagnostics do.
func (r *Report) Write(f Format, out, errw io.Writer) error {
	switch f {
	case JSON:
		return r.writeJSON(out)
	case SARIF:
		return r.writeSARIF(out)
	case GitHub:
		return r.writeGitHub(out)
	}
	return r.writeText(out, errw)
}

// location is where a finding is, as text shows it: FILE:LINE, FILE, or acrgen.
func (r *Report) location(f finding.Finding) string {
	if f.File == "" {
		return "acrgen"
	}
	loc := finding.Quote(r.Plain(f.File))
	if f.Line > 0 {
		loc += fmt.Sprintf(":%d", f.Line)
	}
	return loc
}
