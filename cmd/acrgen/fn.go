package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/acrgen/acrgen/pkg/encrypt"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/fn"
	"github.com/acrgen/acrgen/pkg/secret"
	"github.com/acrgen/acrgen/pkg/settings"
	"github.com/urfave/cli/v2"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/fn/framework/command"
)

// fnCommand is `acrgen fn`, the KRM function: a ResourceList on stdin, one on stdout. It
// exits 1 when the output holds an error result (kustomize and kpt then fail the build) and 2
// on a bad invocation (arguments, unreadable input); each error is also printed on stderr,
// where kustomize shows it (kustomize does not print results).
func fnCommand(stdin io.Reader, stdout, stderr io.Writer, getenv env) *cli.Command {
	return &cli.Command{
		Name:      "fn",
		Usage:     "run as a KRM function (kustomize, kpt): read a ResourceList on standard input, write one on standard output",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "allow-env", Usage: "an environment variable passwordFrom env: may read besides " + fn.EnvPrefix + "* (repeatable, or comma-separated; also " + fn.AllowEnvVariable + ")"},
		},
		Description: "The functionConfig is an " + fn.APIVersion + " " + fn.Kind + " (or a ConfigMap with the same keys under data);\n" +
			"see functions.yaml. The function adds imagePullSecrets to the workloads that pull from the registries and\n" +
			"ensures the SOPS-encrypted pull Secret in each namespace that needs one. It never talks to Azure.",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cli.Exit(fmt.Sprintf("fn takes no arguments, got %q: its settings come from the functionConfig in the ResourceList", strings.Join(c.Args().Slice(), " ")), exitUsage)
			}
			if f, ok := stdin.(*os.File); ok {
				if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
					return cli.Exit("fn reads a ResourceList on standard input: run it from kustomize or kpt (see functions.yaml), or pipe one in", exitUsage)
				}
			}
			// The working directory is the package: .sops.yaml is looked for up to its git top.
			top, _ := sopsTop([]string{"."}, "")
			p := fn.Processor(fn.Options{Encrypter: encrypt.SOPS{Top: top}, Getenv: getenv, AllowEnv: settings.SplitList(append(c.StringSlice("allow-env"), getenv(fn.AllowEnvVariable))),
				ReadFile: func(name string) ([]byte, error) { return readInDir(".", name) }, Now: time.Now})
			cmd := command.Build(p, command.StandaloneDisabled, true)
			cmd.SetArgs([]string{})
			cmd.SetIn(stdin)
			cmd.SetOut(stdout)
			cmd.SetErr(stderr)
			err := cmd.Execute()
			if err == nil {
				return nil
			}
			var results framework.Results
			if !errors.As(err, &results) {
				return cli.Exit(err.Error(), exitUsage)
			}
			n := 0
			for _, r := range results {
				if r.Severity == framework.Error {
					n++
					printError(stderr, describeResult(r))
				}
			}
			return cli.Exit(fmt.Sprintf("fn: %d error result(s)", n), 1)
		},
	}
}

// describeResult is a result on one line: the object, the field, the message.
func describeResult(r *framework.Result) string {
	var b strings.Builder
	if ref := r.ResourceRef; ref != nil {
		b.WriteString(finding.Quote(ref.Kind))
		if ref.Name != "" {
			b.WriteString(" ")
			if ref.Namespace != "" {
				b.WriteString(finding.Quote(ref.Namespace) + "/")
			}
			b.WriteString(finding.Quote(ref.Name))
		}
		if r.File != nil && r.File.Path != "" {
			b.WriteString(" (" + finding.Quote(r.File.Path) + ")")
		}
		b.WriteString(": ")
	}
	if r.Field != nil && r.Field.Path != "" && !strings.Contains(r.Message, r.Field.Path) {
		b.WriteString(finding.Quote(r.Field.Path) + ": ")
	}
	b.WriteString(r.Message)
	return b.String()
}

// readInDir reads a passwordFrom file, which the functionConfig (committed to the repository)
// names: only a regular file inside dir (the working directory), through os.Root, so that
// neither "..", an absolute path nor a symlink leads out of it; opened without blocking, so that
// a FIFO is refused at once instead of waiting for a writer; and not much more than the password
// limit (the function refuses a longer password).
func readInDir(dir, name string) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &os.PathError{Op: "read", Path: name, Err: errNotRegular}
	}
	return io.ReadAll(io.LimitReader(f, 2*secret.MaxPasswordSize))
}

// errNotRegular is a passwordFrom file that is a FIFO, a device or a directory.
var errNotRegular = errors.New("not a regular file")
