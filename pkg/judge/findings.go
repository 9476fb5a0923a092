package judge

import (
	"strconv"
	"strings"

	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/secret"
)

// The findings of the decisions, worded by the finding table; both front ends make them here
// and add where they are (file, line, object, field), which only they know.

// PodFindings are the findings of the decision on a pod spec at path, other than
// [MissingPullSecret]: an upper-case registry host, a ServiceAccount that is not among the
// resources, a namespace that is no namespace name. The field of each is set.
func PodFindings(pd PodDecision, path string) []finding.Finding {
	var out []finding.Finding
	for _, img := range pd.UpperCase {
		f := finding.New(finding.ImageHostUpperCase, strconv.Quote(img))
		f.Field = path
		out = append(out, f)
	}
	switch pd.Action {
	case PodAccountMissing:
		f := finding.New(finding.ServiceAccountMissing, strings.Join(pd.Servers, ", "), pd.Account)
		f.Field = joinPath(path, "serviceAccountName")
		out = append(out, f)
	case PodBadNamespace:
		out = append(out, field(finding.New(finding.NamespaceInvalid, pd.Reason), "metadata.namespace"))
	}
	return out
}

// UnplacedFinding is the finding about an object whose namespace is no namespace name: a
// problem when acrgen may have to edit it, else a warning (acrgen leaves it out of its
// verdict).
func UnplacedFinding(u Unplaced) finding.Finding {
	code := finding.NamespaceUnplaced
	if u.Blocks {
		code = finding.NamespaceInvalid
	}
	return field(finding.New(code, u.Reason), "metadata.namespace")
}

// NamespaceFinding is the finding about a namespace at field that is no namespace name (err
// says why).
func NamespaceFinding(at string, err error) finding.Finding {
	return field(finding.New(finding.NamespaceInvalid, err.Error()), at)
}

// MissingPullSecret is the finding about a pod spec at path that must list secret: from
// names the file of a workload patched from outside the directory ("" for none).
func MissingPullSecret(pd PodDecision, path, from, secret string) finding.Finding {
	own := ""
	if pd.Action == PodPatchOwnSecrets {
		own = pd.Account
	}
	if path == "" {
		path = "the object"
	}
	f := finding.New(finding.PullSecretMissing, path, from, strings.Join(pd.Servers, ", "), secret, own)
	f.Field = joinPath(path, "imagePullSecrets")
	return f
}

// MissingAccountSecret is the finding about a ServiceAccount that user (a workload, as
// [finding.Object.String] names it) runs as and that must list secret; from as for
// [MissingPullSecret].
func MissingAccountSecret(user, from, secret string) finding.Finding {
	f := finding.New(finding.AccountPullSecretMissing, from, user, secret)
	f.Field = "imagePullSecrets"
	return f
}

func joinPath(path, field string) string {
	if path == "" || path == "the object" {
		return field
	}
	return path + "." + field
}

// SecretFindings are the findings about an existing Secret called name from its plaintext
// parts (the verdict v that [Decide] gave it): a note that describes it, and what keeps it
// from serving: registries it lacks, an expiry past, unreadable or near, values not
// encrypted, sops metadata not well formed.
func SecretFindings(sec ExistingSecret, v SecretVerdict, name string) []finding.Finding {
	ann := sec.Annotations
	reg := ann[secret.AnnotationRegistry]
	out := []finding.Finding{finding.New(finding.SecretFound, name, sec.Namespace, reg, ann[secret.AnnotationUsername], ann[secret.AnnotationCredential], ann[secret.AnnotationExpires])}
	if reg != "" {
		for _, want := range v.Missing {
			out = append(out, field(finding.New(finding.SecretRegistryMissing, name, reg, want), "metadata.annotations."+secret.AnnotationRegistry))
		}
	}
	for _, f := range v.Findings {
		switch f.Kind {
		case FindingExpiryUnreadable:
			out = append(out, field(finding.New(finding.SecretExpiryUnreadable, name, f.Msg), f.Field))
		case FindingExpired:
			out = append(out, field(finding.New(finding.SecretExpired, name, ann[secret.AnnotationExpires]), f.Field))
		case FindingExpiresSoon:
			out = append(out, field(finding.New(finding.SecretExpiresSoon, name, ann[secret.AnnotationExpires]), f.Field))
		}
	}
	return append(out, EncryptionFindings(v, name)...)
}

// EncryptionFindings are the findings about the values of a Secret called name that are not
// encrypted, and its sops metadata that is not well formed.
func EncryptionFindings(v SecretVerdict, name string) []finding.Finding {
	var out []finding.Finding
	for _, f := range v.Findings {
		switch f.Kind {
		case FindingNotEncrypted:
			out = append(out, field(finding.New(finding.SecretNotEncrypted, name, f.Msg), f.Field))
		case FindingMalformed:
			out = append(out, field(finding.New(finding.SecretMalformed, name, f.Msg), f.Field))
		}
	}
	return out
}

// WrongTypeFinding is the finding about a Secret of another type that has the pull Secret's
// name.
func WrongTypeFinding(sec ExistingSecret, name string) finding.Finding {
	return field(finding.New(finding.SecretWrongType, name, strconv.Quote(sec.Type)), "type")
}

// CannotKeepFinding is the finding about a Secret called name that must change (verdict v)
// and cannot: inside a List, or for reason ("" when no credential was given).
func CannotKeepFinding(v SecretVerdict, name, reason string) finding.Finding {
	at := ""
	if len(v.Findings) > 0 {
		at = v.Findings[0].Field
	}
	if v.Refusal == RefuseInList {
		return field(finding.New(finding.SecretInList, name, v.Why()), at)
	}
	return field(finding.New(finding.SecretCannotKeep, name, v.Why(), reason), at)
}

// DuplicateFinding is the finding about the second Secret called name in namespace ns (the
// verdict v on the first says RefuseDuplicate); first names the first one's file, "" when
// unknown.
func DuplicateFinding(v SecretVerdict, name, ns, first string) finding.Finding {
	return field(finding.New(finding.SecretDuplicate, strconv.Itoa(v.Duplicates), name, finding.Namespace(ns), first), "metadata.name")
}

func field(f finding.Finding, path string) finding.Finding {
	f.Field = path
	return f
}

// SecretMissingFinding is the finding about namespace ns, whose workloads pull from servers,
// without the pull Secret called name; reason says why no credential is at hand to create it
// ("" for none given), and source names the .sops.yaml that chose the recipients of the one
// the run creates ("" when the configuration gave them).
func SecretMissingFinding(name, ns string, servers []string, reason, source string) finding.Finding {
	return finding.New(finding.SecretMissing, name, finding.Namespace(ns), strings.Join(servers, ", "), reason, source).On(SecretObject(name, ns), "")
}

// SecretUpdatedFinding is the action on the pull Secret called name in namespace ns, written
// again because of why ("" for no reason to say), for the recipients source chose (as for
// [SecretMissingFinding]).
func SecretUpdatedFinding(name, ns, why, source string) finding.Finding {
	return finding.New(finding.SecretUpdated, name, ns, why, source).On(SecretObject(name, ns), "")
}

// SecretObject is the finding object of the pull Secret called name in namespace ns.
func SecretObject(name, ns string) finding.Object {
	return finding.Object{APIVersion: "v1", Kind: "Secret", Namespace: ns, Name: name}
}
