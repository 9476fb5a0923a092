package render

import (
	"bytes"
	"slices"

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

// SecretFileName is the file a new pull Secret called name for namespace ns goes to, in the
// directory of the kustomization that lists it; ns is empty for a Secret without a namespace.
func SecretFileName(name, ns string) string {
	if ns == "" {
		return name + ".enc.yaml"
	}
	return name + "." + ns + ".enc.yaml"
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
