// Package argoproof builds Argo CD Applications with Argo CD's own code, for the tests that
// prove internal/argocd against it. It lives in a module of its own (see go.mod): argo-cd
// cannot be linked into acrgen's module, and acrgen's binary must not link it anyway.
package argoproof

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/reposerver/apiclient"
	"github.com/argoproj/argo-cd/v3/reposerver/repository"
	"github.com/argoproj/argo-cd/v3/util/git"
	utilio "github.com/argoproj/argo-cd/v3/util/io"
	"github.com/sirupsen/logrus"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// Decode reads an Application with argo-cd's own API types. Unknown fields are dropped, as
// the API server prunes them from a custom resource.
func Decode(b []byte) (*v1alpha1.Application, error) {
	var app v1alpha1.Application
	if err := yaml.Unmarshal(b, &app); err != nil {
		return nil, err
	}
	return &app, nil
}

// Quiet silences argo-cd's loggers (it logs every command it runs, and each failure that
// Build returns as an error anyway).
func Quiet() {
	logrus.SetOutput(io.Discard)
	// The exec tracer makes a logger of its own, from this variable (util/log createLogLevel).
	os.Setenv("ARGOCD_LOG_LEVEL", "error")
}

// Build returns what Argo CD applies for source i of app (spec.source, or spec.sources[i])
// from the repository at repo, built on a fresh copy of it (the repo-server works on its own
// checkout, and its kustomize runner edits the kustomization in place):
//
//   - the repo-server's manifest generation, argo-cd v3.2.12 reposerver/repository
//     GenerateManifests: the .argocd-source files merged into the source, the source type,
//     and for a kustomize source util/kustomize's Build (its `kustomize edit` commands, then
//     `kustomize build` with buildOptions) run with the kustomize binary at kustomize;
//   - then the application controller's namespace rule (argo-cd v3.2.12 controller/state.go,
//     DeduplicateTargetObjects): a namespaced resource without a namespace gets the
//     destination namespace, a cluster-scoped one loses its namespace. That rule is written
//     out in Namespace, because argo-cd's controller package does not build against this
//     module's dependencies (its controller/cache needs a settings function of another
//     version).
func Build(t testing.TB, app *v1alpha1.Application, i int, repo, kustomize, buildOptions string) ([]*unstructured.Unstructured, error) {
	t.Helper()
	src := app.Spec.GetSource()
	if app.Spec.HasMultipleSources() {
		src = app.Spec.Sources[i]
	}
	root := filepath.Join(t.TempDir(), "checkout")
	testtool.CopyTree(t, repo, root)
	q := &apiclient.ManifestRequest{
		Repo:              &v1alpha1.Repository{Repo: src.RepoURL},
		AppName:           app.Name,
		Namespace:         app.Spec.Destination.Namespace,
		ProjectName:       app.Spec.Project,
		ApplicationSource: src.DeepCopy(),
		KustomizeOptions:  &v1alpha1.KustomizeOptions{BinaryPath: kustomize, BuildOptions: buildOptions},
	}
	tmp := filepath.Join(t.TempDir(), "helm")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return nil, err
	}
	res, err := repository.GenerateManifests(context.Background(), filepath.Join(root, src.Path), root, "0000000000000000000000000000000000000000", q, false, git.NoopCredsStore{}, resource.MustParse("100M"), utilio.NewRandomizedTempPaths(tmp))
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	for _, m := range res.Manifests {
		var o unstructured.Unstructured
		if err := o.UnmarshalJSON([]byte(m)); err != nil {
			return nil, fmt.Errorf("reading the repo-server's manifest: %w", err)
		}
		Namespace(&o, app.Spec.Destination.Namespace)
		objs = append(objs, &o)
	}
	return objs, nil
}

// clusterScoped are the kinds of the built-in API that are cluster-scoped, among those the
// tests build; the controller asks the cluster, and counts a kind it does not know as
// namespaced (kubeutil.IsNamespacedOrUnknown).
var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "ClusterRole": true, "ClusterRoleBinding": true,
	"CustomResourceDefinition": true, "StorageClass": true, "PriorityClass": true, "IngressClass": true,
	"ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true, "APIService": true,
}

// Namespace applies the controller's namespace rule to o (see Build).
func Namespace(o *unstructured.Unstructured, destination string) {
	if clusterScoped[o.GetKind()] {
		o.SetNamespace("")
	} else if o.GetNamespace() == "" {
		o.SetNamespace(destination)
	}
}
