// Package scaffold renders and writes the files `acrgen init` gives a repository: a .sops.yaml,
// a kustomization directory with an ACRPullSecret function config, a Flux Kustomization that
// decrypts with SOPS, a pre-commit configuration, a CI workflow and a two-job credential
// rotation workflow (rotate opens a pull request; retire runs after merge). Rendering is pure; [Write]
// is the only function that touches the filesystem.
package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"filippo.io/age"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
	"github.com/acrgen/acrgen/pkg/settings"
	"github.com/acrgen/acrgen/templates"
)

// Options are what init fills the templates with. None of them is a credential.
type Options struct {
	// Registry is the registry workloads pull from: a bare Azure registry name or a login server.
	Registry string
	// Age and AzureKV are the SOPS recipients: age X25519 recipients and Azure Key Vault key URLs.
	Age, AzureKV []string
	// Path is the kustomization directory, relative to the repository root; default "apps".
	Path string
	// SecretName is the pull Secret's name; default "acr-secret".
	SecretName string
	// Version is acrgen's version; a release tag pins the pre-commit hook and the CI install.
	Version string
	// ArgoCD scaffolds for Argo CD instead of Flux: an Application that applies Path, and a KSOPS
	// generator there that decrypts the pull Secret in Argo CD's repo-server; no Flux
	// Kustomization nor function config.
	ArgoCD bool
	// RepoURL is the URL Argo CD clones the repository from; required with ArgoCD.
	RepoURL string
	// Namespace is the Application's destination namespace; default: the name of Path.
	Namespace string
}

// File is one scaffolded file.
type File struct {
	// Path is slash-separated, relative to the repository root.
	Path string
	Data []byte
}

// InputError is an invalid option; the CLI exits 2 on it.
type InputError struct{ msg string }

func (e *InputError) Error() string { return e.msg }

func inputErr(format string, args ...any) error { return &InputError{fmt.Sprintf(format, args...)} }

var (
	azureRegistryName = regexp.MustCompile(`^[a-zA-Z0-9]{5,50}$`)
	safePath          = regexp.MustCompile(`^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$`)
	keyVaultKeyPath   = regexp.MustCompile(`^/keys/[A-Za-z0-9-]{1,127}(/[0-9a-fA-F]{32})?$`)
	gitURL            = regexp.MustCompile(`^(https://|ssh://|git@)[A-Za-z0-9._~:/@%+-]+$`)
	releaseTag        = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
)

// validate checks every option and fills in the defaults.
func (o *Options) validate() error {
	if o.Path == "" {
		o.Path = "apps"
	}
	if o.SecretName == "" {
		o.SecretName = "acr-secret"
	}
	if o.Registry == "" {
		return inputErr("--registry is required: the Azure Container Registry workloads pull from, e.g. myregistry")
	}
	if !strings.ContainsAny(o.Registry, ".:/") && !azureRegistryName.MatchString(o.Registry) {
		return inputErr("--registry %q is not an Azure Container Registry name (5 to 50 letters and digits) or a login server such as myregistry.azurecr.io", o.Registry)
	}
	if _, err := settings.ParseLoginServer(o.Registry, ""); err != nil || strings.Contains(o.Registry, "://") {
		return inputErr("--registry %q: want a registry name or a login server such as myregistry.azurecr.io", o.Registry)
	}
	o.Age, o.AzureKV = settings.SplitList(o.Age), settings.SplitList(o.AzureKV)
	if len(o.Age) == 0 && len(o.AzureKV) == 0 {
		return inputErr("a recipient is required: --age RECIPIENT (age1...) or --azure-kv URL (https://VAULT.vault.azure.net/keys/KEY/VERSION)")
	}
	for _, r := range o.Age {
		if strings.HasPrefix(strings.ToUpper(r), "AGE-SECRET-KEY-") {
			return inputErr("--age was given a private key: give the public key `age-keygen -y KEYFILE` prints (age1...), and keep the private key out of the repository and of command lines")
		}
		if _, err := age.ParseX25519Recipient(r); err != nil {
			return inputErr("--age %q is not an age recipient (age1...): give the public key `age-keygen -y KEYFILE` prints, never the private key", r)
		}
	}
	for _, k := range o.AzureKV {
		u, err := url.Parse(k)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || !keyVaultKeyPath.MatchString(u.Path) {
			return inputErr("--azure-kv %q is not a Key Vault key URL: want https://VAULT.vault.azure.net/keys/KEY[/VERSION]", k)
		}
	}
	if !safePath.MatchString(o.Path) || path.Clean(o.Path) != o.Path || strings.HasPrefix(o.Path, "..") || o.Path == "." {
		return inputErr("--path %q: want a relative directory inside the repository, such as apps or clusters/prod/apps", o.Path)
	}
	if err := secret.ValidateName(o.SecretName); err != nil {
		return inputErr("--secret-name: %v", err)
	}
	return o.validateArgoCD()
}

// validateArgoCD checks the options of an Argo CD scaffold.
func (o *Options) validateArgoCD() error {
	if !o.ArgoCD {
		if o.RepoURL != "" || o.Namespace != "" {
			return inputErr("--repo-url and --namespace go with --argocd")
		}
		return nil
	}
	if o.RepoURL == "" {
		return inputErr("--argocd needs --repo-url: the URL Argo CD clones this repository from, e.g. https://github.com/ORG/REPO.git")
	}
	if !gitURL.MatchString(o.RepoURL) {
		return inputErr("--repo-url %q is not a git repository URL such as https://github.com/ORG/REPO.git or git@github.com:ORG/REPO.git", o.RepoURL)
	}
	if o.Namespace == "" {
		o.Namespace = fluxName(path.Base(o.Path))
	}
	if err := manifest.ValidateNamespace(o.Namespace); err != nil {
		return inputErr("--namespace: %v", err)
	}
	return nil
}

// Render validates the options and returns the files to write, in a fixed order.
func Render(o Options) ([]File, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	rev := "main" // pre-commit and go install take a branch where there is no release tag
	if releaseTag.MatchString(o.Version) {
		rev = o.Version
	}
	decryption := "sops-age"
	if len(o.Age) == 0 {
		decryption = "sops-azure"
	}
	data := map[string]any{
		"Registry":         o.Registry,
		"Age":              strings.Join(o.Age, ","),
		"AgeList":          o.Age,
		"AzureKV":          strings.Join(o.AzureKV, ","),
		"AzureKVList":      o.AzureKV,
		"Path":             o.Path,
		"SecretName":       o.SecretName,
		"SecretNameRegex":  regexp.QuoteMeta(o.SecretName),
		"Rev":              rev,
		"FluxName":         fluxName(o.Path),
		"FluxFile":         FluxFile,
		"DecryptionSecret": decryption,
		"ArgoCD":           o.ArgoCD,
		"RepoURL":          o.RepoURL,
		"Namespace":        o.Namespace,
		"AppName":          fluxName(o.Path),
		"AppFile":          o.appFile(),
		"KSOPSFile":        o.SecretName + ".ksops.yaml",
		"CheckDir":         o.Path,
		"CheckArgs":        "",
	}
	files := []struct{ path, tmpl string }{
		{".sops.yaml", "sops.yaml.tmpl"},
		{o.Path + "/kustomization.yaml", "kustomization.yaml.tmpl"},
	}
	if o.ArgoCD {
		// check follows the Application, so that what it changes (kustomize overrides added
		// later, the destination namespace) is seen.
		data["CheckDir"], data["CheckArgs"] = path.Dir(o.appFile()), " --repo-url "+o.RepoURL
		files = append(files,
			struct{ path, tmpl string }{o.Path + "/" + o.SecretName + ".ksops.yaml", "ksops-generator.yaml.tmpl"},
			struct{ path, tmpl string }{o.appFile(), "argocd-application.yaml.tmpl"})
	} else {
		files = append(files,
			struct{ path, tmpl string }{o.Path + "/acr-pull-secret.yaml", "acr-pull-secret.yaml.tmpl"},
			struct{ path, tmpl string }{FluxFile, "flux-kustomization.yaml.tmpl"})
	}
	files = append(files, []struct{ path, tmpl string }{
		{".pre-commit-config.yaml", "pre-commit-config.yaml.tmpl"},
		{".github/workflows/acrgen.yaml", "workflow.yaml.tmpl"},
		{".github/workflows/acrgen-rotation.yaml", "rotate-workflow.yaml.tmpl"},
	}...)
	var out []File
	for _, f := range files {
		t, err := template.New(f.tmpl).Option("missingkey=error").ParseFS(templates.FS, f.tmpl)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", f.tmpl, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return nil, fmt.Errorf("template %s: %w", f.tmpl, err)
		}
		out = append(out, File{Path: f.path, Data: b.Bytes()})
	}
	return out, nil
}

// FluxFile is where the Flux Kustomization goes, relative to the repository root.
const FluxFile = "flux/acrgen-apps.yaml"

// appFile is where the Argo CD Application goes, relative to the repository root.
func (o *Options) appFile() string { return "argocd/" + fluxName(o.Path) + ".yaml" }

// fluxName names the Flux Kustomization after the directory it applies.
func fluxName(p string) string {
	n := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(p), "-"), "-")
	if n == "" {
		return "apps"
	}
	return n
}

// ExistsError lists the files [Write] refused to overwrite.
type ExistsError struct{ Paths []string }

func (e *ExistsError) Error() string {
	return "refusing to overwrite " + strings.Join(e.Paths, ", ") + ": move them away, or run again with --force to replace them"
}

// Write writes files below dir. Unless force is set, it first checks that none of them
// exists, and writes nothing if one does. It returns the paths written.
func Write(dir string, files []File, force bool) ([]string, error) {
	var exist []string
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if _, err := os.Lstat(p); err == nil {
			exist = append(exist, p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	if len(exist) > 0 && !force {
		return nil, &ExistsError{Paths: exist}
	}
	var written []string
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return written, err
		}
		// Replace, never write through: an existing symlink must not send the file elsewhere.
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return written, err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	return written, nil
}

// NextSteps is what to run after init, with dir as the user named it.
func NextSteps(dir string, o Options) string {
	if o.ArgoCD {
		return argoNextSteps(dir, o)
	}
	apps := filepath.Join(dir, filepath.FromSlash(o.Path))
	reg := registryArgs(o)
	var b strings.Builder
	fmt.Fprintf(&b, "next:\n")
	fmt.Fprintf(&b, "  # put your manifests in %s and list them: (cd %s && kustomize edit add resource FILE...)\n", apps, apps)
	fmt.Fprintf(&b, "  acrgen provision %s --registry %s --sp-name acr-pull   # or: acrgen render %s --registry %s --username APPID --password-stdin\n", apps, reg, apps, reg)
	fmt.Fprintf(&b, "  acrgen check %s --registry %s\n", apps, reg)
	fmt.Fprintf(&b, "  kustomize build %s\n", apps)
	fmt.Fprintf(&b, "  (cd %s && pre-commit install)\n", dir)
	if len(o.Age) > 0 {
		fmt.Fprintf(&b, "  kubectl -n flux-system create secret generic sops-age --from-file=age.agekey=KEYFILE   # the private key, never committed\n")
	} else {
		fmt.Fprintf(&b, "  kubectl -n flux-system create secret generic sops-azure --from-file=sops.azure-kv=azure-kv.yaml\n")
	}
	fmt.Fprintf(&b, "  # then commit, and add %s to your Flux cluster configuration\n", filepath.Join(dir, FluxFile))
	return b.String()
}

// registryArgs is the registry for the next commands, with --secret-name when it is not the
// default.
func registryArgs(o Options) string {
	if o.SecretName != "" && o.SecretName != "acr-secret" {
		return o.Registry + " --secret-name " + o.SecretName
	}
	return o.Registry
}

// argoNextSteps is what to run after init --argocd.
func argoNextSteps(dir string, o Options) string {
	apps := filepath.Join(dir, filepath.FromSlash(o.Path))
	argo := filepath.Join(dir, filepath.FromSlash(path.Dir(o.appFile())))
	reg := registryArgs(o)
	var b strings.Builder
	fmt.Fprintf(&b, "next:\n")
	fmt.Fprintf(&b, "  # put your manifests in %s and list them: (cd %s && kustomize edit add resource FILE...)\n", apps, apps)
	fmt.Fprintf(&b, "  acrgen render %s --registry %s --repo-url %s --username APPID --password-stdin   # or: acrgen provision %s --registry %s --sp-name acr-pull\n", argo, reg, o.RepoURL, apps, reg)
	fmt.Fprintf(&b, "  acrgen check %s --registry %s --repo-url %s\n", argo, reg, o.RepoURL)
	fmt.Fprintf(&b, "  kustomize build --enable-alpha-plugins --enable-exec %s   # with ksops on PATH and SOPS_AGE_KEY_FILE set\n", apps)
	fmt.Fprintf(&b, "  (cd %s && pre-commit install)\n", dir)
	fmt.Fprintf(&b, "  # Argo CD's repo-server needs ksops, the decryption key and kustomize.buildOptions: --enable-alpha-plugins --enable-exec (docs/argocd.md)\n")
	fmt.Fprintf(&b, "  # then commit, and apply %s to Argo CD\n", filepath.Join(dir, filepath.FromSlash(o.appFile())))
	return b.String()
}
