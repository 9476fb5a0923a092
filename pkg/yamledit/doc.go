// Package yamledit is acrgen's YAML text editor: it computes the smallest edits that insert a
// mapping entry or a list item into a YAML file ([AppendListItem], [AppendBlockItem]), applies
// them to the original bytes ([Apply]), and says when an edit's shape proves what the result
// parses to without parsing it again ([Proven]).
//
// Edits are made on the original bytes rather than by re-serialising parsed YAML, because a
// YAML serialiser loses what reviewers care about in a pull request: header comments, blank
// lines, indentation, quoting and document separators. The parsed tree (go.yaml.in/yaml/v3
// nodes, as kyaml uses) only says where to insert; the inserted lines copy the indentation of
// their neighbours. What to insert where is the caller's: pkg/manifest patches pod specs and
// HelmReleases with it, internal/engine kustomizations.
package yamledit
