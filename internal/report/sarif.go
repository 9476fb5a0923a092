package report

import (
	"bytes"
	"io"
	"net/url"
	"strings"

	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// informationURI is where acrgen's findings are documented.
const informationURI = "https://github.com/acrgen/acrgen/blob/main/docs/findings.md"

// sarifLevel maps a severity to a SARIF result level: problems are errors, actions and notes
// notes.
func sarifLevel(s finding.Severity) string {
	switch s {
	case finding.Problem:
		return "error"
	case finding.Warning:
		return "warning"
	}
	return "note"
}

// writeSARIF writes a SARIF 2.1.0 log of one run: every rule of the findings table (code,
// name, help, hint, default level), and a result per finding located in its file relative to
// the repository root (uriBaseId %SRCROOT%), at its line; invisible characters escaped as in
// the JSON document.
func (r *Report) writeSARIF(w io.Writer) error {
	run := sarif.NewRunWithInformationURI("acrgen", informationURI)
	run.Tool.Driver.WithVersion(r.Version)
	run.Tool.Driver.WithSemanticVersion(semver(r.Version))
	for _, rule := range finding.Rules {
		rd := run.AddRule(string(rule.Code)).WithName(rule.Name).WithDescription(firstSentence(rule.Help)).
			WithFullDescription(sarif.NewMultiformatMessageString().WithText(rule.Help)).
			WithHelpURI(informationURI + "#" + strings.ToLower(string(rule.Code)) + "-" + rule.Name).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(rule.Check)))
		help := rule.Help
		if rule.Hint != "" {
			help += "\n\nWhat to do: " + ruleHint(rule)
		}
		rd.WithHelp(sarif.NewMultiformatMessageString().WithText(help))
	}
	for _, f := range r.Findings {
		msg := f.Message()
		if h := f.Hint(); h != "" {
			msg += "\nWhat to do: " + h
		}
		res := run.CreateResultForRule(string(f.Code)).WithLevel(sarifLevel(f.Severity)).WithMessage(sarif.NewTextMessage(msg))
		res.WithRuleIndex(run.GetRuleIndex(string(f.Code)))
		if f.Severity == finding.Action {
			res.WithKind("informational")
		}
		if loc := r.sarifLocation(f); loc != nil {
			res.AddLocation(loc)
		}
	}
	rep := sarif.NewReport()
	rep.AddRun(run)
	var b bytes.Buffer
	if err := rep.PrettyWrite(&b); err != nil {
		return err
	}
	return writeVisible(w, b.Bytes())
}

// sarifLocation is where a finding is: its file relative to the repository root (or a file:
// URI outside it), its line, and the object and field as a logical location; nil for a
// finding without a file.
func (r *Report) sarifLocation(f finding.Finding) *sarif.Location {
	if f.File == "" {
		return nil
	}
	al := sarif.NewArtifactLocation()
	if rel := r.Rel(f.File); rel != "" {
		al.WithURI((&url.URL{Path: rel}).EscapedPath()).WithURIBaseID("%SRCROOT%")
	} else {
		al.WithURI((&url.URL{Scheme: "file", Path: f.File}).String())
	}
	pl := sarif.NewPhysicalLocation().WithArtifactLocation(al)
	if f.Line > 0 {
		pl.WithRegion(sarif.NewRegion().WithStartLine(f.Line))
	}
	loc := sarif.NewLocationWithPhysicalLocation(pl)
	if !f.Object.IsZero() {
		name := f.Object.Kind + "/" + f.Object.Name
		if f.Object.Namespace != "" {
			name = f.Object.Namespace + "/" + name
		}
		ll := sarif.NewLogicalLocation().WithFullyQualifiedName(name).WithKind("object")
		loc.WithLogicalLocations([]*sarif.LogicalLocation{ll})
	}
	return loc
}

// ruleHint is a rule's hint with its placeholders left as names: the rule's help, not one
// finding's.
func ruleHint(rule finding.Rule) string {
	return strings.NewReplacer("[", "", "]", "").Replace(rule.Hint)
}

// firstSentence is the text up to the first ". " (the short description SARIF asks for).
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// semver is the version when it is a semantic version (v1.2.3 or 1.2.3), else "".
func semver(v string) string {
	v = strings.TrimPrefix(v, "v")
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return ""
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return ""
		}
	}
	return v
}
