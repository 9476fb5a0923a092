package finding

import (
	"slices"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"overlays/prod/app.yaml", "overlays/prod/app.yaml"},
		{"with space and ünïcödé", "with space and ünïcödé"},
		{"", ""},
		{"a\nok: every workload", `"a\nok: every workload"`},
		{"cr\rhere", `"cr\rhere"`},
		{"esc\x1b[31mred", `"esc\x1b[31mred"`},
		{"tab\there", `"tab\there"`},
		{"del\x7f", `"del\x7f"`},
		{"c1\u0085next", `"c1\u0085next"`},
		{"bidi\u202eevil", `"bidi\u202eevil"`},
		{"isolate\u2066x\u2069", `"isolate\u2066x\u2069"`},
		{"line\u2028sep", `"line\u2028sep"`},
		{"nbsp\u00a0x", `"nbsp\u00a0x"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
	} {
		got := Quote(c.in)
		if got != c.want {
			t.Errorf("Quote(%q) = %s, want %s", c.in, got, c.want)
		}
		if again := Quote(got); again != got {
			t.Errorf("Quote(Quote(%q)) = %s, want %s", c.in, again, got)
		}
	}
}

// Every value a message shows is quoted where needed: a name with a newline cannot start a
// line of its own in the output.
func TestMessageQuotesEveryValue(t *testing.T) {
	f := New(PullSecretMissing, "spec.template.spec", "base/a\nb.yaml", "myregistry.azurecr.io", "acr-secret", "").
		On(Object{Kind: "Deployment", Namespace: "apps\u202e", Name: "web\n::warning::forged"}, "spec.template.spec\n")
	msg := f.Message() + f.Hint()
	if strings.ContainsAny(msg, "\n\r\u202e") {
		t.Fatalf("a control character reached the message: %q", msg)
	}
	for _, want := range []string{`"web\n::warning::forged"`, `"apps\u202e"`, `from "base/a\nb.yaml"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %s", msg, want)
		}
	}
	f.Via = "Kustomization flux-system/x\ny"
	if m := f.Message(); !strings.HasPrefix(m, `via "Kustomization flux-system/x\ny": `) {
		t.Errorf("via not quoted: %q", m)
	}
}

func TestOptionalParts(t *testing.T) {
	f := New(SecretFound, "acr-secret", "", "myregistry.azurecr.io", "", "", "2027-01-01T00:00:00Z")
	if got, want := f.Message(), "Secret acr-secret: registry myregistry.azurecr.io, expires 2027-01-01T00:00:00Z"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	f = New(SecretFound, "acr-secret", "apps", "", "", "", "")
	if got, want := f.Message(), "Secret acr-secret in namespace apps"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// The severity of a finding follows its rule: as found by check, in a run that writes, and
// when the run fixes it; a quiet one is not reported.
func TestResolve(t *testing.T) {
	for _, c := range []struct {
		code          Code
		fixed, writes bool
		want          Severity
	}{
		{PullSecretMissing, false, false, Problem},
		{PullSecretMissing, true, true, Action},
		{SecretExpired, false, false, Problem},
		{SecretExpired, false, true, Warning},
		{SecretNotEncrypted, false, true, Quiet},
		{SecretNotEncrypted, true, true, Warning},
		{SecretNotListed, true, true, Quiet},
		{SecretDuplicate, false, true, Problem},
		{SecretFound, false, true, Note},
	} {
		f := New(c.code)
		f.Fixed = c.fixed
		f.Resolve(c.writes)
		if f.Severity != c.want {
			t.Errorf("%s fixed=%v writes=%v: %v, want %v", c.code, c.fixed, c.writes, f.Severity, c.want)
		}
	}
}

// The table is well formed: unique codes and names, templates that use only their
// parameters and close their optional parts, an example for every parameter, a hint for
// everything that asks for something to be done.
func TestRulesWellFormed(t *testing.T) {
	codes, names := map[Code]bool{}, map[string]bool{}
	for _, r := range Rules {
		if codes[r.Code] || names[r.Name] {
			t.Errorf("%s %s: code or name used twice", r.Code, r.Name)
		}
		codes[r.Code], names[r.Name] = true, true
		if len(r.Code) != 6 || !strings.HasPrefix(string(r.Code), "ACR") || r.Name != strings.ToLower(r.Name) || strings.Contains(r.Name, " ") {
			t.Errorf("%s %s: want ACRnnn and a lower-case-dashed name", r.Code, r.Name)
		}
		if r.Check < Problem || r.Check > Action || r.Help == "" || r.Message == "" {
			t.Errorf("%s: a severity, a message and help are required", r.Code)
		}
		if (r.Check == Problem || r.Check == Warning) && r.Hint == "" {
			t.Errorf("%s: a problem or a warning says what to do (Hint)", r.Code)
		}
		if len(r.Example) != len(r.Params) {
			t.Errorf("%s: %d example values for %d parameters", r.Code, len(r.Example), len(r.Params))
		}
		for _, tmpl := range []string{r.Message, r.FixMessage, r.Hint} {
			depth := 0
			for _, c := range tmpl {
				switch c {
				case '[':
					depth++
				case ']':
					depth--
				}
				if depth < 0 || depth > 1 {
					t.Errorf("%s: unbalanced or nested [ ] in %q", r.Code, tmpl)
					break
				}
			}
			if depth != 0 {
				t.Errorf("%s: unclosed [ in %q", r.Code, tmpl)
			}
			for _, p := range placeholders(tmpl) {
				if p != "object" && p != "kindname" && p != "field" && !slices.Contains(r.Params, p) {
					t.Errorf("%s: {%s} in %q is not a parameter", r.Code, p, tmpl)
				}
			}
		}
		if _, ok := Lookup(r.Code); !ok {
			t.Errorf("%s: Lookup does not find it", r.Code)
		}
	}
}

func TestVerdict(t *testing.T) {
	warn, prob := Finding{Severity: Warning}, Finding{Severity: Problem}
	for _, c := range []struct {
		fs   []Finding
		want string
	}{
		{nil, "ok: every workload"},
		{[]Finding{warn}, "ok, as far as acrgen could see: every workload"},
		{[]Finding{{Code: SecretUnverified, Severity: Note}}, "ok, as far as acrgen could see: every workload that pulls from the registry references its Secret, and every Secret is encrypted (not verified: a Secret's sops MAC"},
		{[]Finding{{Code: PodHasSecret, Severity: Note}}, "ok: every workload"},
		{[]Finding{prob}, "1 problem(s) found"},
		{[]Finding{warn, prob, prob}, "2 problem(s) found; the 1 warning(s) above"},
	} {
		if got := Verdict(c.fs); !strings.HasPrefix(got, c.want) {
			t.Errorf("Verdict(%v) = %q, want it to start with %q", c.fs, got, c.want)
		}
	}
}

// The table lists the rules in the order of their codes, as docs/findings.md does.
func TestRulesInCodeOrder(t *testing.T) {
	for i := 1; i < len(Rules); i++ {
		if Rules[i-1].Code >= Rules[i].Code {
			t.Errorf("rule %s follows %s: keep the table in code order", Rules[i].Code, Rules[i-1].Code)
		}
	}
}
