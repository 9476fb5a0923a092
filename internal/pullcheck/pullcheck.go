// Package pullcheck is `acrgen check --online`: will the credential in each namespace's pull
// Secret pull the images its workloads name? For each [engine.Pull] it decrypts the Secret as
// sops -d does, finds the credential the kubelet would use for each image (the .dockerconfigjson
// entry of the image's host, port included), and asks the registry through an [Asker]
// (pkg/online in the CLI: the token flow, then a manifest HEAD). Every answer is a finding:
// the image pulls, or the credential is rejected, lacks permission, the manifest is unknown,
// the registry could not be asked, or the question could not be put at all.
//
// The password goes from the decrypted Secret to the Asker and nowhere else: no finding holds
// it, and it is cleared once asked.
package pullcheck

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/online"
	"github.com/acrgen/acrgen/pkg/secret"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Asker asks the registry at server whether username and password pull each image (all on
// server), one result per image, in order: [online.Check] with the CLI's options.
type Asker func(ctx context.Context, server, username string, password []byte, images []string) []online.Result

// Run asks about every pull and returns the findings, resolved for check. dec decrypts with
// every key sops finds (key services included: the user asked for the network).
func Run(ctx context.Context, pulls []engine.Pull, dec secret.Decrypter, ask Asker) []finding.Finding {
	c := &checker{ask: ask, answers: map[[32]byte]online.Result{}}
	for _, p := range pulls {
		c.pull(ctx, p, dec)
	}
	for i := range c.out {
		c.out[i].Resolve(false)
	}
	return c.out
}

type checker struct {
	ask Asker
	// answers remembers what the registry said about a host, credential and image: namespaces
	// that share a credential and images are asked once.
	answers map[[32]byte]online.Result
	out     []finding.Finding
}

// add records a finding about the Secret of p.
func (c *checker) add(p engine.Pull, f finding.Finding) {
	f.File, f.Line, f.Object, f.Field = p.File, p.Line, p.Secret, "data..dockerconfigjson"
	c.out = append(c.out, f)
}

func (c *checker) pull(ctx context.Context, p engine.Pull, dec secret.Decrypter) {
	unchecked := func(reason string) {
		c.add(p, finding.New(finding.OnlineUnchecked, p.Secret.Name, strings.Join(p.Images, ", "), reason))
	}
	if p.Doc == nil {
		unchecked(p.Why)
		return
	}
	plain, err := dec.Decrypt(p.Doc, false)
	defer clear(plain)
	switch {
	case errors.Is(err, secret.ErrNoDecryptionKey):
		unchecked("no key decrypts it here" + secret.EncryptedFor(err))
		return
	case errors.Is(err, secret.ErrTampered):
		unchecked("it does not match its sops MAC, so sops -d and Flux refuse it")
		return
	case err != nil:
		unchecked(strings.TrimPrefix(err.Error(), "decrypt: "))
		return
	}
	creds, err := credentials(plain)
	if err != nil {
		unchecked("its .dockerconfigjson cannot be read: " + err.Error())
		return
	}
	defer func() {
		for _, cr := range creds {
			clear(cr.password)
		}
	}()
	// The images of each host form, asked with the credential the kubelet would pick.
	byHost := map[string][]string{}
	var hosts []string
	for _, img := range p.Images {
		h := manifest.ImageHost(img)
		if _, ok := byHost[h]; !ok {
			hosts = append(hosts, h)
		}
		byHost[h] = append(byHost[h], img)
	}
	for _, h := range hosts {
		var ask []string
		for _, img := range byHost[h] {
			cr, ok := lookup(creds, img)
			if !ok {
				c.add(p, finding.New(finding.OnlineNoCredential, img, p.Secret.Name, h, ""))
				continue
			}
			if _, done := c.answers[answerKey(h, cr, img)]; !done {
				ask = append(ask, img)
			}
		}
		c.askHost(ctx, h, ask, creds)
		for _, img := range byHost[h] {
			if cr, ok := lookup(creds, img); ok {
				c.add(p, verdict(c.answers[answerKey(h, cr, img)], p.Secret.Name))
			}
		}
	}
}

// askHost asks the registry at host about images, each with the credential that serves it
// (one question per credential), and remembers the answers.
func (c *checker) askHost(ctx context.Context, host string, images []string, creds map[string]credential) {
	byCred := map[string][]string{}
	var keys []string
	for _, img := range images {
		cr, _ := lookup(creds, img)
		if _, ok := byCred[cr.entry]; !ok {
			keys = append(keys, cr.entry)
		}
		byCred[cr.entry] = append(byCred[cr.entry], img)
	}
	for _, k := range keys {
		cr := creds[k]
		res := c.ask(ctx, host, cr.username, cr.password, byCred[k])
		for i, img := range byCred[k] {
			r := online.Result{Image: img, Status: online.Failed, Detail: "no answer"}
			if i < len(res) {
				r = res[i]
			}
			c.answers[answerKey(host, cr, img)] = r
		}
	}
}

// answerKey identifies a question: host, credential (the password hashed) and image.
func answerKey(host string, cr credential, img string) [32]byte {
	h := sha256.New()
	for _, s := range [][]byte{[]byte(host), []byte(cr.username), cr.password, []byte(img)} {
		h.Write(s)
		h.Write([]byte{0})
	}
	var k [32]byte
	copy(k[:], h.Sum(nil))
	return k
}

// verdict is the finding of an answer about an image.
func verdict(r online.Result, secret string) finding.Finding {
	code := map[online.Status]finding.Code{
		online.Pulls: finding.OnlinePulls, online.CredentialRejected: finding.OnlineRejected, online.NoPermission: finding.OnlineNoPermission,
		online.ManifestUnknown: finding.OnlineManifestUnknown,
	}[r.Status]
	if code == "" {
		code = finding.OnlineUnreachable
	}
	if code == finding.OnlinePulls {
		return finding.New(code, r.Image, secret)
	}
	return finding.New(code, r.Image, secret, r.Detail)
}

// credential is one auths entry of a .dockerconfigjson.
type credential struct {
	// entry is the entry's key as written; host and path what the kubelet matches images with.
	entry, host, path string
	username          string
	password          []byte
}

// credentials reads the auths entries of a decrypted pull Secret (data or stringData
// .dockerconfigjson). Errors never quote values.
func credentials(plain []byte) (map[string]credential, error) {
	doc, err := yaml.Parse(string(plain))
	if err != nil {
		return nil, errors.New("the decrypted Secret is not YAML")
	}
	var raw []byte
	if n := doc.Field("data"); n != nil && n.Value.Field(".dockerconfigjson") != nil {
		if raw, err = base64.StdEncoding.DecodeString(strings.TrimSpace(n.Value.Field(".dockerconfigjson").Value.YNode().Value)); err != nil {
			return nil, errors.New("data..dockerconfigjson is not base64")
		}
	} else if n := doc.Field("stringData"); n != nil && n.Value.Field(".dockerconfigjson") != nil {
		raw = []byte(n.Value.Field(".dockerconfigjson").Value.YNode().Value)
	} else {
		return nil, errors.New("it has no .dockerconfigjson under data or stringData")
	}
	defer clear(raw)
	var cfg struct {
		Auths map[string]struct {
			Username string `json:"username"`
			Password string `json:"password"`
			Auth     string `json:"auth"`
		} `json:"auths"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, errors.New("it is not JSON with an auths object")
	}
	out := map[string]credential{}
	for key, e := range cfg.Auths {
		cr := credential{entry: key, username: e.Username, password: []byte(e.Password)}
		if cr.username == "" && e.Auth != "" {
			// The kubelet reads auth (base64 of username:password) when the fields are empty.
			b, err := base64.StdEncoding.DecodeString(e.Auth)
			if err != nil {
				return nil, fmt.Errorf("the auth of entry %s is not base64", finding.Quote(key))
			}
			u, pw, _ := strings.Cut(string(b), ":")
			clear(b)
			cr.username, cr.password = u, []byte(pw)
		}
		loc := strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
		cr.host, cr.path, _ = strings.Cut(strings.TrimSuffix(loc, "/"), "/")
		out[key] = cr
	}
	return out, nil
}

// lookup finds the credential the kubelet would use for image: an entry whose host is the
// image's host as written, port included and case kept, and whose path, if any, prefixes the
// image's repository (kubernetes pkg/credentialprovider/keyring.go, urlsMatch; the most specific
// entry first).
func lookup(creds map[string]credential, image string) (credential, bool) {
	host := manifest.ImageHost(image)
	repo := strings.TrimPrefix(image, host+"/")
	var best credential
	found := false
	for _, cr := range creds {
		if cr.host != host || (cr.path != "" && repo != cr.path && !strings.HasPrefix(repo, cr.path+"/")) {
			continue
		}
		if !found || len(cr.path) > len(best.path) || (len(cr.path) == len(best.path) && cr.entry < best.entry) {
			best, found = cr, true
		}
	}
	return best, found
}
