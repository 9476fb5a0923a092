package render

import (
	"fmt"
	"regexp"
)

// Limits on the names acrgen puts into file names and manifests.
const (
	// MaxNamespaceLength is the longest namespace: a DNS-1123 label.
	MaxNamespaceLength = 63
	// MaxFileNameLength is the longest file name most filesystems take, in bytes.
	MaxFileNameLength = 255
	// MaxSecretNameLength is the longest Secret name acrgen accepts: short enough that the
	// longest file it writes for the Secret, <name>.<namespace>.enc.yaml with a namespace of
	// MaxNamespaceLength, fits in MaxFileNameLength bytes. Kubernetes itself allows 253.
	MaxSecretNameLength = MaxFileNameLength - len(".") - MaxNamespaceLength - len(".enc.yaml")
)

var (
	dns1123Subdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	dns1123Label     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

// ValidateSecretName checks a pull Secret's name: a DNS-1123 subdomain (what Kubernetes
// requires of a Secret's name) of at most MaxSecretNameLength bytes, so that the files named
// after it (<name>.enc.yaml, <name>.<namespace>.enc.yaml, <name>.patch.yaml) are plain file
// names in the directory: no path separator, no "." or "..", no leading "-".
func ValidateSecretName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("the Secret name is empty")
	case !dns1123Subdomain.MatchString(name):
		return fmt.Errorf("%q is not a valid Secret name: want lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (a DNS-1123 subdomain)", name)
	case len(name) > MaxSecretNameLength:
		return fmt.Errorf("the Secret name %.20q... is %d bytes long: at most %d, so that its file <name>.<namespace>.enc.yaml fits in %d bytes", name, len(name), MaxSecretNameLength, MaxFileNameLength)
	}
	return nil
}

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
		out = AppendUnique(out, m[1])
	}
	return out
}
