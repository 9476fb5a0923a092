package manifest

import "testing"

func TestMatch(t *testing.T) {
	m := NewMatcher([]string{"myregistry.azurecr.io", "localhost:5000"})
	cases := []struct {
		image string
		want  bool
	}{
		{"myregistry.azurecr.io/app:v1", true},
		{"myregistry.azurecr.io/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true},
		{"MYREGISTRY.AZURECR.IO/app", true},
		{"myregistry.azurecr.io/app:${TAG}", true},
		{"myregistry.azurecr.io/App:v1", true},
		{"localhost:5000/app", true},
		{"localhost/app", false},
		{"myregistry.azurecr.io:443/app", true},
		{"MyRegistry.azurecr.io:443/app:v1", true},
		{"myregistry.azurecr.io:8443/app:v1", false},
		{"localhost:5000:443/app", false},
		{"localhost:6000/app", false},
		{"myregistry.azurecr.io.evil.com/app", false},
		{"notmyregistry.azurecr.io/app", false},
		{"evil.com/myregistry.azurecr.io/app", false},
		{"myregistry/app", false},
		{"nginx", false},
		{"{{ .Values.image }}", false},
		{"", false},
	}
	for _, c := range cases {
		if _, got := m.Match(c.image); got != c.want {
			t.Errorf("Match(%q) = %v, want %v", c.image, got, c.want)
		}
	}
}

// The host form keeps the port: the kubelet keys credentials by it.
func TestHostForm(t *testing.T) {
	for image, want := range map[string]string{
		"myregistry.azurecr.io/app:v1":         "myregistry.azurecr.io",
		"myregistry.azurecr.io:443/app:v1":     "myregistry.azurecr.io:443",
		"MyRegistry.AzureCR.io:443/app":        "myregistry.azurecr.io:443",
		"myregistry.azurecr.io:443/app:${TAG}": "myregistry.azurecr.io:443",
		"nginx":                                "docker.io",
	} {
		if got := HostForm(image); got != want {
			t.Errorf("HostForm(%q) = %q, want %q", image, got, want)
		}
	}
}

func TestImageHostDockerHub(t *testing.T) {
	for _, img := range []string{"nginx", "library/nginx:1", "bitnami/kafka", "index.docker.io/library/nginx", "myorg/app:${TAG}"} {
		if h := ImageHost(img); h != "docker.io" {
			t.Errorf("ImageHost(%q) = %q, want docker.io", img, h)
		}
	}
}
