package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/finding"
)

func testReport(fs ...finding.Finding) *Report {
	for i := range fs {
		fs[i].Resolve(false)
	}
	return &Report{Command: "check", Version: "v1.2.3", Findings: fs,
		Plain: func(p string) string { return strings.TrimPrefix(p, "/repo/") },
		Rel:   func(p string) string { return strings.TrimPrefix(p, "/repo/") }}
}

// Workflow commands are escaped as the Actions toolkit escapes them (command.ts): %, CR and LF
// in the message; those and : and , in properties. A value cannot end the command or start
// another one.
func TestGitHubEscaping(t *testing.T) {
	f := finding.New(finding.SecretNotEncrypted, "acr-secret", "100% plain\r\n::warning::x").At("/repo/a,b:c\n::error::d.yaml", 7)
	var out bytes.Buffer
	if err := testReport(f).Write(GitHub, &out, &out); err != nil {
		t.Fatal(err)
	}
	want := "::error file=\"a%2Cb%3Ac\\n%3A%3Aerror%3A%3Ad.yaml\",line=7,title=ACR033 secret-not-encrypted::Secret acr-secret: \"100%25 plain\\r\\n::warning::x\"%0Ahint: run acrgen render: it encrypts it (and re-creates it, given the credential)\n"
	if out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", out.String(), want)
	}
	if n := strings.Count(out.String(), "\n"); n != 1 {
		t.Errorf("%d lines, want 1", n)
	}
	for _, c := range []struct{ in, data, prop string }{
		{"a%b", "a%25b", "a%25b"},
		{"a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"k: v, w", "k: v, w", "k%3A v%2C w"},
	} {
		if got := escapeData(c.in); got != c.data {
			t.Errorf("escapeData(%q) = %q, want %q", c.in, got, c.data)
		}
		if got := escapeProperty(c.in); got != c.prop {
			t.Errorf("escapeProperty(%q) = %q, want %q", c.in, got, c.prop)
		}
	}
}

// A JSON document shows every invisible character as an escape, and decodes to the same
// strings.
func TestJSONEscapesInvisibleCharacters(t *testing.T) {
	f := finding.New(finding.SecretFound, "acr-secret", "", "", "", "").At("/repo/x\u202e\u0085\U000e0001.yaml", 1)
	var out bytes.Buffer
	if err := testReport(f).Write(JSON, &out, &out); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out.String(), "\u202e\u0085\U000e0001") || !strings.Contains(out.String(), `x\u202e\u0085\udb40\udc01.yaml`) {
		t.Errorf("not escaped: %s", out.String())
	}
	var doc Document
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || doc.Findings[0].File != "x\u202e\u0085\U000e0001.yaml" {
		t.Errorf("does not decode to the path: %v %+v", err, doc)
	}
}

// A SARIF log shows every invisible character as an escape too, as the JSON document does: an
// object's name reaches it as a logical location unquoted.
func TestSARIFEscapesInvisibleCharacters(t *testing.T) {
	f := finding.New(finding.SecretFound, "acr-secret", "", "", "", "").At("/repo/x.yaml", 1).On(finding.Object{Kind: "Secret", Name: "acr\u202esecret\u0085"}, "")
	var out bytes.Buffer
	if err := testReport(f).Write(SARIF, &out, &out); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out.String(), "\u202e\u0085") || !strings.Contains(out.String(), `acr\u202esecret\u0085`) {
		t.Errorf("not escaped: %s", out.String())
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					LogicalLocations []struct{ FullyQualifiedName string }
				}
			}
		}
	}
	if err := json.Unmarshal(out.Bytes(), &log); err != nil || log.Runs[0].Results[0].Locations[0].LogicalLocations[0].FullyQualifiedName != "Secret/acr\u202esecret\u0085" {
		t.Errorf("does not decode to the name: %v %+v", err, log)
	}
}

// The text format is GNU's FILE:LINE: severity: message [CODE], with a hint line; warnings go
// to the diagnostics stream, notes before problems before actions on the other.
func TestText(t *testing.T) {
	prob := finding.New(finding.SecretExpired, "acr-secret", "2001-01-01T00:00:00Z").At("/repo/a.yaml", 3)
	warn := finding.New(finding.RegistryUnused, "in a", "myregistry.azurecr.io", "after namespaces and images: transformers", "")
	note := finding.New(finding.SecretFound, "acr-secret", "", "", "", "", "").At("/repo/a\nb.yaml", 0)
	var out, errw bytes.Buffer
	if err := testReport(prob, warn, note).Write(Text, &out, &errw); err != nil {
		t.Fatal(err)
	}
	wantOut := "\"a\\nb.yaml\": note: Secret acr-secret [ACR050]\n" +
		"a.yaml:3: problem: the credential in Secret acr-secret expired on 2001-01-01T00:00:00Z [ACR036]\n" +
		"a.yaml:3: hint: rotate it (acrgen provision --rotate)\n"
	wantErr := "acrgen: warning: no workload in a pulls from myregistry.azurecr.io (after namespaces and images: transformers) [ACR009]\nacrgen: hint: is it a typo?\n"
	if out.String() != wantOut || errw.String() != wantErr {
		t.Errorf("stdout\n%s\nstderr\n%s\nwant\n%s\n%s", out.String(), errw.String(), wantOut, wantErr)
	}
}

func TestSemver(t *testing.T) {
	for in, want := range map[string]string{"v1.2.3": "1.2.3", "1.2.3": "1.2.3", "dev": "", "v1.2": "", "v1.2.x": ""} {
		if got := semver(in); got != want {
			t.Errorf("semver(%q) = %q, want %q", in, got, want)
		}
	}
}
