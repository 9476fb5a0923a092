package fakeazure

import (
	"errors"
	"time"
)

// PullWorld is an emulated registry and a service principal that may pull from it once it has
// a role: the setting of the tests of the registry data plane's clients.
type PullWorld struct {
	Server   *Server
	Registry Registry
	App      Application
	// SPID is the service principal's object ID, for AddRoleAssignment.
	SPID     string
	Password PasswordCredential
}

// StartPullWorld starts an emulator (its files in dir) holding registry myregistry, in role
// assignment mode mode ("" for the legacy one), with the images app:v1, other:v1 and
// team/api:v1, and the application "puller" with its service principal and one password valid
// for an hour, as `az ad sp create-for-rbac --skip-assignment` makes them: no role yet. Close its
// Server when done.
func StartPullWorld(dir, mode string) (*PullWorld, error) {
	srv, err := Start(Options{Dir: dir, Registries: []Registry{{Name: "myregistry", RoleAssignmentMode: mode}}})
	if err != nil {
		return nil, err
	}
	w := &PullWorld{Server: srv, Registry: srv.Registries()[0], App: srv.AddApplication("puller")}
	for _, repo := range []string{"app", "other", "team/api"} {
		if _, err = srv.PushImage(w.Registry.LoginServer, repo, "v1"); err != nil {
			break
		}
	}
	var sp ServicePrincipal
	if err == nil {
		sp, err = srv.AddServicePrincipal(w.App.AppID)
	}
	if err == nil {
		w.SPID = sp.ID
		w.Password, err = srv.AddApplicationPassword(w.App.ID, "acrgen", time.Now().Add(time.Hour))
	}
	if err != nil {
		srv.Close()
		return nil, errors.Join(errors.New("starting the pull world"), err)
	}
	return w, nil
}

// TB is what NewPullWorld needs of a test (testing.TB has it all).
type TB interface {
	Helper()
	TempDir() string
	Fatal(args ...any)
	Cleanup(func())
}

// NewPullWorld is StartPullWorld for a test: its files in a temporary directory, the test
// failed if it cannot start, the server closed when the test ends.
func NewPullWorld(t TB, mode string) *PullWorld {
	t.Helper()
	w, err := StartPullWorld(t.TempDir(), mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Server.Close)
	return w
}
