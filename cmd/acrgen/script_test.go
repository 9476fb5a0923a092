package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/acrgen/acrgen/internal/testing/fakeazure"
	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary be the acrgen command that testscript scripts run.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"acrgen": main})
}

// TestScripts runs testdata/script/*.txtar: the CLI contract, and every command README.md and
// docs/ show (TestDocsCommandsAreTested keeps them in step). Each script starts in a copy of
// examples/ whose .sops.yaml encrypts for a fresh age key ($WORK/key.txt, recipient
// $RECIPIENT), with bin/ (the pinned kustomize, sops, age) on PATH, and an Azure emulator
// holding registry myregistry: its cloud file is $FAKEAZURE_CLOUD_FILE and the AZURE_*
// variables authenticate to it, as they would to Azure. ksops on PATH is the KSOPS stand-in
// (internal/testing/ksops), which decrypts with the real sops.
func TestScripts(t *testing.T) {
	root := testtool.RepoRoot(t)
	for _, tool := range []string{"kustomize", "sops", "kpt"} {
		testtool.Path(t, tool) // fail under ACRGEN_REQUIRE_TOOLS, skip otherwise
	}
	ksops := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(ksops, "ksops"), "github.com/acrgen/acrgen/internal/testing/ksops").CombinedOutput(); err != nil {
		t.Fatalf("building the KSOPS stand-in: %v\n%s", err, out)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		Cmds:                map[string]func(*testscript.TestScript, bool, []string){"fakeazure": fakeAzureCmd},
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", toolsPath(env.Getenv("PATH"), filepath.Join(root, "bin"))+string(os.PathListSeparator)+ksops)
			env.Setenv("AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential")
			if err := os.CopyFS(env.WorkDir, os.DirFS(filepath.Join(root, "examples"))); err != nil {
				return err
			}
			id, err := age.GenerateX25519Identity()
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(env.WorkDir, "key.txt"), []byte("# test-only key\n"+id.String()+"\n"), 0o600); err != nil {
				return err
			}
			env.Setenv("RECIPIENT", id.Recipient().String())
			sops := filepath.Join(env.WorkDir, ".sops.yaml")
			b, err := os.ReadFile(sops)
			if err != nil {
				return err
			}
			b = regexp.MustCompile(`age1[0-9a-z]+`).ReplaceAll(b, []byte(id.Recipient().String()))
			if err := os.WriteFile(sops, b, 0o644); err != nil {
				return err
			}
			srv, err := fakeazure.Start(fakeazure.Options{Dir: filepath.Join(env.WorkDir, ".fakeazure"), Registries: []fakeazure.Registry{{Name: "myregistry"}}})
			if err != nil {
				return err
			}
			env.Defer(srv.Close)
			env.Values[fakeAzureKey{}] = srv
			for _, kv := range srv.Env() {
				k, v, _ := strings.Cut(kv, "=")
				env.Setenv(k, v)
			}
			env.Setenv("FAKEAZURE_CLOUD_FILE", srv.CloudFile())
			// The registries' data plane, as HTTPS_PROXY reaches it (docs/online.md).
			env.Setenv("FAKEAZURE_PROXY", srv.ProxyURL())
			return nil
		},
	})
}

type fakeAzureKey struct{}

// fakeAzureCmd steers the script's Azure emulator, so that scripts can show what users meet:
//
//	fakeazure replication-delay N         new principals stay invisible to the next N calls (PrincipalNotFound)
//	fakeazure fault OP STATUS CODE MESSAGE  the next call of OP fails, e.g. arm.roleAssignments.create 403
//	fakeazure mode REGISTRY MODE          the registry's role assignment mode (AbacRepositoryPermissions, LegacyRegistryPermissions)
//	fakeazure policy max-lifetime DURATION | block-passwords | none   the tenant's app management policy on passwords
//	fakeazure subscription-tenant TENANT  the subscription moves to another tenant
//	fakeazure push REGISTRY REPOSITORY:TAG  the registry holds an image of that name
//	fakeazure remove-passwords APP        every password of the application is removed, as a reset would
func fakeAzureCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("fakeazure does not fail")
	}
	srv := ts.Value(fakeAzureKey{}).(*fakeazure.Server)
	switch {
	case len(args) == 2 && args[0] == "replication-delay":
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		srv.SetReplicationDelay(n)
	case len(args) == 5 && args[0] == "fault":
		status, err := strconv.Atoi(args[2])
		ts.Check(err)
		srv.Inject(fakeazure.Fault{Op: fakeazure.Op(args[1]), Status: status, Code: args[3], Message: args[4]})
	case len(args) == 3 && args[0] == "mode":
		ts.Check(srv.SetRoleAssignmentMode(args[1], args[2]))
	case len(args) == 3 && args[0] == "policy" && args[1] == "max-lifetime":
		d, err := time.ParseDuration(args[2])
		ts.Check(err)
		srv.SetAppPolicy(fakeazure.AppPolicy{MaxPasswordLifetime: d})
	case len(args) == 2 && args[0] == "policy":
		srv.SetAppPolicy(fakeazure.AppPolicy{BlockPasswords: args[1] == "block-passwords"})
	case len(args) == 2 && args[0] == "subscription-tenant":
		srv.MoveSubscription(args[1])
	case len(args) == 3 && args[0] == "push":
		repo, tag, ok := strings.Cut(args[2], ":")
		if !ok {
			ts.Fatalf("fakeazure push REGISTRY REPOSITORY:TAG")
		}
		_, err := srv.PushImage(args[1]+".azurecr.io", repo, tag)
		ts.Check(err)
	case len(args) == 2 && args[0] == "remove-passwords":
		removed := 0
		for _, a := range srv.Applications() {
			if a.DisplayName == args[1] {
				for _, pc := range a.Passwords {
					ts.Check(srv.RemoveApplicationPassword(a.ID, pc.KeyID))
					removed++
				}
			}
		}
		if removed == 0 {
			ts.Fatalf("application %s has no password", args[1])
		}
	default:
		ts.Fatalf("usage: fakeazure replication-delay N | fault OP STATUS CODE MESSAGE | mode REGISTRY MODE | policy max-lifetime D | policy block-passwords | policy none | subscription-tenant T | push REGISTRY REPOSITORY:TAG | remove-passwords APP")
	}
}

// toolsPath puts bin (the pinned kustomize, sops, age) on path right after the directory where
// testscript put the test binary as acrgen, so scripts run the code under test, never a stale
// bin/acrgen, and the pinned tools, never others on the machine.
func toolsPath(path, bin string) string {
	dirs := filepath.SplitList(path)
	for i, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "acrgen")); err == nil {
			dirs = append(dirs[:i+1], append([]string{bin}, dirs[i+1:]...)...)
			return strings.Join(dirs, string(os.PathListSeparator))
		}
	}
	panic("testscript did not put acrgen on PATH")
}
