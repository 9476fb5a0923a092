package judge

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
	"github.com/google/go-cmp/cmp"
)

// TestDecide is the table of every decision the CLI and the KRM function take through Decide:
// each row is an occurrence set and settings, and the decisions expected, written one line
// each (see summarize). It replaces the end-to-end agreement test as the proof that both front
// ends decide alike: they both take these decisions from Decide.
func TestDecide(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	reg := []string{"myregistry.azurecr.io", "other.azurecr.io"}
	base := DecideSettings{Registries: reg, SecretName: "acr-secret", Now: now, Credential: Yes}
	with := func(f func(*DecideSettings)) DecideSettings { s := base; f(&s); return s }
	pod := func(images ...string) PodUse { return PodUse{Images: images} }
	workload := func(id int, ns string, pods ...PodUse) Workload {
		return Workload{ID: id, Namespace: ns, PodSpecs: pods}
	}
	good := func(id int, ns string, ann map[string]string) ExistingSecret {
		if ann == nil {
			ann = map[string]string{secret.AnnotationRegistry: "myregistry.azurecr.io,other.azurecr.io", secret.AnnotationUsername: "app"}
		}
		return ExistingSecret{ID: id, Namespace: ns, Type: secret.Type, Encrypted: true, Annotations: ann}
	}
	malformed := []EncryptionProblem{{"sops.mac", "its sops metadata has no mac: its integrity cannot be checked"}}

	for _, tc := range []struct {
		name string
		in   Occurrences
		s    DecideSettings
		want []string
	}{{
		name: "matching is by host, ignoring case, and an upper-case host is a warning",
		in: Occurrences{Workloads: []Workload{
			workload(1, "apps", pod("myregistry.azurecr.io/web:1", "nginx")),
			workload(2, "apps", pod("MyRegistry.azurecr.io/web:1")),
			workload(3, "apps", pod("docker.io/library/postgres:17", "myregistry.azurecr.io.evil/x:1")),
			workload(4, "apps", pod("nginx"), pod("other.azurecr.io/a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")),
		}},
		s: base,
		want: []string{
			"pod 1/0 patch servers=myregistry.azurecr.io account=default",
			`pod 2/0 patch servers=myregistry.azurecr.io account=default upper-case=MyRegistry.azurecr.io/web:1`,
			"pod 4/1 patch servers=other.azurecr.io account=default",
			"namespace apps new servers=myregistry.azurecr.io,other.azurecr.io",
			"used myregistry.azurecr.io,other.azurecr.io",
		},
	}, {
		name: "the explicit port 443 is the registry in another host form: the Secret of the namespace needs an entry for it; another port is not the registry (issue 18)",
		in: Occurrences{
			Workloads: []Workload{
				workload(1, "apps", pod("myregistry.azurecr.io:443/web:1")),
				workload(2, "apps", PodUse{Images: []string{"MyRegistry.azurecr.io:443/api:1", "myregistry.azurecr.io/api:1"}, Secrets: []string{"acr-secret"}}),
				workload(3, "web", pod("myregistry.azurecr.io:443/web:1")),
				workload(4, "jobs", pod("myregistry.azurecr.io:8443/web:1", "other.azurecr.io:443/x")),
				workload(6, "jobs", pod("MYREGISTRY.azurecr.io:443/web:1")),
				workload(5, "old", pod("myregistry.azurecr.io/web:1")),
			},
			Secrets: []ExistingSecret{
				good(10, "apps", nil),
				good(11, "web", map[string]string{secret.AnnotationRegistry: "myregistry.azurecr.io,myregistry.azurecr.io:443,other.azurecr.io"}),
				good(12, "jobs", nil),
				good(13, "old", map[string]string{secret.AnnotationRegistry: "myregistry.azurecr.io:443,myregistry.azurecr.io,other.azurecr.io"}),
			},
		},
		s: base,
		want: []string{
			"pod 1/0 patch servers=myregistry.azurecr.io account=default",
			"pod 2/0 has-secret servers=myregistry.azurecr.io account=default upper-case=MyRegistry.azurecr.io:443/api:1",
			"pod 3/0 patch servers=myregistry.azurecr.io account=default",
			"pod 4/0 patch servers=other.azurecr.io account=default",
			"pod 6/0 patch servers=myregistry.azurecr.io account=default upper-case=MYREGISTRY.azurecr.io:443/web:1",
			"pod 5/0 patch servers=myregistry.azurecr.io account=default",
			"namespace apps secret=10 servers=myregistry.azurecr.io hosts=myregistry.azurecr.io:443",
			"namespace jobs secret=12 servers=myregistry.azurecr.io,other.azurecr.io hosts=myregistry.azurecr.io:443,other.azurecr.io:443",
			"namespace old secret=13 servers=myregistry.azurecr.io",
			"namespace web secret=11 servers=myregistry.azurecr.io hosts=myregistry.azurecr.io:443",
			"secret 10 needed replace fit missing=myregistry.azurecr.io:443: missing-registries(metadata.annotations.acrgen.dev/registry: it holds credentials for myregistry.azurecr.io,other.azurecr.io, not for myregistry.azurecr.io:443)",
			"secret 11 needed keep fit",
			"secret 12 needed replace fit missing=myregistry.azurecr.io:443,other.azurecr.io:443: missing-registries(metadata.annotations.acrgen.dev/registry: it holds credentials for myregistry.azurecr.io,other.azurecr.io, not for myregistry.azurecr.io:443, other.azurecr.io:443)",
			"secret 13 needed keep fit",
			"used myregistry.azurecr.io,other.azurecr.io",
		},
	}, {
		name: "namespace filter: out of scope pods are neither patched nor warned about, and need no Secret; their registries are used",
		in: Occurrences{Workloads: []Workload{
			workload(1, "apps", pod("myregistry.azurecr.io/web:1")),
			workload(2, "web", pod("MyRegistry.azurecr.io/web:1")),
			workload(3, "", pod("other.azurecr.io/web:1")),
			workload(4, "Bad_NS", pod("other.azurecr.io/web:1")),
		}},
		s: with(func(s *DecideSettings) { s.Namespaces = []string{"apps"} }),
		want: []string{
			"pod 1/0 patch servers=myregistry.azurecr.io account=default",
			"pod 2/0 out-of-scope servers=myregistry.azurecr.io account=default",
			"pod 3/0 out-of-scope servers=other.azurecr.io account=default",
			`pod 4/0 bad-namespace servers=other.azurecr.io account=default reason="Bad_NS" is not a valid namespace: want at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit (a DNS-1123 label)`,
			"namespace apps new servers=myregistry.azurecr.io",
			"used myregistry.azurecr.io,other.azurecr.io",
		},
	}, {
		name: "pull secrets already listed, and a ServiceAccount that lists the secret, need no patch",
		in: Occurrences{
			Workloads: []Workload{
				workload(1, "apps", PodUse{Images: []string{"myregistry.azurecr.io/a"}, Secrets: []string{"other", "acr-secret"}}),
				workload(2, "apps", PodUse{Images: []string{"myregistry.azurecr.io/a"}, ServiceAccountName: "builder"}),
				workload(3, "apps", PodUse{Images: []string{"myregistry.azurecr.io/a"}, ServiceAccountName: "builder", Secrets: []string{"other"}}),
				workload(4, "web", PodUse{Images: []string{"myregistry.azurecr.io/a"}, ServiceAccountName: "builder"}),
			},
			ServiceAccounts: []Account{{ID: 9, Namespace: "apps", Name: "builder", Secrets: []string{"acr-secret"}}},
		},
		s: base,
		want: []string{
			"pod 1/0 has-secret servers=myregistry.azurecr.io account=default",
			"pod 2/0 via-account servers=myregistry.azurecr.io account=builder",
			"pod 3/0 patch servers=myregistry.azurecr.io account=builder",
			"pod 4/0 patch servers=myregistry.azurecr.io account=builder",
			"namespace apps new servers=myregistry.azurecr.io",
			"namespace web new servers=myregistry.azurecr.io",
			"used myregistry.azurecr.io",
		},
	}, {
		name: "service accounts: serviceAccountName, then serviceAccount, then default; own secrets; missing accounts",
		in: Occurrences{
			Workloads: []Workload{
				workload(1, "apps", PodUse{Images: []string{"myregistry.azurecr.io/a"}, ServiceAccountName: "builder", ServiceAccount: "legacy"}),
				workload(2, "apps", PodUse{Images: []string{"myregistry.azurecr.io/a"}, ServiceAccount: "legacy"}),
				workload(3, "apps", PodUse{Images: []string{"myregistry.azurecr.io/a"}}),
				workload(4, "apps", PodUse{Images: []string{"myregistry.azurecr.io/a"}}),
				workload(5, "apps", PodUse{Images: []string{"myregistry.azurecr.io/a"}, Secrets: []string{"mine"}}),
				workload(6, "apps", PodUse{Images: []string{"myregistry.azurecr.io/a"}, ServiceAccountName: "ghost"}),
			},
			ServiceAccounts: []Account{
				{ID: 10, Namespace: "apps", Name: "builder"},
				{ID: 11, Namespace: "apps", Name: "legacy", Secrets: []string{"acr-secret"}},
				{ID: 12, Namespace: "apps", Name: "default", Secrets: []string{"other"}},
				{ID: 13, Namespace: "web", Name: "builder"},
			},
		},
		s: with(func(s *DecideSettings) { s.ServiceAccount = true }),
		want: []string{
			"pod 1/0 via-account servers=myregistry.azurecr.io account=builder",
			"pod 2/0 via-account servers=myregistry.azurecr.io account=legacy",
			"pod 3/0 via-account servers=myregistry.azurecr.io account=default",
			"pod 4/0 via-account servers=myregistry.azurecr.io account=default",
			"pod 5/0 patch-own-secrets servers=myregistry.azurecr.io account=default",
			"pod 6/0 account-missing servers=myregistry.azurecr.io account=ghost",
			"account apps/builder user=pod 1/0 occurrences=10:patch",
			"account apps/default user=pod 3/0 occurrences=12:patch",
			"account apps/ghost user=pod 6/0 occurrences=none",
			"account apps/legacy user=pod 2/0 occurrences=11:has",
			"namespace apps new servers=myregistry.azurecr.io",
			"used myregistry.azurecr.io",
		},
	}, {
		name: "images of unknown kinds from a registry are reported unchecked, not patched (and their registries used: no typo); Kubernetes' own groups and Flux image automation are not",
		in: Occurrences{Others: []Other{
			{ID: 1, Namespace: "apps", APIVersion: "argoproj.io/v1alpha1", Kind: "Rollout", Images: []manifest.ImageField{
				{Path: "spec.template.spec.initContainers[0].image", Image: "nginx", Line: 9},
				{Path: "spec.template.spec.containers[0].image", Image: "myregistry.azurecr.io/web:1", Line: 12}}},
			{ID: 2, Namespace: "apps", APIVersion: "example.com/v1", Kind: "Thing", Images: []manifest.ImageField{{Path: "spec.image", Image: "OTHER.azurecr.io/x", Line: 3}}},
			{ID: 3, Namespace: "apps", APIVersion: "v1", Kind: "ConfigMap", Images: []manifest.ImageField{{Path: "data.image", Image: "myregistry.azurecr.io/web:1"}}},
			{ID: 4, Namespace: "apps", APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Images: []manifest.ImageField{{Path: "spec.image", Image: "myregistry.azurecr.io/web:1"}}},
			{ID: 5, Namespace: "apps", APIVersion: "image.toolkit.fluxcd.io/v1", Kind: "ImageRepository", Images: []manifest.ImageField{{Path: "spec.image", Image: "myregistry.azurecr.io/web"}}},
			{ID: 6, Namespace: "web", APIVersion: "argoproj.io/v1alpha1", Kind: "Rollout", Images: []manifest.ImageField{{Path: "spec.template.spec.containers[0].image", Image: "myregistry.azurecr.io/web:1"}}},
		}},
		s: with(func(s *DecideSettings) { s.Namespaces = []string{"apps"} }),
		want: []string{
			"used myregistry.azurecr.io,other.azurecr.io",
			"unchecked 1 myregistry.azurecr.io Rollout.argoproj.io=spec.template.spec at spec.template.spec.containers[0].image:12",
			"unchecked 2 other.azurecr.io Thing.example.com at spec.image:3",
		},
	}, {
		name: "namespaces that are no namespace names (a ${VAR} nothing substituted, a typo): a pod that pulls is refused, the others are warned about",
		in: Occurrences{
			Workloads: []Workload{
				workload(1, "${CLUSTER_NAME}", pod("myregistry.azurecr.io/web:1")),
				workload(2, "${CLUSTER_NAME}", pod("nginx")),
				workload(6, "apps", pod("myregistry.azurecr.io/web:1")),
			},
			ServiceAccounts: []Account{{ID: 3, Namespace: "${CLUSTER_NAME}", Name: "app"}},
			Secrets:         []ExistingSecret{good(4, "team-${TEAM:=a}", nil)},
			Others: []Other{{ID: 5, Namespace: "Bad_NS", APIVersion: "argoproj.io/v1alpha1", Kind: "Rollout", Images: []manifest.ImageField{{Path: "spec.template.spec.containers[0].image", Image: "myregistry.azurecr.io/web:1"}}},
				{ID: 4, Namespace: "team-${TEAM:=a}", APIVersion: "v1", Kind: "Secret", Images: []manifest.ImageField{{Path: "data.image", Image: "nginx"}}}},
		},
		s: base,
		want: []string{
			`pod 1/0 bad-namespace servers=myregistry.azurecr.io account=default reason="${CLUSTER_NAME}" holds a variable that nothing acrgen reads substitutes (CLUSTER_NAME), and it pulls from myregistry.azurecr.io: acrgen cannot tell which namespace. Set CLUSTER_NAME in spec.postBuild.substitute of the Flux Kustomization that applies this directory (or in a ConfigMap of the repository it substitutes from) and run acrgen on the directory holding that Kustomization, or write the namespace out`,
			"pod 6/0 patch servers=myregistry.azurecr.io account=default",
			"namespace apps new servers=myregistry.azurecr.io",
			"secret 4 keep fit",
			"used myregistry.azurecr.io",
			`unplaced 2 reason="${CLUSTER_NAME}" holds a variable that nothing acrgen reads substitutes (CLUSTER_NAME; Flux's postBuild substitutes it when it applies the directory): acrgen cannot tell the namespace, and leaves the object out of its verdict`,
			`unplaced 3 reason="${CLUSTER_NAME}" holds a variable that nothing acrgen reads substitutes (CLUSTER_NAME; Flux's postBuild substitutes it when it applies the directory): acrgen cannot tell the namespace, and leaves the object out of its verdict`,
			`unplaced 4 reason="team-${TEAM:=a}" holds a variable that nothing acrgen reads substitutes (TEAM; Flux's postBuild substitutes it when it applies the directory): acrgen cannot tell the namespace, and leaves the object out of its verdict`,
			`unplaced 5 reason="Bad_NS" is not a valid namespace: want at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit (a DNS-1123 label): Kubernetes will refuse the object; acrgen leaves it out of its verdict`,
		},
	}, {
		name: "with ServiceAccount, a ServiceAccount of the name pods run as, whose namespace is a variable, blocks",
		in: Occurrences{
			Workloads: []Workload{
				workload(1, "apps", PodUse{Images: []string{"myregistry.azurecr.io/a"}, ServiceAccountName: "builder"}),
			},
			ServiceAccounts: []Account{{ID: 2, Namespace: "${NS}", Name: "builder"}, {ID: 3, Namespace: "${NS}", Name: "other"}},
		},
		s: with(func(s *DecideSettings) { s.ServiceAccount = true }),
		want: []string{
			"pod 1/0 account-missing servers=myregistry.azurecr.io account=builder",
			"account apps/builder user=pod 1/0 occurrences=none",
			"namespace apps new servers=myregistry.azurecr.io",
			"used myregistry.azurecr.io",
			`unplaced 2 blocks reason="${NS}" holds a variable that nothing acrgen reads substitutes (NS), and pods that pull from the registry run as a ServiceAccount builder that is missing from their namespace apps (this may be it): acrgen cannot tell which namespace. Set NS in spec.postBuild.substitute of the Flux Kustomization that applies this directory (or in a ConfigMap of the repository it substitutes from) and run acrgen on the directory holding that Kustomization, or write the namespace out`,
			`unplaced 3 reason="${NS}" holds a variable that nothing acrgen reads substitutes (NS; Flux's postBuild substitutes it when it applies the directory): acrgen cannot tell the namespace, and leaves the object out of its verdict`,
		},
	}, {
		name: "a generator call wants the Secret in each filtered namespace, or without one",
		in:   Occurrences{Generate: true},
		s:    with(func(s *DecideSettings) { s.Namespaces = []string{"web", "apps"} }),
		want: []string{"namespace apps new", "namespace web new"},
	}, {
		name: "a generator call without a filter; HelmRelease namespaces",
		in:   Occurrences{Generate: true, Namespaces: []string{"charts"}},
		s:    base,
		want: []string{"namespace - new", "namespace charts new"},
	}, {
		name: "keep: registries covered ignoring case and order; Secrets elsewhere are kept; expiring soon is a remark",
		in: Occurrences{
			Workloads: []Workload{workload(1, "apps", pod("myregistry.azurecr.io/a")), workload(2, "web", pod("myregistry.azurecr.io/a"))},
			Secrets: []ExistingSecret{
				good(20, "apps", map[string]string{secret.AnnotationRegistry: "OTHER.azurecr.io, MyRegistry.azurecr.io", secret.AnnotationUsername: "app", secret.AnnotationExpires: "2026-06-10T00:00:00Z"}),
				good(21, "elsewhere", map[string]string{}),
				good(22, "web", nil),
			},
		},
		s: with(func(s *DecideSettings) { s.ExpiryWarning = 30 * 24 * time.Hour; s.Username = "app" }),
		want: []string{
			"pod 1/0 patch servers=myregistry.azurecr.io account=default",
			"pod 2/0 patch servers=myregistry.azurecr.io account=default",
			"namespace apps secret=20 servers=myregistry.azurecr.io",
			"namespace web secret=22 servers=myregistry.azurecr.io",
			"secret 20 needed keep fit: expires-soon(metadata.annotations.acrgen.dev/expires: its credential expires on 2026-06-10T00:00:00Z)",
			`secret 21 keep fit missing=myregistry.azurecr.io,other.azurecr.io: missing-registries(metadata.annotations.acrgen.dev/registry: it holds credentials for no registry (no acrgen.dev/registry annotation), not for myregistry.azurecr.io, other.azurecr.io); username(metadata.annotations.acrgen.dev/username: its username is "", not "app")`,
			"secret 22 needed keep fit",
			"used myregistry.azurecr.io",
		},
	}, {
		name: "not decrypted (the function): registries, keys, username and expiry decide; replace when they differ",
		in: Occurrences{
			Workloads: []Workload{workload(1, "a", pod("myregistry.azurecr.io/a")), workload(2, "b", pod("myregistry.azurecr.io/a")),
				workload(3, "c", pod("myregistry.azurecr.io/a")), workload(4, "d", pod("myregistry.azurecr.io/a"))},
			Secrets: []ExistingSecret{
				good(30, "a", map[string]string{secret.AnnotationRegistry: "myregistry.azurecr.io", secret.AnnotationUsername: "app"}),
				func() ExistingSecret { s := good(31, "b", nil); s.SameRecipients = No; return s }(),
				good(32, "c", map[string]string{secret.AnnotationRegistry: "myregistry.azurecr.io,other.azurecr.io", secret.AnnotationUsername: "old"}),
				good(33, "d", nil),
			},
		},
		s: with(func(s *DecideSettings) {
			s.Username, s.Expires, s.Credential = "app", time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), Unknown
		}),
		want: []string{
			"pod 1/0 patch servers=myregistry.azurecr.io account=default",
			"pod 2/0 patch servers=myregistry.azurecr.io account=default",
			"pod 3/0 patch servers=myregistry.azurecr.io account=default",
			"pod 4/0 patch servers=myregistry.azurecr.io account=default",
			"namespace a secret=30 servers=myregistry.azurecr.io", "namespace b secret=31 servers=myregistry.azurecr.io",
			"namespace c secret=32 servers=myregistry.azurecr.io", "namespace d secret=33 servers=myregistry.azurecr.io",
			`secret 30 needed replace fit missing=other.azurecr.io: missing-registries(metadata.annotations.acrgen.dev/registry: it holds credentials for myregistry.azurecr.io, not for other.azurecr.io); expires(metadata.annotations.acrgen.dev/expires: its expiry is "", not 2027-01-31T00:00:00Z)`,
			`secret 31 needed replace fit: other-keys(sops: it is encrypted for other keys than the configured ones); expires(metadata.annotations.acrgen.dev/expires: its expiry is "", not 2027-01-31T00:00:00Z)`,
			`secret 32 needed replace fit: username(metadata.annotations.acrgen.dev/username: its username is "old", not "app"); expires(metadata.annotations.acrgen.dev/expires: its expiry is "", not 2027-01-31T00:00:00Z)`,
			`secret 33 needed replace fit: expires(metadata.annotations.acrgen.dev/expires: its expiry is "", not 2027-01-31T00:00:00Z)`,
			"used myregistry.azurecr.io",
		},
	}, {
		name: "decrypted (the CLI): the comparison decides, not the annotations",
		in: Occurrences{
			Namespaces: []string{"a", "b", "c", "e"},
			Secrets: []ExistingSecret{
				func() ExistingSecret { s := good(40, "a", nil); s.Current = Same; return s }(),
				func() ExistingSecret { s := good(41, "b", nil); s.Current = Differs; return s }(),
				func() ExistingSecret { s := good(42, "c", nil); s.Current = NoKey; return s }(),
				func() ExistingSecret { s := good(44, "e", nil); s.SameRecipients = No; s.Current = Differs; return s }(),
			},
		},
		s: with(func(s *DecideSettings) { s.Username, s.ReEncrypt = "someone-else", true }),
		want: []string{
			"namespace a secret=40", "namespace b secret=41", "namespace c secret=42", "namespace e secret=44",
			"secret 40 needed keep fit",
			"secret 41 needed replace fit: stale(data: what it holds differs from the Secret wanted)",
			"secret 42 needed replace fit: no-key(sops: no key can decrypt it to compare it with the Secret wanted)",
			"secret 44 needed replace fit: other-keys(sops: it is encrypted for other keys than the configured ones); stale(data: what it holds differs from the Secret wanted)",
		},
	}, {
		name: "without a credential: re-encrypt what can be, refuse the rest",
		in: Occurrences{
			Namespaces: []string{"a", "b", "c", "d", "e"},
			Secrets: []ExistingSecret{
				func() ExistingSecret { s := good(50, "a", nil); s.SameRecipients = No; return s }(),
				{ID: 51, Namespace: "b", Type: secret.Type, Annotations: map[string]string{secret.AnnotationRegistry: "myregistry.azurecr.io,other.azurecr.io"},
					Problems: []EncryptionProblem{{"sops", "it is not SOPS-encrypted"}}},
				good(52, "c", map[string]string{secret.AnnotationRegistry: "myregistry.azurecr.io"}),
				func() ExistingSecret { s := good(53, "d", nil); s.Problems = malformed; return s }(),
				good(54, "e", map[string]string{secret.AnnotationRegistry: "myregistry.azurecr.io,other.azurecr.io", secret.AnnotationExpires: "2026-01-01"}),
			},
		},
		s: with(func(s *DecideSettings) { s.Credential, s.ReEncrypt = No, true }),
		want: []string{
			"namespace a secret=50", "namespace b secret=51", "namespace c secret=52", "namespace d secret=53", "namespace e secret=54",
			"secret 50 needed re-encrypt fit: other-keys(sops: it is encrypted for other keys than the configured ones)",
			"secret 51 needed re-encrypt: not-encrypted(sops: it is not SOPS-encrypted)",
			"secret 52 needed refuse/no-credential fit missing=other.azurecr.io: missing-registries(metadata.annotations.acrgen.dev/registry: it holds credentials for myregistry.azurecr.io, not for other.azurecr.io)",
			"secret 53 needed refuse/no-credential: malformed(sops.mac: its sops metadata has no mac: its integrity cannot be checked)",
			"secret 54 needed refuse/no-credential: expired(metadata.annotations.acrgen.dev/expires: its credential expired on 2026-01-01)",
		},
	}, {
		name: "the function cannot re-encrypt: it replaces, with the credential; not inside a List",
		in: Occurrences{
			Namespaces: []string{"a", "b", "c"},
			Secrets: []ExistingSecret{
				func() ExistingSecret { s := good(60, "a", nil); s.SameRecipients = No; return s }(),
				{ID: 61, Namespace: "b", Type: secret.Type, Annotations: map[string]string{secret.AnnotationRegistry: "myregistry.azurecr.io,other.azurecr.io"},
					Problems: []EncryptionProblem{{"sops", "it is not SOPS-encrypted"}}},
				func() ExistingSecret {
					s := good(62, "c", map[string]string{secret.AnnotationRegistry: "myregistry.azurecr.io,other.azurecr.io", secret.AnnotationExpires: "soon"})
					s.InList = true
					return s
				}(),
			},
		},
		s: with(func(s *DecideSettings) { s.Credential = Unknown }),
		want: []string{
			"namespace a secret=60", "namespace b secret=61", "namespace c secret=62",
			"secret 60 needed replace fit: other-keys(sops: it is encrypted for other keys than the configured ones)",
			"secret 61 needed replace: not-encrypted(sops: it is not SOPS-encrypted)",
			`secret 62 needed refuse/in-list: expiry-unreadable(metadata.annotations.acrgen.dev/expires: expiry "soon": want RFC 3339 (2027-01-31T00:00:00Z) or YYYY-MM-DD)`,
		},
	}, {
		name: "kept as they are: a generator's Secret, one from outside; refused: a duplicate, another type",
		in: Occurrences{
			Namespaces: []string{"a", "b", "c", "d"},
			Secrets: []ExistingSecret{
				{ID: 70, Namespace: "a", Generated: true},
				func() ExistingSecret { s := good(71, "b", map[string]string{}); s.Outside = true; return s }(),
				good(72, "c", nil),
				good(73, "c", nil),
				{ID: 74, Namespace: "d", Type: "Opaque", Annotations: map[string]string{}, Encrypted: true},
				{ID: 75, Namespace: "c", Generated: true},
			},
		},
		s: base,
		want: []string{
			"namespace a secret=70", "namespace b secret=71", "namespace c secret=72", "namespace d secret=74",
			"secret 70 needed keep fit missing=myregistry.azurecr.io,other.azurecr.io: missing-registries(metadata.annotations.acrgen.dev/registry: it holds credentials for no registry (no acrgen.dev/registry annotation), not for myregistry.azurecr.io, other.azurecr.io)",
			"secret 71 needed keep fit missing=myregistry.azurecr.io,other.azurecr.io: missing-registries(metadata.annotations.acrgen.dev/registry: it holds credentials for no registry (no acrgen.dev/registry annotation), not for myregistry.azurecr.io, other.azurecr.io)",
			"secret 72 needed refuse/duplicate other=73 fit",
			"secret 73 keep fit",
			"secret 74 needed refuse/wrong-type fit missing=myregistry.azurecr.io,other.azurecr.io: missing-registries(metadata.annotations.acrgen.dev/registry: it holds credentials for no registry (no acrgen.dev/registry annotation), not for myregistry.azurecr.io, other.azurecr.io)",
			"secret 75 keep fit missing=myregistry.azurecr.io,other.azurecr.io: missing-registries(metadata.annotations.acrgen.dev/registry: it holds credentials for no registry (no acrgen.dev/registry annotation), not for myregistry.azurecr.io, other.azurecr.io)",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := summarize(tc.in, Decide(tc.in, tc.s))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("decisions (-want +got):\n%s", diff)
			}
		})
	}
}

// summarize writes decisions one line each, naming occurrences by their IDs.
func summarize(in Occurrences, d Decisions) []string {
	podActions := map[PodAction]string{PodOutOfScope: "out-of-scope", PodBadNamespace: "bad-namespace", PodHasSecret: "has-secret",
		PodPatch: "patch", PodPatchOwnSecrets: "patch-own-secrets", PodViaAccount: "via-account", PodAccountMissing: "account-missing"}
	actions := map[SecretAction]string{Keep: "keep", ReEncrypt: "re-encrypt", Replace: "replace", Refuse: "refuse"}
	refusals := map[Refusal]string{RefuseNoCredential: "no-credential", RefuseInList: "in-list", RefuseDuplicate: "duplicate", RefuseWrongType: "wrong-type"}
	kinds := map[FindingKind]string{FindingNotEncrypted: "not-encrypted", FindingMalformed: "malformed", FindingExpiryUnreadable: "expiry-unreadable",
		FindingExpired: "expired", FindingExpiresSoon: "expires-soon", FindingMissingRegistries: "missing-registries", FindingOtherKeys: "other-keys",
		FindingUsername: "username", FindingExpires: "expires", FindingStale: "stale", FindingNoKey: "no-key"}
	podName := func(i int) string { return fmt.Sprintf("%d/%d", d.Pods[i].ID, d.Pods[i].PodSpec) }
	var out []string
	for i, p := range d.Pods {
		line := fmt.Sprintf("pod %s %s servers=%s account=%s", podName(i), podActions[p.Action], strings.Join(p.Servers, ","), p.Account)
		for _, img := range p.UpperCase {
			line += " upper-case=" + img
		}
		if p.Reason != "" {
			line += " reason=" + p.Reason
		}
		out = append(out, line)
	}
	for _, a := range d.Accounts {
		var uses []string
		for _, u := range a.Accounts {
			what := "has"
			if u.Patch {
				what = "patch"
			}
			uses = append(uses, fmt.Sprintf("%d:%s", in.ServiceAccounts[u.Index].ID, what))
		}
		if len(uses) == 0 {
			uses = []string{"none"}
		}
		out = append(out, fmt.Sprintf("account %s/%s user=pod %s occurrences=%s", a.Namespace, a.Name, podName(a.User), strings.Join(uses, ",")))
	}
	for _, n := range d.Namespaces {
		ns := n.Namespace
		if ns == "" {
			ns = "-"
		}
		line := "namespace " + ns + " new"
		if n.Secret >= 0 {
			line = fmt.Sprintf("namespace %s secret=%d", ns, in.Secrets[n.Secret].ID)
		}
		if len(n.Servers) > 0 {
			line += " servers=" + strings.Join(n.Servers, ",")
		}
		if len(n.Hosts) > 0 {
			line += " hosts=" + strings.Join(n.Hosts, ",")
		}
		out = append(out, line)
	}
	for _, v := range d.Secrets {
		line := fmt.Sprintf("secret %d", v.ID)
		if v.Needed {
			line += " needed"
		}
		line += " " + actions[v.Action]
		if v.Refusal != 0 {
			line += "/" + refusals[v.Refusal]
		}
		if v.Refusal == RefuseDuplicate {
			line += fmt.Sprintf(" other=%d", in.Secrets[v.Other].ID)
		}
		if v.Fit {
			line += " fit"
		}
		if len(v.Missing) > 0 {
			line += " missing=" + strings.Join(v.Missing, ",")
		}
		var fs []string
		for _, f := range v.Findings {
			fs = append(fs, fmt.Sprintf("%s(%s: %s)", kinds[f.Kind], f.Field, f.Msg))
		}
		if len(fs) > 0 {
			line += ": " + strings.Join(fs, "; ")
		}
		out = append(out, line)
	}
	if len(d.Used) > 0 {
		out = append(out, "used "+strings.Join(d.Used, ","))
	}
	for _, u := range d.Unplaced {
		line := fmt.Sprintf("unplaced %d", u.ID)
		if u.Blocks {
			line += " blocks"
		}
		out = append(out, line+" reason="+u.Reason)
	}
	for _, u := range d.Unchecked {
		kind := u.Kind
		if u.PodSpecPath != "" {
			kind += "=" + u.PodSpecPath
		}
		out = append(out, fmt.Sprintf("unchecked %d %s %s at %s:%d", u.ID, u.Server, kind, u.Field.Path, u.Field.Line))
	}
	return out
}
