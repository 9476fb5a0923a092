package finding

// The codes. A code keeps its meaning for good; a retired code is never given to another rule.
const (
	// Workloads and ServiceAccounts.
	PullSecretMissing        Code = "ACR001"
	AccountPullSecretMissing Code = "ACR002"
	PullSecretOverridden     Code = "ACR003"
	ServiceAccountMissing    Code = "ACR004"
	NamespaceInvalid         Code = "ACR005"
	PodSpecShared            Code = "ACR006"
	ImageHostUpperCase       Code = "ACR007"
	ImageUnchecked           Code = "ACR008"
	RegistryUnused           Code = "ACR009"
	PodHasSecret             Code = "ACR010"
	PodOutOfScope            Code = "ACR011"
	PodViaAccount            Code = "ACR012"
	AccountHasSecret         Code = "ACR013"
	PodSpecUnreadable        Code = "ACR014"
	NamespaceUnplaced        Code = "ACR015"

	// Flux HelmReleases.
	ChartUnseen         Code = "ACR020"
	ChartsUnseen        Code = "ACR021"
	PostRendererMissing Code = "ACR022"
	HelmReleaseOutside  Code = "ACR023"

	// The pull Secret.
	SecretMissing          Code = "ACR030"
	SecretDuplicate        Code = "ACR031"
	SecretWrongType        Code = "ACR032"
	SecretNotEncrypted     Code = "ACR033"
	SecretMalformed        Code = "ACR034"
	SecretRegistryMissing  Code = "ACR035"
	SecretExpired          Code = "ACR036"
	SecretExpiryUnreadable Code = "ACR037"
	SecretExpiresSoon      Code = "ACR038"
	SecretCannotKeep       Code = "ACR039"
	SecretInList           Code = "ACR040"
	SecretNamespaceFixed   Code = "ACR041"
	SecretNotListed        Code = "ACR042"
	SecretCompareNoKey     Code = "ACR044"
	SecretFound            Code = "ACR050"
	SecretGenerated        Code = "ACR051"
	SecretOutside          Code = "ACR052"
	SecretUpdated          Code = "ACR053"
	SecretReEncrypted      Code = "ACR054"
	SecretError            Code = "ACR055"

	// Flux Kustomizations.
	DecryptionMissing   Code = "ACR060"
	DecryptionKeyUnseen Code = "ACR061"
	VariablesUnresolved Code = "ACR062"
	FluxSkipped         Code = "ACR063"

	// What acrgen does not model.
	Unmodelled Code = "ACR070"

	// An interrupted run's write, finished when the next run locks the tree.
	InterruptedWriteFinished Code = "ACR071"
	InterruptedWriteKept     Code = "ACR072"
	// InterruptedWriteBothSaved: a file and the original the rename guard kept aside were both
	// saved meanwhile.
	InterruptedWriteBothSaved Code = "ACR073"
	// RenameGuardUsed: files written under the rename guard where Linux granted no lease.
	RenameGuardUsed Code = "ACR074"

	// What check verifies of an encrypted Secret: its recipients, its MAC; and what Flux can
	// decrypt it with.
	SecretRecipientsChanged Code = "ACR080"
	SecretTampered          Code = "ACR081"
	SecretUnverified        Code = "ACR082"
	RecipientsUnchecked     Code = "ACR083"
	DecryptionNoKey         Code = "ACR084"

	// check --online: what the registry says of each image, with the Secret's credential.
	OnlinePulls           Code = "ACR090"
	OnlineRejected        Code = "ACR091"
	OnlineNoPermission    Code = "ACR092"
	OnlineManifestUnknown Code = "ACR093"
	OnlineUnreachable     Code = "ACR094"
	OnlineUnchecked       Code = "ACR095"
	OnlineNoCredential    Code = "ACR096"
)

// fluxExample is the Flux Kustomization of the examples.
var fluxExample = Object{APIVersion: "kustomize.toolkit.fluxcd.io/v1", Kind: "Kustomization", Namespace: "flux-system", Name: "apps"}

// give is how the two front ends take a credential, for hints.
const give = "give the credential (acrgen render --username with --password-stdin, --password-file or ACRGEN_PASSWORD; username and passwordFrom in the function config)"

// Rules is the findings table: every code, its name, severities, wording and help. A test
// keeps docs/findings.md in step with it.
var Rules = append(rules, argocdRules...)

// rules are the rules of the codes below ACR100.
var rules = []Rule{
	{
		Code: PullSecretMissing, Name: "pull-secret-missing", Check: Problem,
		Params:     []string{"podspec", "from", "servers", "secret", "own"},
		Message:    "{object} ({podspec}[, from {from}]) pulls from {servers} but does not reference imagePullSecrets {secret}",
		FixMessage: "{object} ({podspec}[, from {from}]) pulls from {servers}: adding imagePullSecrets {secret}[ (it lists pull secrets of its own, so those of ServiceAccount {own} do not reach it)]",
		Hint:       "run acrgen patch (or render) on the directory, or add {secret} to its imagePullSecrets",
		Help: "A pod spec pulls an image from a configured registry, and neither it nor the ServiceAccount it runs as lists the pull Secret: " +
			"the kubelet would pull without credentials and the pod would fail with ImagePullBackOff. acrgen render and patch add the entry " +
			"(in the file, or through a patch of the kustomization when the workload comes from outside the directory).",
		Example:       []string{"spec.template.spec", "", "myregistry.azurecr.io", "acr-secret", ""},
		ExampleObject: Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "apps", Name: "web"},
	},
	{
		Code: AccountPullSecretMissing, Name: "account-pull-secret-missing", Check: Problem,
		Params:     []string{"from", "user", "secret"},
		Message:    "{object}[ (from {from})] is the ServiceAccount of {user} but does not reference imagePullSecrets {secret}",
		FixMessage: "{object}[ (from {from})] is the ServiceAccount of {user}: adding imagePullSecrets {secret}",
		Hint:       "run acrgen patch --service-account (or render) on the directory, or add {secret} to its imagePullSecrets",
		Help: "With --service-account (serviceAccount: true in the function config), the pull Secret goes to the ServiceAccount each matching " +
			"workload runs as; Kubernetes copies a ServiceAccount's pull secrets into the pods that list none of their own.",
		Example:       []string{"", "Deployment web in namespace apps", "acr-secret"},
		ExampleObject: Object{APIVersion: "v1", Kind: "ServiceAccount", Namespace: "apps", Name: "default"},
	},
	{
		Code: PullSecretOverridden, Name: "pull-secret-overridden", Check: Problem,
		Params:  []string{"podspec", "servers", "kustomization", "secret"},
		Message: "{object} ({podspec}) pulls from {servers}, but a patchesJson6902 of {kustomization} replaces its imagePullSecrets after every other patch, so acrgen cannot add {secret}",
		Hint:    "add {secret} to that patch, or move the patch under patches:",
		Help: "kustomize applies patchesJson6902 after every other patch: one that replaces imagePullSecrets would drop the entry acrgen adds, " +
			"in the file or through its own patch. acrgen refuses rather than write an edit that never reaches the build.",
		Example:       []string{"spec.template.spec", "myregistry.azurecr.io", "overlays/prod/kustomization.yaml", "acr-secret"},
		ExampleObject: Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "apps", Name: "web"},
	},
	{
		Code: ServiceAccountMissing, Name: "service-account-missing", Check: Problem,
		Params:  []string{"servers", "account"},
		Message: "{object} pulls from {servers} and runs as ServiceAccount {account}, which is not among the resources, so the secret cannot be added to it",
		Hint:    "add the ServiceAccount to the resources, or give the secret to the workloads themselves (drop --service-account; serviceAccount: false in the function config)",
		Help: "With --service-account, acrgen adds the pull Secret to the ServiceAccount each matching workload runs as; that ServiceAccount " +
			"must be among the resources acrgen works on.",
		Example:       []string{"myregistry.azurecr.io", "puller"},
		ExampleObject: Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "apps", Name: "web"},
	},
	{
		Code: NamespaceInvalid, Name: "namespace-invalid", Check: Problem,
		Params:  []string{"detail"},
		Message: "{kindname}: {field} {detail}",
		Hint:    "give it a namespace name Kubernetes accepts (a DNS-1123 label)",
		Help: "acrgen names the pull Secret's file after the namespace the Secret goes to, and Kubernetes would refuse the object anyway: " +
			"a namespace that is not a DNS-1123 label is refused where acrgen would have to place a Secret beside it.",
		Example:       []string{`"Apps" is not a valid namespace: want at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit (a DNS-1123 label)`},
		ExampleObject: Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "Apps", Name: "web"},
	},
	{
		Code: PodSpecShared, Name: "pod-spec-shared", Check: Problem,
		Params:  []string{"detail"},
		Message: "{object}: {detail}",
		Hint:    "expand the alias (write the pod spec out), so that the workload can be edited alone",
		Help: "The pod spec that needs the secret is a YAML alias of a node other places use too: adding the entry there would change " +
			"every one of them.",
		Example:       []string{"its pod spec is a YAML alias (*tpl) of a node other places use too"},
		ExampleObject: Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "apps", Name: "web"},
	},
	{
		Code: ImageHostUpperCase, Name: "image-host-upper-case", Check: Warning,
		Params:  []string{"image"},
		Message: "{object} uses image {image}: the kubelet matches pull-secret hosts case-sensitively",
		Hint:    "write the host in lower case",
		Help: "A registry host with upper-case letters matches the registry ignoring case, but the kubelet looks the host up in the pull " +
			"Secret as written: the Secret's lower-case entry would not be used.",
		Example:       []string{`"MyRegistry.azurecr.io/app:1"`},
		ExampleObject: Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "apps", Name: "web"},
	},
	{
		Code: ImageUnchecked, Name: "image-unchecked", Check: Warning,
		Params:  []string{"images", "kind", "decl"},
		Message: "{object} has {images}, but {kind} is not a workload kind acrgen knows, so its pull secrets were not checked",
		Hint:    "if it runs pods, declare the kind with --workload {decl} (workloads: in the function config; PATH leads to the pod spec)",
		Help: "A resource of a kind acrgen does not know as a workload (an operator's custom resource) names an image from the registry: " +
			"acrgen cannot tell where its pods' pull secrets go, and says so rather than pass it silently.",
		Example:       []string{"image myregistry.azurecr.io/app:1 at spec.template.spec.containers[0].image", "Rollout.argoproj.io", "Rollout.argoproj.io=spec.template.spec"},
		ExampleObject: Object{APIVersion: "argoproj.io/v1alpha1", Kind: "Rollout", Namespace: "apps", Name: "web"},
	},
	{
		Code: RegistryUnused, Name: "registry-unused", Check: Warning,
		Params:  []string{"where", "registry", "after", "charts"},
		Message: "no workload {where} pulls from {registry} ({after})",
		Hint:    "is it a typo?[ (unless only {charts} pull from it)]",
		Help: "No workload acrgen could see pulls from a configured registry (after namespaces, images: transformers and Flux's changes): " +
			"often a typo in --registry.",
		Example: []string{"in overlays/prod", "myregistry.azurecr.io", "after namespaces and images: transformers", ""},
	},

	{
		Code: PodHasSecret, Name: "pod-has-secret", Check: Note,
		Params:        []string{"podspec", "secret", "servers"},
		Message:       "{object} ({podspec}) already references {secret} (pulls from {servers})",
		Help:          "The function reports each workload that needs nothing as an info result; the CLI does not list them.",
		Example:       []string{"spec.template.spec", "acr-secret", "myregistry.azurecr.io"},
		ExampleObject: Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "apps", Name: "web"},
	},
	{
		Code: PodOutOfScope, Name: "pod-out-of-scope", Check: Note,
		Params:        []string{"servers"},
		Message:       "{object} skipped: its namespace is not among the configured namespaces (it pulls from {servers})",
		Help:          "The function reports each workload that --namespace (namespaces: in the function config) leaves out as an info result.",
		Example:       []string{"myregistry.azurecr.io"},
		ExampleObject: Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "other", Name: "web"},
	},
	{
		Code: PodViaAccount, Name: "pod-via-account", Check: Note,
		Params:        []string{"servers", "account", "secret"},
		Message:       "{object} pulls from {servers} through ServiceAccount {account}, which references {secret}",
		Help:          "The function reports each workload that gets the secret from its ServiceAccount as an info result.",
		Example:       []string{"myregistry.azurecr.io", "default", "acr-secret"},
		ExampleObject: Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "apps", Name: "web"},
	},
	{
		Code: AccountHasSecret, Name: "account-has-secret", Check: Note,
		Params:        []string{"secret"},
		Message:       "{object} already references {secret}",
		Help:          "The function reports each ServiceAccount that workloads run as and that lists the secret as an info result.",
		Example:       []string{"acr-secret"},
		ExampleObject: Object{APIVersion: "v1", Kind: "ServiceAccount", Namespace: "apps", Name: "default"},
	},
	{
		Code: PodSpecUnreadable, Name: "pod-spec-unreadable", Check: Problem,
		Params:        []string{"detail"},
		Message:       "{detail}",
		Hint:          "fix the object (the CLI names its file and line)",
		Help:          "The function cannot read or edit a pod spec or imagePullSecrets field of the object (the CLI refuses the file with exit 2).",
		Example:       []string{"imagePullSecrets is not a list (line 12): cannot add acr-secret"},
		ExampleObject: Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "apps", Name: "web"},
	},
	{
		Code: NamespaceUnplaced, Name: "namespace-unplaced", Check: Warning,
		Params:  []string{"detail"},
		Message: "{kindname}: {field} {detail}",
		Hint:    "write the namespace out, or run acrgen on the directory of the Flux Kustomization that substitutes it",
		Help: "An object acrgen need not edit has a namespace that is no namespace name (a ${VAR} that nothing acrgen reads substitutes, " +
			"a typo): acrgen leaves it out of its verdict. Where it would have to edit the object or place the Secret beside it, that is " +
			"a problem (ACR005) instead.",
		Example:       []string{`"${CLUSTER_NAME}" holds a variable that nothing acrgen reads substitutes (CLUSTER_NAME; Flux's postBuild substitutes it when it applies the directory): acrgen cannot tell the namespace, and leaves the object out of its verdict`},
		ExampleObject: Object{APIVersion: "v1", Kind: "ServiceAccount", Namespace: "${CLUSTER_NAME}", Name: "app"},
	},

	{
		Code: ChartUnseen, Name: "chart-unseen", Check: Warning,
		Params:  []string{"registry"},
		Message: "{object}: its values name {registry}, but acrgen cannot see into the chart: the pods it renders may pull without the secret",
		Hint:    "give the chart's pods the secret through its values, or a spec.postRenderers kustomize patch (acrgen render --helm-release adds one)",
		Help: "A Flux HelmRelease renders a chart acrgen cannot see into. When its values name the registry, its pods probably pull from it; " +
			"acrgen names it rather than vouch for what it did not see.",
		Example:       []string{"myregistry.azurecr.io"},
		ExampleObject: Object{APIVersion: "helm.toolkit.fluxcd.io/v2", Kind: "HelmRelease", Namespace: "flux-system", Name: "hello"},
	},
	{
		Code: ChartsUnseen, Name: "charts-unseen", Check: Warning,
		Params:  []string{"count", "releases"},
		Message: "acrgen cannot see into the charts of {count} HelmRelease(s) ({releases}): their spec.values name no registry given, but a chart's defaults or spec.valuesFrom may",
		Hint:    "if one of them pulls from the registry, give its pods the secret (acrgen render --helm-release NAME adds a post-renderer)",
		Help: "HelmReleases whose values name no configured registry may still pull from it through the chart's defaults or values from a " +
			"ConfigMap or Secret: the verdict does not vouch for them.",
		Example: []string{"2", "monitoring/kube-prometheus-stack, flux-system/podinfo"},
	},
	{
		Code: PostRendererMissing, Name: "post-renderer-missing", Check: Problem,
		Params:     []string{"secret", "release"},
		Message:    "{object} has no spec.postRenderers patch that gives the chart's pods the secret {secret}",
		FixMessage: "{object} gets a post-renderer that adds {secret} to the imagePullSecrets of its chart's pods",
		Hint:       "run acrgen render or patch with --helm-release {release}",
		Help: "A HelmRelease chosen with --helm-release gets kustomize post-renderer patches that add the pull Secret to every pod its " +
			"chart renders, and the Secret goes to its release namespace.",
		Example:       []string{"acr-secret", "flux-system/hello"},
		ExampleObject: Object{APIVersion: "helm.toolkit.fluxcd.io/v2", Kind: "HelmRelease", Namespace: "flux-system", Name: "hello"},
	},
	{
		Code: HelmReleaseOutside, Name: "helm-release-outside", Check: Problem,
		Params:        []string{"by", "dir"},
		Message:       "{object}: the file is outside every directory acrgen works on[ ({by} applies it from elsewhere)]",
		Hint:          "run acrgen render --helm-release on the directory that holds it[, or move the HelmRelease into {dir}]",
		Help:          "acrgen writes only inside the directories it works on: a HelmRelease applied from elsewhere gets its post-renderer there.",
		Example:       []string{"Kustomization flux-system/apps", "clusters/prod"},
		ExampleObject: Object{APIVersion: "helm.toolkit.fluxcd.io/v2", Kind: "HelmRelease", Namespace: "flux-system", Name: "hello"},
	},

	{
		Code: SecretMissing, Name: "secret-missing", Check: Problem,
		Params:     []string{"secret", "namespace", "servers", "reason", "source"},
		Message:    "no Secret {secret} in {namespace}[, where workloads pull from {servers}][: {reason}]",
		FixMessage: "new encrypted Secret {secret} in {namespace}[ (recipients from {source})]",
		Hint:       "run acrgen render with the credential (or acrgen provision); the function needs username and passwordFrom",
		Help: "A namespace whose workloads pull from the registry has no pull Secret: acrgen render writes one, SOPS-encrypted, and lists it " +
			"in the kustomization; without a credential it cannot.",
		Example: []string{"acr-secret", "namespace apps", "myregistry.azurecr.io", "no credential to create it (no username and passwordFrom in the functionConfig)", ".sops.yaml"},
	},
	{
		Code: SecretDuplicate, Name: "secret-duplicate", Check: Problem,
		Params:  []string{"count", "secret", "namespace", "other"},
		Message: "{count} Secrets named {secret} in {namespace}[, one of them in {other}]",
		Hint:    "keep one",
		Help:    "Two objects of the pull Secret's name in one namespace: one would overwrite the other in the cluster.",
		Example: []string{"2", "acr-secret", "namespace apps", "overlays/prod/copy.yaml"},
	},
	{
		Code: SecretWrongType, Name: "secret-wrong-type", Check: Problem,
		Params:  []string{"secret", "type"},
		Message: "Secret {secret} is of type {type}, not kubernetes.io/dockerconfigjson",
		Hint:    "choose another Secret name (--secret-name, secretName in the function config), or remove it",
		Help:    "A Secret that is not an image pull Secret has the pull Secret's name: acrgen neither overwrites nor uses it.",
		Example: []string{"acr-secret", `"Opaque"`},
	},
	{
		Code: SecretNotEncrypted, Name: "secret-not-encrypted", Check: Problem, Write: Quiet, Fixed: Warning,
		Params:     []string{"secret", "detail"},
		Message:    "Secret {secret}: {detail}",
		FixMessage: "Secret {secret} was not encrypted; it is now",
		Hint:       "run acrgen render: it encrypts it (and re-creates it, given the credential)",
		Help:       "The pull Secret is in the tree without SOPS encryption: its password is readable by anyone who can read the repository.",
		Example:    []string{"acr-secret", "data..dockerconfigjson is not encrypted (not an sops ENC[...] value)"},
	},
	{
		Code: SecretMalformed, Name: "secret-malformed", Check: Problem, Write: Quiet, Fixed: Warning,
		Params:     []string{"secret", "detail"},
		Message:    "Secret {secret}: {detail}",
		FixMessage: "Secret {secret} was not well-formed sops ({detail}); it is re-created with the credential given",
		Hint:       "re-create it: run acrgen render with the credential",
		Help: "The pull Secret carries sops metadata but is not what sops writes: a value left in plaintext, no recipient, no MAC, " +
			"lastmodified or version. Flux (or sops -d) would fail on it, or decrypt something that was tampered with.",
		Example: []string{"acr-secret", "its sops metadata has no mac: its integrity cannot be checked"},
	},
	{
		Code: SecretRegistryMissing, Name: "secret-registry-missing", Check: Problem, Write: Quiet,
		Params:  []string{"secret", "have", "want"},
		Message: "Secret {secret} holds credentials for {have}, not for {want}",
		Hint:    "run acrgen render with the credential for it",
		Help:    "The pull Secret's acrgen.dev/registry annotation does not list a configured registry: pulls from it would go without credentials.",
		Example: []string{"acr-secret", "otherregistry.azurecr.io", "myregistry.azurecr.io"},
	},
	{
		Code: SecretExpired, Name: "secret-expired", Check: Problem, Write: Warning,
		Params:  []string{"secret", "expires"},
		Message: "the credential in Secret {secret} expired on {expires}",
		Hint:    "rotate it (acrgen provision --rotate)",
		Help:    "The credential recorded in the pull Secret (acrgen.dev/expires) has expired: the registry refuses it.",
		Example: []string{"acr-secret", "2026-01-01T00:00:00Z"},
	},
	{
		Code: SecretExpiryUnreadable, Name: "secret-expiry-unreadable", Check: Problem, Write: Warning,
		Params:  []string{"secret", "detail"},
		Message: "Secret {secret}: annotation acrgen.dev/expires: {detail}",
		Hint:    "write the expiry as RFC 3339 or YYYY-MM-DD, or render the Secret again",
		Help:    "The acrgen.dev/expires annotation cannot be read as a time: acrgen cannot tell whether the credential still works.",
		Example: []string{"acr-secret", `"next year" is not a time: want RFC 3339 or YYYY-MM-DD`},
	},
	{
		Code: SecretExpiresSoon, Name: "secret-expires-soon", Check: Warning,
		Params:  []string{"secret", "expires"},
		Message: "the credential in Secret {secret} expires on {expires}",
		Hint:    "rotate it soon (acrgen provision --rotate)",
		Help:    "The credential expires within --expiry-warning (30 days by default).",
		Example: []string{"acr-secret", "2026-01-20T00:00:00Z"},
	},
	{
		Code: SecretCannotKeep, Name: "secret-cannot-keep", Check: Problem,
		Params:  []string{"secret", "why", "reason"},
		Message: "Secret {secret} cannot be kept ({why})[: {reason}]",
		Hint:    give + " to re-create it, or run acrgen provision --rotate",
		Help: "The pull Secret must change (a registry it lacks, another username or expiry, expired, not well-formed, other recipients) and acrgen " +
			"has no credential to write a new one (nor, for new recipients, a key to decrypt it).",
		Example: []string{"acr-secret", "its credential expired on 2026-02-01T00:00:00Z", "no credential to re-create it (the environment variable ACRGEN_PASSWORD (passwordFrom) is not set)"},
	},

	{
		Code: SecretInList, Name: "secret-in-list", Check: Problem,
		Params:  []string{"secret", "why"},
		Message: "Secret {secret} does not fit ({why}) and is inside a List, where acrgen cannot replace it",
		Hint:    "move the Secret out of the List",
		Help:    "A pull Secret that must be re-created is an item of a List object; acrgen replaces whole objects only.",
		Example: []string{"acr-secret", "it holds credentials for otherregistry.azurecr.io, not for myregistry.azurecr.io"},
	},
	{
		Code: SecretNamespaceFixed, Name: "secret-namespace-fixed", Check: Problem,
		Params:  []string{"secret", "namespace", "kustomization", "root"},
		Message: "Secret {secret} is needed in {namespace}, but {kustomization} and its components put every resource it lists in namespace {root}",
		Hint:    "add the Secret yourself to a kustomization whose resources end in {namespace}",
		Help: "A component of the directory sets a namespace that some of its workloads do not end in: a Secret listed there would land in the " +
			"wrong namespace.",
		Example: []string{"acr-secret", "namespace web", "overlays/prod/kustomization.yaml", "apps"},
	},
	{
		Code: SecretNotListed, Name: "secret-not-listed", Check: Problem, Fixed: Quiet,
		Params:  []string{"file"},
		Message: "{file} is not listed under resources",
		Hint:    "run acrgen render, or add it to resources:",
		Help:    "A pull Secret file acrgen wrote earlier is not among the kustomization's resources, so the build leaves it out.",
		Example: []string{"acr-secret.apps.enc.yaml"},
	},
	{
		Code: SecretCompareNoKey, Name: "secret-compare-no-key", Check: Warning,
		Params:  []string{"secret"},
		Message: "no key to decrypt Secret {secret} and compare it: re-encrypting it with the credential given",
		Hint:    "set SOPS_AGE_KEY_FILE (or similar) to keep an unchanged Secret as it is",
		Help:    "acrgen rewrites an existing Secret only when what it holds changed; without a key it cannot tell, and writes it again.",
		Example: []string{"acr-secret"},
	},

	{
		Code: SecretFound, Name: "secret-found", Check: Note,
		Params:  []string{"secret", "namespace", "registry", "username", "credential", "expires"},
		Message: "Secret {secret}[ in namespace {namespace}][: registry {registry}][, username {username}][, credential {credential}][, expires {expires}]",
		Help:    "An existing pull Secret, described from its plaintext annotations (no key is needed): registry, username, the credential acrgen provision recorded, expiry.",
		Example: []string{"acr-secret", "apps", "myregistry.azurecr.io", "00000000-0000-0000-0000-000000000000", "", "2027-01-01T00:00:00Z"},
	},
	{
		Code: SecretGenerated, Name: "secret-generated", Check: Note,
		Params:  []string{"secret", "namespace"},
		Message: "Secret {secret}[ in namespace {namespace}] is made by a secretGenerator: kept as it is",
		Help:    "kustomize makes the Secret of that name; acrgen leaves it alone.",
		Example: []string{"acr-secret", "apps"},
	},
	{
		Code: SecretOutside, Name: "secret-outside", Check: Note,
		Params:  []string{"secret", "namespace", "file"},
		Message: "Secret {secret}[ in namespace {namespace}] comes from {file}, outside the directory: kept as it is",
		Help:    "acrgen writes only inside the directories it works on.",
		Example: []string{"acr-secret", "apps", "base/acr-secret.enc.yaml"},
	},
	{
		Code: SecretUpdated, Name: "secret-updated", Check: Action,
		Params:  []string{"secret", "namespace", "why", "source"},
		Message: "Secret {secret}[ in namespace {namespace}] updated[: {why}][ (recipients from {source})]",
		Help:    "The pull Secret held something else than wanted (or could not be compared) and is written again, encrypted.",
		Example: []string{"acr-secret", "apps", "it holds credentials for otherregistry.azurecr.io, not for myregistry.azurecr.io", ".sops.yaml"},
	},
	{
		Code: SecretReEncrypted, Name: "secret-re-encrypted", Check: Action,
		Params:  []string{"secret", "namespace"},
		Message: "Secret {secret}[ in namespace {namespace}] re-encrypted for the recipients wanted",
		Help:    "The Secret's content is kept; only its SOPS recipients change.",
		Example: []string{"acr-secret", "apps"},
	},
	{
		Code: SecretError, Name: "secret-error", Check: Problem,
		Params:  []string{"secret", "step", "detail"},
		Message: "Secret {secret}: {step}: {detail}",
		Hint:    "fix the cause and run again",
		Help:    "The function could not build, encrypt or read the pull Secret (the CLI exits 2 or 3 with the same message).",
		Example: []string{"acr-secret", "encrypting it", "no SOPS recipients for acr-secret.apps.enc.yaml"},
	},

	{
		Code: DecryptionMissing, Name: "decryption-missing", Check: Problem, Write: Warning,
		Params:        []string{"secret"},
		Message:       "{object} applies the SOPS-encrypted Secret {secret} without spec.decryption.provider: sops: Flux would apply the ciphertext, or fail",
		Hint:          "add spec.decryption: provider: sops, secretRef: name: sops-age to the Flux Kustomization",
		Help:          "A Flux Kustomization applies the encrypted pull Secret without SOPS decryption.",
		Example:       []string{"acr-secret"},
		ExampleObject: fluxExample,
	},
	{
		Code: DecryptionKeyUnseen, Name: "decryption-key-unseen", Check: Warning,
		Params:        []string{"name", "namespace"},
		Message:       "{object}: spec.decryption.secretRef names Secret {name} in namespace {namespace}, which nothing in the repository describes",
		Hint:          "make sure it exists in the cluster (kubectl create secret generic {name} --namespace={namespace} --from-file=age.agekey=KEYFILE)",
		Help:          "The key Flux decrypts with lives in the cluster only; acrgen cannot see it there.",
		Example:       []string{"sops-age", "flux-system"},
		ExampleObject: fluxExample,
	},
	{
		Code: VariablesUnresolved, Name: "variables-unresolved", Check: Warning,
		Params:        []string{"names"},
		Message:       "{object}: postBuild cannot resolve {names} in image references: acrgen cannot tell which registry they pull from",
		Hint:          "set them in spec.postBuild.substitute or a ConfigMap of the repository",
		Help:          "An image reference uses a variable that Flux substitutes from outside the repository (or not at all).",
		Example:       []string{"REGISTRY"},
		ExampleObject: fluxExample,
	},
	{
		Code: FluxSkipped, Name: "flux-skipped", Check: Warning,
		Params:  []string{"detail", "hint"},
		Message: "{detail}",
		Hint:    "{hint}",
		Help:    "A part of the Flux repository that acrgen does not follow (another source, a symlink, values from outside the repository).",
		Example: []string{"Kustomization flux-system/infra (clusters/prod/infra.yaml): its source is OCIRepository flux-system/infra, not this repository's GitRepository flux-system/flux-system: skipped, acrgen cannot see what it applies", "check what it applies yourself"},
	},

	{
		Code: Unmodelled, Name: "unmodelled", Check: Warning,
		Params:  []string{"detail", "hint"},
		Message: "{detail}",
		Hint:    "{hint}",
		Help:    "A part of the tree acrgen cannot see into (a Helm chart, generators, replacements, vars): it names it instead of passing it silently.",
		Example: []string{"helmCharts are not inspected: the workloads a chart renders get no imagePullSecrets from acrgen", "render the chart into files, or set the chart's imagePullSecrets value"},
	},
	{
		Code: InterruptedWriteFinished, Name: "interrupted-write-finished", Check: Warning,
		Params:  []string{"files"},
		Message: "finished the writes of an interrupted acrgen run ({files} file(s))",
		Hint:    "review git diff as usual: the files hold what the interrupted run wrote, which this run's changes do not list",
		Help: "An earlier run was killed during its write, after its commit point. Before anything else, this run (check too) finished that write " +
			"from the journal, so that no file is left half-written; the finding is located at the tree's root. A file changed by hand since is " +
			"left alone (ACR072).",
		Example: []string{"3"},
	},
	{
		Code: InterruptedWriteKept, Name: "interrupted-write-kept", Check: Warning,
		Message: "the file changed after an acrgen run that was rewriting it was interrupted: kept as it is",
		Hint:    "review the file: the interrupted run's version of it was dropped, and this run works from the file as it is",
		Help: "While finishing an interrupted run's write (ACR071), acrgen found a file that holds neither what it held before that run nor what " +
			"the run was writing, nor a part of it: it was changed after the kill. acrgen never overwrites such a file; the finding is located at it.",
	},
	{
		Code: InterruptedWriteBothSaved, Name: "interrupted-write-both-saved", Check: Warning,
		Params:  []string{"kept"},
		Message: "the file and its original were both saved while an interrupted acrgen run wrote it: the original is kept as {kept}",
		Hint:    "compare the two, keep one, and remove the other",
		Help: "An interrupted run's rename guard had exchanged the file with its new bytes and kept the original aside; before the next run " +
			"finished the write (ACR071), someone saved into that original and into the file as well. acrgen keeps both, never choosing " +
			"between two saves; the finding is located at the file.",
		Example: []string{"/repo/apps/web/.acrgen.3f2a9c1d5e7b8a60.swap"},
	},
	{
		Code: RenameGuardUsed, Name: "rename-guard-used", Check: Note,
		Params:  []string{"files", "file", "why"},
		Message: "the rename guard wrote {files} file(s), each through a temporary file exchanged with it atomically, since the kernel granted no write lease ({file}: {why})",
		Hint:    "none needed: every file was still guarded against a save during the write (docs/security.md says what each guard keeps)",
		Help: "On Linux acrgen writes each file under a write lease, which holds off another program's save until the write is done. Where the " +
			"kernel refuses one (another user's file, NFS, FUSE, leases disabled), it writes through a temporary file exchanged atomically with " +
			"the original held open, which finds a save instead of holding it off. The note says how many files and why; it is located at the tree's root.",
		Example: []string{"2", "apps/web/deployment.yaml", "resource temporarily unavailable"},
	},

	{
		Code: SecretRecipientsChanged, Name: "secret-recipients-changed", Check: Problem, Write: Quiet,
		Params:  []string{"secret", "source"},
		Message: "Secret {secret} is encrypted for other recipients than {source} names now",
		Hint:    "run acrgen render (or sops updatekeys on its file): it encrypts the Secret again for them, given a key that decrypts it",
		Help: "The recipients that the applicable .sops.yaml creation rule (or --age, --pgp and --azure-kv) names are not those the " +
			"Secret is encrypted for: a key added there cannot decrypt it (if it is the cluster's, Flux fails), and a key removed there " +
			"still can. The .sops.yaml named is the one whose rule chose, as the sops CLI picks it. render --check reports the same change " +
			"as an action (re-encrypted for the recipients wanted).",
		Example: []string{"acr-secret", "overlays/.sops.yaml"},
	},
	{
		Code: SecretTampered, Name: "secret-tampered", Check: Problem,
		Params:  []string{"secret", "detail"},
		Message: "Secret {secret} does not match its sops MAC ({detail}): sops -d and Flux refuse it",
		Hint:    "undo the edit (often a plaintext annotation changed by hand), or re-create the Secret: acrgen render with the credential",
		Help: "sops computes the MAC over every value of the file, the plaintext metadata too (acrgen.dev/registry, acrgen.dev/expires, " +
			"the namespace): a value changed after encryption makes sops -d, and Flux's decryption, fail. check verifies the MAC as sops -d " +
			"does whenever an age or PGP key that decrypts the Secret is available (with --online, any key sops can use).",
		Example: []string{"acr-secret", "mac mismatch: the file does not match its MAC: it was changed after it was encrypted"},
	},
	{
		Code: SecretUnverified, Name: "secret-unverified", Check: Note,
		Params:  []string{"secret", "reason"},
		Message: "Secret {secret}: its sops MAC was not verified ({reason})",
		Hint:    "make a key that decrypts it available to sops (SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, gpg) to verify it as sops -d would",
		Caveat:  "a Secret's sops MAC, which covers its annotations, for lack of a key",
		Help: "No key at hand decrypts the Secret, so check could not verify its MAC, which covers its plaintext annotations too: what check " +
			"read from them (registry, expiry) is as the file says, unverified. This is a note, not a warning: check usually runs where " +
			"the key is not (CI, pre-commit: only the cluster holds it), and a warning there would make every check --strict fail. Its " +
			"verdict says what it did not verify.",
		Example: []string{"acr-secret", "no key decrypts it here: it is encrypted for age:age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq"},
	},
	{
		Code: RecipientsUnchecked, Name: "recipients-unchecked", Check: Note,
		Params:  []string{"secret", "reason"},
		Message: "Secret {secret}: its recipients were not compared with the configured ones ({reason})",
		Hint:    "run acrgen check --online, which may ask Key Vault, or pin the key's version in .sops.yaml",
		Caveat:  "a Secret's recipients, whose keys only the network can name",
		Help: "Naming the configured keys needs the network (an Azure Key Vault key without a version, whose latest version sops asks Key " +
			"Vault for), and a plain check stays offline.",
		Example: []string{"acr-secret", "naming the keys needs the network: .sops.yaml names Azure Key Vault key https://myvault.vault.azure.net/keys/sops without a version, which only Key Vault can resolve"},
	},
	{
		Code: DecryptionNoKey, Name: "decryption-no-key", Check: Problem, Write: Warning,
		Params:        []string{"secret", "keys"},
		Message:       "{object} has no spec.decryption.secretRef, but Secret {secret} is encrypted only for {keys}: kustomize-controller would have no key to decrypt it",
		Hint:          "add spec.decryption.secretRef naming the Secret that holds the private key (kubectl create secret generic sops-age --namespace=flux-system --from-file=age.agekey=KEYFILE), or, for age, run kustomize-controller with --sops-age-secret",
		ExampleObject: fluxExample,
		Help: "Without spec.decryption.secretRef, kustomize-controller decrypts with a cloud key service (Azure Key Vault, AWS KMS, GCP KMS) " +
			"through its own or the object's workload identity, with Vault through its token or Kubernetes auth, and with age only when it " +
			"runs with --sops-age-secret; an OpenPGP key comes from a secretRef only (Flux: kustomize-controller docs/spec/v1/kustomizations.md, " +
			"Decryption and Controller global decryption). A Secret encrypted only for age or PGP keys is refused, unless the repository " +
			"sets --sops-age-secret on kustomize-controller and age is among its keys.",
		Example: []string{"acr-secret", "age keys"},
	},

	{
		Code: OnlinePulls, Name: "online-pulls", Check: Note,
		Params:  []string{"image", "secret"},
		Message: "{image} pulls with the credential in Secret {secret}",
		Help:    "check --online: the registry issued a token for the Secret's credential, and has the image's manifest.",
		Example: []string{"myregistry.azurecr.io/app:v1", "acr-secret"},
	},
	{
		Code: OnlineRejected, Name: "online-credential-rejected", Check: Problem,
		Params:  []string{"image", "secret", "detail"},
		Message: "{image}: the registry refuses the credential in Secret {secret} ({detail}): its password is wrong, expired or deleted",
		Hint:    "rotate it (acrgen provision --rotate), or render the credential that is current",
		Help: "check --online: the registry's token endpoint refused the username and password of the Secret, as it does a password that " +
			"expired, was removed (a retire that ran too early, a reset) or never was, or a disabled token.",
		Example: []string{"myregistry.azurecr.io/app:v1", "acr-secret", "the registry answered 401 UNAUTHORIZED to the username and password"},
	},
	{
		Code: OnlineNoPermission, Name: "online-no-permission", Check: Problem,
		Params:  []string{"image", "secret", "detail"},
		Message: "{image}: the credential in Secret {secret} authenticates but may not pull the repository ({detail})",
		Hint: "give the principal a pull role on the registry (in ABAC mode, Container Registry Repository Reader with a condition that " +
			"lists the repository), or add the repository to the token's scope map: acrgen provision does either from the tree's repositories",
		Help: "check --online: the registry accepted the credential but its token does not grant a pull of this repository: no pull role, " +
			"a legacy role on a registry in ABAC mode, an ABAC condition that leaves the repository out, or a token scope map that lacks it.",
		Example: []string{"myregistry.azurecr.io/other:v1", "acr-secret", "the registry answered 401 UNAUTHORIZED"},
	},
	{
		Code: OnlineManifestUnknown, Name: "online-manifest-unknown", Check: Problem,
		Params:  []string{"image", "secret", "detail"},
		Message: "{image}: the registry has no such manifest ({detail}): pods would fail with ImagePullBackOff",
		Hint:    "push the image, or fix its tag or digest",
		Help:    "check --online: the credential may pull the repository, but the tag or digest does not exist there.",
		Example: []string{"myregistry.azurecr.io/app:v9", "acr-secret", "the registry answered 404 MANIFEST_UNKNOWN"},
	},
	{
		Code: OnlineUnreachable, Name: "online-unreachable", Check: Problem,
		Params:  []string{"image", "secret", "detail"},
		Message: "{image}: the registry could not be asked ({detail})",
		Hint:    "check the network, the proxy (HTTPS_PROXY) and the registry's firewall, then run again",
		Help: "check --online could not get an answer about the image: the registry is unreachable, the TLS handshake failed, or it kept " +
			"answering 429 or 5xx after the retries. Whether the credential pulls is unknown, so it is not ok.",
		Example: []string{"myregistry.azurecr.io/app:v1", "acr-secret", "Get \"https://myregistry.azurecr.io/v2/\": dial tcp: lookup myregistry.azurecr.io: no such host"},
	},
	{
		Code: OnlineUnchecked, Name: "online-unchecked", Check: Problem,
		Params:  []string{"secret", "images", "reason"},
		Message: "Secret {secret}: whether its credential pulls {images} could not be checked: {reason}",
		Hint: "make a key that decrypts it available to sops (SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, gpg, or Azure credentials for Key Vault), " +
			"or give the Secret a file of its own",
		Help: "check --online decrypts each Secret as sops -d does, with the keys sops finds in the environment, and reads the credential " +
			"its .dockerconfigjson holds. When it cannot (no key, a Secret made by a secretGenerator or sharing its file, a MAC that does not " +
			"match, a .dockerconfigjson it cannot read), the online verdict was asked for and could not be reached: that is not ok.",
		Example: []string{"acr-secret", "myregistry.azurecr.io/app:v1", "no key decrypts it here: it is encrypted for age:age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq"},
	},
	{
		Code: OnlineNoCredential, Name: "online-no-credential", Check: Problem,
		Params:  []string{"image", "secret", "host", "detail"},
		Message: "{image}: Secret {secret} holds no credential for {host}, the host the image names[ ({detail})]: the kubelet would pull without one",
		Hint:    "run acrgen render with the credential: the Secret gets an auths entry for each host form the workloads use",
		Help: "check --online decrypted the Secret and found no auths entry for the image's host as the kubelet looks it up (host and port, " +
			"exactly), or could not read its .dockerconfigjson.",
		Example: []string{"myregistry.azurecr.io:443/app:v1", "acr-secret", "myregistry.azurecr.io:443", ""},
	},
}
