// Package provision is acrgen's Azure side: steps 1–2 of the manual ACR pull-secret procedure
// (`az acr show`, `az ad sp create-for-rbac --scopes <registry> --role acrpull`,
// `az role assignment create`, `az ad sp credential reset`, `az acr token create`) done with
// the Azure SDK for Go, so that the new credential goes straight into the render step in
// memory and never touches disk or a terminal.
//
// It is the only package that imports the Azure management SDK. ARM calls go through the
// generated armcontainerregistry and armauthorization clients; Microsoft Graph calls go
// through an azcore pipeline with a bearer-token policy for the cloud's Graph scope. Both
// use azcore's retry policy for 429 (honouring Retry-After) and transient 5xx; the
// directory-replication delay that follows creating an application or service principal
// (Graph 404, ARM 400 PrincipalNotFound) is retried by a bounded loop of its own that
// reports each wait.
//
// [Provision] looks up before it creates: a second identical run makes no write call, and
// a run interrupted anywhere resumes without duplicates (the application is upserted by a
// uniqueName derived from its display name; the role assignment name is derived from scope,
// principal and role). Azure never returns an existing secret, so a password is created only
// for a principal or token created in the run, one without an unexpired password, or on
// rotation; otherwise [Result.NeedsPassword] tells the caller to keep the Secret it has.
// Rotation is two-phase: Provision with Rotate adds a password and removes none, and
// [Result.CredentialID] names it for the Secret to record; [Retire], run once the new Secret is
// merged and applied, removes the acrgen passwords no Secret of the tree records.
//
// The role follows the registry's role assignment mode: on a registry in ABAC mode, where
// AcrPull is not honoured, Container Registry Repository Reader with a condition naming the
// tree's repositories. A password refused by the tenant's app management policy is an
// [ErrPolicy] error that names the restriction and what to do.
//
// Clouds are chosen by name or by an `az cloud register --cloud-config` file ([ParseCloud]);
// the same file, with SSL_CERT_FILE trusting its certificate, is how tests point the real
// clients and azidentity at the fake Azure server in internal/testing/fakeazure.
//
// Secrets are held in [Password], which redacts itself when printed; errors summarize Azure
// answers as status, code and message and never include request bodies.
package provision
