package fn

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/secret"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// Options are what the function may use beyond the ResourceList. The zero value is usable
// for runs that need no credential and create no Secret.
type Options struct {
	// Encrypter encrypts new Secrets and tells whether an encrypted Secret among the items was
	// made for the configured keys (cmd/acrgen gives pkg/encrypt's); files are relative to the
	// working directory. nil means none can be created (an error result says so).
	Encrypter secret.Encrypter
	// Getenv reads the environment for passwordFrom env:VAR; nil means an empty environment.
	// Only variables named ACRGEN_* or listed in AllowEnv are ever read (see [EnvAllowed]).
	Getenv func(string) string
	// AllowEnv are the variables passwordFrom env: may read besides ACRGEN_*. They come from
	// whoever runs the function (a flag, the process environment), never from the
	// functionConfig, which is committed to the repository.
	AllowEnv []string
	// ReadFile reads passwordFrom file:PATH, a relative path without "..". It must confine the
	// read to the function's working directory (no symlink out of it) and refuse anything but a
	// regular file without blocking (a FIFO); nil means no file can be read.
	ReadFile func(name string) ([]byte, error)
	// Now is the clock for the SOPS lastmodified field; nil means time.Now.
	Now func() time.Time
	// Findings, when set, is given the run's findings once it is done (before its results are
	// written): what the results render, as data.
	Findings func([]finding.Finding)
}

// Processor returns the function: a framework.ResourceListProcessor that patches
// imagePullSecrets into the workloads of the items and ensures the encrypted pull Secret in
// every namespace that needs it. Problems become error results; when there is any, Process
// returns the results as its error, so that the function exits non-zero, as the KRM function
// specification requires (kyaml does not do this by itself).
func Processor(opts Options) framework.ResourceListProcessor {
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	if opts.ReadFile == nil {
		opts.ReadFile = func(name string) ([]byte, error) { return nil, fs.ErrNotExist }
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return framework.ResourceListProcessorFunc(func(rl *framework.ResourceList) error {
		cfg, res := DecodeConfig(rl.FunctionConfig)
		if len(res) > 0 {
			rl.Results = append(rl.Results, res...)
			return rl.Results
		}
		r := &run{cfg: cfg, opts: opts, rl: rl}
		if !cfg.Expires.IsZero() && !opts.Now().Before(cfg.Expires) {
			rl.Results = append(rl.Results, &framework.Result{Severity: framework.Error, ResourceRef: cfg.ref, Field: &framework.Field{Path: cfg.prefix + ".expires"},
				Message: "the expiry is in the past: give the expiry of a credential that is still valid"})
			return rl.Results
		}
		r.process()
		if r.cred != nil {
			clear(r.cred.Password)
		}
		if opts.Findings != nil {
			opts.Findings(r.findings())
		}
		rl.Results = append(rl.Results, r.results()...)
		rl.Results = append(rl.Results, r.summary())
		if rl.Results.ExitCode() != 0 {
			return rl.Results
		}
		return nil
	})
}

// EnvPrefix is the prefix of the environment variables passwordFrom env: may always read.
const EnvPrefix = "ACRGEN_"

// AllowEnvVariable is the variable of the function's process that lists, comma-separated, more
// variables passwordFrom env: may read (the CLI's acrgen fn --allow-env).
const AllowEnvVariable = "ACRGEN_FN_ALLOW_ENV"

// EnvAllowed reports whether passwordFrom env:name may be read: name starts with [EnvPrefix], or
// the runner allowed it.
func EnvAllowed(name string, allowed []string) bool {
	return strings.HasPrefix(name, EnvPrefix) || slices.Contains(allowed, name)
}

// readCredential reads the configured credential. It returns nil and the reason when none
// is available; an error is a source that exists but cannot be used.
func (r *run) readCredential() (*secret.Credential, string, error) {
	c := r.cfg
	switch {
	case c.Username == "":
		return nil, "no username and passwordFrom in the functionConfig", nil
	case c.Password.Env != "" && !EnvAllowed(c.Password.Env, r.opts.AllowEnv):
		return nil, "", fmt.Errorf("env:%[1]s is not allowed: the function reads only variables named %[2]s* or allowed by its runner (acrgen fn --allow-env %[1]s, or %[3]s=%[1]s in its environment); a committed config may not choose which of the runner's variables it reads", c.Password.Env, EnvPrefix, AllowEnvVariable)
	case c.Password.Env != "":
		v := r.opts.Getenv(c.Password.Env)
		if v == "" {
			return nil, fmt.Sprintf("the environment variable %s (passwordFrom) is not set", c.Password.Env), nil
		}
		pw, err := secret.ReadPassword(strings.NewReader(v))
		if err != nil {
			return nil, "", fmt.Errorf("reading the environment variable %s: %v", c.Password.Env, err)
		}
		return &secret.Credential{Username: c.Username, Password: pw}, "", nil
	default:
		name := finding.Quote(c.Password.File) // from the committed config
		raw, err := r.opts.ReadFile(c.Password.File)
		defer clear(raw)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Sprintf("the password file %s (passwordFrom) does not exist", name), nil
		}
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, "", fmt.Errorf("reading the password file %s: %v", name, err)
		}
		b, err := secret.ReadPassword(bytes.NewReader(raw))
		if err != nil {
			return nil, "", fmt.Errorf("reading the password file %s: %v", name, err)
		}
		if len(b) == 0 {
			return nil, "", fmt.Errorf("the password file %s is empty", name)
		}
		return &secret.Credential{Username: c.Username, Password: b}, "", nil
	}
}
