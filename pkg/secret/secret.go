package secret

import (
	"encoding/base64"
	"sort"
	"strings"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Annotations acrgen puts on the Secret. They are plaintext (outside sops' encrypted_regex)
// so that `acrgen check` and reviewers can see what a Secret is for without decrypting it.
const (
	AnnotationRegistry = "acrgen.dev/registry"
	AnnotationUsername = "acrgen.dev/username"
	AnnotationExpires  = "acrgen.dev/expires"
	// AnnotationCredential names the credential the Secret holds, as acrgen provision made
	// it: which password of which principal or token (see provision.CredentialID). Retiring
	// old passwords keeps every one a Secret records.
	AnnotationCredential = "acrgen.dev/credential"
)

// Type is the type of an image pull Secret.
const Type = "kubernetes.io/dockerconfigjson"

// Spec describes one pull Secret.
type Spec struct {
	Name, Namespace string
	Servers         []string
	Credential      Credential
	// Expires is the credential's expiry; zero when unknown.
	Expires time.Time
	// CredentialID names the credential (AnnotationCredential); empty when unknown.
	CredentialID string
}

// annotations returns the non-secret annotations recorded on the Secret.
func (s Spec) annotations() map[string]string {
	servers := append([]string(nil), s.Servers...)
	sort.Strings(servers)
	a := map[string]string{
		AnnotationRegistry: strings.Join(servers, ","),
		AnnotationUsername: s.Credential.Username,
	}
	if !s.Expires.IsZero() {
		a[AnnotationExpires] = s.Expires.UTC().Format(time.RFC3339)
	}
	if s.CredentialID != "" {
		a[AnnotationCredential] = s.CredentialID
	}
	return a
}

// Plaintext returns the plaintext Secret manifest as YAML. The result holds the password: it
// must only ever be handed to the encrypter, never written or printed.
func Plaintext(s Spec) ([]byte, error) {
	cfg, err := DockerConfigJSON(s.Servers, s.Credential)
	if err != nil {
		return nil, err
	}
	md := yaml.NewMapRNode(nil)
	if err := md.PipeE(yaml.SetField("name", yaml.NewStringRNode(s.Name))); err != nil {
		return nil, err
	}
	if s.Namespace != "" {
		if err := md.PipeE(yaml.SetField("namespace", yaml.NewStringRNode(s.Namespace))); err != nil {
			return nil, err
		}
	}
	ann := s.annotations()
	keys := make([]string, 0, len(ann))
	for k := range ann {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	an := yaml.NewMapRNode(nil)
	for _, k := range keys {
		if err := an.PipeE(yaml.SetField(k, yaml.NewStringRNode(ann[k]))); err != nil {
			return nil, err
		}
	}
	if err := md.PipeE(yaml.SetField("annotations", an)); err != nil {
		return nil, err
	}
	data := yaml.NewMapRNode(nil)
	if err := data.PipeE(yaml.SetField(".dockerconfigjson", yaml.NewStringRNode(base64.StdEncoding.EncodeToString(cfg)))); err != nil {
		return nil, err
	}
	doc := yaml.NewMapRNode(nil)
	for _, f := range []struct {
		k string
		v *yaml.RNode
	}{
		{"apiVersion", yaml.NewStringRNode("v1")},
		{"kind", yaml.NewStringRNode("Secret")},
		{"metadata", md},
		{"type", yaml.NewStringRNode(Type)},
		{"data", data},
	} {
		if err := doc.PipeE(yaml.SetField(f.k, f.v)); err != nil {
			return nil, err
		}
	}
	return []byte(doc.MustString()), nil
}
