package secret

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
)

// Credential is a registry username and password. Its String method never shows the password.
type Credential struct {
	Username string
	Password []byte
}

// String redacts the password.
func (c Credential) String() string {
	return fmt.Sprintf("Credential{Username: %q, Password: [redacted]}", c.Username)
}

// GoString redacts the password.
func (c Credential) GoString() string { return c.String() }

// dockerConfigEntry mirrors kubectl's DockerConfigEntry: the field order and omitempty rules
// are what make the JSON byte-identical to `kubectl create secret docker-registry`.
type dockerConfigEntry struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Email    string `json:"email,omitempty"`
	Auth     string `json:"auth,omitempty"`
}

type dockerConfigJSON struct {
	Auths map[string]dockerConfigEntry `json:"auths"`
}

// DockerConfigJSON returns the .dockerconfigjson value for the given login servers, all with
// the same credential: byte-for-byte what kubectl create secret docker-registry writes, with
// one auths entry per server.
func DockerConfigJSON(servers []string, c Credential) ([]byte, error) {
	if len(servers) == 0 {
		return nil, fmt.Errorf("no registry given")
	}
	if c.Username == "" || len(c.Password) == 0 {
		return nil, fmt.Errorf("a username and a password are required")
	}
	cfg := dockerConfigJSON{Auths: map[string]dockerConfigEntry{}}
	auth := base64.StdEncoding.EncodeToString([]byte(c.Username + ":" + string(c.Password)))
	s := append([]string(nil), servers...)
	sort.Strings(s)
	for _, server := range s {
		cfg.Auths[server] = dockerConfigEntry{Username: c.Username, Password: string(c.Password), Auth: auth}
	}
	return json.Marshal(cfg)
}
