package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/internal/rotation"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/provision"
	"github.com/acrgen/acrgen/pkg/secret"
	"github.com/acrgen/acrgen/pkg/settings"
	"github.com/urfave/cli/v2"
)

func provisionCommand() *cli.Command {
	return &cli.Command{
		Name:      "provision",
		Usage:     "look up or create a service principal (or repository-scoped token) with a role on the registry, then render its credential into DIR",
		ArgsUsage: "DIR...",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "registry", Aliases: []string{"r"}, Required: true, Usage: "the registry's name (or login server)"},
			&cli.StringFlag{Name: "tenant", Usage: "the tenant of the registry's subscription, when it is not your login's default tenant"},
			&cli.StringFlag{Name: "subscription", EnvVars: []string{"AZURE_SUBSCRIPTION_ID"}, Usage: "subscription ID holding the registry"},
			&cli.StringFlag{Name: "resource-group", Aliases: []string{"g"}, Usage: "resource group of the registry (default: search the subscription)"},
			&cli.StringFlag{Name: "cloud", Value: "AzureCloud", Usage: "AzureCloud, AzureChinaCloud, AzureUSGovernment, or a cloud file as az cloud register --cloud-config takes"},
			&cli.StringFlag{Name: "credential", Value: "sp", Usage: "sp (a service principal) or token (a repository-scoped ACR token)"},
			&cli.StringFlag{Name: "sp-name", Usage: "display name of the service principal to find or create"},
			&cli.StringFlag{Name: "sp-id", Usage: "an existing service principal: appId or servicePrincipalName"},
			&cli.StringFlag{Name: "role", Usage: "role at the registry scope: acrpull, acrpush, owner, or any role name or ID (default: acrpull; on a registry in ABAC mode, Container Registry Repository Reader limited to the tree's repositories)"},
			&cli.BoolFlag{Name: "all-repositories", Usage: "on a registry in ABAC mode, grant the repository-reader role on every repository instead of those the tree pulls"},
			&cli.StringFlag{Name: "token-name", Value: provision.DefaultTokenName, Usage: "name of the repository-scoped token (--credential token)"},
			&cli.StringSliceFlag{Name: "repository", Usage: "repository the credential may pull (repeatable): the token's scope map, or the ABAC condition; default: those the tree's workloads use"},
			&cli.IntFlag{Name: "years", Usage: "password lifetime in years (default 1)"},
			&cli.StringFlag{Name: "end-date", Usage: "password expiry (RFC 3339 or YYYY-MM-DD), instead of --years"},
			&cli.BoolFlag{Name: "rotate", Usage: "add a new password and render it; remove nothing (see --retire)"},
			&cli.BoolFlag{Name: "retire", Usage: "remove the passwords acrgen made that no Secret in DIR records; change nothing in DIR"},
			&cli.DurationFlag{Name: "grace", Value: provision.DefaultGrace, Usage: "with --retire: how long the password DIR records must have existed first"},
			&cli.BoolFlag{Name: "abandoned", Usage: "with --retire: remove also acrgen passwords newer than the one DIR records (rotations closed without merging)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the plan; make no change in Azure or in DIR"},
			secretNameFlag(),
			namespaceFlag(),
			workloadFlag(),
			serviceAccountFlag(),
			sourceRootFlag(),
			repoURLFlag(),
			helmReleaseFlag(),
			decryptorFlag(),
		}, append(recipientFlags(), maxFileSizeFlag())...),
		Action: func(c *cli.Context) error { return runProvision(c, c.App.ErrWriter) },
	}
}

func runProvision(c *cli.Context, progress io.Writer) error {
	if c.NArg() == 0 {
		return treeArgs(c, nil)
	}
	// --cloud may name a cloud file, which provision.ParseCloud reads. The registries to
	// render come from Azure: the one named here is checked against the cloud's suffix, and
	// replaced by its login server once provisioned.
	cloud, err := provision.ParseCloud(c.String("cloud"))
	if err != nil {
		return cli.Exit(err.Error(), exitUsage)
	}
	set, err := settingsFrom(c, settings.Input{Registries: []string{c.String("registry")}, LoginServerSuffix: cloud.ACRSuffix})
	if err != nil {
		return err
	}
	// The trees are planned as render plans them (engine.Plan): several DIRs, the directories
	// Flux Kustomizations build, --helm-release.
	ropts := engineOptions(set, engine.Render)
	if err := treeArgs(c, &ropts); err != nil {
		return err
	}
	ropts.Registries, ropts.Recipients = nil, recipientsFrom(c)
	popts := provision.Options{
		Cloud: cloud, SubscriptionID: c.String("subscription"), ResourceGroup: c.String("resource-group"), Registry: c.String("registry"),
		Credential: provision.CredentialKind(c.String("credential")), SPName: c.String("sp-name"), SPID: c.String("sp-id"),
		Role: c.String("role"), AllRepositories: c.Bool("all-repositories"), TokenName: c.String("token-name"),
		Repositories: settings.SplitList(c.StringSlice("repository")),
		Years:        c.Int("years"), Rotate: c.Bool("rotate"), DryRun: c.Bool("dry-run"), Progress: progress,
	}
	// Role and principal apply to service principals, token name to tokens.
	if popts.Credential == provision.CredentialToken {
		popts.Role, popts.AllRepositories = "", false
	} else {
		popts.TokenName = ""
	}
	if e := c.String("end-date"); e != "" {
		if popts.EndDate, err = settings.ParseExpiry(e); err != nil {
			return cli.Exit("--end-date: "+err.Error(), exitUsage)
		}
	}
	retire := c.Bool("retire")
	if retire && (popts.Rotate || c.IsSet("years") || c.IsSet("end-date") || c.IsSet("role") || len(popts.Repositories) > 0) {
		return cli.Exit("--retire removes passwords only: it takes no --rotate, --years, --end-date, --role or --repository", exitUsage)
	}
	if !retire && (c.IsSet("grace") || c.Bool("abandoned")) {
		return cli.Exit("--grace and --abandoned apply to --retire only", exitUsage)
	}
	// Locked before Azure is touched: a busy tree must not cost a new password. Retire
	// writes nothing in DIR, and reads it under a shared lock.
	root, err := tree.LockRoot(ropts.Dirs, ropts.SourceRoot)
	if err != nil {
		return exitFor(err)
	}
	lk, err := lockTree(root, !popts.DryRun && !retire, nil)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	// provision prints text only, and may end before the tree's report (retire, a dry run, an
	// Azure error): what finishing an interrupted write found is said now.
	if err := printFindings(c, recovered(lk, true)); err != nil {
		return err
	}
	// What the trees hold now: the credentials their Secrets record, the repositories their
	// workloads pull from the registry. The same plan as render's, changing nothing.
	survey := ropts
	survey.Mode, survey.Registries = engine.Check, []string{set.Registries[0]}
	held, err := engine.Plan(survey)
	if err != nil {
		return exitFor(err)
	}
	if popts.Recorded, err = recordedCredentials(held.Recorded, ropts.SecretName); err != nil {
		return err
	}
	if retire {
		// The grace counts from when the trees began to record their credentials where the
		// cluster applies them from, not only from the passwords' creation.
		now := time.Now()
		for i, s := range held.Recorded {
			since, ok := committedSince(c.Context, s.Path, now)
			if !ok {
				fmt.Fprintf(progress, "%s: not in a git repository, so acrgen cannot tell when it was committed: --grace counts from the password's creation\n", finding.Quote(s.File))
			}
			popts.Recorded[i].Since = since
		}
	}
	cred, err := provision.NewCredential(cloud, c.String("tenant"))
	if err != nil {
		return cli.Exit("Azure credentials: "+err.Error(), exitRemote)
	}
	if retire {
		res, err := provision.Retire(c.Context, cred, provision.RetireOptions{Options: popts, Grace: c.Duration("grace"), Abandoned: c.Bool("abandoned")})
		if err != nil {
			return provisionExit(err)
		}
		reportRetire(c.App.Writer, res, popts.DryRun)
		return nil
	}
	if len(popts.Repositories) == 0 {
		// A token may pull exactly what the tree's workloads pull; so may a service principal
		// on a registry in ABAC mode (its role's condition names them).
		popts.Repositories = held.Repositories
		if popts.Credential == provision.CredentialToken {
			if len(popts.Repositories) == 0 {
				return cli.Exit(fmt.Sprintf("no workload in %s pulls from %s: nothing for a token to grant; pass --repository", strings.Join(ropts.Dirs, ", "), set.Registries[0]), exitUsage)
			}
			fmt.Fprintf(progress, "token scope from the tree: %v\n", popts.Repositories)
		}
	}
	out := c.App.Writer
	steps := rotation.Steps{
		Provision: func(ctx context.Context, o provision.Options) (*provision.Result, error) {
			return provision.Provision(ctx, cred, o)
		},
		Plan: func(o engine.Options) (*engine.Result, error) {
			if o.Credential == nil {
				fmt.Fprintf(progress, "the credential already exists and Azure never returns existing passwords: keeping the Secret in the tree (use --rotate for a new password)\n")
			}
			return engine.Plan(o)
		},
		Write: func(plan *engine.Result) error { return reportRun(c, engine.Render, plan, ropts.Display, lk) },
	}
	done, err := rotation.Run(c.Context, steps, popts, ropts)
	var rerr *rotation.Error
	if errors.As(err, &rerr) {
		var ue *engine.UsageError
		switch {
		case rerr.Stage == rotation.StageProvision:
			return provisionExit(err)
		case rerr.Stage == rotation.StageWrite:
			return rerr.Err // report's own exit code
		case errors.As(err, &ue) && done.KeptPassword:
			return cli.Exit(err.Error()+"; the existing password cannot be read back from Azure: rerun with --rotate", exitUsage)
		default:
			return exitFor(err)
		}
	}
	res := done.Azure
	if popts.DryRun {
		fmt.Fprintf(out, "plan for %s (%s), dry run: nothing changed\n", res.LoginServer, res.RegistryID)
		printPlan(out, res.Plan, "nothing to do in Azure")
		return nil
	}
	who := "service principal appId " + res.AppID
	if popts.Credential == provision.CredentialToken {
		who = "token " + res.Username
	}
	if res.Password.IsZero() {
		fmt.Fprintf(out, "%s on %s; existing password kept\n", who, res.LoginServer)
		return nil
	}
	fmt.Fprintf(out, "%s on %s; password %s expires %s\n", who, res.LoginServer, res.CredentialID, res.Expires.UTC().Format(time.RFC3339))
	if popts.Rotate {
		fmt.Fprintln(out, "older passwords still work: once this change is merged and applied, remove them with acrgen provision --retire")
	}
	return nil
}

func printPlan(out io.Writer, plan []string, none string) {
	for _, s := range plan {
		fmt.Fprintln(out, "  "+s)
	}
	if len(plan) == 0 {
		fmt.Fprintln(out, "  "+none)
	}
}

// recordedCredentials reads which credential each pull Secret of the trees records.
func recordedCredentials(secs []engine.RecordedSecret, secretName string) ([]provision.Recorded, error) {
	var out []provision.Recorded
	var err error
	for _, s := range secs {
		where := s.File
		if s.Namespace != "" {
			where += " (namespace " + s.Namespace + ")"
		}
		rc := provision.Recorded{Where: where, Registries: s.Registries}
		if s.Credential != "" {
			if rc.ID, err = provision.ParseCredentialID(s.Credential); err != nil {
				return nil, cli.Exit(fmt.Sprintf("%s: Secret %s: annotation %s: %v", finding.Quote(s.File), secretName, secret.AnnotationCredential, err), exitUsage)
			}
		}
		out = append(out, rc)
	}
	return out, nil
}

// reportRetire says what retire removed, will remove, or kept.
func reportRetire(out io.Writer, res *provision.RetireResult, dryRun bool) {
	verb := "removed"
	if dryRun {
		verb = "dry run: would remove"
	}
	switch {
	case len(res.Removed) == 0:
		fmt.Fprintf(out, "nothing to remove on %s: no acrgen password is older than the one the tree records\n", res.LoginServer)
	case !res.WaitUntil.IsZero():
		fmt.Fprintf(out, "nothing removed on %s: the credential the tree records was created or committed less than --grace ago (Flux may not have applied it yet); a retire after %s will remove:\n",
			res.LoginServer, res.WaitUntil.UTC().Format(time.RFC3339))
		printPlan(out, res.Removed, "")
	default:
		fmt.Fprintf(out, "%s on %s:\n", verb, res.LoginServer)
		printPlan(out, res.Removed, "")
	}
	for _, p := range res.Pending {
		fmt.Fprintf(out, "kept %s: newer than the recorded one, a rotation pull request may hold it (--abandoned removes it)\n", p)
	}
}

func provisionExit(err error) error {
	switch {
	case errors.Is(err, provision.ErrRecordedMissing):
		return cli.Exit(err.Error(), exitDrift)
	case errors.Is(err, provision.ErrInvalidOptions), errors.Is(err, provision.ErrAmbiguous), errors.Is(err, provision.ErrNotFound),
		errors.Is(err, provision.ErrUnrecorded), errors.Is(err, provision.ErrPolicy):
		return cli.Exit(err.Error(), exitUsage)
	default:
		return cli.Exit(err.Error(), exitRemote)
	}
}
