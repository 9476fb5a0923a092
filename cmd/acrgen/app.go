package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/acrgen/acrgen/internal/crash"
	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/internal/pullcheck"
	"github.com/acrgen/acrgen/internal/report"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/encrypt"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/judge"
	"github.com/acrgen/acrgen/pkg/online"
	"github.com/acrgen/acrgen/pkg/secret"
	"github.com/acrgen/acrgen/pkg/settings"
	"github.com/pmezard/go-difflib/difflib"
	"github.com/urfave/cli/v2"
)

// Exit codes, as the README documents them.
const (
	exitOK     = 0
	exitDrift  = 1
	exitUsage  = 2
	exitRemote = 3
	exitWrite  = 4 // the run was planned but the tree could not be written
	// exitInternal is a bug: an unexpected panic (sysexits.h's EX_SOFTWARE).
	exitInternal = 70
)

// writeTree writes a planned run; tests replace it to fail the way a full disk does.
var writeTree = engine.Write

// env reads an environment variable; tests pass their own.
type env func(string) string

// run builds the app and runs it; it returns the exit code. A panic, in its goroutine or
// carried from one acrgen started ([crash.Panic]), is an internal error: reported without its
// value unless the Go runtime made it, exit 70.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv env) (code int) {
	app := newApp(stdin, stdout, stderr, getenv)
	defer func() {
		if v := recover(); v != nil {
			crash.Report(stderr, version, commandOf(app, args), v, debug.Stack())
			code = exitInternal
		}
	}()
	for _, a := range args[1:] {
		if a == "--" {
			break
		}
		if name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "="); strings.HasPrefix(a, "-") && (name == "password" || name == "docker-password" || name == "p") {
			fmt.Fprintln(stderr, "acrgen: error: passwords are never read from the command line, where other processes can see them")
			fmt.Fprintln(stderr, "acrgen: hint: use --password-stdin, --password-file FILE or the ACRGEN_PASSWORD environment variable")
			return exitUsage
		}
		if name, v, ok := strings.Cut(strings.TrimLeft(a, "-"), "="); ok && strings.HasPrefix(a, "-") && name == "password-stdin" {
			if _, err := strconv.ParseBool(v); err != nil {
				// Flag parsing would quote the value, which may well be the password.
				fmt.Fprintln(stderr, "acrgen: error: --password-stdin takes no value: pipe the password into standard input")
				return exitUsage
			}
		}
	}
	err := app.RunContext(ctx, interspersed(app, args))
	if err == nil {
		return exitOK
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		printError(stderr, ec.Error())
		return ec.ExitCode()
	}
	// Flag parsing and other usage errors from urfave/cli.
	printError(stderr, err.Error())
	return exitUsage
}

// printError prints an error message, each of its lines after "acrgen: error: ": a line of a
// message (a name from the tree that slipped through unquoted) can never stand alone as a
// line of acrgen's output or a CI workflow command. A control character other than a line
// break is quoted.
func printError(w io.Writer, msg string) {
	if msg == "" {
		return
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		b.WriteString("acrgen: error: " + finding.Quote(line) + "\n")
	}
	io.WriteString(w, b.String())
}

// commandOf describes a command line for a bug report: the subcommand and the names of the
// flags given, never a value (a path, or a password given by mistake).
func commandOf(app *cli.App, args []string) string {
	var out []string
	for _, a := range args[1:] {
		if a == "--" {
			break
		}
		if name, _, _ := strings.Cut(a, "="); strings.HasPrefix(a, "-") {
			out = append(out, name)
		} else if len(out) == 0 && app.Command(a) != nil {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return "acrgen"
	}
	return "acrgen " + strings.Join(out, " ")
}

func newApp(stdin io.Reader, stdout, stderr io.Writer, getenv env) *cli.App {
	return &cli.App{
		Name:            "acrgen",
		Usage:           "pull secrets for Azure Container Registry, rendered into kustomize trees for GitOps",
		Version:         version,
		HideVersion:     true,
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		ExitErrHandler:  func(*cli.Context, error) {},
		HideHelpCommand: true,
		// --generate-bash-completion, which the `acrgen completion` scripts call.
		EnableBashCompletion: true,
		Commands: []*cli.Command{
			treeCommand(engine.Render, stdin, getenv),
			treeCommand(engine.Patch, stdin, getenv),
			treeCommand(engine.Check, stdin, getenv),
			provisionCommand(),
			fnCommand(stdin, stdout, stderr, getenv),
			initCommand(),
			completionCommand(),
			{
				Name:  "version",
				Usage: "print the version",
				Action: func(c *cli.Context) error {
					_, err := fmt.Fprintln(c.App.Writer, "acrgen", version)
					return err
				},
			},
		},
	}
}

// treeFlags are the flags of render, patch and check.
func treeFlags(mode engine.Mode) []cli.Flag {
	fs := []cli.Flag{
		registriesFlag(),
		secretNameFlag(),
		namespaceFlag(),
		workloadFlag(),
		serviceAccountFlag(),
		&cli.StringFlag{Name: "cloud", Value: "AzureCloud", Usage: "cloud whose login-server suffix a bare registry name takes: AzureCloud, AzureChinaCloud, AzureUSGovernment"},
		maxFileSizeFlag(),
		&cli.StringFlag{Name: "expiry-warning", Value: "30d", Usage: "warn this long before a Secret's credential expires: days (30d), hours (720h), or 0 for no warning; an expired one fails check"},
		sourceRootFlag(),
		repoURLFlag(),
		helmReleaseFlag(),
		decryptorFlag(),
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: string(report.Text), Usage: "how findings are printed: text (FILE:LINE: severity: message), json (docs/findings.schema.json), sarif (SARIF 2.1.0) or github (workflow commands)"},
	}
	if mode == engine.Check {
		fs = append(fs,
			&cli.BoolFlag{Name: "strict", Usage: "make every warning a problem (exit 1): what acrgen could not see or check fails the check too"},
			&cli.BoolFlag{Name: "online", Usage: "also ask the registry whether each Secret's credential pulls each image the workloads name: decrypts the Secrets with the keys sops finds, uses the network; exit 1 unless every image pulls"},
		)
		return append(fs, recipientFlags()...)
	}
	fs = append(fs,
		&cli.BoolFlag{Name: "check", Usage: "write nothing; exit 1 if anything would change"},
		&cli.BoolFlag{Name: "diff", Usage: "print a unified diff of what would change, and write nothing"},
	)
	if mode == engine.Render {
		fs = append(fs,
			&cli.StringFlag{Name: "username", Aliases: []string{"u"}, EnvVars: []string{"ACRGEN_USERNAME"}, Usage: "registry username (a service principal's appId or a token name)"},
			&cli.BoolFlag{Name: "password-stdin", Usage: "read the password from standard input"},
			&cli.StringFlag{Name: "password-file", Usage: "read the password from this file"},
			&cli.StringFlag{Name: "expires", Usage: "the credential's expiry (RFC 3339 or YYYY-MM-DD), recorded on the Secret"},
		)
		fs = append(fs, recipientFlags()...)
	}
	return fs
}

// The flags that more than one command takes, each defined once. A builder returns a new
// flag on each call: urfave/cli flags hold state. Their values are validated together, by
// [settings.New] through settingsFrom.

func registriesFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "registry", Aliases: []string{"r"}, Usage: "login server workloads pull from (repeatable); a bare NAME means NAME.azurecr.io", Required: true}
}

func secretNameFlag() cli.Flag {
	return &cli.StringFlag{Name: "secret-name", Value: settings.DefaultSecretName, Usage: "name of the pull Secret"}
}

func namespaceFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "namespace", Aliases: []string{"n"}, Usage: "only workloads in this effective namespace (repeatable); default all"}
}

func workloadFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "workload", Usage: "a custom workload kind, KIND.GROUP=PATH to its pod spec (repeatable), e.g. Rollout.argoproj.io=spec.template.spec"}
}

func serviceAccountFlag() cli.Flag {
	return &cli.BoolFlag{Name: "service-account", Usage: "add the secret to the ServiceAccount each workload runs as (it must be in the tree) instead of to the workload"}
}

// sourceRootFlag, repoURLFlag, helmReleaseFlag and decryptorFlag say what the trees are, as
// engine.Plan follows them.
func sourceRootFlag() cli.Flag {
	return &cli.StringFlag{Name: "source-root", Usage: "directory that Flux Kustomizations' spec.path and Argo CD Applications' source path are relative to; default the git top level of the file holding them"}
}

func repoURLFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "repo-url", Usage: "a URL Argo CD clones this repository from (repeatable), besides its git remotes: Application sources with that repoURL are followed"}
}

func decryptorFlag() cli.Flag {
	return &cli.StringFlag{Name: "decryptor", Value: "auto", Usage: "what decrypts the pull Secret where the tree is built: sops (listed under resources:, as Flux decrypts it), ksops (in a KSOPS generator, as Argo CD decrypts it), or auto (ksops where the kustomization lists a KSOPS generator)"}
}

func helmReleaseFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "helm-release", Usage: "a Flux HelmRelease (namespace/name, name, or all; repeatable) whose chart's pods get the secret through a spec.postRenderers kustomize patch, with the Secret in its release namespace"}
}

// treeArgs reads the trees a command works on into opts: DIR... (at least one),
// --source-root and --helm-release; and gives the run its encrypter, whose search for
// .sops.yaml stops where the trees end.
func treeArgs(c *cli.Context, opts *engine.Options) error {
	if c.NArg() == 0 {
		return cli.Exit("want at least one DIR argument: a kustomization directory, or one holding Flux Kustomizations", exitUsage)
	}
	opts.Dir, opts.Dirs, opts.SourceRoot = c.Args().First(), c.Args().Slice(), c.String("source-root")
	opts.HelmReleases, opts.RepoURLs = c.StringSlice("helm-release"), c.StringSlice("repo-url")
	d, err := judge.ParseDecryptor(c.String("decryptor"))
	if err != nil {
		return cli.Exit("--decryptor: "+err.Error(), exitUsage)
	}
	opts.Decryptor = d
	top, err := sopsTop(opts.Dirs, opts.SourceRoot)
	if err != nil {
		return exitFor(err)
	}
	sops := encrypt.SOPS{Top: top, Offline: opts.Mode == engine.Check && !opts.Online}
	opts.Encrypter, opts.Decrypter = sops, sops
	return nil
}

// sopsTop is where a run's search for .sops.yaml stops: with --source-root, the directory that
// holds the DIRs and the source root (the one the run locks); else the git top level of the
// first DIR; outside git, nowhere short of the filesystem root, as for the sops CLI. A
// .sops.yaml above the repository does not choose the recipients of its Secrets.
func sopsTop(dirs []string, sourceRoot string) (string, error) {
	if sourceRoot != "" {
		return tree.LockRoot(dirs, sourceRoot)
	}
	top, _ := tree.GitTop(dirs[0])
	return top, nil
}

func maxFileSizeFlag() cli.Flag {
	return &cli.Int64Flag{Name: "max-file-size", Value: tree.DefaultMaxFileSize, Usage: "largest manifest file read, in bytes (at least 1)"}
}

// recipientFlags are the SOPS recipients of a written Secret; recipientsFrom reads them.
func recipientFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "age", Usage: "age recipient (repeatable); default: the .sops.yaml creation rule for the Secret file"},
		&cli.StringSliceFlag{Name: "pgp", Usage: "PGP fingerprint (repeatable)"},
		&cli.StringSliceFlag{Name: "azure-kv", Usage: "Azure Key Vault key URL (repeatable)"},
	}
}

func recipientsFrom(c *cli.Context) secret.Recipients {
	return secret.Recipients{Age: settings.SplitList(c.StringSlice("age")), PGP: settings.SplitList(c.StringSlice("pgp")), AzureKV: settings.SplitList(c.StringSlice("azure-kv"))}
}

// hasFlag reports whether the command defines the flag name.
func hasFlag(c *cli.Context, name string) bool {
	for _, f := range c.Command.Flags {
		if slices.Contains(f.Names(), name) {
			return true
		}
	}
	return false
}

// settingFlags names the flag of each setting, for messages.
var settingFlags = map[settings.Field]string{
	settings.FieldRegistries:    "registry",
	settings.FieldCloud:         "cloud",
	settings.FieldSecretName:    "secret-name",
	settings.FieldNamespaces:    "namespace",
	settings.FieldWorkloads:     "workload",
	settings.FieldExpires:       "expires",
	settings.FieldExpiryWarning: "expiry-warning",
	settings.FieldMaxFileSize:   "max-file-size",
}

// settingsFrom validates the settings a command's flags give with [settings.New], as
// the KRM function validates its config. A flag the command does not have reads as unset.
// The first problem is the error, naming its flag.
func settingsFrom(c *cli.Context, in settings.Input) (settings.Settings, error) {
	secret := c.String("secret-name")
	in.SecretName = &secret
	in.Namespaces = c.StringSlice("namespace")
	in.Workloads = c.StringSlice("workload")
	in.ServiceAccount = c.Bool("service-account")
	in.Expires = c.String("expires")
	if hasFlag(c, "expiry-warning") {
		v := c.String("expiry-warning")
		in.ExpiryWarning = &v
	}
	size := c.Int64("max-file-size")
	in.MaxFileSize = &size
	s, errs := settings.New(in)
	if len(errs) > 0 {
		return s, cli.Exit("--"+settingFlags[errs[0].Field]+": "+errs[0].Msg, exitUsage)
	}
	return s, nil
}

var modeNames = map[engine.Mode]struct{ name, usage string }{
	engine.Render: {"render", "write the encrypted pull Secret into DIR and add imagePullSecrets to every workload that pulls from the registry"},
	engine.Patch:  {"patch", "add imagePullSecrets to every workload of DIR that pulls from the registry (Secrets untouched)"},
	engine.Check:  {"check", "change nothing; exit 1 listing each workload without the secret, each namespace without the Secret, each Secret that is not well-formed sops or has expired"},
}

func treeCommand(mode engine.Mode, stdin io.Reader, getenv env) *cli.Command {
	return &cli.Command{
		Name:      modeNames[mode].name,
		Usage:     modeNames[mode].usage,
		ArgsUsage: "DIR...",
		Flags:     treeFlags(mode),
		Action: func(c *cli.Context) error {
			if _, err := outputFormat(c); err != nil {
				return err
			}
			opts, err := treeOptions(c, mode, stdin, getenv)
			if err != nil {
				return err
			}
			if opts.Credential != nil {
				defer clear(opts.Credential.Password)
			}
			if opts.Online {
				// The engine verifies each Secret's MAC and the pull check reads its credential:
				// one decryption serves both.
				memo := pullcheck.Remember(opts.Decrypter)
				defer memo.Forget()
				opts.Decrypter = memo
			}
			root, err := tree.LockRoot(opts.Dirs, opts.SourceRoot)
			if err != nil {
				return exitFor(err)
			}
			lk, err := lockTree(root, mode != engine.Check && !c.Bool("check") && !c.Bool("diff"), getenv)
			if err != nil {
				return err
			}
			defer lk.Unlock()
			recovery := recovered(lk, mode != engine.Check)
			res, err := engine.Plan(opts)
			if err == nil {
				err = lk.Allow(res.Roots)
			}
			if err != nil {
				// No report follows: what finishing an interrupted write found is said here.
				if perr := printFindings(c, recovery); perr != nil {
					return perr
				}
				return exitFor(err)
			}
			res.Findings = append(recovery, res.Findings...)
			if opts.Online {
				res.Findings = append(res.Findings, pullcheck.Run(c.Context, res.Pulls, opts.Decrypter, askRegistry)...)
			}
			return reportRun(c, mode, res, opts.Display, lk)
		},
	}
}

// askRegistry is check --online's question to a registry: pkg/online with its defaults (four
// images at a time, 30 seconds each, retries on 429 and 5xx), through the proxy and the trust
// roots of the environment (HTTPS_PROXY, SSL_CERT_FILE).
func askRegistry(ctx context.Context, server, username string, password []byte, images []string) []online.Result {
	return online.Check(ctx, server, username, password, images, online.Options{})
}

// engineOptions starts the engine's options from validated settings.
func engineOptions(s settings.Settings, mode engine.Mode) engine.Options {
	return engine.Options{
		Mode: mode, Registries: s.Registries, SecretName: s.SecretName, Namespaces: s.Namespaces, Kinds: s.Kinds,
		ServiceAccount: s.ServiceAccount, Expires: s.Expires, ExpiryWarning: s.ExpiryWarning, MaxFileSize: s.MaxFileSize,
		Display: pathDisplay(),
	}
}

func treeOptions(c *cli.Context, mode engine.Mode, stdin io.Reader, getenv env) (engine.Options, error) {
	if c.NArg() == 0 {
		return engine.Options{}, treeArgs(c, nil)
	}
	set, err := settingsFrom(c, settings.Input{Registries: c.StringSlice("registry"), Cloud: c.String("cloud")})
	if err != nil {
		return engine.Options{}, err
	}
	opts := engineOptions(set, mode)
	opts.Online = mode == engine.Check && c.Bool("online")
	if err := treeArgs(c, &opts); err != nil {
		return opts, err
	}
	if mode == engine.Patch {
		return opts, nil
	}
	opts.Recipients = recipientsFrom(c)
	if mode == engine.Check {
		return opts, nil
	}
	pw, err := readPassword(c, stdin, getenv)
	if err != nil {
		return opts, err
	}
	user := c.String("username")
	switch {
	case pw != nil && user == "":
		clear(pw)
		return opts, cli.Exit("a password was given without --username", exitUsage)
	case pw == nil && user != "":
		return opts, cli.Exit("--username was given without a password: use --password-stdin, --password-file or ACRGEN_PASSWORD", exitUsage)
	case pw != nil:
		opts.Credential = &secret.Credential{Username: user, Password: pw}
	}
	return opts, nil
}

// readPassword takes the password from exactly one of --password-stdin, --password-file and
// ACRGEN_PASSWORD. One trailing line ending is dropped. nil means none was given.
func readPassword(c *cli.Context, stdin io.Reader, getenv env) ([]byte, error) {
	var sources []string
	if c.Bool("password-stdin") {
		sources = append(sources, "--password-stdin")
	}
	if c.String("password-file") != "" {
		sources = append(sources, "--password-file")
	}
	if getenv("ACRGEN_PASSWORD") != "" {
		sources = append(sources, "ACRGEN_PASSWORD")
	}
	if len(sources) > 1 {
		return nil, cli.Exit("the password comes from one place only; got "+strings.Join(sources, " and "), exitUsage)
	}
	if len(sources) == 0 {
		return nil, nil
	}
	var b []byte
	var err error
	switch sources[0] {
	case "--password-stdin":
		b, err = secret.ReadPassword(stdin)
	case "--password-file":
		b, err = readPasswordFile(c.String("password-file"))
	default:
		b, err = secret.ReadPassword(strings.NewReader(getenv("ACRGEN_PASSWORD")))
	}
	if err != nil {
		return nil, cli.Exit("reading the password from "+sources[0]+": "+err.Error(), exitUsage)
	}
	if len(b) == 0 {
		return nil, cli.Exit("the password from "+sources[0]+" is empty", exitUsage)
	}
	return b, nil
}

// readPasswordFile reads a password file with [secret.ReadPassword]. Any file will do (a
// process substitution is a pipe), but no more than the limit is read. An error names
// neither the path nor the bytes read: the path may be a password given by mistake.
func readPasswordFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, err
	}
	defer f.Close()
	return secret.ReadPassword(f)
}

// pathDisplay returns a function that shows a path in a message: relative to the working
// directory when it is below it, quoted when it holds a control character (see
// [finding.Quote]), so that no file name forges a line of output.
func pathDisplay() func(string) string {
	plain := plainPath()
	return func(p string) string { return finding.Quote(plain(p)) }
}

// plainPath returns a function that shows a path relative to the working directory when it
// is below it, unquoted (for JSON, which escapes it). The working directory is read once: the
// engine names files in every message.
func plainPath() func(string) string {
	wd, err := os.Getwd()
	if err != nil {
		return func(p string) string { return p }
	}
	if real, err := filepath.EvalSymlinks(wd); err == nil {
		wd = real
	}
	return func(p string) string {
		if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
		return p
	}
}

// repoRelative returns a function that gives a path relative to the repository root, with
// forward slashes ("" outside it), for SARIF and GitHub annotations: the root is the git top
// level above the first DIR, else the working directory.
func repoRelative(c *cli.Context) func(string) string {
	root, _ := os.Getwd()
	if dir, err := filepath.Abs(c.Args().First()); err == nil {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			dir = real
		}
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
				root = d
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
	return func(p string) string {
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return ""
		}
		return filepath.ToSlash(rel)
	}
}

// exitFor maps an engine error to its exit code.
func exitFor(err error) error {
	var ie *tree.InputError
	var ue *engine.UsageError
	var ee *engine.EncryptionError
	switch {
	case errors.As(err, &ie), errors.As(err, &ue):
		return cli.Exit(err.Error(), exitUsage)
	case errors.As(err, &ee):
		return cli.Exit(err.Error(), exitRemote)
	default:
		return cli.Exit(err.Error(), exitUsage)
	}
}

// reportRun prints what a run found in the --output format and, for render and patch, writes its
// changes. check exits 1 on a problem; render and patch refuse to write (exit 2) when they
// found one, and with --check exit 1 when a file would change.
func reportRun(c *cli.Context, mode engine.Mode, res *engine.Result, display func(string) string, lk *tree.Lock) error {
	format, err := outputFormat(c)
	if err != nil {
		return err
	}
	// One write per line was one system call per line: ten thousand of them on a large tree.
	bw := bufio.NewWriterSize(c.App.Writer, 64<<10)
	defer bw.Flush()
	var out io.Writer = bw
	errw := c.App.ErrWriter
	rep := &report.Report{Command: modeNames[mode].name, Version: version, Findings: res.Findings, Plain: plainPath(), Rel: repoRelative(c)}
	for _, ch := range res.Changes {
		rep.Changes = append(rep.Changes, report.Change{File: ch.Path, Created: ch.Created})
	}
	if mode == engine.Check && c.Bool("strict") {
		finding.Strict(res.Findings)
	}
	problems := res.Count(finding.Problem)
	if mode == engine.Check {
		if err := rep.Write(format, out, errw); err != nil {
			return err
		}
		if format == report.Text {
			fmt.Fprintln(out, finding.Verdict(res.Findings))
		}
		if problems > 0 {
			return cli.Exit("", exitDrift)
		}
		return nil
	}
	diff := c.Bool("diff")
	if diff {
		// stdout is the patch alone; what acrgen says about it goes to stderr.
		if err := printDiff(out, res, display); err != nil {
			return err
		}
		out = errw
	}
	if problems > 0 {
		// The run fails: in text, what it found goes to stderr with the error.
		if format == report.Text {
			out = errw
		}
		if err := rep.Write(format, out, errw); err != nil {
			return err
		}
		return cli.Exit(fmt.Sprintf("%d problem(s) found: nothing was written", problems), exitUsage)
	}
	write := len(res.Changes) > 0 && !c.Bool("check") && !diff
	if write {
		if err := writeChanges(c.Context, lk, res); err != nil {
			return err
		}
		for _, f := range lk.TakeNotes() {
			f.Resolve(true)
			rep.Findings = append(rep.Findings, f)
		}
		rep.Written = true
	}
	if err := rep.Write(format, out, errw); err != nil {
		return err
	}
	if format != report.Text {
		if len(res.Changes) > 0 && c.Bool("check") {
			return cli.Exit("", exitDrift)
		}
		return nil
	}
	switch {
	case len(res.Changes) == 0:
		fmt.Fprintln(out, "nothing to do")
	case c.Bool("check"):
		fmt.Fprintf(out, "%d file(s) would change\n", len(res.Changes))
		return cli.Exit("", exitDrift)
	case diff:
		fmt.Fprintf(out, "%d file(s) would change; nothing written (--diff previews)\n", len(res.Changes))
	default:
		for _, ch := range res.Changes {
			verb := "updated"
			if ch.Created {
				verb = "created"
			}
			fmt.Fprintf(out, "%s %s\n", verb, display(ch.Path))
		}
	}
	return nil
}

// outputFormat is the --output format; --diff prints the patch on standard output and takes
// the text format only.
func outputFormat(c *cli.Context) (report.Format, error) {
	if !hasFlag(c, "output") {
		return report.Text, nil
	}
	format, err := report.ParseFormat(c.String("output"))
	if err != nil {
		return "", cli.Exit("--output: "+err.Error(), exitUsage)
	}
	if format != report.Text && c.Bool("diff") {
		return "", cli.Exit("--diff prints a patch on standard output: use it with --output text", exitUsage)
	}
	return format, nil
}

// lines splits text into lines that keep their line endings, without the phantom empty last
// line difflib.SplitLines adds. A last line without a line ending carries the marker that
// diff and git apply expect after it.
func lines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	ls := strings.SplitAfter(string(b), "\n")
	if ls[len(ls)-1] == "" {
		ls = ls[:len(ls)-1]
	} else {
		ls[len(ls)-1] += "\n\\ No newline at end of file\n"
	}
	return ls
}

func printDiff(w io.Writer, res *engine.Result, display func(string) string) error {
	for _, ch := range res.Changes {
		name := display(ch.Path)
		from := "a/" + name
		if ch.Created {
			from = "/dev/null"
		}
		d := difflib.UnifiedDiff{A: lines(ch.Old), B: lines(ch.New), FromFile: from, ToFile: "b/" + name, Context: 3}
		if err := difflib.WriteUnifiedDiff(w, d); err != nil {
			return err
		}
	}
	return nil
}
