package provision_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	"github.com/acrgen/acrgen/pkg/provision"
	"github.com/acrgen/acrgen/pkg/settings"
)

func TestParseCloudNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, name, arm, graph, acr string }{
		{"", "AzureCloud", "https://management.azure.com", "https://graph.microsoft.com", ".azurecr.io"},
		{"AzureCloud", "AzureCloud", "https://management.azure.com", "https://graph.microsoft.com", ".azurecr.io"},
		{"azurepublic", "AzureCloud", "https://management.azure.com", "https://graph.microsoft.com", ".azurecr.io"},
		{"azurecloud", "AzureCloud", "https://management.azure.com", "https://graph.microsoft.com", ".azurecr.io"},
		{"AZUREUSGOVERNMENT", "AzureUSGovernment", "https://management.usgovcloudapi.net", "https://graph.microsoft.us", ".azurecr.us"},
		{"AzureChinaCloud", "AzureChinaCloud", "https://management.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn", ".azurecr.cn"},
		{"AzureChina", "AzureChinaCloud", "https://management.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn", ".azurecr.cn"},
		{"AzureUSGovernment", "AzureUSGovernment", "https://management.usgovcloudapi.net", "https://graph.microsoft.us", ".azurecr.us"},
		{"AzureGovernment", "AzureUSGovernment", "https://management.usgovcloudapi.net", "https://graph.microsoft.us", ".azurecr.us"},
	} {
		c, err := provision.ParseCloud(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		rm := c.Configuration.Services[cloud.ResourceManager]
		if c.Name != tc.name || rm.Endpoint != tc.arm || c.GraphEndpoint != tc.graph || c.ACRSuffix != tc.acr || c.DisableInstanceDiscovery {
			t.Errorf("%q: %+v", tc.in, c)
		}
	}
	// The SDK's shared configuration is not modified.
	if _, ok := cloud.AzurePublic.Services["microsoftGraph"]; ok {
		t.Error("cloud.AzurePublic was modified")
	}
	if _, err := provision.ParseCloud("AzureMoon"); !errors.Is(err, provision.ErrInvalidOptions) {
		t.Errorf("unknown name: %v", err)
	}
	// Every cloud of the shared table has endpoints here, with the same login-server suffix.
	for _, rc := range settings.Clouds {
		c, err := provision.ParseCloud(rc.Name)
		if err != nil {
			t.Fatalf("%s: %v", rc.Name, err)
		}
		if c.ACRSuffix != "."+rc.LoginServerSuffix || c.GraphEndpoint == "" || c.Configuration.ActiveDirectoryAuthorityHost == "" ||
			c.Configuration.Services[cloud.ResourceManager].Endpoint == "" {
			t.Errorf("%s: incomplete: %+v", rc.Name, c)
		}
	}
}

func TestParseCloudFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := write("stack.json", `{
  "endpoints": {
    "activeDirectory": "https://login.stack.example",
    "activeDirectoryGraphResourceId": "https://graph.windows.net/",
    "activeDirectoryResourceId": "https://management.stack.example/abc",
    "resourceManager": "https://management.local.stack.example/",
    "microsoftGraphResourceId": "https://graph.stack.example/"
  },
  "suffixes": {"acrLoginServerEndpoint": "azurecr.stack.example", "storageEndpoint": "x"}
}`)
	c, err := provision.ParseCloud(p)
	if err != nil {
		t.Fatal(err)
	}
	rm := c.Configuration.Services[cloud.ResourceManager]
	if c.Configuration.ActiveDirectoryAuthorityHost != "https://login.stack.example/" ||
		rm.Endpoint != "https://management.local.stack.example" || rm.Audience != "https://management.stack.example/abc" ||
		c.GraphEndpoint != "https://graph.stack.example" || c.GraphAudience != "https://graph.stack.example/" ||
		c.ACRSuffix != ".azurecr.stack.example" || !c.DisableInstanceDiscovery || c.Name != p {
		t.Errorf("parsed %+v", c)
	}
	for name, body := range map[string]string{
		"missing.json": `{"endpoints":{"activeDirectory":"https://a","resourceManager":"https://b","activeDirectoryResourceId":"https://c"}}`,
		"http.json":    `{"endpoints":{"activeDirectory":"http://a","resourceManager":"https://b","activeDirectoryResourceId":"https://c","microsoftGraphResourceId":"https://d"}}`,
		"broken.json":  `{`,
	} {
		if _, err := provision.ParseCloud(write(name, body)); !errors.Is(err, provision.ErrInvalidOptions) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := provision.ParseCloud(filepath.Join(dir, "absent.json")); !errors.Is(err, provision.ErrInvalidOptions) {
		t.Errorf("absent file: %v", err)
	}
}
