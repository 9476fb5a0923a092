package pullcheck_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/internal/pullcheck"
	"github.com/acrgen/acrgen/internal/testing/fakeazure"
	"github.com/acrgen/acrgen/pkg/encrypt"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/online"
	"github.com/acrgen/acrgen/pkg/secret"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Role definitions of the emulated registry (reference/azure.md §7).
const (
	acrPull          = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
	repositoryReader = "b93aa761-3e63-49ed-ac28-beffa264f7ac"
)

// world is the emulator's pull world (fakeazure.StartPullWorld) and an age key that sops finds.
type world struct {
	*fakeazure.PullWorld
	recip string
}

func newWorld(t *testing.T, mode string) *world {
	t.Helper()
	pw := fakeazure.NewPullWorld(t, mode)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "test-only.agekey")
	if err := os.WriteFile(keyFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	return &world{PullWorld: pw, recip: id.Recipient().String()}
}

// granted is a world whose service principal has AcrPull on the registry.
func granted(t *testing.T) *world {
	t.Helper()
	w := newWorld(t, "")
	w.Server.AddRoleAssignment(w.Registry.ID, acrPull, w.SPID)
	return w
}

// spTree is tree with the service principal's credential, for the registry's login server.
func (w *world) spTree(t *testing.T, images ...string) []engine.Pull {
	t.Helper()
	return w.tree(t, w.App.AppID, w.Password.Secret, []string{w.Registry.LoginServer}, images...)
}

// tree writes a directory whose Pod in namespace apps pulls images (NAME:TAG on the registry,
// or a whole reference), with the pull Secret for username and password, holding an entry for
// each of servers, encrypted for the world's age key; it returns what check would ask.
func (w *world) tree(t *testing.T, username, password string, servers []string, images ...string) []engine.Pull {
	t.Helper()
	dir := t.TempDir()
	var containers strings.Builder
	for i, img := range images {
		if !strings.Contains(img, "/") || !strings.Contains(strings.SplitN(img, "/", 2)[0], ".") {
			img = w.Registry.LoginServer + "/" + img
		}
		fmt.Fprintf(&containers, "  - name: c%d\n    image: %s\n", i, img)
	}
	files := map[string]string{
		"kustomization.yaml": "resources:\n- pod.yaml\n- acr-secret.enc.yaml\n",
		"pod.yaml":           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  imagePullSecrets:\n  - name: acr-secret\n  containers:\n" + containers.String(),
	}
	plain, err := secret.Plaintext(secret.Spec{Name: "acr-secret", Namespace: "apps", Servers: servers, Credential: secret.Credential{Username: username, Password: []byte(password)}})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := encrypt.SOPS{}.Keys(filepath.Join(dir, "acr-secret.enc.yaml"), secret.Recipients{Age: []string{w.recip}})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := keys.Encrypt(plain, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	files["acr-secret.enc.yaml"] = string(enc)
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := engine.Plan(engine.Options{Dir: dir, Mode: engine.Check, Registries: []string{w.Registry.LoginServer}, SecretName: "acr-secret", Encrypter: encrypt.SOPS{Offline: true}, Decrypter: encrypt.SOPS{}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Pulls
}

// ask asks the emulated registry, through its proxy and trusting its CA, with quick retries.
func (w *world) ask(ctx context.Context, server, username string, password []byte, images []string) []online.Result {
	return online.Check(ctx, server, username, password, images, online.Options{
		Transport: w.Server.RegistryTransport(), Timeout: 10 * time.Second,
		Backoff: remote.Backoff{Duration: time.Millisecond, Factor: 2, Steps: 3},
	})
}

// run is check --online on the pulls; it returns one line per finding (code and message) and
// fails if a password reached any of them.
func (w *world) run(t *testing.T, pulls []engine.Pull, passwords ...string) []string {
	t.Helper()
	fs := pullcheck.Run(context.Background(), pulls, encrypt.SOPS{}, w.ask)
	var out []string
	for _, f := range fs {
		line := fmt.Sprintf("%s %s: %s", f.Severity, f.Code, f.Message())
		for _, pw := range append(passwords, w.Password.Secret) {
			if strings.Contains(line+f.Hint()+fmt.Sprintf("%#v", f), pw) {
				t.Fatalf("a password reached a finding: %s", line)
			}
		}
		out = append(out, line)
	}
	return out
}

// want fails unless lines holds, in order, a line containing each of wants, and nothing else.
func want(t *testing.T, lines []string, wants ...string) {
	t.Helper()
	if len(lines) != len(wants) {
		t.Fatalf("got %d findings, want %d:\n%s", len(lines), len(wants), strings.Join(lines, "\n"))
	}
	for i, w := range wants {
		if !strings.Contains(lines[i], w) {
			t.Errorf("finding %d: %s\nwant it to contain %q", i, lines[i], w)
		}
	}
}

func TestPulls(t *testing.T) {
	w := granted(t)
	pulls := w.spTree(t, "app:v1", "team/api:v1")
	want(t, w.run(t, pulls),
		"note ACR090: myregistry.azurecr.io/app:v1 pulls with the credential in Secret acr-secret",
		"note ACR090: myregistry.azurecr.io/team/api:v1 pulls with the credential in Secret acr-secret")
}

// A password removed in Azure (a reset, a retire that ran before the Secret that records the new
// one was applied) is refused at the token endpoint, for every image.
func TestRotatedAwayPassword(t *testing.T) {
	w := granted(t)
	pulls := w.spTree(t, "app:v1", "other:v1")
	if err := w.Server.RemoveApplicationPassword(w.App.ID, w.Password.KeyID); err != nil {
		t.Fatal(err)
	}
	want(t, w.run(t, pulls),
		"problem ACR091: myregistry.azurecr.io/app:v1: the registry refuses the credential in Secret acr-secret (the registry answered 401 UNAUTHORIZED to the username and password)",
		"problem ACR091: myregistry.azurecr.io/other:v1: the registry refuses the credential")
}

// In ABAC mode the legacy AcrPull is not honoured, and the repository-reader role pulls only
// the repositories its condition names.
func TestABACCondition(t *testing.T) {
	w := newWorld(t, fakeazure.RoleModeABAC)
	w.Server.AddRoleAssignment(w.Registry.ID, acrPull, w.SPID)
	pulls := w.spTree(t, "app:v1", "other:v1")
	want(t, w.run(t, pulls),
		"problem ACR092: myregistry.azurecr.io/app:v1: the credential in Secret acr-secret authenticates but may not pull the repository",
		"problem ACR092: myregistry.azurecr.io/other:v1")
	cond := "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND " +
		"!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})) OR " +
		"(@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'app'))"
	w.Server.AddRoleAssignment(w.Registry.ID, repositoryReader, w.SPID, cond)
	want(t, w.run(t, pulls),
		"note ACR090: myregistry.azurecr.io/app:v1 pulls",
		"problem ACR092: myregistry.azurecr.io/other:v1: the credential in Secret acr-secret authenticates but may not pull the repository")
}

// A repository-scoped token pulls what its scope map lists; a tag that does not exist is an
// unknown manifest.
func TestTokenScopeAndMissingTag(t *testing.T) {
	w := newWorld(t, "")
	pw := w.Server.AddToken(w.Registry.ID, "staging-pull", []string{"repositories/app/content/read", "repositories/app/metadata/read"}, time.Now().Add(time.Hour))
	pulls := w.tree(t, "staging-pull", pw, []string{w.Registry.LoginServer}, "app:v1", "app:v9", "other:v1")
	want(t, w.run(t, pulls, pw),
		"note ACR090: myregistry.azurecr.io/app:v1 pulls",
		"problem ACR093: myregistry.azurecr.io/app:v9: the registry has no such manifest (the registry answered 404): pods would fail with ImagePullBackOff",
		"problem ACR092: myregistry.azurecr.io/other:v1")
}

// Without a key, the online verdict cannot be reached: a problem, not an ok.
func TestNoKey(t *testing.T) {
	w := granted(t)
	pulls := w.spTree(t, "app:v1")
	t.Setenv("SOPS_AGE_KEY_FILE", filepath.Join(t.TempDir(), "absent.agekey"))
	want(t, w.run(t, pulls),
		"problem ACR095: Secret acr-secret: whether its credential pulls myregistry.azurecr.io/app:v1 could not be checked: no key decrypts it here: it is encrypted for age:"+w.recip)
}

// The kubelet looks the credential up by the image's host, port included: a Secret without an
// entry for myregistry.azurecr.io:443 gives it none; with one, the image pulls through that
// host form.
func TestHostForms(t *testing.T) {
	w := granted(t)
	port := w.Registry.LoginServer + ":443/app:v1"
	pulls := w.spTree(t, "app:v1", port)
	want(t, w.run(t, pulls),
		"note ACR090: myregistry.azurecr.io/app:v1 pulls",
		"problem ACR096: myregistry.azurecr.io:443/app:v1: Secret acr-secret holds no credential for myregistry.azurecr.io:443, the host the image names: the kubelet would pull without one")
	pulls = w.tree(t, w.App.AppID, w.Password.Secret, []string{w.Registry.LoginServer, w.Registry.LoginServer + ":443"}, "app:v1", port)
	want(t, w.run(t, pulls),
		"note ACR090: myregistry.azurecr.io/app:v1 pulls",
		"note ACR090: myregistry.azurecr.io:443/app:v1 pulls")
}

// A registry that keeps failing after the retries gives no verdict: a problem.
func TestUnreachable(t *testing.T) {
	w := granted(t)
	pulls := w.spTree(t, "app:v1")
	w.Server.FailRegistry(503, 100)
	want(t, w.run(t, pulls), "problem ACR094: myregistry.azurecr.io/app:v1: the registry could not be asked (the registry answered 503")
}

// Two namespaces with the same credential and image ask the registry once.
func TestAnswersAreShared(t *testing.T) {
	w := granted(t)
	pulls := w.spTree(t, "app:v1")
	second := pulls[0]
	second.Namespace = "web"
	asked := 0
	fs := pullcheck.Run(context.Background(), append(pulls, second), encrypt.SOPS{}, func(ctx context.Context, server, username string, password []byte, images []string) []online.Result {
		asked += len(images)
		return w.ask(ctx, server, username, password, images)
	})
	if asked != 1 || len(fs) != 2 || slices.ContainsFunc(fs, func(f finding.Finding) bool { return f.Code != finding.OnlinePulls }) {
		t.Fatalf("asked %d times; findings %v", asked, fs)
	}
}

// counting is a Decrypter that counts the decryptions it makes.
type counting struct {
	secret.Decrypter
	n int
}

func (c *counting) Decrypt(doc []byte, local bool) ([]byte, error) {
	c.n++
	return c.Decrypter.Decrypt(doc, local)
}

// check --online decrypts each Secret once: the engine verifies its MAC and the pull check reads
// its credential from the same decryption, also for a second namespace the Secret serves.
func TestMemoDecryptsOnce(t *testing.T) {
	w := granted(t)
	pulls := w.spTree(t, "app:v1")
	dec := &counting{Decrypter: encrypt.SOPS{}}
	memo := pullcheck.Remember(dec)
	defer memo.Forget()
	res, err := engine.Plan(engine.Options{Dir: filepath.Dir(pulls[0].File), Mode: engine.Check, Online: true, Registries: []string{w.Registry.LoginServer},
		SecretName: "acr-secret", Encrypter: encrypt.SOPS{}, Decrypter: memo})
	if err != nil || len(res.Pulls) != 1 {
		t.Fatalf("plan: %v, %d pulls", err, len(res.Pulls))
	}
	second := res.Pulls[0]
	second.Namespace = "web"
	fs := pullcheck.Run(context.Background(), append(res.Pulls, second), memo, w.ask)
	if dec.n != 1 || len(fs) != 2 || slices.ContainsFunc(fs, func(f finding.Finding) bool { return f.Code != finding.OnlinePulls }) {
		t.Fatalf("%d decryptions, want 1; findings %v", dec.n, fs)
	}
	// Each caller's copy is its own; after Forget the document is decrypted again.
	plain, err := memo.Decrypt(res.Pulls[0].Doc, false)
	if err != nil || !strings.Contains(string(plain), ".dockerconfigjson") {
		t.Fatalf("decrypt: %v", err)
	}
	clear(plain)
	if again, _ := memo.Decrypt(res.Pulls[0].Doc, false); !strings.Contains(string(again), ".dockerconfigjson") {
		t.Fatal("clearing a copy cleared the kept plaintext")
	}
	memo.Forget()
	if _, err := memo.Decrypt(res.Pulls[0].Doc, false); err != nil || dec.n != 2 {
		t.Fatalf("after Forget: %v, %d decryptions", err, dec.n)
	}
}
