package judge

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
)

// upperCaseHost reports an image whose registry host has upper-case letters: the kubelet
// matches pull-secret hosts case-sensitively.
func upperCaseHost(image string) bool {
	h := manifest.ImageHost(image)
	return h != strings.ToLower(h)
}

// MissingRegistries returns the login servers of want (lower case, as [settings.ParseLoginServer] gives
// them) that an existing Secret's registry annotation (comma-separated hosts, as written by
// a person or an older acrgen) does not cover, in the order of want. Hosts compare ignoring
// case, as login servers do.
func MissingRegistries(annotation string, want []string) []string {
	covered := map[string]bool{}
	for _, s := range strings.Split(annotation, ",") {
		covered[strings.ToLower(strings.TrimSpace(s))] = true
	}
	var missing []string
	for _, w := range want {
		if !covered[strings.ToLower(w)] {
			missing = append(missing, w)
		}
	}
	return missing
}

// Decide takes every decision of a run on data a front end gathered: which pod specs and
// ServiceAccounts must list the pull secret, which namespaces need the Secret, and the verdict
// on each existing Secret. The CLI and the KRM function both apply what it returns.
func Decide(in Occurrences, s DecideSettings) Decisions {
	d := Decisions{}
	match := matcher(s.Registries)
	accounts := map[[2]string][]int{}
	for i, a := range in.ServiceAccounts {
		k := [2]string{a.Namespace, a.Name}
		accounts[k] = append(accounts[k], i)
	}
	accountListed := func(k [2]string) bool {
		for _, i := range accounts[k] {
			if slices.Contains(in.ServiceAccounts[i].Secrets, s.SecretName) {
				return true
			}
		}
		return false
	}
	used := map[string]bool{}
	nsUsed := map[[2]string]bool{} // namespace, registry: in-scope pods there pull from it
	hosts := map[string][]string{} // namespace -> the host forms with a port its pods pull with
	needed := map[string]bool{}
	users := map[[2]string]int{} // a ServiceAccount -> the first pod that runs as it
	for wi, w := range in.Workloads {
		nsErr := manifest.ValidateNamespace(w.Namespace)
		pulls := false
		for pi, p := range w.PodSpecs {
			var servers, upper []string
			for _, img := range p.Images {
				if h := match(img); h.ok {
					if !slices.Contains(servers, h.server) {
						servers = append(servers, h.server)
					}
					if h.upper {
						upper = append(upper, img)
					}
				}
			}
			if len(servers) == 0 {
				continue
			}
			pulls = true
			for _, sv := range servers {
				used[sv] = true
			}
			pd := PodDecision{Workload: wi, PodSpec: pi, ID: w.ID, Servers: servers, Account: p.RunsAs()}
			if nsErr != nil {
				// The Secret's file would be named after the namespace, and the pod's
				// namespace needs the Secret: acrgen cannot go on.
				pd.Action, pd.Reason = PodBadNamespace, UnplacedReason(w.Namespace, nsErr, "it pulls from "+strings.Join(servers, ", "))
				d.Pods = append(d.Pods, pd)
				continue
			}
			if !NamespaceAllowed(s.Namespaces, w.Namespace) {
				pd.Action = PodOutOfScope
				d.Pods = append(d.Pods, pd)
				continue
			}
			pd.UpperCase = upper
			needed[w.Namespace] = true
			for _, img := range p.Images {
				if h := match(img); h.ok && h.form != "" && !slices.Contains(hosts[w.Namespace], h.form) {
					hosts[w.Namespace] = append(hosts[w.Namespace], h.form)
				}
			}
			for _, sv := range servers {
				nsUsed[[2]string{w.Namespace, sv}] = true
			}
			k := [2]string{w.Namespace, pd.Account}
			switch {
			case slices.Contains(p.Secrets, s.SecretName):
				pd.Action = PodHasSecret
			case len(p.Secrets) > 0:
				// Kubernetes copies a ServiceAccount's pull secrets only into pods that
				// list none of their own.
				pd.Action = PodPatch
				if s.ServiceAccount {
					pd.Action = PodPatchOwnSecrets
				}
			case s.ServiceAccount && len(accounts[k]) == 0:
				pd.Action = PodAccountMissing
			case s.ServiceAccount || accountListed(k):
				pd.Action = PodViaAccount
			default:
				pd.Action = PodPatch
			}
			if s.ServiceAccount && (pd.Action == PodViaAccount || pd.Action == PodAccountMissing) {
				if _, ok := users[k]; !ok {
					users[k] = len(d.Pods)
				}
			}
			d.Pods = append(d.Pods, pd)
		}
		if nsErr != nil && !pulls {
			d.Unplaced = append(d.Unplaced, Unplaced{ID: w.ID, Namespace: w.Namespace, Reason: UnplacedReason(w.Namespace, nsErr, "")})
		}
	}
	for _, k := range slices.SortedFunc(maps.Keys(users), func(a, b [2]string) int {
		return strings.Compare(a[0]+"/"+a[1], b[0]+"/"+b[1])
	}) {
		ad := AccountDecision{Namespace: k[0], Name: k[1], User: users[k]}
		for _, i := range accounts[k] {
			ad.Accounts = append(ad.Accounts, AccountUse{Index: i, Patch: !slices.Contains(in.ServiceAccounts[i].Secrets, s.SecretName)})
		}
		d.Accounts = append(d.Accounts, ad)
	}
	d.Unchecked = uncheckedImages(in.Others, s, match)
	for _, u := range d.Unchecked {
		used[u.Server] = true // the unchecked-image warning says more than "a typo?"
	}
	for _, r := range s.Registries {
		if used[r] {
			d.Used = append(d.Used, r)
		}
	}
	for _, ns := range in.Namespaces {
		needed[ns] = true
	}
	if in.Generate {
		if len(s.Namespaces) == 0 {
			needed[""] = true
		}
		for _, ns := range s.Namespaces {
			needed[ns] = true
		}
	}
	d.Unplaced = append(d.Unplaced, unplaced(in, d.Accounts)...)
	slices.SortStableFunc(d.Unplaced, func(a, b Unplaced) int { return a.ID - b.ID })
	// A Secret with image fields is among the Others too.
	d.Unplaced = slices.CompactFunc(d.Unplaced, func(a, b Unplaced) bool { return a.ID == b.ID })
	for _, hs := range hosts {
		slices.Sort(hs)
	}
	d.Secrets, d.Namespaces = judgeSecrets(in.Secrets, needed, hosts, s)
	for i, nd := range d.Namespaces {
		for _, r := range s.Registries {
			if nsUsed[[2]string{nd.Namespace, r}] {
				d.Namespaces[i].Servers = append(d.Namespaces[i].Servers, r)
			}
		}
	}
	return d
}

// unplaced returns the ServiceAccounts, pull Secrets and resources of other kinds whose
// namespace is no namespace name. A ServiceAccount is one acrgen may have to patch (Blocks)
// when pods that pull run as a ServiceAccount of its name that is missing from their
// namespace (accounts are the AccountDecisions): its namespace may be theirs.
func unplaced(in Occurrences, accounts []AccountDecision) []Unplaced {
	missing := map[string]string{} // ServiceAccount name -> the namespace its pods run in
	for _, ad := range accounts {
		if len(ad.Accounts) == 0 {
			missing[ad.Name] = ad.Namespace
		}
	}
	var out []Unplaced
	add := func(id int, ns, refused string) {
		if err := manifest.ValidateNamespace(ns); err != nil {
			out = append(out, Unplaced{ID: id, Namespace: ns, Blocks: refused != "", Reason: UnplacedReason(ns, err, refused)})
		}
	}
	for _, a := range in.ServiceAccounts {
		refused := ""
		if ns, ok := missing[a.Name]; ok {
			where := "their namespace " + finding.Quote(ns)
			if ns == "" {
				where = "the default namespace"
			}
			refused = fmt.Sprintf("pods that pull from the registry run as a ServiceAccount %s that is missing from %s (this may be it)", finding.Quote(a.Name), where)
		}
		add(a.ID, a.Namespace, refused)
	}
	for _, sec := range in.Secrets {
		if !sec.Generated {
			add(sec.ID, sec.Namespace, "")
		}
	}
	for _, o := range in.Others {
		add(o.ID, o.Namespace, "")
	}
	return out
}

type hit struct {
	server string
	// form is the image's host form when it is not the server's (an explicit port).
	form      string
	ok, upper bool
}

// matcher returns a function that matches images against the registries, remembering its
// answers: the same few images repeat across thousands of workloads.
func matcher(registries []string) func(string) hit {
	m := manifest.NewMatcher(registries)
	cache := map[string]hit{}
	return func(image string) hit {
		if h, ok := cache[image]; ok {
			return h
		}
		var h hit
		if h.server, h.ok = m.Match(image); h.ok {
			h.upper = upperCaseHost(image)
			if f := manifest.HostForm(image); f != h.server {
				h.form = f
			}
		}
		cache[image] = h
		return h
	}
}

// judgeSecrets gives the verdict on each existing Secret and says, for each namespace that
// needs the Secret, which one is there; hosts are each namespace's other host forms. Of a namespace's Secrets the first that is not made
// by a generator counts (a generator's Secret of the same name merges into it); a second one
// is refused.
func judgeSecrets(secrets []ExistingSecret, needed map[string]bool, hosts map[string][]string, s DecideSettings) ([]SecretVerdict, []NamespaceDecision) {
	first := map[string]int{}
	for i, sec := range secrets {
		if j, ok := first[sec.Namespace]; !ok || (secrets[j].Generated && !sec.Generated) {
			first[sec.Namespace] = i
		}
	}
	verdicts := make([]SecretVerdict, len(secrets))
	for i, sec := range secrets {
		verdicts[i] = JudgeSecret(sec, NamespaceDecision{Hosts: hosts[sec.Namespace]}.Settings(s))
		verdicts[i].Index = i
		verdicts[i].Needed = needed[sec.Namespace] && first[sec.Namespace] == i
		if !verdicts[i].Needed {
			verdicts[i].Action = Keep
		}
	}
	for i, sec := range secrets {
		if j := first[sec.Namespace]; j != i && !sec.Generated && verdicts[j].Needed {
			if verdicts[j].Refusal != RefuseDuplicate {
				verdicts[j].Action, verdicts[j].Refusal, verdicts[j].Other, verdicts[j].Duplicates = Refuse, RefuseDuplicate, i, 1
			}
			verdicts[j].Duplicates++
		}
	}
	var nss []NamespaceDecision
	for _, ns := range slices.Sorted(maps.Keys(needed)) {
		nd := NamespaceDecision{Namespace: ns, Secret: -1, Hosts: hosts[ns]}
		if j, ok := first[ns]; ok {
			nd.Secret = j
		}
		nss = append(nss, nd)
	}
	return verdicts, nss
}

// JudgeSecret gives the verdict on one existing Secret, as if its namespace needed it: keep
// it, encrypt its content again, replace it with a new one, or refuse. The findings are made
// for every Secret, whatever the verdict, so that a check can report them.
func JudgeSecret(sec ExistingSecret, s DecideSettings) SecretVerdict {
	want := append(append([]string(nil), s.Registries...), s.Hosts...)
	v := SecretVerdict{ID: sec.ID, Needed: true, Missing: MissingRegistries(sec.Annotations[secret.AnnotationRegistry], want)}
	add := func(k FindingKind, field, msg string) {
		v.Findings = append(v.Findings, Finding{Kind: k, Field: field, Msg: msg})
	}
	for _, p := range sec.Problems {
		if sec.Encrypted {
			add(FindingMalformed, p.Field, p.Msg)
		} else {
			add(FindingNotEncrypted, p.Field, p.Msg)
		}
	}
	expiresField := "metadata.annotations." + secret.AnnotationExpires
	exp := sec.Annotations[secret.AnnotationExpires]
	switch st, err := CheckExpiry(exp, s.Now, s.ExpiryWarning); {
	case err != nil:
		add(FindingExpiryUnreadable, expiresField, err.Error())
	case st == ExpiryPast:
		add(FindingExpired, expiresField, "its credential expired on "+exp)
	case st == ExpirySoon:
		add(FindingExpiresSoon, expiresField, "its credential expires on "+exp)
	}
	if len(v.Findings) == 0 || v.Findings[0].Kind == FindingExpiresSoon {
		// Only a well-formed Secret that has not expired is compared with the settings.
		v.Fit = true
		v.Findings = append(fitFindings(sec, v.Missing, s), v.Findings...)
	}
	changes := map[FindingKind]bool{}
	for _, f := range v.Findings {
		if f.Kind != FindingExpiresSoon {
			changes[f.Kind] = true
		}
	}
	only := func(k FindingKind) bool { return len(changes) == 1 && changes[k] }
	switch {
	case sec.Outside, sec.Generated && !sec.Encrypted:
		v.Action = Keep
	case sec.Type != secret.Type:
		v.Action, v.Refusal = Refuse, RefuseWrongType
	case len(changes) == 0:
		v.Action = Keep
	case s.ReEncrypt && only(FindingOtherKeys):
		v.Action = ReEncrypt
	case s.ReEncrypt && only(FindingNotEncrypted) && s.Credential == No:
		v.Action = ReEncrypt
	case sec.InList:
		v.Action, v.Refusal = Refuse, RefuseInList
	case s.Credential == No:
		v.Action, v.Refusal = Refuse, RefuseNoCredential
	default:
		v.Action = Replace
	}
	return v
}

// fitFindings are what keeps a well-formed, unexpired Secret from fitting the settings;
// missing are the configured registries it lacks.
func fitFindings(sec ExistingSecret, missing []string, s DecideSettings) []Finding {
	var out []Finding
	ann := sec.Annotations
	if len(missing) > 0 {
		have := finding.Quote(ann[secret.AnnotationRegistry])
		if have == "" {
			have = "no registry (no " + secret.AnnotationRegistry + " annotation)"
		}
		out = append(out, Finding{Kind: FindingMissingRegistries, Field: "metadata.annotations." + secret.AnnotationRegistry,
			Msg: fmt.Sprintf("it holds credentials for %s, not for %s", have, strings.Join(missing, ", "))})
	}
	if sec.SameRecipients == No {
		out = append(out, Finding{Kind: FindingOtherKeys, Field: "sops", Msg: "it is encrypted for other keys than the configured ones"})
	}
	switch sec.Current {
	case NotCompared:
		if s.Username != "" && ann[secret.AnnotationUsername] != s.Username {
			out = append(out, Finding{Kind: FindingUsername, Field: "metadata.annotations." + secret.AnnotationUsername,
				Msg: fmt.Sprintf("its username is %q, not %q", ann[secret.AnnotationUsername], s.Username)})
		}
		if want := s.Expires.UTC().Format(time.RFC3339); !s.Expires.IsZero() && ann[secret.AnnotationExpires] != want {
			out = append(out, Finding{Kind: FindingExpires, Field: "metadata.annotations." + secret.AnnotationExpires,
				Msg: fmt.Sprintf("its expiry is %q, not %s", ann[secret.AnnotationExpires], want)})
		}
	case Differs:
		out = append(out, Finding{Kind: FindingStale, Field: "data", Msg: "what it holds differs from the Secret wanted"})
	case NoKey:
		out = append(out, Finding{Kind: FindingNoKey, Field: "sops", Msg: "no key can decrypt it to compare it with the Secret wanted"})
	}
	return out
}
