package finding

import (
	"fmt"
	"slices"
	"strings"
)

// Verdict is check's closing line, from its findings. It promises only what acrgen could see:
// with warnings, it says that they name what it could not see or check; with notes of rules
// that have a caveat (a MAC not verified), it says so the same way, and what it did not verify.
func Verdict(fs []Finding) string {
	seen := "every workload that pulls from the registry references its Secret, and every Secret is encrypted"
	problems, warnings := 0, 0
	var caveats []string
	for _, f := range fs {
		switch f.Severity {
		case Problem:
			problems++
		case Warning:
			warnings++
		}
		if r, ok := f.Rule(); ok && r.Caveat != "" && !slices.Contains(caveats, r.Caveat) {
			caveats = append(caveats, r.Caveat)
		}
	}
	if len(caveats) > 0 {
		seen += " (not verified: " + strings.Join(caveats, "; ") + ")"
	}
	switch {
	case problems > 0 && warnings > 0:
		return fmt.Sprintf("%d problem(s) found; the %d warning(s) above name what acrgen could not see or check", problems, warnings)
	case problems > 0:
		return fmt.Sprintf("%d problem(s) found", problems)
	case warnings > 0:
		return fmt.Sprintf("ok, as far as acrgen could see: %s; the %d warning(s) above name what it could not see or check", seen, warnings)
	case len(caveats) > 0:
		return "ok, as far as acrgen could see: " + seen
	}
	return "ok: " + seen
}

// Strict makes every warning of fs a problem, for check --strict: a CI job that reads only
// the exit code then fails on what acrgen could not see or check, not only on what it found
// wrong. Notes and actions stay as they are.
func Strict(fs []Finding) {
	for i := range fs {
		if fs[i].Severity == Warning {
			fs[i].Severity = Problem
		}
	}
}
