package encrypt

import (
	"bytes"
	"encoding/base64"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/keyservice"
	jsonstore "github.com/getsops/sops/v3/stores/json"
	"sigs.k8s.io/kustomize/kyaml/kio"
	k8syaml "sigs.k8s.io/yaml"
)

// TestFluxDecryptsKustomizeOutput follows what Flux's kustomize-controller does with an
// encrypted Secret: kustomize build (here the real, pinned binary, with a namespace and a name
// prefix that change the Secret's metadata), the resource as JSON, sops decryption of the JSON
// through a key service and without the MAC check (kustomize re-sorts keys, so Flux skips it),
// then the Secret must hold the original .dockerconfigjson.
func TestFluxDecryptsKustomizeOutput(t *testing.T) {
	isolateKeys(t)
	key := newAgeKey(t)
	dir := t.TempDir()
	plain := secretYAML(secretOpts{})
	enc, err := mustConfig(t, filepath.Join(dir, "secret.enc.yaml"), Recipients{Age: []string{key.recipient}}).Encrypt(plain, testNow)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "secret.enc.yaml", string(enc))
	writeFile(t, dir, "kustomization.yaml", "namespace: flux-apps\nnamePrefix: p-\nresources:\n- secret.enc.yaml\n")
	cmd := exec.Command(testtool.Path(t, "kustomize"), "build", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	built, err := cmd.Output()
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr.String())
	}
	nodes, err := kio.FromBytes(built)
	if err != nil || len(nodes) != 1 {
		t.Fatalf("want one resource from kustomize, got %d (%v)", len(nodes), err)
	}
	if nodes[0].GetName() != "p-regcred" || nodes[0].GetNamespace() != "flux-apps" {
		t.Fatalf("kustomize did not transform the Secret: %s/%s", nodes[0].GetNamespace(), nodes[0].GetName())
	}
	asJSON, err := nodes[0].MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}

	// Flux: SopsDecryptWithFormat(data, formats.Json, formats.Json) with checkSopsMac false.
	t.Setenv("SOPS_AGE_KEY_FILE", key.file)
	store := jsonstore.NewStore(&config.JSONStoreConfig{})
	tree, err := store.LoadEncryptedFile(asJSON)
	if err != nil {
		t.Fatalf("loading the built Secret as sops JSON: %v", err)
	}
	dataKey, err := tree.Metadata.GetDataKeyWithKeyServices([]keyservice.KeyServiceClient{keyservice.NewLocalClient()}, sops.DefaultDecryptionOrder)
	if err != nil {
		t.Fatalf("getting the data key: %v", err)
	}
	if _, err := tree.Decrypt(dataKey, aes.NewCipher()); err != nil {
		t.Fatalf("decrypting: %v", err)
	}
	out, err := store.EmitPlainFile(tree.Branches)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Data map[string]string `json:"data"`
	}
	if err := k8syaml.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	cfg, err := base64.StdEncoding.DecodeString(got.Data[".dockerconfigjson"])
	if err != nil {
		t.Fatalf(".dockerconfigjson is not base64 after decryption: %v", err)
	}
	if string(cfg) != dockerConfigJSON(fakePassword, false) {
		t.Fatal("Flux-style decryption did not give back the original .dockerconfigjson")
	}
	if strings.Contains(string(built), fakePassword) {
		t.Fatal("the password is in plain text in the kustomize output")
	}
}
