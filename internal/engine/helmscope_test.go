package engine_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/pkg/finding"
)

// A HelmRelease whose release namespace is no namespace name (a ${VAR} nothing substituted)
// may release into a namespace the run works on: with --namespace, check still names its
// chart as unseen, as it does without --namespace, rather than leave it out and say ok.
func TestCheckNamesTheChartOfAReleaseInAnUnknownNamespace(t *testing.T) {
	dir := fakeTree(t)
	for name, body := range map[string]string{
		"kustomization.yaml": "resources:\n- pod.yaml\n- release.yaml\n",
		"release.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: tenant\n  namespace: flux-system\n" +
			"spec:\n  interval: 5m\n  targetNamespace: ${TENANT}\n  chartRef:\n    kind: OCIRepository\n    name: tenant\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, namespaces := range [][]string{nil, {"apps"}} {
		opts := renderOpts(dir, nil)
		opts.Mode, opts.Credential, opts.Namespaces = engine.Check, nil, namespaces
		res, err := engine.Plan(opts)
		if err != nil {
			t.Fatal(err)
		}
		seen := false
		for _, f := range res.Findings {
			seen = seen || f.Code == finding.ChartsUnseen
		}
		if !seen {
			t.Errorf("--namespace %v: no %s finding about HelmRelease tenant's chart: %+v", namespaces, finding.ChartsUnseen, res.Findings)
		}
	}
}
