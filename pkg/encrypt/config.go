package encrypt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/config"
)

// encryptedRegex selects the values that are encrypted: those under data and stringData.
// Everything else (apiVersion, kind, metadata, type) stays readable for kustomize and Flux.
const encryptedRegex = "^(data|stringData)$"

// Config says how one output file is encrypted: key groups, shamir threshold,
// mac_only_encrypted, yaml indent. Build it with ConfigFor. Its methods never modify it: each
// operation encrypts with its own fresh copies of the keys, so nothing is shared between files.
type Config struct {
	// groups are templates: every operation encrypts with fresh copies (cloneGroups).
	groups  []sops.KeyGroup
	shamir  int
	macOnly bool
	indent  int
	// source is the .sops.yaml whose rule gave the keys; "" when they came from flags.
	source string
}

// ConfigFor resolves the encryption config for the file at path (absolute path of the output
// file; a relative path is made absolute against the working directory).
//
// Non-empty flags win (one key group, like the sops CLI); otherwise it finds .sops.yaml by
// walking up from the file's directory, as the sops CLI does, but never above top, the
// repository's top level: a .sops.yaml above the repository is not the repository's to choose
// its recipients. top "" (outside any repository) walks up to the filesystem root, as the sops
// CLI. A .sops.yaml that is a symlink leading out of top, or not a regular file, is an error. It
// uses the creation rule that matches the path, exactly as the sops CLI picks it (first match,
// path relative to the .sops.yaml dir). [Config.Source] says which .sops.yaml chose.
//
// The encrypted_regex is always ^(data|stringData)$ (never the CLI's _unencrypted default,
// which would encrypt kind/metadata and break kustomize); any suffix or regex setting of the
// rule is ignored. mac_only_encrypted, shamir_threshold, key_groups and stores.yaml.indent come
// from the config file when present; with flags, only mac_only_encrypted (from the matching
// rule, if any) and the indent are taken from it, but a .sops.yaml that cannot be loaded (bad
// regex, bad key) is an error even then, as with the sops CLI.
//
// No rule / no .sops.yaml and no flags -> a [*NoKeysError] naming the file; the caller says
// how its users give recipients (flags, functionConfig fields).
//
// Network: an Azure Key Vault URL without a version, in flags or in the matching rule, makes
// sops ask Key Vault for the latest version here (Azure default credential, no timeout of ours).
// Other key types need no network until Encrypt.
func ConfigFor(path, top string, flags Recipients) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolve path %s: %w", path, err)
	}
	c := &Config{}

	var rule *config.Config
	confPath, err := findSopsConfig(abs, top)
	if err != nil {
		return nil, err
	}
	if confPath != "" {
		rule, err = config.LoadCreationRuleForFile(confPath, abs, nil)
		if err != nil && !isNoMatchingRule(err) {
			return nil, fmt.Errorf("load sops creation rule for %s from %s: %w", abs, confPath, err)
		}
		stores, err := config.LoadStoresConfig(confPath)
		if err != nil {
			return nil, fmt.Errorf("load sops stores config from %s: %w", confPath, err)
		}
		if stores.YAML.Indent < 0 {
			return nil, fmt.Errorf("%s: stores.yaml.indent must not be negative", confPath)
		}
		c.indent = stores.YAML.Indent
	}

	if !flags.Empty() {
		group, err := flags.keyGroup()
		if err != nil {
			return nil, err
		}
		c.groups = []sops.KeyGroup{group}
		if rule != nil {
			c.macOnly = rule.MACOnlyEncrypted
		}
		return c, nil
	}

	if rule == nil {
		where := "no .sops.yaml was found in its directory or " + searched(top)
		if confPath != "" {
			where = "no creation rule in " + confPath + " matches it"
		}
		return nil, &NoKeysError{Path: abs, Reason: where}
	}
	for _, g := range rule.KeyGroups {
		if len(g) > 0 {
			c.groups = append(c.groups, dedupGroup(g))
		}
	}
	if len(c.groups) == 0 || len(c.groups) != len(rule.KeyGroups) {
		return nil, &NoKeysError{Path: abs, Reason: "the matching creation rule in " + confPath + " has no keys (or an empty key group)", RuleWithoutKeys: true}
	}
	if rule.ShamirThreshold < 0 || (len(c.groups) > 1 && (rule.ShamirThreshold == 1 || rule.ShamirThreshold > len(c.groups))) {
		return nil, fmt.Errorf("cannot encrypt %s: shamir_threshold %d in %s does not fit %d key groups (it must be between 2 and the number of groups)", abs, rule.ShamirThreshold, confPath, len(c.groups))
	}
	c.shamir = rule.ShamirThreshold
	c.macOnly = rule.MACOnlyEncrypted
	c.source = confPath
	return c, nil
}

// Source is the .sops.yaml whose creation rule chose the recipients, or "" when they came from
// the caller's flags.
func (c *Config) Source() string { return c.source }

// findSopsConfig returns the nearest .sops.yaml at or above the directory of the file at abs,
// up to top (inclusive; "" is the filesystem root), or "" if there is none. It walks up abs as
// written, as sops does (so that a rule's path_regex sees the same relative path), and stops
// where a directory, its symlinks resolved, is no longer inside top.
func findSopsConfig(abs, top string) (string, error) {
	stop := ""
	if top != "" {
		var err error
		if stop, err = realDir(top); err != nil {
			return "", err
		}
	}
	for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
		real, err := filepath.EvalSymlinks(d)
		switch {
		case err == nil && stop != "" && !within(stop, real):
			return "", nil // above top
		case err == nil:
			if p, err := sopsConfigIn(d, stop); p != "" || err != nil {
				return p, err
			}
			if real == stop {
				return "", nil
			}
		case !errors.Is(err, fs.ErrNotExist):
			return "", err
		}
		if filepath.Dir(d) == d {
			return "", nil
		}
	}
}

// sopsConfigIn returns dir's .sops.yaml, "" if it has none. It must be a regular file, and
// inside stop (unless "") once its symlinks are resolved.
func sopsConfigIn(dir, stop string) (string, error) {
	p := filepath.Join(dir, ".sops.yaml")
	if _, err := os.Lstat(p); err != nil {
		return "", nil
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil || stop != "" && !within(stop, real) {
		return "", fmt.Errorf("%s is a symlink that leads out of %s: acrgen takes recipients only from a .sops.yaml of the repository", p, stop)
	}
	if fi, err := os.Stat(real); err != nil || !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", p)
	}
	return p, nil
}

// searched says where the search for .sops.yaml went, for messages.
func searched(top string) string {
	if top == "" {
		return "any parent"
	}
	return "any parent up to " + top
}

// realDir is dir made absolute, its symlinks resolved.
func realDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// within reports whether p is root or lies under it (both clean and absolute).
func within(root, p string) bool {
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator))
}

// isNoMatchingRule recognises the error sops returns when no creation rule matches a file.
// sops has no sentinel for it; the test for ConfigFor pins the message.
func isNoMatchingRule(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no matching creation rules found")
}

// effectiveShamir is the number of key groups needed to decrypt.
func effectiveShamir(threshold, groups int) int {
	if groups <= 1 {
		return 1
	}
	if threshold == 0 {
		return groups
	}
	return threshold
}

// freshGroups returns new master keys for one operation.
func (c *Config) freshGroups() ([]sops.KeyGroup, error) {
	if c == nil || len(c.groups) == 0 {
		return nil, errors.New("encryption config has no keys: build it with ConfigFor")
	}
	return cloneGroups(c.groups)
}

// setSettings writes the encryption settings of c (which values are encrypted, which the MAC
// covers) into m, clearing any other rule a file may carry.
func (c *Config) setSettings(m *sops.Metadata) {
	m.UnencryptedSuffix = ""
	m.EncryptedSuffix = ""
	m.UnencryptedRegex = ""
	m.EncryptedRegex = encryptedRegex
	m.UnencryptedCommentRegex = ""
	m.EncryptedCommentRegex = ""
	m.MACOnlyEncrypted = c.macOnly
}

// sameSettings reports whether a file's encryption settings equal those c would write.
func (c *Config) sameSettings(m sops.Metadata) bool {
	return m.EncryptedRegex == encryptedRegex &&
		m.UnencryptedSuffix == "" && m.EncryptedSuffix == "" && m.UnencryptedRegex == "" &&
		m.UnencryptedCommentRegex == "" && m.EncryptedCommentRegex == "" &&
		m.MACOnlyEncrypted == c.macOnly
}

// sameKeyGroups reports whether a file's key groups and threshold equal those of c
// (order-insensitive within and across groups).
func (c *Config) sameKeyGroups(m sops.Metadata) bool {
	return groupsSignature(m.KeyGroups) == groupsSignature(c.groups) &&
		effectiveShamir(m.ShamirThreshold, len(m.KeyGroups)) == effectiveShamir(c.shamir, len(c.groups))
}

// NoKeysError is ConfigFor's answer when no recipient is given and no .sops.yaml creation
// rule supplies keys for the file.
type NoKeysError struct {
	// Path is the file that was to be encrypted.
	Path string
	// Reason says why no rule applies.
	Reason string
	// RuleWithoutKeys is true when a rule matches but lists no keys.
	RuleWithoutKeys bool
}

func (e *NoKeysError) Error() string { return "cannot encrypt " + e.Path + ": " + e.Reason }
