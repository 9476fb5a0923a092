package judge

import (
	"slices"
	"strings"
	"time"

	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/settings"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Occurrences is what a front end (the CLI on a source tree, the KRM function on a resource
// list) gathered from its input for [Decide]: plain data, with indexes and IDs that only the
// front end gives a meaning to.
type Occurrences struct {
	Workloads       []Workload
	ServiceAccounts []Account
	Secrets         []ExistingSecret
	// Namespaces need the pull Secret whatever the workloads say: the release namespaces of
	// HelmReleases the CLI patches.
	Namespaces []string
	// Generate is a call with nothing to scan (a kustomize generator): the Secret is wanted in
	// every namespace of the filter, or without a namespace when there is no filter.
	Generate bool
	// Others are the resources of kinds acrgen does not know as workloads that have image
	// fields (see [manifest.ImageFields]).
	Others []Other
}

// Workload is one occurrence of a resource with pod specs.
type Workload struct {
	// ID is the front end's handle on the occurrence; Decide hands it back untouched.
	ID int
	// Namespace is the effective namespace ("" for none).
	Namespace string
	PodSpecs  []PodUse
}

// PodUse is what Decide needs of one pod spec.
type PodUse struct {
	// Images are the effective images of its containers.
	Images []string
	// Secrets are the names it lists under imagePullSecrets (after any patch on the way).
	Secrets []string
	// ServiceAccountName and ServiceAccount are the fields as written; "" when unset.
	ServiceAccountName, ServiceAccount string
}

// NewPodUse returns the PodUse of ps with its effective images and pull secrets; the
// ServiceAccount fields are read from the pod spec.
func NewPodUse(ps manifest.PodSpec, images, secrets []string) PodUse {
	return PodUse{
		Images: images, Secrets: secrets,
		ServiceAccountName: manifest.Scalar(manifest.MapValue(ps.Node, "serviceAccountName")),
		ServiceAccount:     manifest.Scalar(manifest.MapValue(ps.Node, "serviceAccount")),
	}
}

// WrittenPodUse returns the PodUse of ps with the images and pull secrets written in it: what
// a pod spec of a build's output (the function's items) uses.
func WrittenPodUse(ps manifest.PodSpec) PodUse {
	images := make([]string, len(ps.Images))
	for i, img := range ps.Images {
		images[i] = img.Value
	}
	return NewPodUse(ps, images, ps.SecretNames())
}

// RunsAs is the ServiceAccount the pod runs as: serviceAccountName, else the deprecated
// serviceAccount, else "default".
func (p PodUse) RunsAs() string {
	for _, sa := range []string{p.ServiceAccountName, p.ServiceAccount} {
		if sa != "" {
			return sa
		}
	}
	return "default"
}

// Account is one occurrence of a v1 ServiceAccount.
type Account struct {
	ID              int
	Namespace, Name string
	// Secrets are the names it lists under imagePullSecrets.
	Secrets []string
}

// Fact is something only a front end can find out, as a side effect (asking the encrypter,
// reading the credential). Unknown means it was not found out.
type Fact int8

// The values of a Fact.
const (
	Unknown Fact = iota
	Yes
	No
)

// Comparison is what decrypting an existing Secret and comparing it with the one wanted
// (values, recipients and sops settings) found.
type Comparison int8

// The values of a Comparison.
const (
	// NotCompared: the front end does not decrypt (the KRM function), or did not try.
	NotCompared Comparison = iota
	// Same: the file holds exactly the Secret wanted, for the keys wanted.
	Same
	// Differs: something it holds (or its keys) changed.
	Differs
	// NoKey: no key to decrypt it was available.
	NoKey
)

// ExistingSecret is a pull Secret (by name) found in the input.
type ExistingSecret struct {
	ID        int
	Namespace string
	// Type is the Secret's type field as written.
	Type        string
	Annotations map[string]string
	// Encrypted is true when it carries sops metadata; Problems are what keeps it from being
	// well-formed sops (see [SecretEncryptionProblems]).
	Encrypted bool
	Problems  []EncryptionProblem
	// Generated is a Secret made by a kustomize secretGenerator; Outside one that comes from
	// outside the directory the CLI writes; InList one inside a List item.
	Generated, Outside, InList bool
	// SameRecipients says whether it is encrypted for the keys a new one would be.
	SameRecipients Fact
	// Current is what decrypting and comparing it with the wanted Secret found.
	Current Comparison
}

// NewExistingSecret reads the plain parts of a Secret object: type, annotations, sops
// metadata and its problems. The front end sets the other fields.
func NewExistingSecret(id int, namespace string, doc *yaml.Node) ExistingSecret {
	return ExistingSecret{
		ID: id, Namespace: namespace,
		Type:        manifest.Scalar(manifest.MapValue(doc, "type")),
		Annotations: manifest.Annotations(doc),
		Encrypted:   manifest.MapValue(doc, "sops") != nil,
		Problems:    SecretEncryptionProblems(doc),
	}
}

// DecideSettings are the settings [Decide] works with.
type DecideSettings struct {
	// Registries are the login servers, as from [settings.ParseLoginServer].
	Registries []string
	SecretName string
	// Namespaces limits the work to these effective namespaces; empty means all.
	Namespaces []string
	// ServiceAccount gives the secret to the ServiceAccount a matching pod runs as instead of
	// to the pod.
	ServiceAccount bool
	// Hosts are host forms the Secret judged must hold an auths entry for besides Registries:
	// those of its namespace (see [NamespaceDecision.Hosts] and [NamespaceDecision.Settings]).
	// Decide sets them for each Secret.
	Hosts []string
	// Username and Expires are the credential's, when configured: a Secret that was not
	// decrypted (Current NotCompared) must record the same ones.
	Username string
	Expires  time.Time
	// Now is the time expiries are checked at; ExpiryWarning how long before one to warn
	// (0: never).
	Now           time.Time
	ExpiryWarning time.Duration
	// Credential says whether a credential to create Secrets with is at hand; Unknown when
	// the front end reads it only once it is needed.
	Credential Fact
	// ReEncrypt is true when the front end can decrypt an existing Secret and encrypt its
	// content again for other keys (the CLI); false means such a Secret must be re-created.
	ReEncrypt bool
}

// Decisions is what [Decide] returns.
type Decisions struct {
	// Pods are the pod specs that pull from a configured registry, in the order of the
	// occurrences.
	Pods []PodDecision
	// Accounts are the ServiceAccounts pods run as, with --service-account, by namespace and
	// name.
	Accounts []AccountDecision
	// Namespaces are those that need the pull Secret, sorted.
	Namespaces []NamespaceDecision
	// Secrets is the verdict on each existing Secret, in the order of the occurrences.
	Secrets []SecretVerdict
	// Used are the configured registries some pod, or some image of a resource acrgen does not
	// know as a workload, pulls from, in configured order: in the configured namespaces or not
	// (a registry used elsewhere is no typo).
	Used []string
	// Unchecked are the images from a configured registry in resources of kinds acrgen does
	// not know as workloads, in the order of the occurrences: acrgen did not check them.
	Unchecked []UncheckedImage
	// Unplaced are the occurrences whose namespace is no namespace name (a ${VAR} that nothing
	// substituted, a typo), but for pod specs that pull from a configured registry (those are
	// PodBadNamespace), by ID. A front end warns about each, and refuses the run for one that
	// Blocks.
	Unplaced []Unplaced
}

// Unplaced is an occurrence whose namespace is no namespace name.
type Unplaced struct {
	ID        int
	Namespace string
	// Blocks is true when acrgen may have to edit the object: a ServiceAccount of the name
	// pods that pull run as, with DecideSettings.ServiceAccount.
	Blocks bool
	// Reason says why, after "metadata.namespace " (see [UnplacedReason]).
	Reason string
}

// PodAction is what to do with a pod spec.
type PodAction int8

// The values of a PodAction.
const (
	// PodOutOfScope: its namespace is not among the configured ones; left alone.
	PodOutOfScope PodAction = iota + 1
	// PodBadNamespace: its namespace is not a valid namespace name (see Reason).
	PodBadNamespace
	// PodHasSecret: it lists the secret already.
	PodHasSecret
	// PodPatch: add the secret to its imagePullSecrets.
	PodPatch
	// PodPatchOwnSecrets: add the secret to it although it runs as a ServiceAccount that gets
	// it: it lists pull secrets of its own, and Kubernetes copies a ServiceAccount's only into
	// pods that list none.
	PodPatchOwnSecrets
	// PodViaAccount: it gets the secret through its ServiceAccount (Account), which lists it
	// or is patched to.
	PodViaAccount
	// PodAccountMissing: with ServiceAccount set, it runs as a ServiceAccount that is not
	// among the occurrences.
	PodAccountMissing
)

// PodDecision is the decision on one pod spec that pulls from a configured registry.
type PodDecision struct {
	// Workload and PodSpec index Occurrences.Workloads and its PodSpecs; ID is the workload's.
	Workload, PodSpec, ID int
	// Servers are the configured login servers it pulls from, in order.
	Servers []string
	// UpperCase are its images from a configured registry whose host has upper-case letters
	// (the kubelet matches pull-secret hosts case-sensitively); only for pods in scope.
	UpperCase []string
	Action    PodAction
	// Account is the ServiceAccount it runs as.
	Account string
	// Reason explains PodBadNamespace.
	Reason string
}

// AccountDecision is a ServiceAccount that pods run as, with DecideSettings.ServiceAccount.
type AccountDecision struct {
	Namespace, Name string
	// User indexes Decisions.Pods: the first pod spec that runs as it.
	User int
	// Accounts are its occurrences; none when it is not among them.
	Accounts []AccountUse
}

// AccountUse is one occurrence of a ServiceAccount that must list the secret.
type AccountUse struct {
	// Index indexes Occurrences.ServiceAccounts.
	Index int
	// Patch is true when it does not list the secret yet.
	Patch bool
}

// NamespaceDecision is a namespace that needs the pull Secret.
type NamespaceDecision struct {
	Namespace string
	// Servers are the configured registries its pods pull from, in configured order; none
	// when it needs the Secret for another reason (a generator, the function's namespaces).
	Servers []string
	// Hosts are the other host forms its pods pull with, sorted: a configured registry with
	// an explicit port (myregistry.azurecr.io:443). The kubelet keys pull credentials by the
	// host form, port included (see [manifest.HostForm]): the Secret needs an auths entry for
	// each.
	Hosts []string
	// Secret indexes Decisions.Secrets (and Occurrences.Secrets): the Secret there; -1 when
	// there is none and a new one is needed.
	Secret int
}

// Settings are s for judging the Secret of the namespace: its host forms included.
func (nd NamespaceDecision) Settings(s DecideSettings) DecideSettings {
	s.Hosts = nd.Hosts
	return s
}

// SecretServers are the hosts the Secret of a namespace holds auths entries for: the
// configured registries, the namespace's other host forms ([NamespaceDecision.Hosts]), and
// those an existing Secret's registry annotation records (old, comma-separated; "" for none),
// which workloads may still pull with. Each host once, ignoring case, in that order.
func SecretServers(registries, hosts []string, old string) []string {
	out := append([]string(nil), registries...)
	for _, h := range append(append([]string(nil), hosts...), settings.SplitList([]string{old})...) {
		if !slices.ContainsFunc(out, func(s string) bool { return strings.EqualFold(s, h) }) {
			out = append(out, h)
		}
	}
	return out
}

// SecretAction is the verdict on an existing Secret.
type SecretAction int8

// The values of a SecretAction.
const (
	// Keep it as it is.
	Keep SecretAction = iota + 1
	// ReEncrypt its content for the configured keys (or, not encrypted, encrypt it).
	ReEncrypt
	// Replace it with a new Secret made from the credential.
	Replace
	// Refuse: it must change, and cannot (see Refusal).
	Refuse
)

// Refusal says why a Secret that must change cannot.
type Refusal int8

// The values of a Refusal.
const (
	// RefuseNoCredential: it must be re-created, and there is no credential.
	RefuseNoCredential Refusal = iota + 1
	// RefuseInList: it is inside a List item, where it cannot be replaced.
	RefuseInList
	// RefuseDuplicate: the namespace holds more than one Secret of the name (Other is the
	// second).
	RefuseDuplicate
	// RefuseWrongType: it is not an image pull Secret, only has the name of one.
	RefuseWrongType
)

// FindingKind is one thing found about an existing Secret.
type FindingKind int8

// The values of a FindingKind. All but FindingExpiresSoon mean the Secret must change.
const (
	FindingNotEncrypted FindingKind = iota + 1
	FindingMalformed
	FindingExpiryUnreadable
	FindingExpired
	FindingExpiresSoon
	FindingMissingRegistries
	FindingOtherKeys
	FindingUsername
	FindingExpires
	FindingStale
	FindingNoKey
)

// Finding is one thing found about an existing Secret, with the field it is at and a
// message that names no secret value.
type Finding struct {
	Kind       FindingKind
	Field, Msg string
}

// SecretVerdict is the verdict on one existing Secret.
type SecretVerdict struct {
	// Index indexes Occurrences.Secrets; ID is the Secret's.
	Index, ID int
	// Needed is true when its namespace needs the pull Secret; a Secret elsewhere is kept.
	Needed bool
	Action SecretAction
	// Refusal says why, for Refuse; Other indexes the second Secret for RefuseDuplicate, and
	// Duplicates counts the Secrets of the name in its namespace (made by no generator).
	Refusal    Refusal
	Other      int
	Duplicates int
	// Findings are what was found, in order. The settings are compared only with a Secret
	// that is well-formed sops and has not expired.
	Findings []Finding
	// Missing are the configured registries and host forms (DecideSettings.Hosts) its registry
	// annotation does not cover.
	Missing []string
	// Fit is true when the Secret was compared with the settings: it is well-formed sops and
	// has not expired. Only then do SameRecipients and Current count.
	Fit bool
}

// NeedsFacts reports whether the verdict on a Secret depends on what only a side effect can
// tell: whether it is encrypted for the configured keys, and what it decrypts to. Such a
// Secret is well-formed sops, has not expired, and is neither a duplicate nor of another
// type; a front end that can find those facts out sets SameRecipients and Current and judges
// it again with [JudgeSecret].
func (v SecretVerdict) NeedsFacts() bool {
	return v.Fit && v.Refusal != RefuseDuplicate && v.Refusal != RefuseWrongType
}

// Has reports whether the verdict holds a finding of kind k.
func (v SecretVerdict) Has(k FindingKind) (Finding, bool) {
	for _, f := range v.Findings {
		if f.Kind == k {
			return f, true
		}
	}
	return Finding{}, false
}

// Why joins the messages of the findings that make the Secret change.
func (v SecretVerdict) Why() string {
	var out string
	for _, f := range v.Findings {
		if f.Kind == FindingExpiresSoon {
			continue
		}
		if out != "" {
			out += "; "
		}
		out += f.Msg
	}
	return out
}
