package settings

import (
	"fmt"
	"strings"
)

// Cloud is a built-in Azure cloud as far as rendering cares: its name and the login-server
// suffix of its registries. pkg/provision adds the endpoints to the same entries.
type Cloud struct {
	// Name is the name `az cloud list` uses, e.g. AzureCloud.
	Name string
	// Aliases are other accepted names, such as the Azure SDK's (AzurePublic).
	Aliases []string
	// LoginServerSuffix is the suffix of the cloud's registries, without a leading dot.
	LoginServerSuffix string
}

// Clouds are the built-in clouds; the first is the default.
var Clouds = []Cloud{
	{Name: "AzureCloud", Aliases: []string{"AzurePublic", "AzurePublicCloud"}, LoginServerSuffix: "azurecr.io"},
	{Name: "AzureChinaCloud", Aliases: []string{"AzureChina"}, LoginServerSuffix: "azurecr.cn"},
	{Name: "AzureUSGovernment", Aliases: []string{"AzureGovernment"}, LoginServerSuffix: "azurecr.us"},
}

// LookupCloud returns the built-in cloud called name (or one of its aliases), ignoring case;
// "" means the default, AzureCloud.
func LookupCloud(name string) (Cloud, bool) {
	if name == "" {
		return Clouds[0], true
	}
	for _, c := range Clouds {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
		for _, a := range c.Aliases {
			if strings.EqualFold(a, name) {
				return c, true
			}
		}
	}
	return Cloud{}, false
}

// CloudNames returns the names of the built-in clouds, for messages.
func CloudNames() string {
	names := make([]string, len(Clouds))
	for i, c := range Clouds {
		names[i] = c.Name
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// loginServerSuffix returns the login-server suffix of a built-in cloud named as
// [LookupCloud] accepts.
func loginServerSuffix(cloud string) (string, error) {
	c, ok := LookupCloud(cloud)
	if !ok {
		return "", fmt.Errorf("unknown cloud %q: want %s", cloud, CloudNames())
	}
	return c.LoginServerSuffix, nil
}
