package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/rogpeppe/go-internal/txtar"
)

// docTools are the commands whose every use in a ```sh block of README.md or docs/*.md must
// appear, word for word, in a script under testdata/script/. Commands that need a cluster or
// Azure's own CLI are shown in ```text blocks instead, and say so.
var docTools = map[string]bool{"acrgen": true, "kustomize": true, "sops": true, "kpt": true}

// cloudArg is what scripts add to provision: the emulator stands in for Azure.
const cloudArg = " --cloud $FAKEAZURE_CLOUD_FILE"

// TestDocsCommandsAreTested keeps the documentation true: each acrgen, kustomize, sops and kpt
// command of README.md and docs/*.md runs in a testscript (TestScripts).
func TestDocsCommandsAreTested(t *testing.T) {
	root := testtool.RepoRoot(t)
	tested := map[string]bool{}
	scripts, err := filepath.Glob(filepath.Join("testdata", "script", "*.txtar"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, s := range scripts {
		a, err := txtar.ParseFile(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(a.Comment), "\n") {
			for _, c := range scriptCommands(line) {
				tested[c] = true
				tested[strings.TrimSuffix(c, cloudArg)] = true
			}
		}
	}
	docs, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	docs = append(docs, filepath.Join(root, "README.md"))
	n := 0
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range docCommands(string(b)) {
			n++
			if !tested[c] {
				t.Errorf("%s: `%s` runs in no script under cmd/acrgen/testdata/script/", filepath.Base(doc), c)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d commands found in the docs: is the extraction broken?", n)
	}
}

var (
	fence     = regexp.MustCompile("(?ms)^```sh\n(.*?)^```")
	yamlFence = regexp.MustCompile("(?ms)^```yaml\n(.*?)^```")
	runStep   = regexp.MustCompile(`(?m)^\s*(?:- )?run: (.*)$`)
)

// docCommands returns the commands of docTools in the ```sh blocks of a Markdown text,
// continuation lines joined, comments, quotes and VAR=value prefixes dropped, pipelines split;
// and those of `run:` steps in ```yaml blocks (CI workflows).
func docCommands(md string) []string {
	var out []string
	for _, m := range yamlFence.FindAllStringSubmatch(md, -1) {
		for _, r := range runStep.FindAllStringSubmatch(m[1], -1) {
			out = append(out, commands(stripComment(r[1]))...)
		}
	}
	for _, m := range fence.FindAllStringSubmatch(md, -1) {
		text := strings.ReplaceAll(m[1], "\\\n", " ")
		for _, line := range strings.Split(text, "\n") {
			out = append(out, commands(stripComment(line))...)
		}
	}
	return out
}

// scriptCommands returns the commands of docTools a testscript line runs: `exec CMD`, with or
// without `!`, and the commands inside `exec sh -c '...'`.
func scriptCommands(line string) []string {
	line = strings.TrimSpace(line)
	for strings.HasPrefix(line, "[") { // conditions such as [exec:kpt]
		_, rest, ok := strings.Cut(line, "] ")
		if !ok {
			return nil
		}
		line = strings.TrimSpace(rest)
	}
	line = strings.TrimPrefix(strings.TrimPrefix(line, "! "), "? ")
	if !strings.HasPrefix(line, "exec ") {
		return nil
	}
	line = strings.TrimPrefix(line, "exec ")
	if inner, ok := strings.CutPrefix(line, "sh -c "); ok {
		line = strings.Trim(inner, "'")
	}
	return commands(line)
}

// stripComment drops a shell comment: a # at the start or after a blank, outside quotes.
func stripComment(line string) string {
	var quote rune
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return line[:i]
		}
	}
	return line
}

var envAssign = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=\S*$`)

// commands splits a command line on |, && and ; and keeps the commands of docTools, normalized.
func commands(line string) []string {
	line = strings.NewReplacer(`"`, "", `'`, "", "&&", "|", ";", "|").Replace(line)
	var out []string
	for _, seg := range strings.Split(line, "|") {
		words := strings.Fields(seg)
		for len(words) > 0 && envAssign.MatchString(words[0]) {
			words = words[1:]
		}
		if len(words) > 0 && docTools[words[0]] {
			out = append(out, strings.Join(words, " "))
		}
	}
	return out
}

// The extraction itself: a command the docs show but no script runs is caught.
func TestDocCommandsExtraction(t *testing.T) {
	md := "```yaml\nsteps:\n  - run: acrgen check overlays/prod -r x\n```\ntext\n```sh\nprintf %s \"$PW\" | acrgen render overlays/prod \\\n    --registry myregistry --password-stdin   # comment\nSOPS_AGE_KEY_FILE=key.txt sops -d a.enc.yaml\ncd x && kustomize build .\n```\n```text\nacrgen not-checked\n```\n"
	got := strings.Join(docCommands(md), "\n")
	want := "acrgen check overlays/prod -r x\nacrgen render overlays/prod --registry myregistry --password-stdin\nsops -d a.enc.yaml\nkustomize build ."
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	for _, line := range []string{`! exec acrgen check 'overlays/prod' --registry myregistry`, `[exec:kpt] exec acrgen check overlays/prod --registry myregistry`} {
		if c := scriptCommands(line); len(c) != 1 || c[0] != "acrgen check overlays/prod --registry myregistry" {
			t.Fatalf("script line %q: %q", line, c)
		}
	}
}
