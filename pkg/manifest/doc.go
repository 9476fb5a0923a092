// Package manifest is acrgen's model of the manifests it reads: parsing a manifest file into
// documents and resources ([Parse], [File.Resources]), the workload kinds and their pod specs
// ([Kinds], [PodSpec]), the images they name and the registries those pull from ([Matcher],
// [ImageFields]), namespace names ([ValidateNamespace]), and the edits that add the pull
// secret to a pod spec ([PlanPatch]), to a HelmRelease ([AddHelmPostRenderer]) or, for a
// workload from outside a directory, to a patch file ([PatchDocuments]). The edits are made
// with pkg/yamledit, the YAML text editor.
//
// The decisions taken on the model are pkg/judge's; the pull Secret's bytes and the
// encryption interface are pkg/secret's; the settings both front ends validate are
// pkg/settings'; the wording of what was found is pkg/finding's.
//
// It does no I/O: no filesystem, network, clock, environment or encryption. Callers hand it
// bytes and parsed YAML nodes and get resources and edits back, which is why its behaviour is
// covered by golden tests under testdata/.
package manifest
