package engine

import "testing"

// Which key types kustomize-controller can decrypt a Secret with when a Flux Kustomization has
// no spec.decryption.secretRef (Flux: kustomize-controller docs/spec/v1/kustomizations.md,
// "Decryption", "Controller global decryption"): a cloud key service or Vault through the
// controller's identity, age only with --sops-age-secret, PGP never.
func TestKeylessTypes(t *testing.T) {
	for _, c := range []struct {
		types     []string
		ageSecret bool
		want      string
	}{
		{[]string{"age"}, false, "age keys"},
		{[]string{"age"}, true, ""},
		{[]string{"pgp"}, true, "PGP keys"},
		{[]string{"age", "pgp"}, false, "age and PGP keys"},
		{[]string{"age", "pgp"}, true, ""},
		{[]string{"azure_kv"}, false, ""},
		{[]string{"age", "azure_kv"}, false, ""},
		{[]string{"pgp", "kms"}, false, ""},
		{[]string{"gcp_kms"}, false, ""},
		{[]string{"hc_vault"}, false, ""},
		{[]string{"hckms"}, false, "hckms keys"},
		{nil, false, ""},
	} {
		if got := keylessTypes(c.types, c.ageSecret); got != c.want {
			t.Errorf("keylessTypes(%v, %v) = %q, want %q", c.types, c.ageSecret, got, c.want)
		}
	}
}
