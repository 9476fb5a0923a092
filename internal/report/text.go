package report

import (
	"bufio"
	"io"

	"github.com/acrgen/acrgen/pkg/finding"
)

// writeText writes each finding as a GNU-style diagnostic, "FILE:LINE: severity: message
// [CODE]", followed by "FILE:LINE: hint: ..." when its rule says what to do: warnings to errw,
// notes, then problems, then actions to out. A finding without a file is located at
// "acrgen".
func (r *Report) writeText(out, errw io.Writer) error {
	// One write per line was one system call per line: ten thousand of them on a large tree.
	bo, be := bufio.NewWriterSize(out, 64<<10), bufio.NewWriter(errw)
	for _, sev := range []finding.Severity{finding.Warning, finding.Note, finding.Problem, finding.Action} {
		w := bo
		if sev == finding.Warning {
			w = be
		}
		for _, f := range r.Findings {
			if f.Severity != sev {
				continue
			}
			loc := r.location(f)
			w.WriteString(loc + ": " + sev.String() + ": " + f.Message() + " [" + string(f.Code) + "]\n")
			if h := f.Hint(); h != "" {
				w.WriteString(loc + ": hint: " + h + "\n")
			}
		}
	}
	if err := be.Flush(); err != nil {
		return err
	}
	return bo.Flush()
}
