package provision

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/acrgen/acrgen/pkg/settings"
)

// Cloud is an Azure cloud: where to authenticate, where ARM and Microsoft Graph are, and the
// suffix of its registries' login servers. Obtain one with [ParseCloud]; the zero value is
// not usable.
type Cloud struct {
	// Name is the cloud's az name (AzureCloud, AzureChinaCloud, AzureUSGovernment) or, for a
	// cloud file, its "name" field or the file path.
	Name string
	// Configuration holds the authority host and the ARM endpoint and audience, as azcore
	// and azidentity take them.
	Configuration cloud.Configuration
	// GraphEndpoint is Microsoft Graph's base URL, without /v1.0.
	GraphEndpoint string
	// GraphAudience is the Graph token audience; the token scope is this plus "/.default".
	GraphAudience string
	// ACRSuffix is the login-server suffix of the cloud's registries, e.g. ".azurecr.io".
	// Only for display and bare-name matching: acrgen reads login servers from the API.
	ACRSuffix string
	// DisableInstanceDiscovery is true for clouds given as files (Azure Stack, sovereign
	// clouds, a local emulator): azidentity must not ask login.microsoftonline.com to
	// validate their authority.
	DisableInstanceDiscovery bool
}

// endpoints are the authority, ARM endpoint, ARM audience and Graph endpoint of each cloud
// in [settings.Clouds], the one table of built-in clouds, by its name.
var endpoints = map[string][4]string{
	"AzureCloud": {"https://login.microsoftonline.com/", "https://management.azure.com",
		"https://management.core.windows.net/", "https://graph.microsoft.com"},
	"AzureChinaCloud": {"https://login.chinacloudapi.cn/", "https://management.chinacloudapi.cn",
		"https://management.core.chinacloudapi.cn/", "https://microsoftgraph.chinacloudapi.cn"},
	"AzureUSGovernment": {"https://login.microsoftonline.us/", "https://management.usgovcloudapi.net",
		"https://management.core.usgovcloudapi.net/", "https://graph.microsoft.us"},
}

func builtinCloud(name string) (Cloud, bool) {
	rc, ok := settings.LookupCloud(name)
	if !ok {
		return Cloud{}, false
	}
	e := endpoints[rc.Name]
	return Cloud{
		Name: rc.Name,
		Configuration: cloud.Configuration{
			ActiveDirectoryAuthorityHost: e[0],
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Endpoint: e[1], Audience: e[2]},
			},
		},
		GraphEndpoint: e[3], GraphAudience: e[3], ACRSuffix: "." + rc.LoginServerSuffix,
	}, true
}

// ParseCloud returns the cloud named by nameOrPath: one of [settings.Clouds] (by name or alias,
// case-insensitive; empty means AzureCloud), or else the path of a JSON file in the shape
// `az cloud register --cloud-config` accepts (see [ParseCloudConfig]).
func ParseCloud(nameOrPath string) (Cloud, error) {
	if c, ok := builtinCloud(nameOrPath); ok {
		return c, nil
	}
	b, err := os.ReadFile(nameOrPath)
	if err != nil {
		if os.IsNotExist(err) && !strings.ContainsAny(nameOrPath, `/\.`) {
			return Cloud{}, fmt.Errorf("%w: unknown cloud %q: use %s, or the path of a cloud file",
				ErrInvalidOptions, nameOrPath, settings.CloudNames())
		}
		return Cloud{}, fmt.Errorf("%w: reading cloud file: %w", ErrInvalidOptions, err)
	}
	c, err := ParseCloudConfig(b)
	if err != nil {
		return Cloud{}, fmt.Errorf("%w: cloud file %s: %w", ErrInvalidOptions, nameOrPath, err)
	}
	if c.Name == "" {
		c.Name = nameOrPath
	}
	return c, nil
}

// cloudFile is the subset of the az cloud-config JSON acrgen reads.
type cloudFile struct {
	Name      string `json:"name"`
	Endpoints struct {
		ActiveDirectory           string `json:"activeDirectory"`
		ResourceManager           string `json:"resourceManager"`
		ActiveDirectoryResourceID string `json:"activeDirectoryResourceId"`
		MicrosoftGraphResourceID  string `json:"microsoftGraphResourceId"`
	} `json:"endpoints"`
	Suffixes struct {
		ACRLoginServerEndpoint string `json:"acrLoginServerEndpoint"`
	} `json:"suffixes"`
}

// ParseCloudConfig parses a custom cloud in the `az cloud register --cloud-config` shape:
// endpoints.activeDirectory (the authority host), endpoints.resourceManager,
// endpoints.activeDirectoryResourceId (the ARM audience), endpoints.microsoftGraphResourceId
// (Graph's endpoint and audience, as az uses it) and suffixes.acrLoginServerEndpoint. Every
// endpoint must be https. The result has DisableInstanceDiscovery set.
func ParseCloudConfig(data []byte) (Cloud, error) {
	var f cloudFile
	if err := json.Unmarshal(data, &f); err != nil {
		return Cloud{}, fmt.Errorf("parsing cloud config: %w", err)
	}
	e := f.Endpoints
	for _, x := range []struct{ key, val string }{
		{"endpoints.activeDirectory", e.ActiveDirectory},
		{"endpoints.resourceManager", e.ResourceManager},
		{"endpoints.activeDirectoryResourceId", e.ActiveDirectoryResourceID},
		{"endpoints.microsoftGraphResourceId", e.MicrosoftGraphResourceID},
	} {
		if x.val == "" {
			return Cloud{}, fmt.Errorf("cloud config has no %s", x.key)
		}
		u, err := url.Parse(x.val)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return Cloud{}, fmt.Errorf("cloud config %s %q is not an https URL", x.key, x.val)
		}
	}
	suffix := f.Suffixes.ACRLoginServerEndpoint
	if suffix != "" && !strings.HasPrefix(suffix, ".") {
		suffix = "." + suffix
	}
	return Cloud{
		Name: f.Name,
		Configuration: cloud.Configuration{
			ActiveDirectoryAuthorityHost: strings.TrimRight(e.ActiveDirectory, "/") + "/",
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Endpoint: strings.TrimRight(e.ResourceManager, "/"), Audience: e.ActiveDirectoryResourceID},
			},
		},
		GraphEndpoint:            strings.TrimRight(e.MicrosoftGraphResourceID, "/"),
		GraphAudience:            e.MicrosoftGraphResourceID,
		ACRSuffix:                suffix,
		DisableInstanceDiscovery: true,
	}, nil
}

// configuration returns a copy of c's Configuration whose Services map is not shared.
func (c Cloud) configuration() cloud.Configuration {
	cfg := c.Configuration
	cfg.Services = maps.Clone(cfg.Services)
	return cfg
}

// graphScope is the token scope for Microsoft Graph in this cloud.
func (c Cloud) graphScope() string {
	return strings.TrimRight(c.GraphAudience, "/") + "/.default"
}

func (c Cloud) valid() error {
	rm, ok := c.Configuration.Services[cloud.ResourceManager]
	if c.Configuration.ActiveDirectoryAuthorityHost == "" || !ok || rm.Endpoint == "" || rm.Audience == "" ||
		c.GraphEndpoint == "" || c.GraphAudience == "" {
		return fmt.Errorf("%w: the cloud is incomplete; obtain it from ParseCloud", ErrInvalidOptions)
	}
	return nil
}

// NewCredential returns azidentity's DefaultAzureCredential for cloud c: the environment
// (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or a certificate), workload
// identity, managed identity, then the Azure CLI and developer tools. For a cloud given as a
// file it disables instance discovery, as disconnected clouds need. TLS trust follows the
// process's (SSL_CERT_FILE on Linux).
//
// tenantID, when not empty, is the tenant of the registry's subscription, when it is not the
// login's default: every token is then requested from that tenant (azidentity's
// TokenRequestOptions.TenantID, allowed through AdditionallyAllowedTenants), as
// `az login --tenant` would.
func NewCredential(c Cloud, tenantID string) (azcore.TokenCredential, error) {
	if err := c.valid(); err != nil {
		return nil, err
	}
	if tenantID != "" && !isGUID(tenantID) && !strings.Contains(tenantID, ".") {
		return nil, fmt.Errorf("%w: tenant %q is neither a tenant ID nor a domain name", ErrInvalidOptions, tenantID)
	}
	o := &azidentity.DefaultAzureCredentialOptions{
		ClientOptions:            azcore.ClientOptions{Cloud: c.configuration()},
		DisableInstanceDiscovery: c.DisableInstanceDiscovery,
	}
	if tenantID != "" {
		o.TenantID, o.AdditionallyAllowedTenants = tenantID, []string{tenantID}
	}
	cred, err := azidentity.NewDefaultAzureCredential(o)
	if err != nil {
		return nil, fmt.Errorf("creating the Azure credential: %w", err)
	}
	if tenantID == "" {
		return cred, nil
	}
	return inTenant{cred, tenantID}, nil
}

// inTenant requests every token from one tenant.
type inTenant struct {
	azcore.TokenCredential
	tenant string
}

func (c inTenant) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	o.TenantID = c.tenant
	return c.TokenCredential.GetToken(ctx, o)
}
