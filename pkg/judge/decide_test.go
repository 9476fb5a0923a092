package judge

import (
	"slices"
	"testing"

	"github.com/acrgen/acrgen/pkg/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The ServiceAccount a pod runs as: serviceAccountName, else serviceAccount, else default;
// null and non-scalar values count as unset.
func TestRunsAs(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"containers: []", "default"},
		{"serviceAccountName: builder", "builder"},
		{"serviceAccount: legacy", "legacy"},
		{"{serviceAccountName: builder, serviceAccount: legacy}", "builder"},
		{"{serviceAccountName: '', serviceAccount: legacy}", "legacy"},
		{"serviceAccountName: null", "default"},
		{"serviceAccountName: ~", "default"},
		{"{serviceAccountName: null, serviceAccount: legacy}", "legacy"},
		{"serviceAccountName: [a]", "default"},
	} {
		n, err := yaml.Parse(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := NewPodUse(manifest.PodSpec{Node: n.YNode()}, nil, nil).RunsAs(); got != tc.want {
			t.Errorf("RunsAs(%s) = %q, want %q", tc.spec, got, tc.want)
		}
	}
}

func TestUpperCaseHost(t *testing.T) {
	for _, tc := range []struct {
		image string
		warn  bool
	}{
		{"myregistry.azurecr.io/app:1", false},
		{"MyRegistry.azurecr.io/app:1", true},
		{"myregistry.azurecr.io/App:1", false}, // the repository is not the host (and not valid anyway)
		{"nginx", false},
	} {
		if got := upperCaseHost(tc.image); got != tc.warn {
			t.Errorf("upperCaseHost(%q) = %v, want %v", tc.image, got, tc.warn)
		}
	}
}

// MissingRegistries compares hosts ignoring case. The CLI used to compare them as written, so
// a Secret annotated by hand with MyRegistry.azurecr.io was reported as lacking
// myregistry.azurecr.io while the function (which lower-cased) kept it.
func TestMissingRegistries(t *testing.T) {
	want := []string{"myregistry.azurecr.io", "other.azurecr.io"}
	for _, tc := range []struct {
		annotation string
		missing    []string
	}{
		{"myregistry.azurecr.io,other.azurecr.io", nil},
		{"other.azurecr.io, myregistry.azurecr.io", nil},
		{"MyRegistry.azurecr.io,OTHER.AZURECR.IO", nil},
		{"myregistry.azurecr.io", []string{"other.azurecr.io"}},
		{"", want},
		{"myregistry.azurecr.io.evil,other.azurecr.io", []string{"myregistry.azurecr.io"}},
	} {
		if got := MissingRegistries(tc.annotation, want); !slices.Equal(got, tc.missing) {
			t.Errorf("MissingRegistries(%q) = %q, want %q", tc.annotation, got, tc.missing)
		}
	}
}
