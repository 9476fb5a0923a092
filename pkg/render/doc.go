// Package render is acrgen's model of the manifests it reads and the bytes it writes: parsing
// a manifest file into documents and resources ([ParseManifest]), the workload kinds and their
// pod specs ([Kinds], [PodSpec]), image references and the registries they pull from
// ([Matcher]), the edits that add the pull secret to a pod spec or a HelmRelease (made with
// pkg/yamledit), the dockerconfigjson Secret ([Secret]) and the patch file of workloads from
// outside a directory, the settings both front ends validate ([NewSettings]), and the one
// encryption interface they share ([Encrypter]).
//
// The decisions taken on that model are pkg/judge's; the text editor is pkg/yamledit's; the
// wording of what was found is pkg/finding's.
//
// It does no I/O: no filesystem, network, clock, environment or encryption. Callers hand it
// bytes and parsed YAML nodes and get bytes and edits back, which is why every behaviour here
// is covered by golden tests under testdata/.
package render
