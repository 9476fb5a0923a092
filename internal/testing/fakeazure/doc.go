// Package fakeazure is an in-memory emulator of the few Azure APIs acrgen uses: the Entra ID
// (AAD v2) client-credentials token endpoint and its OpenID discovery document, the Azure
// Resource Manager APIs for container registries, scope maps, ACR tokens, role definitions
// and role assignments, the Microsoft Graph v1.0 applications and servicePrincipals APIs, and
// each registry's data plane (ACR's token flow in front of go-containerregistry's in-memory
// registry; see dataplane.go), which lets pull only what the control plane's state allows.
//
// It exists so that tests (and `make demo`, where it is announced as an emulator) can run the
// real Azure SDK clients, the real azcore pipeline and azidentity against something that
// behaves like Azure, over TLS, without a tenant. [Start] serves it on a local
// httptest TLS server and writes two files: the server's CA certificate (for SSL_CERT_FILE)
// and a custom cloud file in the shape `az cloud register --cloud-config` accepts, which
// points the authority, ARM and Graph at the emulator.
//
// The emulator keeps its state in memory, logs every call (method, path, status) and can
// inject the failures real Azure produces: directory replication delay after creating an
// application or service principal, 429 with Retry-After, transient 5xx and 403.
//
// It is test infrastructure: it is not Azure, it accepts any request that is well formed,
// and it is never used by the acrgen binary.
package fakeazure
