package main

import (
	"strings"
	"testing"
)

// hostileRL is a ResourceList whose functionConfig, as a pull request could commit it, reads
// the password from `from` and encrypts the Secret for recipient.
func hostileRL(recipient, from string) string {
	return `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: p
  spec:
    containers:
    - name: a
      image: myregistry.azurecr.io/a
functionConfig:
  apiVersion: acrgen.dev/v1alpha1
  kind: ACRPullSecret
  metadata:
    name: acr-pull-secret
  spec:
    registries: [myregistry]
    age: [` + recipient + `]
    username: ` + testUser + `
    passwordFrom: "` + from + `"
`
}

// A committed functionConfig cannot make the function read outside its package or read the
// runner's variables: each attack of issue 18 fails with an error result naming passwordFrom,
// and the output holds no Secret and no byte of what the attack was after.
func TestFunctionConfigCannotChooseWhatIsRead(t *testing.T) {
	_, attacker := ageKey(t)
	const ciSecret = "ghp_NOT-A-REAL-TOKEN-but-a-ci-secret"
	env := map[string]string{"GITHUB_TOKEN": ciSecret, "ACRGEN_PASSWORD": testPassword}
	for _, tc := range []struct{ from, want string }{
		{"file:/proc/self/environ", "must name a file inside the function's working directory"},
		{"file:../../.ssh/id_rsa", "must name a file inside the function's working directory"},
		{"file:testdata/../../../go.mod", "must name a file inside the function's working directory"},
		{`file:..\\..\\x`, "must name a file inside the function's working directory"},
		{"file:/dev/zero", "must name a file inside the function's working directory"},
		{"env:GITHUB_TOKEN", "env:GITHUB_TOKEN is not allowed: the function reads only variables named ACRGEN_* or allowed by its runner (acrgen fn --allow-env GITHUB_TOKEN, or ACRGEN_FN_ALLOW_ENV=GITHUB_TOKEN in its environment)"},
		{"env:HOME", "env:HOME is not allowed"},
	} {
		r := acrgen(t, hostileRL(attacker, tc.from), env, "fn")
		if r.code != 1 || !strings.Contains(r.stderr, "passwordFrom") || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("passwordFrom %s: want exit 1 naming passwordFrom and %q, got %d\n%s", tc.from, tc.want, r.code, r.stderr)
		}
		if strings.Contains(r.stdout, "kind: Secret") || strings.Contains(r.stdout+r.stderr, ciSecret) {
			t.Errorf("passwordFrom %s: the output holds a Secret or the runner's secret:\n%s", tc.from, r.stdout)
		}
	}
	// The runner, not the config, can allow a variable: by flag or in the function's environment.
	for _, tc := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"fn", "--allow-env", "GITHUB_TOKEN"}, env},
		{[]string{"fn"}, map[string]string{"GITHUB_TOKEN": ciSecret, "ACRGEN_FN_ALLOW_ENV": "OTHER,GITHUB_TOKEN"}},
	} {
		r := acrgen(t, hostileRL(attacker, "env:GITHUB_TOKEN"), tc.env, tc.args...)
		if r.code != 0 || !strings.Contains(r.stdout, "kind: Secret") || strings.Contains(r.stdout+r.stderr, ciSecret) {
			t.Errorf("%v with %v: want the Secret made from the allowed variable, got %d\n%s%s", tc.args, tc.env, r.code, r.stdout, r.stderr)
		}
	}
	// ACRGEN_* needs no allowing.
	if r := acrgen(t, hostileRL(attacker, "env:ACRGEN_PASSWORD"), env, "fn"); r.code != 0 || !strings.Contains(r.stdout, "kind: Secret") {
		t.Errorf("env:ACRGEN_PASSWORD: want the Secret, got %d\n%s", r.code, r.stderr)
	}
	// A variable holding control characters (what a file of several lines or the environment
	// block holds) is refused: no registry password has them.
	r := acrgen(t, hostileRL(attacker, "env:ACRGEN_PASSWORD"), map[string]string{"ACRGEN_PASSWORD": "a\x00HOME=/root"}, "fn")
	if r.code != 1 || !strings.Contains(r.stderr, "control character or NUL") || strings.Contains(r.stdout, "kind: Secret") || strings.Contains(r.stderr, "HOME=") {
		t.Errorf("a password with a NUL: want a refusal without the value, got %d\n%s", r.code, r.stderr)
	}
}
