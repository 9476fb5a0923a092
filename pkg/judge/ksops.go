package judge

import (
	"fmt"

	"github.com/acrgen/acrgen/pkg/finding"
)

// Decryptor says what decrypts the pull Secret where the tree is built.
type Decryptor string

// The decryptors.
const (
	// DecryptorAuto is KSOPS in a tree whose kustomizations list a KSOPS generator, else SOPS.
	DecryptorAuto Decryptor = ""
	// DecryptorSOPS lists the encrypted Secret under resources: Flux's kustomize-controller
	// (spec.decryption.provider: sops), or something else, decrypts it where it is applied.
	DecryptorSOPS Decryptor = "sops"
	// DecryptorKSOPS lists it in the files: of a KSOPS generator: kustomize decrypts it while it
	// builds the tree (in Argo CD's repo-server, with --enable-alpha-plugins --enable-exec).
	DecryptorKSOPS Decryptor = "ksops"
)

// ParseDecryptor reads a decryptor's name: sops, ksops, or auto (or nothing).
func ParseDecryptor(s string) (Decryptor, error) {
	switch s {
	case "", "auto":
		return DecryptorAuto, nil
	case string(DecryptorSOPS), string(DecryptorKSOPS):
		return Decryptor(s), nil
	}
	return "", fmt.Errorf("%q is not a decryptor: want sops (the Secret under resources:, as Flux decrypts it), ksops (in a KSOPS generator, as Argo CD decrypts it) or auto", s)
}

// UsesKSOPS reports whether a tree decrypts the pull Secret with KSOPS: d says so, or d is
// auto and the tree lists KSOPS generators (generators of them).
func UsesKSOPS(d Decryptor, generators int) bool {
	return d == DecryptorKSOPS || d == DecryptorAuto && generators > 0
}

// Placement is where a tree lists a pull Secret's file.
type Placement int

// The placements.
const (
	// Unlisted: nothing lists it, so the build leaves it out.
	Unlisted Placement = iota
	// InResources: a kustomization's resources: list it (kustomize passes it through as it is).
	InResources
	// InGenerator: a KSOPS generator's files: list it (KSOPS decrypts it).
	InGenerator
)

// KSOPSPlacement is the finding about the pull Secret secret, whose file is placed p in a tree
// that decrypts with KSOPS; ok is false where it belongs (a generator lists it). kustomization
// names the kustomization that lists it under resources (InResources), generator the
// generator it belongs in ("" when none exists yet).
func KSOPSPlacement(p Placement, file, secret, kustomization, generator string) (finding.Finding, bool) {
	switch p {
	case InResources:
		return finding.New(finding.KSOPSSecretInResources, file, secret, kustomization), true
	case Unlisted:
		return finding.New(finding.KSOPSSecretNotListed, file, generator), true
	}
	return finding.Finding{}, false
}
