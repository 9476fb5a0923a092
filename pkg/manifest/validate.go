package manifest

import (
	"fmt"
	"regexp"
	"slices"
)

// MaxNamespaceLength is the longest namespace: a DNS-1123 label.
const MaxNamespaceLength = 63

// dns1123Label is a DNS-1123 label, as Kubernetes requires of a namespace.
var dns1123Label = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// ValidateNamespace checks a namespace name: a DNS-1123 label, as Kubernetes requires. The
// empty string (no namespace) is valid.
func ValidateNamespace(ns string) error {
	if ns == "" {
		return nil
	}
	if len(ns) > MaxNamespaceLength || !dns1123Label.MatchString(ns) {
		if len(ns) > MaxNamespaceLength && dns1123Label.MatchString(ns) {
			return fmt.Errorf("namespace %.20q... is %d bytes long: at most %d (a DNS-1123 label)", ns, len(ns), MaxNamespaceLength)
		}
		return fmt.Errorf("%q is not a valid namespace: want at most %d lower-case letters, digits and '-', starting and ending with a letter or digit (a DNS-1123 label)", ns, MaxNamespaceLength)
	}
	return nil
}

// varRef is a ${NAME} reference, as Flux's postBuild substitutes it (with or without a default
// or another shell form after the name).
var varRef = regexp.MustCompile(`\$\{([_a-zA-Z][_a-zA-Z0-9]*)`)

// NamespaceVariables returns the names of the ${VAR} references in a namespace, in order; none
// for a namespace written out.
func NamespaceVariables(ns string) []string {
	var out []string
	for _, m := range varRef.FindAllStringSubmatch(ns, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}
