// Command ksops is a test stand-in for KSOPS (github.com/viaduct-ai/kustomize-sops, v4.5), the
// kustomize plugin that Argo CD users run in the repo-server to decrypt SOPS files. KSOPS
// itself is not served to this project's machines; the tests build this program instead and
// run it exactly where kustomize runs KSOPS.
//
// It follows the contract of KSOPS's README and ksops.go as a KRM exec function:
//
//   - kustomize runs it for a generator of apiVersion viaduct.ai/v1, kind ksops, whose
//     config.kubernetes.io/function annotation says exec: {path: ...}, when the build has
//     --enable-alpha-plugins --enable-exec; it reads a ResourceList on stdin, in which
//     kustomize passes the generator itself as the one item (and as functionConfig);
//   - every item's `files:` list names SOPS-encrypted manifest files, relative to the working
//     directory (kustomize runs the function in the kustomization's directory); each is
//     decrypted and its documents are the output items, in order, replacing the input;
//   - an item with neither files nor secretFrom is an error, as in KSOPS.
//
// It decrypts with the real sops binary (sops decrypt FILE, found on PATH or at $SOPS), where
// KSOPS links sops' decrypt package: the keys come from the environment the same way
// (SOPS_AGE_KEY_FILE and the rest). The plaintext goes from sops' stdout to this program's
// stdout, never to disk.
//
// Not covered: secretFrom (Secrets made from encrypted plain, binary or dotenv files),
// KSOPS_CONCURRENCY_LIMIT, the legacy exec plugin form (`ksops FILE`) and `ksops install`. A
// generator that uses secretFrom fails here with a message saying so.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func main() {
	if err := framework.Execute(framework.ResourceListProcessorFunc(generate), nil); err != nil {
		fmt.Fprintf(os.Stderr, "ksops (acrgen test stand-in): %v\n", err)
		os.Exit(1)
	}
}

// config is the part of a ksops generator that the stand-in reads.
type config struct {
	Files      []string `yaml:"files"`
	SecretFrom []any    `yaml:"secretFrom"`
}

func generate(rl *framework.ResourceList) error {
	var out []*yaml.RNode
	for _, item := range rl.Items {
		var c config
		if err := item.YNode().Decode(&c); err != nil {
			return fmt.Errorf("reading the ksops manifest %s: %w", item.GetName(), err)
		}
		if len(c.SecretFrom) > 0 {
			return fmt.Errorf("%s: secretFrom is not covered by acrgen's KSOPS stand-in", item.GetName())
		}
		if c.Files == nil {
			return fmt.Errorf("missing the required 'files' or 'secretFrom' key in the ksops manifest %s", item.GetName())
		}
		for _, f := range c.Files {
			docs, err := decrypt(f)
			if err != nil {
				return fmt.Errorf("error decrypting file %q from manifest.Files: %w", f, err)
			}
			out = append(out, docs...)
		}
	}
	rl.Items = out
	return nil
}

// decrypt runs the real sops on file and reads the documents it prints.
func decrypt(file string) ([]*yaml.RNode, error) {
	sops := os.Getenv("SOPS")
	if sops == "" {
		sops = "sops"
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(sops, "decrypt", "--", file)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, errors.New(firstLine(stderr.String(), err.Error()))
	}
	return (&kio.ByteReader{Reader: &stdout, OmitReaderAnnotations: true}).Read()
}

func firstLine(s, otherwise string) string {
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return otherwise
	}
	return s
}
