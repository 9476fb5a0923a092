package engine

import (
	"time"

	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/encrypt"
)

// Encrypter finds the SOPS keys a Secret file is encrypted for. The CLI uses [SOPS]; tests
// pass a fake, so the engine's decisions are tested without keys or ciphertext.
type Encrypter interface {
	Config(path string, r encrypt.Recipients) (Sealer, error)
}

// Sealer encrypts for one file's keys: what the engine needs of an [encrypt.Config].
type Sealer interface {
	Encrypt(plain []byte, now time.Time) ([]byte, error)
	// Sync re-encrypts existing when its plaintext (or, with plain nil, its keys) changed.
	Sync(existing, plain []byte, now time.Time) ([]byte, bool, error)
	SameRecipients(info encrypt.Info) bool
	// Source is the .sops.yaml whose rule chose the keys; "" when the flags gave them.
	Source() string
}

// SOPS is the Encrypter that uses pkg/encrypt: .sops.yaml creation rules and real keys.
type SOPS struct {
	// Top is where the search for .sops.yaml stops ([encrypt.ConfigFor]); "" means the
	// filesystem root, as for the sops CLI.
	Top string
}

// sopsTop is where a run's search for .sops.yaml stops: with --source-root, the directory
// that holds the DIRs and the source root (the one the run locks); else the git top level of
// the first DIR; outside git, nowhere short of the filesystem root, as for the sops CLI.
func sopsTop(opts Options) (string, error) {
	dirs := opts.Dirs
	if len(dirs) == 0 {
		dirs = []string{opts.Dir}
	}
	if opts.SourceRoot != "" {
		return tree.LockRoot(dirs, opts.SourceRoot)
	}
	top, _ := tree.GitTop(dirs[0])
	return top, nil
}

// Config returns the keys for path, from r or else the matching .sops.yaml creation rule.
func (s SOPS) Config(path string, r encrypt.Recipients) (Sealer, error) {
	c, err := encrypt.ConfigFor(path, s.Top, r)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return c, nil
}
