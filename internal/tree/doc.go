// Package tree reads a kustomize tree (or a plain directory of manifests) from disk into
// what acrgen's core needs: every file's parsed documents, and every occurrence of a resource
// in the build of the root with its effective namespace and images. It also locks a tree
// (one writer or many readers) and writes changed files back through a journal, so that a
// write is whole even across a kill, never lands outside the root, and never overwrites a
// file changed since it was read.
//
// It follows a kustomization's resources and components the way kustomize does, applying
// namespace, namePrefix/nameSuffix and the images transformer (through kustomize's own
// imagetag filter) along the way, but it never runs a whole kustomize build: that is
// quadratic in the number of resources, and acrgen must stay linear.
//
// The package is split by job: tree.go loads files under the filesystem rules (symlinks,
// size, regular files, encoding) and walks a plain directory; model.go and patches.go are the
// kustomize model (layers, components, patches, prefixes, namespaces, images); prefilter.go
// decides which documents are worth a full parse (and records the ones it skips). Their tests
// need no external tool: the model's answers under testdata/model were recorded once from
// kustomize build (make tree-goldens), and testdata/load holds the trees the loader refuses.
package tree
