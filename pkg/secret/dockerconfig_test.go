package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// kubectlDockerConfig asks the real kubectl for the .dockerconfigjson of one server.
func kubectlDockerConfig(t *testing.T, server, user, pass string) []byte {
	t.Helper()
	kubectl := testtool.Path(t, "kubectl")
	// The password is test data; in acrgen itself passwords never reach argv.
	out, err := exec.Command(kubectl, "create", "secret", "docker-registry", "x",
		"--docker-server="+server, "--docker-username="+user, "--docker-password="+pass,
		"--dry-run=client", "-o", "yaml").Output()
	if err != nil {
		t.Fatalf("kubectl: %v", err)
	}
	var s struct {
		Data map[string]string `yaml:"data"`
	}
	if err := yaml.Unmarshal(out, &s); err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(s.Data[".dockerconfigjson"])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDockerConfigJSONMatchesKubectl(t *testing.T) {
	cases := []struct{ server, user, pass string }{
		{"myregistry.azurecr.io", "00000000-0000-0000-0000-000000000000", "test-password"},
		{"myregistry.azurecr.io", "app", `we<ird>&"pa\ss'wörd~`},
		{"registry.example.com:5000", "token-name", "x"},
	}
	for _, c := range cases {
		want := kubectlDockerConfig(t, c.server, c.user, c.pass)
		got, err := DockerConfigJSON([]string{c.server}, Credential{Username: c.user, Password: []byte(c.pass)})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("server %s:\n got %s\nwant %s", c.server, got, want)
		}
	}
}

// With several registries each auths entry is exactly kubectl's entry for that server.
func TestDockerConfigJSONSeveralRegistries(t *testing.T) {
	servers := []string{"b.azurecr.io", "a.azurecr.io"}
	got, err := DockerConfigJSON(servers, Credential{Username: "u", Password: []byte("p")})
	if err != nil {
		t.Fatal(err)
	}
	var all struct{ Auths map[string]json.RawMessage }
	if err := json.Unmarshal(got, &all); err != nil {
		t.Fatal(err)
	}
	if len(all.Auths) != 2 {
		t.Fatalf("want 2 auths entries, got %d", len(all.Auths))
	}
	for _, s := range servers {
		var one struct{ Auths map[string]json.RawMessage }
		if err := json.Unmarshal(kubectlDockerConfig(t, s, "u", "p"), &one); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(all.Auths[s], one.Auths[s]) {
			t.Errorf("%s: got %s, kubectl %s", s, all.Auths[s], one.Auths[s])
		}
	}
}

func TestDockerConfigJSONRefusesEmptyCredential(t *testing.T) {
	if _, err := DockerConfigJSON([]string{"a.azurecr.io"}, Credential{Username: "u"}); err == nil {
		t.Fatal("want an error for an empty password")
	}
	if _, err := DockerConfigJSON(nil, Credential{Username: "u", Password: []byte("p")}); err == nil {
		t.Fatal("want an error for no registry")
	}
}

func TestCredentialNeverPrintsPassword(t *testing.T) {
	c := Credential{Username: "u", Password: []byte("hunter2")}
	for _, s := range []string{c.String(), c.GoString()} {
		if bytes.Contains([]byte(s), []byte("hunter2")) {
			t.Fatalf("password shown: %s", s)
		}
	}
}
