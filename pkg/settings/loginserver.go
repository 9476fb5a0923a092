package settings

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/distribution/reference"
)

// defaultLoginServerSuffix is the login-server suffix of registries in the public Azure cloud.
const defaultLoginServerSuffix = "azurecr.io"

// ParseLoginServer turns a --registry value into a login server. A bare registry name
// (no dot, colon or slash) means NAME.<suffix>; anything else must be a host with an optional
// port. An https:// prefix and a trailing slash are accepted; a path is not. The result is
// lower-case.
func ParseLoginServer(s, suffix string) (string, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return "", fmt.Errorf("empty registry")
	}
	suffix = strings.TrimPrefix(suffix, ".") // ".azurecr.io", as Azure's cloud settings write it, too
	if suffix == "" {
		suffix = defaultLoginServerSuffix
	}
	if strings.Contains(in, "://") {
		u, err := url.Parse(in)
		if err != nil || u.Scheme != "https" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return "", fmt.Errorf("registry %q: want a login server such as myregistry.%s", s, suffix)
		}
		in = u.Host
	}
	in = strings.TrimSuffix(in, "/")
	if !strings.ContainsAny(in, ".:/") && in != "localhost" {
		in += "." + suffix
	}
	if strings.Contains(in, "/") {
		return "", fmt.Errorf("registry %q: want a login server such as myregistry.%s, without a repository path", s, suffix)
	}
	// Let the reference grammar validate the host: host[:port]/x must parse.
	named, err := reference.ParseNormalizedNamed(strings.ToLower(in) + "/x")
	if err != nil {
		return "", fmt.Errorf("registry %q is not a valid registry host", s)
	}
	if d := reference.Domain(named); d == "docker.io" {
		return d, nil // index.docker.io and docker.io are the same registry to the kubelet
	} else if d != strings.ToLower(in) {
		return "", fmt.Errorf("registry %q is not a valid registry host", s)
	}
	return strings.ToLower(in), nil
}
