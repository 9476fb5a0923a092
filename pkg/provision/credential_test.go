package provision_test

import (
	"testing"

	"github.com/acrgen/acrgen/pkg/provision"
)

func TestCredentialIDRoundTrip(t *testing.T) {
	t.Parallel()
	for _, id := range []provision.CredentialID{
		{Kind: provision.CredentialServicePrincipal, AppID: "33333333-3333-4333-8333-333333333333", KeyID: "44444444-4444-4444-8444-444444444444"},
		{Kind: provision.CredentialToken, LoginServer: "myregistry.azurecr.io", TokenName: "prod-pull", Slot: "password2"},
	} {
		got, err := provision.ParseCredentialID(id.String())
		if err != nil || got != id {
			t.Errorf("%s: parsed %+v, %v", id, got, err)
		}
	}
	for _, bad := range []string{"", "sp/x/y", "sp//44444444-4444-4444-8444-444444444444", "token/r/name/password3",
		"token/r/x/password1", "token/r//password1", "sp/33333333-3333-4333-8333-333333333333/44444444-4444-4444-8444-444444444444/extra", "$(id)"} {
		if _, err := provision.ParseCredentialID(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
