package settings

// DefaultSecretName is the pull Secret's name when none is given, by flag or functionConfig.
const DefaultSecretName = "acr-secret"
