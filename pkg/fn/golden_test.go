package fn_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/encrypt"
	"github.com/acrgen/acrgen/pkg/fn"
	"github.com/acrgen/acrgen/pkg/secret"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/fn/framework/command"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var update = flag.Bool("update", false, "rewrite each case's expected.yaml and errors.txt from the actual output (review the diff)")

// TestGolden runs every case under testdata/: config.yaml (the functionConfig; absent for the
// no-config case) and input.yaml (a ResourceList) in; expected.yaml (the whole output
// ResourceList, results included, ciphertext normalized) and errors.txt (the error results, one
// per line; absent when there are none) out. Around each case it checks what a golden cannot:
// no plaintext credential anywhere, encrypted Secrets passed through byte for byte, new Secrets
// that decrypt to the right credential, and a second run on the output that changes nothing.
func TestGolden(t *testing.T) {
	useTestKey(t)
	inputs, err := filepath.Glob(filepath.Join("testdata", "*", "input.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) < 30 {
		t.Fatalf("found %d golden cases, want at least 30", len(inputs))
	}
	for _, in := range inputs {
		dir := filepath.Dir(in)
		t.Run(filepath.Base(dir), func(t *testing.T) { runCase(t, dir) })
	}
}

func runCase(t *testing.T, dir string) {
	in := caseInput(t, dir)
	out, errText := execute(t, dir, in)
	checkNoPlaintext(t, out+errText)

	got := normalize(out)
	expPath, errPath := filepath.Join(dir, "expected.yaml"), filepath.Join(dir, "errors.txt")
	if *update {
		writeFile(t, expPath, got)
		if errText != "" {
			writeFile(t, errPath, errText)
		} else if err := os.Remove(errPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(expPath)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", expPath, diff)
	}
	wantErr, err := os.ReadFile(errPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(wantErr), errText); diff != "" {
		t.Errorf("error results differ from %s (-want +got):\n%s", errPath, diff)
	}

	checkPassThrough(t, in, out)
	checkNewSecrets(t, in, out)
	if errText == "" {
		checkSecondRun(t, dir, out)
	}
}

// caseInput is the case's input.yaml with config.yaml as its functionConfig.
func caseInput(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rl, err := yaml.Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := os.ReadFile(filepath.Join(dir, "config.yaml")); err == nil {
		fc, err := yaml.Parse(string(c))
		if err != nil {
			t.Fatal(err)
		}
		if err := rl.PipeE(yaml.SetField("functionConfig", fc)); err != nil {
			t.Fatal(err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return rl.MustString()
}

// execute runs the function as `acrgen fn` does and returns its output and its error results,
// one per line. Error results and a failed run must go together.
func execute(t *testing.T, dir, in string) (out, errText string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := command.Build(fn.Processor(testOptions(dir)), command.StandaloneDisabled, true)
	cmd.SetArgs([]string{})
	cmd.SetIn(strings.NewReader(in))
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	err := cmd.Execute()
	if stderr.Len() > 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
	results := resultsOf(t, stdout.String())
	var lines []string
	for _, r := range results {
		if r.Severity == framework.Error {
			lines = append(lines, r.String())
		}
	}
	var rerr framework.Results
	switch {
	case err == nil && len(lines) > 0:
		t.Errorf("the run succeeded with %d error result(s): it must fail", len(lines))
	case err != nil && !errors.As(err, &rerr):
		t.Errorf("the run failed without error results: %v", err)
	case err != nil && len(lines) == 0:
		t.Errorf("the run failed, but the output holds no error result: %v", err)
	}
	if len(results) == 0 || results[len(results)-1].Severity != framework.Info {
		if err == nil || len(results) != len(lines) {
			t.Errorf("the last result is not the info summary")
		}
	}
	if len(lines) > 0 {
		errText = strings.Join(lines, "\n") + "\n"
	}
	return stdout.String(), errText
}

func resultsOf(t *testing.T, out string) framework.Results {
	t.Helper()
	var rl struct {
		Results framework.Results `json:"results"`
	}
	if err := yaml.Unmarshal([]byte(out), &rl); err != nil {
		t.Fatalf("reading the output ResourceList: %v\n%s", err, out)
	}
	return rl.Results
}

func items(t *testing.T, rl string) []*yaml.RNode {
	t.Helper()
	n, err := yaml.Parse(rl)
	if err != nil {
		t.Fatal(err)
	}
	list, err := n.Pipe(yaml.Lookup("items"))
	if err != nil {
		t.Fatal(err)
	}
	if list == nil {
		return nil
	}
	its, err := list.Elements()
	if err != nil {
		t.Fatal(err)
	}
	return its
}

// checkNoPlaintext fails when the credential shows anywhere: the password, the docker auth
// value, or an unencrypted .dockerconfigjson.
func checkNoPlaintext(t *testing.T, s string) {
	t.Helper()
	auth := base64.StdEncoding.EncodeToString([]byte(testUsername + ":" + testPassword))
	for _, leak := range []string{testPassword, auth, ".dockerconfigjson: eyJ"} {
		if strings.Contains(s, leak) {
			t.Errorf("the output or an error holds the credential in plain text (%q)", leak)
		}
	}
}

// checkPassThrough: an encrypted item that the function kept (same sops MAC) is byte for byte
// the same.
func checkPassThrough(t *testing.T, in, out string) {
	t.Helper()
	outs := map[string]*yaml.RNode{}
	for _, it := range items(t, out) {
		outs[idOf(it)] = it
	}
	for _, it := range items(t, in) {
		mac := sopsMAC(it)
		if mac == "" {
			continue
		}
		o := outs[idOf(it)]
		if o == nil || sopsMAC(o) != mac {
			continue // replaced
		}
		if a, b := it.MustString(), o.MustString(); a != b {
			t.Errorf("%s was kept but changed:\n%s", idOf(it), cmp.Diff(a, b))
		}
	}
}

func sopsMAC(n *yaml.RNode) string {
	m, err := n.Pipe(yaml.Lookup("sops", "mac"))
	if err != nil || m == nil {
		return ""
	}
	return m.YNode().Value
}

// checkNewSecrets decrypts every encrypted Secret the function created or replaced, as the
// orchestrator writes it, and compares it with the Secret acrgen render would make.
func checkNewSecrets(t *testing.T, in, out string) {
	t.Helper()
	old := map[string]bool{}
	for _, it := range items(t, in) {
		old[it.MustString()] = true
	}
	for _, it := range items(t, out) {
		if it.GetKind() != "Secret" || sopsMAC(it) == "" || old[it.MustString()] {
			continue
		}
		plain, err := encrypt.Decrypt(stripOrchestratorAnnotations(t, it))
		if err != nil {
			t.Errorf("decrypting the new %s: %v", idOf(it), err)
			continue
		}
		p, err := yaml.Parse(string(plain))
		if err != nil {
			t.Fatal(err)
		}
		if p.GetName() != it.GetName() || p.GetNamespace() != it.GetNamespace() {
			t.Errorf("the new %s decrypts to %s", idOf(it), idOf(p))
		}
		servers := strings.Split(it.GetAnnotations()[secret.AnnotationRegistry], ",")
		want, err := secret.DockerConfigJSON(servers, secret.Credential{Username: testUsername, Password: []byte(testPassword)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := base64.StdEncoding.DecodeString(p.GetDataMap()[".dockerconfigjson"])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("the new %s holds another .dockerconfigjson than acrgen render makes", idOf(it))
		}
	}
}

// checkSecondRun runs the function on its own output: the items must not change.
func checkSecondRun(t *testing.T, dir, out string) {
	t.Helper()
	rl, err := yaml.Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := rl.PipeE(yaml.Clear("results")); err != nil {
		t.Fatal(err)
	}
	again, errText := execute(t, dir, rl.MustString())
	if errText != "" {
		t.Errorf("the second run failed:\n%s", errText)
	}
	first, second := items(t, out), items(t, again)
	if len(first) != len(second) {
		t.Fatalf("the second run turned %d items into %d", len(first), len(second))
	}
	for i := range first {
		if a, b := first[i].MustString(), second[i].MustString(); a != b {
			t.Errorf("the second run changed %s:\n%s", idOf(first[i]), cmp.Diff(a, b))
		}
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

var (
	encValue = regexp.MustCompile(`ENC\[AES256_GCM,[^\]]*\]`)
	ageBlock = regexp.MustCompile(`-----BEGIN AGE ENCRYPTED FILE-----[\s\S]*?-----END AGE ENCRYPTED FILE-----`)
)

// normalize replaces what changes on every encryption (values, the MAC, the wrapped data key)
// with placeholders, so that goldens hold the shape of an encrypted Secret, never ciphertext.
func normalize(s string) string {
	s = encValue.ReplaceAllString(s, "ENC[AES256_GCM,normalized]")
	return ageBlock.ReplaceAllString(s, "AGE ENCRYPTED DATA KEY (normalized)")
}
