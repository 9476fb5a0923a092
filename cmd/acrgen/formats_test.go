package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/report"
	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schema compiles the JSON schema in file, whose id is url.
func schema(t *testing.T, file, url string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validate checks out against s, and returns it decoded.
func validate(t *testing.T, s *jsonschema.Schema, out string) any {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if err := s.Validate(inst); err != nil {
		t.Fatalf("does not validate against %s: %v\n%s", s.Location, err, out)
	}
	return inst
}

// The trees of examples/ that check sees as they are shipped: drift, a missing Secret, a
// workload without the secret, and (after a render) a clean tree.
var exampleDirs = []string{"base", "overlays/prod", "overlays/staging"}

// check --output sarif on examples/ validates against the SARIF 2.1.0 schema (vendored under
// internal/report/testdata, with its source): every rule of the table, one result a finding,
// located in files relative to the repository root, with the exit code of the text output.
func TestSARIFValidates(t *testing.T) {
	s := schema(t, filepath.Join(testtool.RepoRoot(t), "internal", "report", "testdata", "sarif-schema-2.1.0.json"),
		"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
	dir, _, _ := examplesCopy(t)
	t.Chdir(dir)
	for _, rendered := range []bool{false, true} {
		if rendered {
			if r := acrgen(t, testPassword, nil, "render", "overlays/prod", "overlays/staging", "-r", "myregistry", "-u", testUser, "--password-stdin"); r.code != 0 {
				t.Fatalf("render: %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		}
		for _, d := range exampleDirs {
			text := acrgen(t, "", nil, "check", d, "-r", "myregistry")
			r := acrgen(t, "", nil, "check", d, "-r", "myregistry", "--output", "sarif")
			if r.code != text.code {
				t.Errorf("%s: exit %d with sarif, %d with text", d, r.code, text.code)
			}
			var log struct {
				Version string
				Runs    []struct {
					Tool struct {
						Driver struct{ Rules []struct{ ID string } }
					}
					Results []struct {
						RuleID    string
						Level     string
						Locations []struct {
							PhysicalLocation struct {
								ArtifactLocation struct{ URI, URIBaseID string }
								Region           *struct{ StartLine int }
							}
						}
					}
				}
			}
			validate(t, s, r.stdout)
			if err := json.Unmarshal([]byte(r.stdout), &log); err != nil {
				t.Fatal(err)
			}
			if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Tool.Driver.Rules) < 40 {
				t.Fatalf("%s: want one run with the table's rules:\n%.2000s", d, r.stdout)
			}
			if got := len(log.Runs[0].Results); got == 0 || got != findingLines(text) {
				t.Errorf("%s: %d results, want one a finding (%d)\n%s%s", d, got, findingLines(text), text.stdout, text.stderr)
			}
			for _, res := range log.Runs[0].Results {
				for _, l := range res.Locations {
					al := l.PhysicalLocation.ArtifactLocation
					if al.URIBaseID != "%SRCROOT%" || strings.HasPrefix(al.URI, "/") || strings.Contains(al.URI, "..") {
						t.Errorf("%s: %s at %+v: want a path relative to the repository root", d, res.RuleID, al)
					}
				}
			}
		}
	}
}

// findingLines counts the findings of a text output: its lines that end with a code.
func findingLines(r result) int {
	n := 0
	for _, line := range strings.Split(r.stdout+r.stderr, "\n") {
		if strings.HasSuffix(line, "]") && strings.Contains(line, " [ACR") {
			n++
		}
	}
	return n
}

// --output json validates against docs/findings.schema.json and round-trips: decoded into
// report.Document (no field unknown to it) and encoded again, it is the same document.
func TestJSONRoundTripsThroughTheSchema(t *testing.T) {
	s := schema(t, filepath.Join(testtool.RepoRoot(t), "docs", "findings.schema.json"), report.SchemaURI)
	dir, _, _ := examplesCopy(t)
	t.Chdir(dir)
	runs := [][]string{{"render", "overlays/prod", "-r", "myregistry", "-u", testUser, "--password-stdin", "--check"}}
	for _, d := range exampleDirs {
		runs = append(runs, []string{"check", d, "-r", "myregistry"}, []string{"patch", d, "-r", "myregistry", "--check"})
	}
	runs = append(runs, []string{"render", "overlays/prod", "-r", "myregistry", "-u", testUser, "--password-stdin"}, []string{"check", "overlays/prod", "-r", "myregistry"})
	for _, args := range runs {
		r := acrgen(t, testPassword, nil, append(args, "--output", "json")...)
		if r.code > exitDrift {
			t.Fatalf("%q: exit %d\n%s", args, r.code, r.stderr)
		}
		validate(t, s, r.stdout)
		var doc report.Document
		dec := json.NewDecoder(strings.NewReader(r.stdout))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		again, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		if err := json.Unmarshal([]byte(r.stdout), &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(again, &b); err != nil {
			t.Fatal(err)
		}
		if x, y := canonical(t, a), canonical(t, b); x != y {
			t.Errorf("%q: does not round-trip:\n%s\n%s", args, x, y)
		}
		if doc.OK != (r.code == 0 || args[0] != "check") || doc.Command != args[0] {
			t.Errorf("%q: exit %d, ok %v, command %q", args, r.code, doc.OK, doc.Command)
		}
		assertNoLeak(t, dir, r.stdout, r.stderr)
	}
}

func canonical(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The output format changes what is printed, never the exit code.
func TestOutputFormatsKeepExitCodes(t *testing.T) {
	dir, _, _ := examplesCopy(t)
	t.Chdir(dir)
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"check", "overlays/staging", "-r", "myregistry"}, exitDrift},
		{[]string{"patch", "overlays/staging", "-r", "myregistry", "--check"}, exitDrift},
		{[]string{"render", "overlays/staging", "-r", "myregistry"}, exitUsage}, // no credential for the Secret
		{[]string{"check", "missing", "-r", "myregistry"}, exitUsage},
	} {
		for _, f := range report.Formats {
			if r := acrgen(t, "", nil, append(c.args, "--output", string(f))...); r.code != c.want {
				t.Errorf("%q --output %s: exit %d, want %d\n%s%s", c.args, f, r.code, c.want, r.stdout, r.stderr)
			}
		}
	}
	if r := acrgen(t, "", nil, "check", "base", "-r", "myregistry", "--output", "xml"); r.code != exitUsage || !strings.Contains(r.stderr, "--output: xml is not an output format") {
		t.Errorf("--output xml: %d\n%s", r.code, r.stderr)
	}
	if r := acrgen(t, "", nil, "patch", "base", "-r", "myregistry", "--diff", "--output", "json"); r.code != exitUsage {
		t.Errorf("--diff --output json: want exit 2, got %d", r.code)
	}
}

// A file name, an object name and a namespace from the tree with newlines, escape sequences
// and bidirectional controls cannot forge a line of check's output: neither an "ok: every
// workload ..." verdict nor a GitHub workflow command, in any format.
func TestNamesCannotForgeOutput(t *testing.T) {
	dir := t.TempDir()
	forged := "x\nok: every workload that pulls from the registry references its Secret, and every Secret is encrypted\n::warning file=a.yaml::forged\n"
	name := forged + "\x1b[2K\u202e.yaml"
	deploy := strings.ReplaceAll(goodDeployment, "imagePullSecrets:\n      - name: acr-secret\n", "")
	deploy = strings.Replace(deploy, "name: good", "name: \""+strings.ReplaceAll(strings.ReplaceAll(forged, "\n", `\n`), "\x1b", `\e`)+"\"", 1)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(deploy), 0o644); err != nil {
		t.Skipf("this filesystem refuses the name: %v", err)
	}
	for _, f := range report.Formats {
		r := acrgen(t, "", nil, "check", dir, "-r", "myregistry", "--output", string(f))
		if r.code != exitDrift {
			t.Fatalf("%s: want exit 1 (the workload lacks the secret), got %d\n%s%s", f, r.code, r.stdout, r.stderr)
		}
		for _, line := range strings.Split(r.stdout+r.stderr, "\n") {
			if strings.HasPrefix(line, "ok") || (strings.HasPrefix(line, "::warning") || (strings.HasPrefix(line, "::") && strings.Contains(line, "forged") && !strings.Contains(line, "%0A"))) {
				t.Errorf("%s: a name forged the line %q", f, line)
			}
			if strings.ContainsAny(line, "\x1b\u202e\r") {
				t.Errorf("%s: a control character reached the output: %q", f, line)
			}
		}
		if f == report.Text && !strings.Contains(r.stdout, `"x\nok: every workload`) {
			t.Errorf("text: the file name is not quoted:\n%s", r.stdout)
		}
	}
}
