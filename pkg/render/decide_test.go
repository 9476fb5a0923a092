package render

import (
	"slices"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestNamespaceAllowed(t *testing.T) {
	for _, tc := range []struct {
		filter []string
		ns     string
		want   bool
	}{
		{nil, "", true},
		{nil, "apps", true},
		{[]string{"apps"}, "apps", true},
		{[]string{"apps"}, "web", false},
		{[]string{"apps"}, "", false},
		{[]string{""}, "", true},
		{[]string{"apps", "web"}, "web", true},
		{[]string{"apps"}, "Apps", false}, // namespaces are DNS labels: lower case, compared as written
	} {
		if got := NamespaceAllowed(tc.filter, tc.ns); got != tc.want {
			t.Errorf("NamespaceAllowed(%q, %q) = %v, want %v", tc.filter, tc.ns, got, tc.want)
		}
	}
}

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
		if got := NewPodUse(PodSpec{Node: n.YNode()}, nil, nil).RunsAs(); got != tc.want {
			t.Errorf("RunsAs(%s) = %q, want %q", tc.spec, got, tc.want)
		}
	}
}

func TestSecretFileName(t *testing.T) {
	for _, tc := range []struct{ name, ns, want string }{
		{"acr-secret", "", "acr-secret.enc.yaml"},
		{"acr-secret", "apps", "acr-secret.apps.enc.yaml"},
		{"pull", "kube-system", "pull.kube-system.enc.yaml"},
	} {
		if got := SecretFileName(tc.name, tc.ns); got != tc.want {
			t.Errorf("SecretFileName(%q, %q) = %q, want %q", tc.name, tc.ns, got, tc.want)
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

func TestScalar(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"v: x", "x"},
		{"v: null", ""},
		{"v: ~", ""},
		{"v: 'null'", "null"},
		{"v: [x]", ""},
		{"v: {a: b}", ""},
		{"w: x", ""},
	} {
		n, err := yaml.Parse(tc.doc)
		if err != nil {
			t.Fatal(err)
		}
		if got := Scalar(MapValue(n.YNode(), "v")); got != tc.want {
			t.Errorf("Scalar(%s) = %q, want %q", tc.doc, got, tc.want)
		}
	}
}

func TestTrimNewline(t *testing.T) {
	for in, want := range map[string]string{
		"secret": "secret", "secret\n": "secret", "secret\r\n": "secret", "secret\n\n": "secret\n",
		"sec ret \n": "sec ret ", "\n": "", "": "", "secret\r": "secret",
	} {
		if got := string(TrimNewline([]byte(in))); got != want {
			t.Errorf("TrimNewline(%q) = %q, want %q", in, got, want)
		}
	}
}
