package fn_test

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/acrgen/acrgen/pkg/fn"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// The function on a ResourceList that holds a Deployment pulling from the registry without the
// secret, and the encrypted pull Secret of its namespace (written by acrgen render): the
// Deployment gets imagePullSecrets, the Secret passes through untouched (no credential is
// needed), and the results say so.
func ExampleProcessor() {
	const in = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: apps}
  spec:
    template:
      spec:
        containers:
        - {name: web, image: myregistry.azurecr.io/web:1.0}
- apiVersion: v1
  kind: Secret
  metadata:
    name: acr-secret
    namespace: apps
    annotations: {acrgen.dev/registry: myregistry.azurecr.io}
  type: kubernetes.io/dockerconfigjson
  data: {.dockerconfigjson: "ENC[AES256_GCM,data:ZmFrZQ==,iv:ZmFrZQ==,tag:ZmFrZQ==,type:str]"}
  sops:
    age: [{recipient: age1example, enc: fake}]
    lastmodified: "2026-01-01T00:00:00Z"
    mac: "ENC[AES256_GCM,data:ZmFrZQ==,iv:ZmFrZQ==,tag:ZmFrZQ==,type:str]"
    version: 3.13.3
functionConfig:
  apiVersion: acrgen.dev/v1alpha1
  kind: ACRPullSecret
  metadata: {name: acr-pull-secret}
  spec: {registries: [myregistry]}
`
	var out bytes.Buffer
	p := fn.Processor(fn.Options{Now: func() time.Time { return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) }})
	if err := framework.Execute(p, &kio.ByteReadWriter{Reader: strings.NewReader(in), Writer: &out}); err != nil {
		fmt.Println("error:", err)
	}
	s := out.String()
	fmt.Println(s[strings.Index(s, "        imagePullSecrets"):strings.Index(s, "- apiVersion: v1")])
	for _, line := range strings.Split(s[strings.Index(s, "results:"):], "\n") {
		if msg, ok := strings.CutPrefix(line, "- message: "); ok {
			fmt.Println(msg)
		}
	}
	// Output:
	//         imagePullSecrets:
	//         - name: acr-secret
	//
	// 'Deployment web in namespace apps (spec.template.spec) pulls from myregistry.azurecr.io: adding imagePullSecrets acr-secret'
	// 'Secret acr-secret in namespace apps: registry myregistry.azurecr.io'
	// 'acrgen acr-secret for myregistry.azurecr.io: 1 workload(s) patched; 0 already referenced it; 0 skipped; Secrets: 0 created, 0 replaced, 1 kept; 0 error(s)'
}
