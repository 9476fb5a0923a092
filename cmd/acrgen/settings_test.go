package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/fn"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The CLI flags and the function config decide the same settings with the same validator:
// one bad value gives the same message on both sides, the CLI naming the flag and the
// function the field.
func TestSettingsSameErrorCLIAndFunction(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	for _, tc := range []struct {
		name      string
		flags     []string // after check DIR
		spec      string   // the functionConfig's spec
		flag      string
		field     string // the function's field path
		wantInMsg string
	}{
		{"bad registry", []string{"-r", "myregistry.azurecr.io/app"}, "registries: [myregistry.azurecr.io/app]",
			"--registry", "spec.registries[0]", "without a repository path"},
		{"blank registries", []string{"-r", " , "}, "registries: [' ', '']",
			"--registry", "spec.registries", "required: the login servers"},
		{"unknown cloud", []string{"-r", "myregistry", "--cloud", "Mars"}, "registries: [myregistry]\n  cloud: Mars",
			"--cloud", "spec.cloud", `unknown cloud "Mars": want AzureCloud, AzureChinaCloud or AzureUSGovernment`},
		{"bad secret name", []string{"-r", "myregistry", "--secret-name", "../x"}, "registries: [myregistry]\n  secretName: ../x",
			"--secret-name", "spec.secretName", `"../x" is not a valid Secret name`},
		{"long secret name", []string{"-r", "myregistry", "--secret-name", strings.Repeat("a", 183)}, "registries: [myregistry]\n  secretName: " + strings.Repeat("a", 183),
			"--secret-name", "spec.secretName", "bytes long: at most 182"},
		{"bad namespace", []string{"-r", "myregistry", "-n", "prod", "-n", "Apps"}, "registries: [myregistry]\n  namespaces: [prod, Apps]",
			"--namespace", "spec.namespaces[1]", `"Apps" is not a valid namespace`},
		{"bad workload", []string{"-r", "myregistry", "--workload", "Rollout"}, "registries: [myregistry]\n  workloads: [Rollout]",
			"--workload", "spec.workloads[0]", `workload kind "Rollout": want KIND.GROUP=FIELD.PATH`},
		{"bad expiry", []string{"-r", "myregistry", "--expires", "tomorrow"}, "registries: [myregistry]\n  expires: tomorrow",
			"--expires", "spec.expires", `"tomorrow": want RFC 3339 (2027-01-31T00:00:00Z) or YYYY-MM-DD`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := "check"
			if tc.flag == "--expires" {
				cmd = "render" // the only command with --expires
			}
			r := acrgen(t, "", nil, append([]string{cmd, dir}, tc.flags...)...)
			prefix := "acrgen: error: " + tc.flag + ": "
			if r.code != exitUsage || !strings.HasPrefix(r.stderr, prefix) {
				t.Fatalf("CLI: want exit 2 and %q, got %d\n%s", prefix, r.code, r.stderr)
			}
			cliMsg := strings.TrimSuffix(strings.TrimPrefix(r.stderr, prefix), "\n")

			fc, err := yaml.Parse("apiVersion: " + fn.APIVersion + "\nkind: " + fn.Kind + "\nmetadata:\n  name: x\nspec:\n  " + tc.spec + "\n")
			if err != nil {
				t.Fatal(err)
			}
			cfg, res := fn.DecodeConfig(fc)
			if cfg != nil || len(res) != 1 || res[0].Field == nil || res[0].Field.Path != tc.field {
				t.Fatalf("function: want one error at %s, got %v", tc.field, res)
			}
			if fnMsg := res[0].Message; fnMsg != cliMsg {
				t.Errorf("the same value, two messages:\nCLI:      %s\nfunction: %s", cliMsg, fnMsg)
			}
			if !strings.Contains(cliMsg, tc.wantInMsg) {
				t.Errorf("message %q: want %q in it", cliMsg, tc.wantInMsg)
			}
		})
	}
}

// provision checks its settings, the registry's name among them, before Azure is asked
// anything, with the same messages as render.
func TestProvisionSettingsBeforeAzure(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-r", "myregistry.azurecr.io/app"}, "acrgen: error: --registry: registry \"myregistry.azurecr.io/app\": want a login server such as myregistry.azurecr.io, without a repository path\n"},
		{[]string{"-r", "myregistry", "--max-file-size", "0"}, "acrgen: error: --max-file-size: must be at least 1 (bytes), got 0\n"},
		{[]string{"-r", "myregistry", "--workload", "Rollout"}, "acrgen: error: --workload: workload kind \"Rollout\": want KIND.GROUP=FIELD.PATH, e.g. Rollout.argoproj.io=spec.template.spec\n"},
		// The registry is checked against the cloud's own suffix, as render checks it.
		{[]string{"--cloud", "AzureChinaCloud", "-r", "myreg.azurecr.cn/app"}, "acrgen: error: --registry: registry \"myreg.azurecr.cn/app\": want a login server such as myregistry.azurecr.cn, without a repository path\n"},
	} {
		r := acrgen(t, "", nil, append([]string{"provision", dir, "--subscription", "00000000-0000-0000-0000-000000000000"}, tc.args...)...)
		if r.code != exitUsage || r.stderr != tc.want {
			t.Errorf("%q: want exit 2 and %q, got %d\n%s", tc.args, tc.want, r.code, r.stderr)
		}
	}
}
