// Package settings validates what the CLI's flags and the KRM function's config both decide:
// the registries (login servers, from bare names through the cloud's suffix), the Secret's
// name, the namespace filter, the workload kinds, the credential's expiry and the warning
// window, the largest file read ([New], [Input], [Settings]). One set of rules serves both
// front ends, and each problem names its setting ([Error], [Field]) so that each front end
// words it as its users give it: a flag, or a field of the function config.
package settings
