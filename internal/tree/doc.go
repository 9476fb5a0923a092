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
// A load runs in steps, each in a file of its own, each handing its result to the next, so
// that a reader follows one load in one direction (TestLoadStepsCallDownward keeps it so):
// resolve.go resolves paths (symlinks, the root's bounds); read.go reads files (regular, of
// bounded size, UTF-8); kustomization.go parses a kustomization into its layer (patches.go
// is a patch: its parse, its targets, its run); walk.go walks the kustomizations and finds
// every manifest file of the build with the chain of layers its resources go through;
// prefilter.go decides which documents are worth a full parse, and parse.go parses them;
// layer.go runs each resource through its chain (namespaces, names, labels, patches,
// images: entries) into an Instance. tree.go's Load calls them in that order. Their tests
// need no external tool: the model's answers under testdata/model were recorded once from
// kustomize build (make tree-goldens), and testdata/load holds the trees the loader refuses.
package tree
