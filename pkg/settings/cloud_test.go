package settings

import (
	"strings"
	"testing"
)

func TestLoginServerSuffix(t *testing.T) {
	for _, tc := range []struct{ cloud, want, err string }{
		{"", "azurecr.io", ""},
		{"AzureCloud", "azurecr.io", ""},
		{"azurecloud", "azurecr.io", ""},
		{"AZUREPUBLIC", "azurecr.io", ""},
		{"azurepubliccloud", "azurecr.io", ""},
		{"AzureChinaCloud", "azurecr.cn", ""},
		{"azurechina", "azurecr.cn", ""},
		{"azureusgovernment", "azurecr.us", ""},
		{"AzureGovernment", "azurecr.us", ""},
		{"AzureMoon", "", `unknown cloud "AzureMoon": want AzureCloud, AzureChinaCloud or AzureUSGovernment`},
		{"azurecr.io", "", `unknown cloud "azurecr.io"`},
	} {
		got, err := loginServerSuffix(tc.cloud)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("loginServerSuffix(%q) error = %v, want %q", tc.cloud, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("loginServerSuffix(%q) = %q, %v; want %q", tc.cloud, got, err, tc.want)
		}
	}
}

// Every name and alias is unique ignoring case, so a lookup can never be ambiguous.
func TestCloudNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Clouds {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if k := strings.ToLower(n); seen[k] {
				t.Errorf("cloud name %q is listed twice", n)
			} else {
				seen[k] = true
			}
		}
	}
}
