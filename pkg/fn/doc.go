// Package fn is acrgen's KRM function: the adapter that runs the render core on a
// ResourceList, for kustomize (generators:/transformers: with an exec or container
// annotation) and kpt (fn eval, fn render).
//
// Why it is a separate door rather than the tree engine on a temporary directory: an
// orchestrator hands the function resources that are already built (kustomize has applied
// namespace:, images: and name prefixes) and serialises whatever the function returns, so the
// function works on parsed nodes and leaves files, formatting and file paths to the
// orchestrator. What it decides is the same as `acrgen render`: which pod specs pull from the
// configured registries, which imagePullSecrets entry they get, and which namespaces need the
// encrypted pull Secret.
//
// Why it is hermetic: kustomize and kpt run functions on every build, often twice, often with
// the network turned off. The function therefore never talks to Azure, never provisions or
// rotates a credential, and never decrypts anything. It only makes sure the imagePullSecrets
// entries exist and that an encrypted Secret is there for each namespace that needs one. An
// encrypted Secret already in the items whose plaintext metadata still fits (registries,
// username, expiry) and whose recipients are the configured ones is passed through untouched,
// so running the function on its own output changes nothing. A Secret is created only when a
// credential is available (passwordFrom env:VAR or file:PATH); an inline password in the
// functionConfig is refused, because functionConfigs are committed to git.
//
// Encryption sits behind the small [Encrypter] interface so that this package never imports
// sops: cmd/acrgen wires in pkg/encrypt. Everything the function reads from outside the
// ResourceList (environment, files, clock) comes through [Options].
package fn
