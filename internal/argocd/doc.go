// Package argocd reads the Argo CD objects of a repository (argoproj.io/v1alpha1 Applications
// and ApplicationSets), selects the Application sources that are this repository, and turns
// each into what Argo CD applies there: a directory, the tree.Overlay that the repo-server's
// kustomize runner (argo-cd util/kustomize, Build) writes into its kustomization before
// `kustomize build`, and the destination namespace that the application controller gives the
// namespaced resources that carry none (argo-cd controller/state.go, DeduplicateTargetObjects).
//
// It decodes the objects with its own small decoder, not with argo-cd's API types: argo-cd is
// a very large module, and the production binary must not link it. The tests under
// internal/testing/argoproof check this package against argo-cd's own code.
//
// What it cannot see into (Helm charts, other repositories, config management plugins, a
// targetRevision that is not the checked-out one, generators other than the list generator) is
// returned as a Warning naming the object, never dropped.
package argocd
