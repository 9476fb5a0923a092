package judge

import "slices"

// NamespaceAllowed reports whether a workload in namespace ns is in scope: filter lists the
// namespaces to work on, and an empty filter allows every namespace.
func NamespaceAllowed(filter []string, ns string) bool {
	return len(filter) == 0 || slices.Contains(filter, ns)
}

// ReleaseInScope reports whether a Flux HelmRelease that releases into namespace ns (err
// saying when ns is no namespace name, see [ReleaseNamespace]) is among the namespaces of
// filter. One whose namespace acrgen cannot tell (a ${VAR} nothing substituted) may release
// into any of them: it is in scope, as a workload of such a namespace is judged whatever the
// filter, so that its chart is never left out of the verdict unseen.
func ReleaseInScope(filter []string, ns string, err error) bool {
	return err != nil || NamespaceAllowed(filter, ns)
}
