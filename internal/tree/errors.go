package tree

import (
	"errors"
	"fmt"
	"strings"

	"github.com/acrgen/acrgen/pkg/manifest"
)

// InputError is bad input: a file acrgen cannot read as a manifest or kustomization. The CLI
// maps it to exit code 2.
type InputError struct {
	Path string // the file, relative to the working directory where possible
	Line int
	Msg  string
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// lineErr is err, from parsing the file shown as path, as an input error with the line
// render reported.
func lineErr(path string, err error) error {
	var le *manifest.LineError
	if errors.As(err, &le) {
		return &InputError{Path: path, Line: le.Line, Msg: le.Msg}
	}
	return &InputError{Path: path, Msg: err.Error()}
}

// brief shortens an error from a YAML or patch library, some of which quote the whole input,
// to its first line.
func brief(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}
