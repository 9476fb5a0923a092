package render

import (
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
