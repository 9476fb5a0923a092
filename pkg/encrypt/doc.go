// Package encrypt turns a plaintext Secret manifest into a SOPS-encrypted one, and keeps an
// existing encrypted file unchanged when nothing it protects has changed.
//
// It is the only package in acrgen that imports github.com/getsops/sops/v3, on purpose:
//
//   - sops is used as a library without a stable API (only its decrypt package promises
//     stability), so every call into it sits here, behind a small API that is pinned by tests
//     against the real sops binary of the same version.
//   - Importing sops has side effects: its audit package reads /etc/sops/audit.yaml in an init
//     function, and its loggers write to stderr. This package lowers the sops log level to
//     errors only, once, in its own init function, so that acrgen prints nothing from sops.
//   - sops error messages can echo input values ("Input string ... does not match"). Keeping
//     every call here lets one package decide which errors are safe to pass on; errors
//     returned by this package never contain plaintext or secret values.
//
// Files are encrypted like `sops encrypt` does for a YAML file, with one difference: only the
// values under data and stringData are encrypted (encrypted_regex ^(data|stringData)$), so
// that kustomize and Flux can still read apiVersion, kind and metadata. Everything happens in
// memory; no plaintext is ever written to disk.
//
// Which keys a file is encrypted for comes either from explicit recipients (the --age, --pgp
// and --azure-kv flags of acrgen) or from the .sops.yaml creation rule that matches the output
// file, exactly as the sops CLI would pick it (see ConfigFor).
//
// Sync implements the no-churn rule: an existing file whose plaintext, recipients and
// encryption settings already match is returned byte for byte; otherwise it is updated with
// the semantics of `sops updatekeys` (only recipients changed) or `sops edit` (values
// changed), so that Git diffs stay as small as sops itself would make them.
//
// Decryption (Sync, Decrypt) uses the keys sops finds in the environment: SOPS_AGE_KEY_FILE,
// SOPS_AGE_KEY, SOPS_AGE_KEY_CMD, the sops age keys.txt in the user config directory, the
// gpg agent, and the Azure default credential chain, among others.
package encrypt
