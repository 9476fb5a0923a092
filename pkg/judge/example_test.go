package judge_test

import (
	"fmt"

	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/judge"
)

// Decide takes every decision of a run on what a front end gathered: here a Deployment in
// namespace apps that pulls from the registry without the secret, and a Pod elsewhere that
// does not pull from it. The Deployment is to be patched, namespace apps needs a new Secret,
// and the finding that says so is worded by the findings table.
func ExampleDecide() {
	in := judge.Occurrences{Workloads: []judge.Workload{
		{ID: 0, Namespace: "apps", PodSpecs: []judge.PodUse{{Images: []string{"myregistry.azurecr.io/web:1.0"}}}},
		{ID: 1, Namespace: "tools", PodSpecs: []judge.PodUse{{Images: []string{"busybox:1.37"}}}},
	}}
	d := judge.Decide(in, judge.DecideSettings{Registries: []string{"myregistry.azurecr.io"}, SecretName: "acr-secret"})
	for _, pd := range d.Pods {
		fmt.Printf("workload %d pulls from %v; patch: %v\n", pd.ID, pd.Servers, pd.Action == judge.PodPatch)
		f := judge.MissingPullSecret(pd, "spec.template.spec", "", "acr-secret")
		f = f.On(finding.Object{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "apps", Name: "web"}, f.Field)
		f.Resolve(false) // as check sees it
		fmt.Printf("%s %s: %s\n", f.Severity, f.Code, f.Message())
	}
	for _, nd := range d.Namespaces {
		fmt.Printf("namespace %s needs the Secret; existing: %v\n", nd.Namespace, nd.Secret >= 0)
	}
	// Output:
	// workload 0 pulls from [myregistry.azurecr.io]; patch: true
	// problem ACR001: Deployment web in namespace apps (spec.template.spec) pulls from myregistry.azurecr.io but does not reference imagePullSecrets acr-secret
	// namespace apps needs the Secret; existing: false
}
