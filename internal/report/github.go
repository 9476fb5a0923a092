package report

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/acrgen/acrgen/pkg/finding"
)

// writeGitHub writes each finding as a GitHub Actions workflow command: problems as ::error,
// warnings as ::warning, notes and actions as ::notice, with the file (relative to the
// repository root, the runner's workspace), the line and a title naming the code.
func (r *Report) writeGitHub(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, f := range r.Findings {
		cmd := "notice"
		switch f.Severity {
		case finding.Problem:
			cmd = "error"
		case finding.Warning:
			cmd = "warning"
		}
		var props []string
		if f.File != "" {
			file := r.Rel(f.File)
			if file == "" {
				file = f.File
			}
			props = append(props, "file="+escapeProperty(finding.Quote(file)))
			if f.Line > 0 {
				props = append(props, "line="+strconv.Itoa(f.Line))
			}
		}
		props = append(props, "title="+escapeProperty(string(f.Code)+" "+f.Name()))
		msg := f.Message()
		if h := f.Hint(); h != "" {
			msg += "\nhint: " + h
		}
		bw.WriteString("::" + cmd + " " + strings.Join(props, ",") + "::" + escapeData(msg) + "\n")
	}
	return bw.Flush()
}

// escapeData and escapeProperty escape a workflow command's message and property values as
// the GitHub Actions toolkit does (actions/toolkit, packages/core/src/command.ts, escapeData
// and escapeProperty): %, CR and LF in both, and : and , in properties too. A value cannot end
// the command early or start another one.
var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func escapeData(s string) string     { return dataEscaper.Replace(s) }
func escapeProperty(s string) string { return propertyEscaper.Replace(s) }
