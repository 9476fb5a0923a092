package fn_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/pkg/encrypt"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/fn"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// notAlike are the golden cases whose input one front end cannot take the way the other does,
// and why.
var notAlike = map[string]string{
	"no-config":                  "no functionConfig: the CLI has no run without flags",
	"expires-past":               "a functionConfig error, as the CLI's flag error",
	"generator":                  "a kustomize generator call (no items): the CLI reads the kustomization's generator instead",
	"generator-namespaces":       "a kustomize generator call (no items)",
	"generator-existing":         "the items of a generator call",
	"kustomize-generated-secret": "a Secret kustomize made (needsHashSuffix): in a tree it is a secretGenerator entry",
	"kustomize-prefixed-secret":  "a Secret kustomize renamed (previousNames): in a tree it has its own name",
	"local-config-and-meta":      "package metadata (Kptfile, Kustomization objects) that a tree does not list as resources",
	"yaml-aliases":               "YAML aliases across items: files of a tree cannot share anchors",
	"username-mismatch":          "a configured username whose password cannot be read: the CLI takes --username only with the password",
	"plaintext-secret":           "the CLI encrypts a plaintext Secret in place without a credential; the function can only re-create it",
	"other-registry-replaced":    "its Secret's annotation was edited after encryption: the CLI, which decrypts, finds the MAC broken; the function never decrypts",
	"ksops-unlisted":             "a Secret no KSOPS generator lists is among the function's items; in a tree it is a file the build leaves out",
}

// findings the front ends report by design in one of them only: the function's notes on each
// workload that needs nothing (the CLI counts those in its verdict), and what only the CLI sees
// or does (the tree's files and kustomizations, decrypting a Secret, Flux objects).
var oneSided = map[finding.Code]bool{
	finding.PodHasSecret: true, finding.PodOutOfScope: true, finding.PodViaAccount: true, finding.AccountHasSecret: true,
	finding.SecretNotListed: true, finding.SecretCompareNoKey: true, finding.SecretOutside: true, finding.SecretReEncrypted: true,
	finding.Unmodelled: true, finding.FluxSkipped: true, finding.DecryptionMissing: true, finding.DecryptionKeyUnseen: true,
	finding.VariablesUnresolved: true,
}

// TestFindingsAgreeWithTheCLI runs the CLI's core (engine.Plan, as acrgen render runs it)
// and the function over the same inputs, the golden cases under testdata/: the function on the
// ResourceList, the CLI on a tree that holds its items, one file each, with the settings of the
// functionConfig as flags. Both must report the same findings: code, severity and object. When
// the CLI refuses the input (exit 2), the function must report a problem too.
func TestFindingsAgreeWithTheCLI(t *testing.T) {
	useTestKey(t)
	inputs, err := filepath.Glob(filepath.Join("testdata", "*", "input.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	t.Setenv("SOPS_AGE_KEY", "")
	for _, in := range inputs {
		dir := filepath.Dir(in)
		name := filepath.Base(dir)
		if why, ok := notAlike[name]; ok || strings.HasPrefix(name, "bad-") && !slices.Contains([]string{"bad-namespace", "bad-namespace-variable", "bad-custom-serviceaccount", "bad-helm-release-namespace"}, name) {
			if !ok {
				why = "a functionConfig error, as the CLI's flag errors"
			}
			t.Logf("%s: not compared: %s", name, why)
			continue
		}
		compared++
		t.Run(name, func(t *testing.T) { agree(t, dir) })
	}
	if compared < 40 {
		t.Errorf("only %d cases compared", compared)
	}
}

func agree(t *testing.T, dir string) {
	rl, err := yaml.Parse(caseInput(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	cfg, res := fn.DecodeConfig(rl.Field("functionConfig").Value)
	if len(res) > 0 {
		t.Fatalf("config: %v", res)
	}

	var fnFindings []finding.Finding
	opts := testOptions(dir)
	opts.Findings = func(fs []finding.Finding) { fnFindings = fs }
	var out bytes.Buffer
	err = framework.Execute(fn.Processor(opts), &kio.ByteReadWriter{Reader: strings.NewReader(caseInput(t, dir)), Writer: &out, KeepReaderAnnotations: true})
	var results framework.Results
	if err != nil && !errors.As(err, &results) {
		t.Fatalf("function: %v", err)
	}

	root := tree(t, dir, rl)
	eopts := engine.Options{Dir: root, Mode: engine.Render, Registries: cfg.Registries, SecretName: cfg.SecretName, Namespaces: cfg.Namespaces,
		Kinds: cfg.Kinds, ServiceAccount: cfg.ServiceAccount, Expires: cfg.Expires, Recipients: cfg.Recipients,
		Encrypter: encrypt.SOPS{}, Now: func() time.Time { return testNow }}
	eopts.Credential = credential(dir, cfg)
	plan, err := engine.Plan(eopts)
	if err != nil {
		if !slices.ContainsFunc(fnFindings, func(f finding.Finding) bool { return f.Severity == finding.Problem }) {
			t.Errorf("the CLI refuses the input (%v), the function reports no problem:\n%s", err, keys(fnFindings))
		}
		return
	}
	if d := cmp.Diff(keys(plan.Findings), keys(fnFindings)); d != "" {
		t.Errorf("findings differ (-CLI +function):\n%s", d)
	}
}

// keys are the findings that both front ends report, each as code, severity and object, sorted.
func keys(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		if oneSided[f.Code] || f.Code == finding.SecretError && f.Object.IsZero() {
			continue // the function's config errors are the CLI's flag errors
		}
		o := f.Object
		out = append(out, fmt.Sprintf("%s %s %s %s/%s", f.Code, f.Severity, o.Kind, o.Namespace, o.Name))
	}
	slices.Sort(out)
	return out
}
