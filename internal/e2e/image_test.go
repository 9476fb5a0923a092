package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// TestImage builds the image from the Dockerfile with the real podman, offline, and checks the
// image itself: entrypoint, user and OCI labels through `podman image inspect`; that its only
// file is /acrgen (no shell); and that the binary taken out of it answers a ResourceList byte
// for byte as the local binary does. Containers cannot run on these machines (the sandbox
// refuses the runtime's rlimits), so the binary is extracted from `podman save` instead.
func TestImage(t *testing.T) {
	podman := testtool.Path(t, "podman")
	bin := acrgenBinary(t)
	root := testtool.RepoRoot(t)

	// The build context as the Dockerfile expects it: bin/acrgen, static.
	ctx := t.TempDir()
	for _, f := range []string{"Dockerfile", ".dockerignore"} {
		write(t, ctx, f, read(t, root, f))
	}
	write(t, ctx, "bin/acrgen", read(t, filepath.Dir(bin), "acrgen"))
	if err := os.Chmod(filepath.Join(ctx, "bin/acrgen"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, ctx, "secret.txt", "must not reach the image\n") // .dockerignore keeps it out

	tag := fmt.Sprintf("localhost/acrgen-e2e:%d", time.Now().UnixNano())
	env := os.Environ()
	if r := command(t, ctx, env, nil, podman, "build", "--pull=never", "--build-arg", "VERSION=v9.8.7-test", "--build-arg", "REVISION=0123abc", "-t", tag, "."); r.code != 0 {
		t.Fatalf("podman build: exit %d\n%s", r.code, r.output)
	}
	t.Cleanup(func() { command(t, ctx, env, nil, podman, "rmi", "-f", tag) })

	var inspected []struct {
		Config struct {
			User       string
			Entrypoint []string
			Cmd        []string
			Labels     map[string]string
		}
	}
	out := must(t, ctx, env, podman, "image", "inspect", tag)
	if err := json.Unmarshal([]byte(out), &inspected); err != nil || len(inspected) != 1 {
		t.Fatalf("podman image inspect: %v\n%s", err, out)
	}
	c := inspected[0].Config
	if c.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532 (non-root)", c.User)
	}
	if strings.Join(c.Entrypoint, " ") != "/acrgen fn" || len(c.Cmd) != 0 {
		t.Errorf("entrypoint %q, cmd %q; want [/acrgen fn] and no cmd", c.Entrypoint, c.Cmd)
	}
	for k, v := range map[string]string{
		"org.opencontainers.image.version":  "v9.8.7-test",
		"org.opencontainers.image.revision": "0123abc",
		"org.opencontainers.image.title":    "acrgen",
		"org.opencontainers.image.source":   "https://github.com/acrgen/acrgen",
	} {
		if c.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, c.Labels[k], v)
		}
	}

	archive := filepath.Join(t.TempDir(), "image.tar")
	must(t, ctx, env, podman, "save", "--format", "docker-archive", "-o", archive, tag)
	files := imageFiles(t, archive)
	if len(files) != 1 || files["acrgen"] == nil {
		names := []string{}
		for n := range files {
			names = append(names, n)
		}
		t.Fatalf("the image holds %v; want /acrgen alone", names)
	}
	extracted := filepath.Join(t.TempDir(), "acrgen")
	if err := os.WriteFile(extracted, files["acrgen"], 0o755); err != nil {
		t.Fatal(err)
	}

	in := resourceListWithSecret(t, bin)
	local := command(t, t.TempDir(), []string{"HOME=/nonexistent"}, []byte(in), bin, "fn")
	image := command(t, t.TempDir(), []string{"HOME=/nonexistent"}, []byte(in), extracted, "fn")
	if local.code != 0 || image.code != 0 {
		t.Fatalf("acrgen fn: local exit %d, image exit %d\n%s\n%s", local.code, image.code, local.output, image.output)
	}
	if local.stdout != image.stdout {
		t.Fatalf("the image's binary answers differently:\nlocal:\n%s\nimage:\n%s", local.stdout, image.stdout)
	}
	if !strings.Contains(image.stdout, "imagePullSecrets:") || !strings.Contains(image.stdout, "sops:") {
		t.Fatalf("the function did not patch the Deployment or lost the Secret:\n%s", image.stdout)
	}
}

// imageFiles reads a docker-archive and returns every regular file of every layer.
func imageFiles(t *testing.T, archive string) map[string][]byte {
	t.Helper()
	b, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	outer := untar(t, b)
	var manifest []struct{ Layers []string }
	if err := json.Unmarshal(outer["manifest.json"], &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("podman save: manifest.json: %v", err)
	}
	files := map[string][]byte{}
	for _, l := range manifest[0].Layers {
		for name, b := range untar(t, outer[l]) {
			files[name] = b
		}
	}
	return files
}

func untar(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatalf("reading the image archive: %v", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimPrefix(h.Name, "./")] = data
	}
}

// resourceListWithSecret renders a Secret with the local binary and returns a ResourceList
// holding it and a Deployment without the pull secret: the function must add the reference and
// pass the encrypted Secret through unchanged (a new encryption would differ run to run).
func resourceListWithSecret(t *testing.T, bin string) string {
	t.Helper()
	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "kustomization.yaml", "resources: [web.yaml]\n")
	write(t, dir, "web.yaml", web)
	r := command(t, dir, append(os.Environ(), "ACRGEN_PASSWORD=fake-Passw0rd-for-tests-only"), nil, bin,
		"render", ".", "--registry", "myregistry", "--username", "00000000-0000-0000-0000-000000000000", "--age", id.Recipient().String())
	if r.code != 0 {
		t.Fatalf("render: exit %d\n%s", r.code, r.output)
	}
	item := func(doc string) string {
		lines := strings.Split(strings.TrimRight(doc, "\n"), "\n")
		var b strings.Builder
		for i, l := range lines {
			if i == 0 {
				b.WriteString("  - " + l + "\n")
			} else {
				b.WriteString("    " + l + "\n")
			}
		}
		return b.String()
	}
	return "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" +
		item(web) + item(read(t, dir, "acr-secret.enc.yaml")) +
		`functionConfig:
  apiVersion: acrgen.dev/v1alpha1
  kind: ACRPullSecret
  metadata:
    name: acr-pull-secret
  spec:
    registries: [myregistry]
    username: 00000000-0000-0000-0000-000000000000
    passwordFrom: env:ACRGEN_PASSWORD
    age: [` + id.Recipient().String() + `]
`
}
