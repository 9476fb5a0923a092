package provision

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

const (
	moduleName    = "github.com/acrgen/acrgen/pkg/provision"
	moduleVersion = "v0.1.0"
)

// graph is a minimal Microsoft Graph v1.0 client on an azcore pipeline: bearer token for
// the cloud's Graph scope, azcore's retry policy (429 Retry-After, 5xx), logging with header
// redaction. Request and response bodies are never logged or put into errors.
type graph struct {
	pl   runtime.Pipeline
	base string // e.g. https://graph.microsoft.com/v1.0
}

func newGraph(cred azcore.TokenCredential, c Cloud, o azcore.ClientOptions) (*graph, error) {
	bearer := runtime.NewBearerTokenPolicy(cred, []string{c.graphScope()}, &policy.BearerTokenOptions{
		InsecureAllowCredentialWithHTTP: o.InsecureAllowCredentialWithHTTP,
	})
	cl, err := azcore.NewClient(moduleName+"/graph", moduleVersion, runtime.PipelineOptions{PerRetry: []policy.Policy{bearer}}, &o)
	if err != nil {
		return nil, fmt.Errorf("creating the Microsoft Graph client: %w", err)
	}
	return &graph{pl: cl.Pipeline(), base: strings.TrimRight(c.GraphEndpoint, "/") + "/v1.0"}, nil
}

// odataString quotes s as an OData string literal.
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// filterQuery builds a $filter query with spaces as %20 (Graph rejects "+").
func filterQuery(f string) string {
	return "$filter=" + strings.ReplaceAll(url.QueryEscape(f), "+", "%20")
}

// altKey builds an alternate-key path segment such as applications(uniqueName='x').
func altKey(coll, key, val string) string {
	return coll + "(" + key + "='" + url.PathEscape(strings.ReplaceAll(val, "'", "''")) + "')"
}

// do sends one request. path is relative to /v1.0; body and out are JSON; ok lists the
// accepted statuses. Errors are *azcore.ResponseError for non-accepted statuses.
func (g *graph) do(ctx context.Context, method, path, rawQuery string, hdr http.Header, body, out any, ok ...int) (*http.Response, error) {
	req, err := runtime.NewRequest(ctx, method, g.base+"/"+strings.TrimPrefix(path, "/"))
	if err != nil {
		return nil, err
	}
	req.Raw().URL.RawQuery = rawQuery
	for k, v := range hdr {
		req.Raw().Header[k] = v
	}
	if body != nil {
		if err := runtime.MarshalAsJSON(req, body); err != nil {
			return nil, err
		}
	}
	resp, err := g.pl.Do(req)
	if err != nil {
		return nil, err
	}
	if !runtime.HasStatusCode(resp, ok...) {
		return resp, runtime.NewResponseError(resp)
	}
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := runtime.UnmarshalAsJSON(resp, out); err != nil {
			return resp, fmt.Errorf("decoding the Microsoft Graph response: %w", err)
		}
	}
	return resp, nil
}

// list follows @odata.nextLink and returns every item.
func list[T any](ctx context.Context, g *graph, path, rawQuery string) ([]T, error) {
	var all []T
	next := g.base + "/" + path + "?" + rawQuery
	for next != "" {
		req, err := runtime.NewRequest(ctx, http.MethodGet, next)
		if err != nil {
			return nil, err
		}
		resp, err := g.pl.Do(req)
		if err != nil {
			return nil, err
		}
		if !runtime.HasStatusCode(resp, http.StatusOK) {
			return nil, runtime.NewResponseError(resp)
		}
		var page struct {
			Value    []T    `json:"value"`
			NextLink string `json:"@odata.nextLink"`
		}
		if err := runtime.UnmarshalAsJSON(resp, &page); err != nil {
			return nil, fmt.Errorf("decoding the Microsoft Graph response: %w", err)
		}
		all = append(all, page.Value...)
		next = page.NextLink
	}
	return all, nil
}

// passwordCredential is a password on an application, as Graph returns it on reads:
// secretText is never returned on reads, and this type does not even hold it.
type passwordCredential struct {
	KeyID       string     `json:"keyId"`
	DisplayName *string    `json:"displayName"`
	Start       *time.Time `json:"startDateTime"`
	End         *time.Time `json:"endDateTime"`
}

type application struct {
	ID                  string               `json:"id"`
	AppID               string               `json:"appId"`
	DisplayName         string               `json:"displayName"`
	PasswordCredentials []passwordCredential `json:"passwordCredentials"`
}

type servicePrincipal struct {
	ID                     string               `json:"id"`
	AppID                  string               `json:"appId"`
	DisplayName            string               `json:"displayName"`
	AppOwnerOrganizationID string               `json:"appOwnerOrganizationId"`
	PasswordCredentials    []passwordCredential `json:"passwordCredentials"`
}

// newSecret is the addPassword response: the only place Graph returns a secret.
type newSecret struct {
	KeyID      string    `json:"keyId"`
	SecretText string    `json:"secretText"`
	End        time.Time `json:"endDateTime"`
}

const (
	appSelect = "$select=id,appId,displayName,passwordCredentials"
	spSelect  = "$select=id,appId,displayName,appOwnerOrganizationId,passwordCredentials"
)

func (g *graph) listApplications(ctx context.Context, f string) ([]application, error) {
	return list[application](ctx, g, "applications", filterQuery(f)+"&"+appSelect)
}

func (g *graph) listServicePrincipals(ctx context.Context, f string) ([]servicePrincipal, error) {
	return list[servicePrincipal](ctx, g, "servicePrincipals", filterQuery(f)+"&"+spSelect)
}

func (g *graph) getApplication(ctx context.Context, segment string) (*application, error) {
	var a application
	if _, err := g.do(ctx, http.MethodGet, segment, appSelect, nil, nil, &a, http.StatusOK); err != nil {
		return nil, err
	}
	return &a, nil
}

func (g *graph) getServicePrincipal(ctx context.Context, segment string) (*servicePrincipal, error) {
	var p servicePrincipal
	if _, err := g.do(ctx, http.MethodGet, segment, spSelect, nil, nil, &p, http.StatusOK); err != nil {
		return nil, err
	}
	return &p, nil
}

var createIfMissing = http.Header{"Prefer": []string{"create-if-missing"}}

// upsertApplication creates the application with this uniqueName unless it exists
// (PATCH applications(uniqueName=...) with Prefer: create-if-missing), so retries and reruns
// never create a second one. It returns the application when Graph created it (201), or nil
// when it already existed (204).
func (g *graph) upsertApplication(ctx context.Context, uniqueName, displayName string) (*application, error) {
	var a application
	resp, err := g.do(ctx, http.MethodPatch, altKey("applications", "uniqueName", uniqueName), "", createIfMissing,
		map[string]any{"displayName": displayName, "signInAudience": "AzureADMyOrg",
			"notes": "Created by acrgen to pull images from Azure Container Registry."},
		&a, http.StatusCreated, http.StatusNoContent, http.StatusOK)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusNoContent || a.ID == "" {
		return nil, nil
	}
	return &a, nil
}

// upsertServicePrincipal creates the application's service principal unless it exists, like
// upsertApplication.
func (g *graph) upsertServicePrincipal(ctx context.Context, appID string) (*servicePrincipal, error) {
	var p servicePrincipal
	resp, err := g.do(ctx, http.MethodPatch, altKey("servicePrincipals", "appId", appID), "", createIfMissing,
		map[string]any{"accountEnabled": true}, &p, http.StatusCreated, http.StatusNoContent, http.StatusOK)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusNoContent || p.ID == "" {
		return nil, nil
	}
	return &p, nil
}

// addPassword adds a password credential to the application. startDateTime is left to
// Graph (now, by its clock), so a fast local clock cannot make the secret not yet valid.
func (g *graph) addPassword(ctx context.Context, appObjectID, label string, end time.Time) (*newSecret, error) {
	var s newSecret
	body := map[string]any{"passwordCredential": map[string]any{
		"displayName": label,
		"endDateTime": end.UTC().Format(time.RFC3339),
	}}
	if _, err := g.do(ctx, http.MethodPost, "applications/"+url.PathEscape(appObjectID)+"/addPassword", "", nil, body, &s, http.StatusOK, http.StatusCreated); err != nil {
		return nil, err
	}
	if s.SecretText == "" || s.KeyID == "" {
		return nil, fmt.Errorf("the Microsoft Graph response holds no secret")
	}
	return &s, nil
}

func (g *graph) removePassword(ctx context.Context, appObjectID, keyID string) error {
	_, err := g.do(ctx, http.MethodPost, "applications/"+url.PathEscape(appObjectID)+"/removePassword", "", nil,
		map[string]any{"keyId": keyID}, nil, http.StatusOK, http.StatusNoContent)
	return err
}
