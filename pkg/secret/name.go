package secret

import (
	"fmt"
	"regexp"

	"github.com/acrgen/acrgen/pkg/manifest"
)

// Limits on the names acrgen puts into file names.
const (
	// maxFileNameLength is the longest file name most filesystems take, in bytes.
	maxFileNameLength = 255
	// maxNameLength is the longest Secret name acrgen accepts: short enough that the longest
	// file it writes for the Secret, <name>.<namespace>.enc.yaml with a namespace of
	// manifest.MaxNamespaceLength, fits in maxFileNameLength bytes. Kubernetes itself allows 253.
	maxNameLength = maxFileNameLength - len(".") - manifest.MaxNamespaceLength - len(".enc.yaml")
)

// dns1123Subdomain is a DNS-1123 subdomain, as Kubernetes requires of a Secret's name.
var dns1123Subdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// ValidateName checks a pull Secret's name: a DNS-1123 subdomain (what Kubernetes
// requires of a Secret's name) of at most maxNameLength bytes, so that the files named
// after it (<name>.enc.yaml, <name>.<namespace>.enc.yaml, <name>.patch.yaml) are plain file
// names in the directory: no path separator, no "." or "..", no leading "-".
func ValidateName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("the Secret name is empty")
	case !dns1123Subdomain.MatchString(name):
		return fmt.Errorf("%q is not a valid Secret name: want lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (a DNS-1123 subdomain)", name)
	case len(name) > maxNameLength:
		return fmt.Errorf("the Secret name %.20q... is %d bytes long: at most %d, so that its file <name>.<namespace>.enc.yaml fits in %d bytes", name, len(name), maxNameLength, maxFileNameLength)
	}
	return nil
}

// FileName is the file a new pull Secret called name for namespace ns goes to, in the
// directory of the kustomization that lists it; ns is empty for a Secret without a namespace.
func FileName(name, ns string) string {
	if ns == "" {
		return name + ".enc.yaml"
	}
	return name + "." + ns + ".enc.yaml"
}
