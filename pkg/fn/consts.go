package fn

import "github.com/acrgen/acrgen/pkg/settings"

// The typed functionConfig's group, version and kind.
const (
	// Group is acrgen's API group.
	Group = "acrgen.dev"
	// Version is the functionConfig's API version within Group.
	Version = "v1alpha1"
	// APIVersion is Group/Version, the apiVersion of an ACRPullSecret.
	APIVersion = Group + "/" + Version
	// Kind is the kind of the typed functionConfig.
	Kind = "ACRPullSecret"
)

// DefaultSecretName is the pull Secret's name when the functionConfig gives none; the CLI's
// --secret-name default.
const DefaultSecretName = settings.DefaultSecretName

// Annotations the function reads or writes on items. The function owns none of the
// orchestrator's annotations: it only sets the path of a Secret it creates.
const (
	// annotationLocalConfig marks objects that configure the pipeline (functionConfigs);
	// they are passed through untouched.
	annotationLocalConfig = "config.kubernetes.io/local-config"
	// annotationPath and annotationIndex say which file (and document in it) an item came
	// from, relative to the package root (kpt); kustomize leaves them unset.
	annotationPath        = "internal.config.kubernetes.io/path"
	annotationIndex       = "internal.config.kubernetes.io/index"
	annotationLegacyPath  = "config.kubernetes.io/path"
	annotationLegacyIndex = "config.kubernetes.io/index"
)
