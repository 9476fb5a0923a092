package judge

import "slices"

// NamespaceAllowed reports whether a workload in namespace ns is in scope: filter lists the
// namespaces to work on, and an empty filter allows every namespace.
func NamespaceAllowed(filter []string, ns string) bool {
	return len(filter) == 0 || slices.Contains(filter, ns)
}
