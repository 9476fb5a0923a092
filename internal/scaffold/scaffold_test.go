package scaffold

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const (
	recipient = "age1tx96jkhar65v2mj9eh80p9yx6pe2p70xdkzn4yhsukm5fv64w5xsfsc3x9"
	vaultKey  = "https://myvault.vault.azure.net/keys/sops/0123456789abcdef0123456789abcdef"
)

// TestRenderGolden: what init writes, for an age recipient and for an Azure Key Vault key.
// `go test ./internal/scaffold -update` rewrites testdata/golden/; review the diff.
func TestRenderGolden(t *testing.T) {
	for name, o := range map[string]Options{
		"age":      {Registry: "myregistry", Age: []string{recipient}, Version: "v1.2.3"},
		"azure-kv": {Registry: "myregistry.azurecr.io", AzureKV: []string{vaultKey}, Path: "clusters/prod/apps", SecretName: "regcred", Version: "dev"},
		"argocd":   {Registry: "myregistry", Age: []string{recipient}, Version: "v1.2.3", ArgoCD: true, RepoURL: "https://github.com/example/gitops.git"},
	} {
		t.Run(name, func(t *testing.T) {
			files, err := Render(o)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join("testdata", "golden", name)
			for _, f := range files {
				var v any
				if err := yaml.Unmarshal(f.Data, &v); err != nil {
					t.Errorf("%s is not YAML: %v", f.Path, err)
				}
				golden := filepath.Join(dir, filepath.FromSlash(f.Path))
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, f.Data, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run with -update)", err)
				}
				if string(want) != string(f.Data) {
					t.Errorf("%s differs from %s:\n%s", f.Path, golden, f.Data)
				}
			}
		})
	}
}

// Bad input is refused with a message naming the flag, before anything is rendered.
func TestRenderRefusesBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		o    Options
		want string
	}{
		"no registry":          {Options{Age: []string{recipient}}, "--registry is required"},
		"short name":           {Options{Registry: "acr", Age: []string{recipient}}, "5 to 50"},
		"name with dash":       {Options{Registry: "my-registry", Age: []string{recipient}}, "5 to 50"},
		"url":                  {Options{Registry: "https://myregistry.azurecr.io", Age: []string{recipient}}, "--registry"},
		"repository path":      {Options{Registry: "myregistry.azurecr.io/app", Age: []string{recipient}}, "--registry"},
		"yaml injection":       {Options{Registry: "myregistry.azurecr.io\n  evil: x", Age: []string{recipient}}, "--registry"},
		"no recipient":         {Options{Registry: "myregistry"}, "a recipient is required"},
		"age private key":      {Options{Registry: "myregistry", Age: []string{"AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"}}, "given a private key"},
		"age typo":             {Options{Registry: "myregistry", Age: []string{recipient + "x"}}, "not an age recipient"},
		"kv http":              {Options{Registry: "myregistry", AzureKV: []string{strings.Replace(vaultKey, "https", "http", 1)}}, "not a Key Vault key URL"},
		"kv secret not key":    {Options{Registry: "myregistry", AzureKV: []string{"https://myvault.vault.azure.net/secrets/x"}}, "not a Key Vault key URL"},
		"path escapes":         {Options{Registry: "myregistry", Age: []string{recipient}, Path: "../apps"}, "--path"},
		"absolute path":        {Options{Registry: "myregistry", Age: []string{recipient}, Path: "/apps"}, "--path"},
		"upper-case secret":    {Options{Registry: "myregistry", Age: []string{recipient}, SecretName: "ACR"}, "--secret-name"},
		"secret with slashes":  {Options{Registry: "myregistry", Age: []string{recipient}, SecretName: "a/b"}, "--secret-name"},
		"argocd without url":   {Options{Registry: "myregistry", Age: []string{recipient}, ArgoCD: true}, "--argocd needs --repo-url"},
		"argocd url injection": {Options{Registry: "myregistry", Age: []string{recipient}, ArgoCD: true, RepoURL: "https://github.com/x/y.git\n    path: /etc"}, "--repo-url"},
		"argocd bad namespace": {Options{Registry: "myregistry", Age: []string{recipient}, ArgoCD: true, RepoURL: "git@github.com:x/y.git", Namespace: "Apps"}, "--namespace"},
		"url without argocd":   {Options{Registry: "myregistry", Age: []string{recipient}, RepoURL: "https://github.com/x/y.git"}, "go with --argocd"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Render(tc.o)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an input error mentioning %q", err, tc.want)
			}
		})
	}
}

// Write refuses to overwrite anything without force, and then writes nothing at all.
func TestWriteNeverOverwritesWithoutForce(t *testing.T) {
	files, err := Render(Options{Registry: "myregistry", Age: []string{recipient}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".pre-commit-config.yaml"), []byte("repos: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Write(dir, files, false)
	var ee *ExistsError
	if !errors.As(err, &ee) || len(ee.Paths) != 1 || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("got %v, want a refusal naming .pre-commit-config.yaml and --force", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("a refused init wrote files: %v", entries)
	}
	written, err := Write(dir, files, true)
	if err != nil || len(written) != len(files) {
		t.Fatalf("with force: %v, %d written", err, len(written))
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ".pre-commit-config.yaml")); !strings.Contains(string(b), "acrgen-check") {
		t.Fatalf("--force did not replace the file:\n%s", b)
	}
}

// --force replaces a symlink instead of writing through it to a file outside the repository.
func TestWriteForceReplacesSymlinks(t *testing.T) {
	files, err := Render(Options{Registry: "myregistry", Age: []string{recipient}})
	if err != nil {
		t.Fatal(err)
	}
	dir, outside := t.TempDir(), filepath.Join(t.TempDir(), "elsewhere.yaml")
	if err := os.WriteFile(outside, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, ".sops.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, files, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "keep me\n" {
		t.Fatalf("init wrote through a symlink to %s:\n%s", outside, b)
	}
	if fi, err := os.Lstat(filepath.Join(dir, ".sops.yaml")); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf(".sops.yaml is not a regular file after --force: %v", err)
	}
}

// The next commands carry a non-default secret name, so that they check what init configured.
func TestNextStepsKeepTheSecretName(t *testing.T) {
	got := NextSteps("repo", Options{Registry: "myregistry", Age: []string{recipient}, Path: "apps", SecretName: "regcred"})
	if !strings.Contains(got, "acrgen check repo/apps --registry myregistry --secret-name regcred\n") {
		t.Fatalf("next steps:\n%s", got)
	}
	if got := NextSteps("repo", Options{Registry: "myregistry", Age: []string{recipient}, Path: "apps", SecretName: "acr-secret"}); strings.Contains(got, "--secret-name") {
		t.Fatalf("the default secret name is spelled out:\n%s", got)
	}
}
