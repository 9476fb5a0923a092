// Package render is acrgen's pure core: deciding which workloads pull from the configured
// registries, finding their pod specs, computing the smallest text edits that add an
// imagePullSecrets entry, and building the plaintext dockerconfigjson Secret.
//
// It does no I/O: no filesystem, network, clock, environment or encryption. Callers hand it
// bytes and parsed YAML nodes and get bytes and edits back, which is why every behaviour here
// is covered by golden tests under testdata/.
//
// Every decision of a run is taken here once, by [Decide], for both front ends: the CLI
// (internal/engine, on source trees) and the KRM function (pkg/fn, on built resources) gather
// [Occurrences] from their input, call Decide, and apply the [Decisions] it returns. What only
// a front end can find out as a side effect (whether an existing Secret decrypts to the one
// wanted, whether it is encrypted for the configured keys) comes in as data, and
// [JudgeSecret] gives the verdict again once it is known.
//
// Edits are made on the original bytes rather than by re-serialising parsed YAML, because a
// YAML serialiser loses what reviewers care about in a pull request: header comments, blank
// lines, indentation, quoting and document separators. The parsed tree (go.yaml.in/yaml/v3
// nodes, as kyaml uses) only says where to insert; the inserted lines copy the indentation of
// their neighbours.
package render
