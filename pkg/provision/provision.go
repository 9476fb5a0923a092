package provision

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerregistry/armcontainerregistry"
)

// CredentialKind selects the registry credential [Provision] produces.
type CredentialKind string

const (
	// CredentialServicePrincipal is an Entra service principal with a role on the registry;
	// docker logs in with its appId and a client secret. It is the default.
	CredentialServicePrincipal CredentialKind = "sp"
	// CredentialToken is a repository-scoped ACR token whose scope map grants pull
	// (content/read, metadata/read) on the given repositories only; docker logs in with the
	// token name and one of its passwords.
	CredentialToken CredentialKind = "token"
)

// PasswordLabel is the displayName of every password acrgen adds to an application.
// [Retire] removes passwords carrying it, and never any other.
const PasswordLabel = "acrgen"

// MaxPending is how many acrgen passwords newer than the one the tree records (rotations
// whose pull request is not merged yet, or was abandoned) a rotation tolerates before it
// refuses to add another: without a bound, a scheduled rotation whose pull requests are never
// merged would pile up passwords on the application. Graph documents no fixed cap on a
// single-tenant application's passwordCredentials, only a global limit of about 1,000 items
// across all of an application's collection properties, and a cap of two client secrets on
// applications that accept personal Microsoft accounts ("Validation differences by supported
// account types", learn.microsoft.com/entra/identity-platform/supported-accounts-validation).
const MaxPending = 2

// DefaultTokenName is the ACR token name used when Options.TokenName is empty.
const DefaultTokenName = "acrgen-pull"

// Options says what to provision. Zero values have the documented defaults.
type Options struct {
	// Cloud is the Azure cloud, from [ParseCloud]. Required.
	Cloud Cloud
	// SubscriptionID is the subscription holding the registry. Required.
	SubscriptionID string
	// ResourceGroup narrows the registry lookup to one resource group. Empty means the
	// whole subscription.
	ResourceGroup string
	// Registry is the registry's name (or its login server). Required. Its resource ID and
	// login server are read from ARM.
	Registry string
	// Credential selects a service principal (empty or [CredentialServicePrincipal]) or a
	// repository-scoped token ([CredentialToken]).
	Credential CredentialKind

	// SPName is the service principal's display name: it is looked up and created (with
	// its application) when missing. Exactly one of SPName and SPID is required for a
	// service principal.
	SPName string
	// SPID names an existing service principal by appId or servicePrincipalName; it is
	// never created.
	SPID string
	// Role is assigned to the service principal at registry scope: acrpull, acrpush, owner,
	// any role name, a role definition GUID or a full role definition ID. Empty means acrpull
	// on a registry in the legacy mode, and Container Registry Repository Reader on a registry
	// in ABAC mode, where the legacy roles (acrpull, acrpush, acrdelete) and owner,
	// contributor and reader are refused: a principal holding them could not pull there.
	Role string
	// AllRepositories grants the ABAC-mode role registry-wide. Without it, the role's
	// condition limits it to Repositories.
	AllRepositories bool

	// TokenName is the ACR token's name (5-40 characters of [a-zA-Z0-9-]); its scope map
	// is named TokenName+"-scope-map". Empty means [DefaultTokenName].
	TokenName string
	// Repositories are the repositories the credential may pull from: a token's scope map,
	// and on a registry in ABAC mode the service principal's role condition. Required for a
	// token, and for a service principal in ABAC mode unless AllRepositories.
	Repositories []string

	// Years is the lifetime of a new password in years; EndDate sets its expiry instead.
	// Both zero means one year. At most one may be set.
	Years   int
	EndDate time.Time
	// Rotate adds a new password even when the principal (or token) already has one. It
	// removes nothing: [Retire] does, once the new password is merged and applied.
	Rotate bool
	// Recorded are the credentials the tree's Secrets record. A token rotation writes the
	// password slot none of them holds; a service principal rotation refuses to add more than
	// MaxPending passwords newer than the newest one recorded.
	Recorded []Recorded
	// DryRun makes no write call: Result.Plan lists what would be done.
	DryRun bool

	// Progress receives one line per step, including replication waits. Nil discards.
	// It never receives a password.
	Progress io.Writer
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// ClientOptions are passed to the ARM and Graph clients (Transport, Retry, Logging...).
	// Its Cloud is ignored: Cloud decides. A zero Retry means 5 retries with azcore's
	// exponential backoff, honouring Retry-After up to two minutes.
	ClientOptions azcore.ClientOptions
	// Replication bounds the wait for Entra replication after creating objects.
	Replication ReplicationOptions
	// PollFrequency is how often long-running ARM operations are polled. Zero means the
	// SDK's default (30s, or what the service's Retry-After asks).
	PollFrequency time.Duration

	// retiring is set by Retire, which needs no repositories.
	retiring bool
}

// ReplicationOptions bound the retries of calls that fail because a newly created
// application or service principal has not replicated yet (Graph 404, ARM PrincipalNotFound).
type ReplicationOptions struct {
	// Timeout is the total time to wait. Zero means 5 minutes.
	Timeout time.Duration
	// Delay is the first wait; it doubles on each retry up to MaxDelay. Zero means 2s.
	Delay time.Duration
	// MaxDelay caps a single wait. Zero means 15s.
	MaxDelay time.Duration
}

// Result is what [Provision] did or, for a dry run, would do.
type Result struct {
	// RegistryID is the registry's ARM resource ID.
	RegistryID string
	// LoginServer is the registry's login server, as ARM reports it.
	LoginServer string
	// Username is the docker username: the appId, or the token name.
	Username string
	// Password is the new secret, when one was created. See NeedsPassword.
	Password Password
	// NeedsPassword is true when the principal (or token) already existed and no new
	// password was created: Azure never returns existing secrets. The caller keeps the
	// Secret it already has, or reruns with Rotate.
	NeedsPassword bool
	// Expires is the new password's expiry; zero when there is no new password.
	Expires time.Time
	// AppID and ObjectID identify the service principal (client ID, and the object ID used
	// as principalId). Empty for a token, or when a dry run would create it.
	AppID, ObjectID string
	// RoleDefinitionID is the role assigned (service principal only).
	RoleDefinitionID string
	// CredentialID names the new password; zero when there is none.
	CredentialID CredentialID
	// Plan lists the write steps done, or that a dry run would do, in order. Empty when
	// everything was already in place.
	Plan []string
}

// run holds one Provision call's clients and settings.
type run struct {
	opts  Options
	now   func() time.Time
	out   io.Writer
	retry policy.RetryOptions
	repl  ReplicationOptions

	registries  *armcontainerregistry.RegistriesClient
	scopeMaps   *armcontainerregistry.ScopeMapsClient
	tokens      *armcontainerregistry.TokensClient
	assignments *armauthorization.RoleAssignmentsClient
	roleDefs    *armauthorization.RoleDefinitionsClient
	arm         *arm.Client // raw ARM calls the typed clients cannot make
	graph       *graph

	reg registryInfo
	res *Result
}

// Provision looks up the registry and makes sure a credential that can pull from it exists:
// a service principal with the role at registry scope, or a repository-scoped ACR token. It
// looks up before it creates, so a second identical run makes no write call, and a run
// interrupted at any point resumes without duplicates. It creates a password only for a
// principal (or token) it created, one that has none, or when rotating.
//
// cred is usually [NewCredential]'s. Errors wrap [ErrInvalidOptions], [ErrNotFound],
// [ErrAmbiguous] or [ErrForbidden] where those apply, and never contain a secret.
func Provision(ctx context.Context, cred azcore.TokenCredential, opts Options) (*Result, error) {
	r, err := newRun(cred, opts)
	if err != nil {
		return nil, err
	}
	if err := r.findRegistry(ctx); err != nil {
		return nil, err
	}
	switch r.opts.Credential {
	case CredentialToken:
		err = r.ensureToken(ctx)
	default:
		err = r.ensureServicePrincipal(ctx)
	}
	if err != nil {
		return nil, err
	}
	return r.res, nil
}

var tokenNameRE = regexp.MustCompile(`^[a-zA-Z0-9-]{5,40}$`)

func validate(o *Options, now time.Time) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidOptions, fmt.Sprintf(format, a...))
	}
	if err := o.Cloud.valid(); err != nil {
		return err
	}
	if o.SubscriptionID == "" {
		return bad("a subscription ID is required")
	}
	if o.Registry == "" {
		return bad("a registry name is required")
	}
	switch strings.ToLower(string(o.Credential)) {
	case "", "sp", "serviceprincipal", "service-principal":
		o.Credential = CredentialServicePrincipal
		if (o.SPName == "") == (o.SPID == "") {
			return bad("give either a service principal name or an existing service principal's appId, not both or neither")
		}
		if o.TokenName != "" {
			return bad("a token name applies to the token credential only")
		}
	case "token":
		o.Credential = CredentialToken
		if o.SPName != "" || o.SPID != "" || o.Role != "" || o.AllRepositories {
			return bad("a service principal and a role apply to the service principal credential only")
		}
		if o.TokenName == "" {
			o.TokenName = DefaultTokenName
		}
		if !tokenNameRE.MatchString(o.TokenName) {
			return bad("token name %q must have 5-40 characters from [a-zA-Z0-9-]", o.TokenName)
		}
		if len(o.Repositories) == 0 && !o.retiring {
			return bad("a token needs at least one repository")
		}
	default:
		return bad("unknown credential %q: use %q or %q", o.Credential, CredentialServicePrincipal, CredentialToken)
	}
	for _, repo := range o.Repositories {
		if !repositoryRE.MatchString(repo) {
			return bad("%q is not a repository name (lowercase path components, optionally ending in /*)", repo)
		}
	}
	if o.Years < 0 {
		return bad("years must not be negative")
	}
	if o.Years > 0 && !o.EndDate.IsZero() {
		return bad("give either years or an end date, not both")
	}
	if !o.EndDate.IsZero() && !o.EndDate.After(now) {
		return bad("the end date %s is not in the future", o.EndDate.UTC().Format(time.RFC3339))
	}
	return nil
}

func newRun(cred azcore.TokenCredential, opts Options) (*run, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	if err := validate(&opts, now()); err != nil {
		return nil, err
	}
	if cred == nil {
		return nil, fmt.Errorf("%w: no Azure credential", ErrInvalidOptions)
	}
	r := &run{opts: opts, now: now, out: opts.Progress, repl: opts.Replication, res: &Result{}}
	if r.out == nil {
		r.out = io.Discard
	}
	if r.repl.Timeout == 0 {
		r.repl.Timeout = 5 * time.Minute
	}
	if r.repl.Delay == 0 {
		r.repl.Delay = 2 * time.Second
	}
	if r.repl.MaxDelay == 0 {
		r.repl.MaxDelay = 15 * time.Second
	}

	co := opts.ClientOptions
	co.Cloud = opts.Cloud.configuration()
	if isZeroRetry(co.Retry) {
		co.Retry = policy.RetryOptions{MaxRetries: 5, MaxRetryDelay: 2 * time.Minute}
	}
	r.retry = co.Retry
	switch {
	case r.retry.MaxRetries == 0:
		r.retry.MaxRetries = 3 // azcore's default
	case r.retry.MaxRetries < 0:
		r.retry.MaxRetries = 0
	}
	armOpts := &arm.ClientOptions{ClientOptions: co, DisableRPRegistration: true}
	acr, err := armcontainerregistry.NewClientFactory(opts.SubscriptionID, cred, armOpts)
	if err != nil {
		return nil, fmt.Errorf("creating the container registry client: %w", err)
	}
	authz, err := armauthorization.NewClientFactory(opts.SubscriptionID, cred, armOpts)
	if err != nil {
		return nil, fmt.Errorf("creating the authorization client: %w", err)
	}
	r.registries = acr.NewRegistriesClient()
	r.scopeMaps = acr.NewScopeMapsClient()
	r.tokens = acr.NewTokensClient()
	r.assignments = authz.NewRoleAssignmentsClient()
	r.roleDefs = authz.NewRoleDefinitionsClient()
	if r.arm, err = arm.NewClient(moduleName+"/arm", moduleVersion, cred, armOpts); err != nil {
		return nil, fmt.Errorf("creating the ARM client: %w", err)
	}
	if opts.Credential != CredentialToken {
		if r.graph, err = newGraph(cred, opts.Cloud, co); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func isZeroRetry(o policy.RetryOptions) bool {
	return o.MaxRetries == 0 && o.TryTimeout == 0 && o.RetryDelay == 0 && o.MaxRetryDelay == 0 &&
		o.StatusCodes == nil && o.ShouldRetry == nil
}

// step reports progress.
func (r *run) step(format string, a ...any) {
	fmt.Fprintf(r.out, format+"\n", a...)
}

// act records a write step in the plan and reports it. It returns false in a dry run, when
// the caller must not perform the step.
func (r *run) act(format string, a ...any) bool {
	s := fmt.Sprintf(format, a...)
	r.res.Plan = append(r.res.Plan, s)
	if r.opts.DryRun {
		r.step("dry run: would %s", s)
		return false
	}
	r.step("%s", s)
	return true
}

// expiry returns the end date of a new password.
func (r *run) expiry() time.Time {
	if !r.opts.EndDate.IsZero() {
		return r.opts.EndDate.UTC().Truncate(time.Second)
	}
	years := r.opts.Years
	if years == 0 {
		years = 1
	}
	return r.now().UTC().Truncate(time.Second).AddDate(years, 0, 0)
}

func (r *run) pollOptions() *runtime.PollUntilDoneOptions {
	if r.opts.PollFrequency <= 0 {
		return nil
	}
	return &runtime.PollUntilDoneOptions{Frequency: r.opts.PollFrequency}
}
