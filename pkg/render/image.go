package render

import (
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/distribution/reference"
)

// DefaultLoginServerSuffix is the login-server suffix of registries in the public Azure cloud.
const DefaultLoginServerSuffix = "azurecr.io"

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
		suffix = DefaultLoginServerSuffix
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

// Matcher decides whether an image reference pulls from one of a set of login servers.
// Hosts compare case-insensitively; references are parsed with the distribution reference
// grammar (the kubelet's), so "nginx" is docker.io and lookalike hosts never match.
type Matcher struct {
	servers []string
}

// NewMatcher returns a Matcher for the given login servers (as from [ParseLoginServer]).
func NewMatcher(loginServers []string) *Matcher {
	return &Matcher{servers: append([]string(nil), loginServers...)}
}

// Match reports the login server an image pulls from, if it is one of the Matcher's: the
// image's host is the server or, for a server without a port, the server with the explicit
// port 443 (myregistry.azurecr.io:443/app), which is the same HTTPS endpoint. Another port is
// another endpoint, which Azure Container Registry does not serve. The host form the image
// names is what its pull credential is keyed by (see [HostForm]).
func (m *Matcher) Match(image string) (string, bool) {
	host := ImageHost(image)
	if host == "" {
		return "", false
	}
	name, https := strings.CutSuffix(host, ":443")
	for _, s := range m.servers {
		if strings.EqualFold(host, s) || (https && !strings.Contains(s, ":") && strings.EqualFold(name, s)) {
			return s, true
		}
	}
	return "", false
}

// HostForm is the registry host of an image reference as the kubelet looks up its pull
// credentials: lower case, its port kept. The kubelet matches the hosts of a pull Secret's
// auths entries with the image's host part by part, and a port must be the same on both sides
// (kubernetes/kubernetes pkg/credentialprovider/keyring.go, urlsMatch: "port doesn't match"),
// so an entry for myregistry.azurecr.io does not serve myregistry.azurecr.io:443/app: the
// Secret needs an entry for each form the workloads use.
func HostForm(image string) string { return strings.ToLower(ImageHost(image)) }

// ImageHost returns the registry host of an image reference as written (case kept), with
// docker.io for short names. References the grammar rejects, such as ones whose tag is an
// unresolved ${VAR} placeholder (Flux post-build substitution), still yield their host when
// the part before the first slash is unambiguously one; otherwise ImageHost returns "".
func ImageHost(image string) string {
	hosts.Lock()
	h, ok := hosts.m[image]
	hosts.Unlock()
	if !ok {
		h = imageHost(image)
		hosts.Lock()
		if len(hosts.m) >= 1<<14 {
			clear(hosts.m)
		}
		hosts.m[image] = h
		hosts.Unlock()
	}
	return h
}

// hosts keeps ImageHost's answers: a tree names the same images many times, and the reference
// grammar is a large regular expression.
var hosts = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

func imageHost(image string) string {
	image = strings.TrimSpace(image)
	if image == "" {
		return ""
	}
	if named, err := reference.ParseNormalizedNamed(image); err == nil {
		return reference.Domain(named)
	}
	// Fallback for references with placeholders: split the host off the way the grammar does.
	if i := strings.IndexByte(image, '/'); i > 0 {
		first := image[:i]
		if strings.ContainsAny(first, ".:") || first == "localhost" || first != strings.ToLower(first) {
			if strings.ContainsAny(first, " \t{}$\"'@") {
				return ""
			}
			return first
		}
	}
	if c := image[0]; (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
		return "docker.io"
	}
	return ""
}
