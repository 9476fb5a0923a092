package render

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The decisions below are taken the same way by the CLI (internal/engine, on source trees) and
// by the KRM function (pkg/fn, on built resources); each has its one home here.

// DefaultSecretName is the pull Secret's name when none is given, by flag or functionConfig.
const DefaultSecretName = "acr-secret"

// NamespaceAllowed reports whether a workload in namespace ns is in scope: filter lists the
// namespaces to work on, and an empty filter allows every namespace.
func NamespaceAllowed(filter []string, ns string) bool {
	return len(filter) == 0 || slices.Contains(filter, ns)
}

// ServiceAccountName is the ServiceAccount a pod spec runs as: serviceAccountName, else the
// deprecated serviceAccount, else "default". A null or non-scalar value counts as unset.
func ServiceAccountName(podSpec *yaml.Node) string {
	for _, field := range []string{"serviceAccountName", "serviceAccount"} {
		if sa := Scalar(mapValue(podSpec, field)); sa != "" {
			return sa
		}
	}
	return "default"
}

// SecretFileName is the file a new pull Secret called name for namespace ns goes to, in the
// directory of the kustomization that lists it; ns is empty for a Secret without a namespace.
func SecretFileName(name, ns string) string {
	if ns == "" {
		return name + ".enc.yaml"
	}
	return name + "." + ns + ".enc.yaml"
}

// UpperCaseHostWarning returns the warning for an image whose registry host has upper-case
// letters (the kubelet matches pull-secret hosts case-sensitively), and false for one without.
func UpperCaseHostWarning(image string) (string, bool) {
	h := ImageHost(image)
	if h == strings.ToLower(h) {
		return "", false
	}
	return fmt.Sprintf("image %q: the kubelet matches pull-secret hosts case-sensitively; write the host in lower case", image), true
}

// MissingRegistries returns the login servers of want (lower case, as [ParseLoginServer] gives
// them) that an existing Secret's registry annotation (comma-separated hosts, as written by
// a person or an older acrgen) does not cover, in the order of want. Hosts compare ignoring
// case, as login servers do.
func MissingRegistries(annotation string, want []string) []string {
	covered := map[string]bool{}
	for _, s := range strings.Split(annotation, ",") {
		covered[strings.ToLower(strings.TrimSpace(s))] = true
	}
	var missing []string
	for _, w := range want {
		if !covered[strings.ToLower(w)] {
			missing = append(missing, w)
		}
	}
	return missing
}

// Scalar returns the value of a scalar node; "" for nil, null and any other kind of node.
func Scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == yaml.NodeTagNull {
		return ""
	}
	return n.Value
}

// TrimNewline drops one trailing line ending from a password, as `echo secret > file` leaves
// one. It returns a subslice of b: no copy of the password is made.
func TrimNewline(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}
