// Package online asks a registry whether a credential pulls images: for each image it runs the
// registry's token flow with the username and password, then a manifest HEAD, through
// go-containerregistry's remote and authn packages, and reports one of a few outcomes (see
// [Status]). It is what `acrgen check --online` needs once it has decrypted a Secret.
//
// The password goes to the registry's token endpoint, on the registry's own host, only; it never
// appears in a [Result], an error or a log line.
package online

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/acrgen/acrgen/internal/crash"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Status is what the registry said about one image.
type Status int

const (
	// Pulls: the credential authenticated and the registry has the manifest.
	Pulls Status = iota
	// CredentialRejected: the registry refused the username and password (wrong, expired,
	// removed, or a disabled token).
	CredentialRejected
	// NoPermission: the credential authenticated but may not pull this repository (no pull
	// role, an ABAC condition that leaves the repository out, a token whose scope map lacks it).
	NoPermission
	// ManifestUnknown: the repository or tag does not exist (a common ImagePullBackOff cause).
	ManifestUnknown
	// Failed: the question could not be answered (network, TLS, a registry error after the
	// retries, a reference that is not on the server).
	Failed
)

func (s Status) String() string {
	switch s {
	case Pulls:
		return "pulls"
	case CredentialRejected:
		return "credential rejected"
	case NoPermission:
		return "no permission for the repository"
	case ManifestUnknown:
		return "manifest unknown"
	default:
		return "error"
	}
}

// Result is the answer for one image.
type Result struct {
	// Image is the reference as given.
	Image string
	// Status is the outcome.
	Status Status
	// Detail says more (the registry's status and error code, or the failure); never the
	// password. Empty for Pulls.
	Detail string
}

// Options tune [Check]. Zero values have the documented defaults.
type Options struct {
	// Transport reaches the registry. Nil means go-containerregistry's remote.DefaultTransport
	// (proxy from the environment, system roots). Check never lets a request carry the
	// credential to another host than the server.
	Transport http.RoundTripper
	// Concurrency bounds the images asked at once. Zero means 4.
	Concurrency int
	// Timeout bounds each image's question, retries included. Zero means 30s.
	Timeout time.Duration
	// Backoff spaces the retries of 408, 429 and 5xx answers and of transient network errors.
	// Zero means go-containerregistry's default (3 tries, 1s then 3s apart).
	Backoff remote.Backoff
}

// Check asks server whether username and password pull each image, and returns one Result per
// image, in order. Every image must name server as its registry.
func Check(ctx context.Context, server, username string, password []byte, images []string, o Options) []Result {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Transport == nil {
		o.Transport = remote.DefaultTransport
	}
	opts := []remote.Option{
		remote.WithAuth(&authn.Basic{Username: username, Password: string(password)}),
		remote.WithRetryStatusCodes(http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout),
		remote.WithTransport(confined{server: server, next: o.Transport}),
	}
	if o.Backoff.Steps > 0 {
		opts = append(opts, remote.WithRetryBackoff(o.Backoff))
	}
	out := make([]Result, len(images))
	sem := make(chan struct{}, o.Concurrency)
	var wg sync.WaitGroup
	var panicked crash.First // a panic in a question is raised again here, where main recovers it
	for i, img := range images {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			panicked.Go(func() {
				ictx, cancel := context.WithTimeout(ctx, o.Timeout)
				defer cancel()
				out[i] = one(ictx, server, img, opts)
				out[i].Detail = redact(out[i].Detail, password)
			})
		}()
	}
	wg.Wait()
	panicked.Wait()
	return out
}

func one(ctx context.Context, server, image string, opts []remote.Option) Result {
	res := Result{Image: image}
	ref, err := name.ParseReference(image, name.StrictValidation)
	if err != nil {
		res.Status, res.Detail = Failed, "not an image reference: "+err.Error()
		return res
	}
	if !strings.EqualFold(ref.Context().RegistryStr(), server) {
		res.Status, res.Detail = Failed, fmt.Sprintf("the image is on %s, not %s", ref.Context().RegistryStr(), server)
		return res
	}
	// Clip: the images are asked concurrently, and each must add its own context to a copy.
	_, err = remote.Head(ref, append(slices.Clip(opts), remote.WithContext(ctx))...)
	res.Status, res.Detail = classify(err)
	return res
}

// classify turns remote.Head's error into a Status. A 401 or 403 from the token endpoint (any
// path outside /v2/) is the credential refused; from the registry API, after a token was
// issued, it is a missing permission. A 404 on a manifest is an unknown manifest.
func classify(err error) (Status, string) {
	if err == nil {
		return Pulls, ""
	}
	var te *transport.Error
	if !errors.As(err, &te) {
		return Failed, err.Error()
	}
	detail := fmt.Sprintf("the registry answered %d", te.StatusCode)
	var codes []string
	for _, d := range te.Errors {
		codes = append(codes, string(d.Code))
	}
	if len(codes) > 0 {
		detail += " " + strings.Join(codes, ", ")
	}
	api := te.Request != nil && strings.HasPrefix(te.Request.URL.Path, "/v2/")
	switch {
	case (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden) && !api:
		return CredentialRejected, detail + " to the username and password"
	case te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden:
		return NoPermission, detail
	case te.StatusCode == http.StatusNotFound:
		return ManifestUnknown, detail
	}
	return Failed, detail
}

// confined is Check's transport: a request to another host than server carries no credential.
// The registry's challenge names where the username and password go for a token (its realm), and
// go-containerregistry sends them to any public host it names; ACR's realm is always its own
// login server (https://<login server>/oauth2/token), so a realm elsewhere is refused, not
// followed.
type confined struct {
	server string
	next   http.RoundTripper
}

func (c confined) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Authorization") != "" && hostPort(req.URL.Host, req.URL.Scheme) != hostPort(c.server, req.URL.Scheme) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("the registry %s asks for the credential at %s: acrgen sends it to %s only", c.server, req.URL.Host, c.server)
	}
	return c.next.RoundTrip(req)
}

// hostPort is host (host or host:port), lower-cased, without the default port of scheme.
func hostPort(host, scheme string) string {
	host = strings.ToLower(host)
	switch scheme {
	case "https":
		return strings.TrimSuffix(host, ":443")
	case "http":
		return strings.TrimSuffix(host, ":80")
	}
	return host
}

// redact removes the password from a text, should any layer have echoed it.
func redact(s string, password []byte) string {
	if len(password) == 0 {
		return s
	}
	return strings.ReplaceAll(s, string(password), "[REDACTED]")
}
