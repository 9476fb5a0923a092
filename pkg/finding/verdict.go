package finding

import "fmt"

// Verdict is check's closing line, from its findings. It promises only what acrgen could see:
// with warnings, it says that they name what it could not see or check.
func Verdict(fs []Finding) string {
	const seen = "every workload that pulls from the registry references its Secret, and every Secret is encrypted"
	problems, warnings := 0, 0
	for _, f := range fs {
		switch f.Severity {
		case Problem:
			problems++
		case Warning:
			warnings++
		}
	}
	switch {
	case problems > 0 && warnings > 0:
		return fmt.Sprintf("%d problem(s) found; the %d warning(s) above name what acrgen could not see or check", problems, warnings)
	case problems > 0:
		return fmt.Sprintf("%d problem(s) found", problems)
	case warnings > 0:
		return fmt.Sprintf("ok, as far as acrgen could see: %s; the %d warning(s) above name what it could not see or check", seen, warnings)
	}
	return "ok: " + seen
}
