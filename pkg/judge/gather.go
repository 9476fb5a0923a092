package judge

import (
	"cmp"
	"strings"

	"github.com/acrgen/acrgen/pkg/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Object is one occurrence of a resource as a front end sees it, for [Gather]: the CLI's tree
// instances and the function's items both come down to this.
type Object struct {
	// ID is the front end's handle on it; the occurrences hand it back.
	ID  int
	Res manifest.Resource
	// Namespace is its effective namespace ("" for none).
	Namespace string
	// PodSpecs are its pod specs (of a ServiceAccount: the account itself), with their
	// effective images and pull secrets.
	PodSpecs []PodUse
	// ImageFields are the image fields of a resource of a kind acrgen does not know as a
	// workload.
	ImageFields []manifest.ImageField
	// InList, Outside and Generated describe a Secret: inside a List item, from outside the
	// directory the CLI writes, made by a kustomize secretGenerator.
	InList, Outside, Generated bool
}

// IsServiceAccount reports a core ServiceAccount (a custom kind of that name is a workload
// kind like any other).
func IsServiceAccount(apiVersion, kind string) bool {
	return apiVersion == "v1" && kind == "ServiceAccount"
}

// IsPullSecret reports whether res is the pull Secret called name: a core Secret of that name,
// or of that name before kustomize's namePrefix/nameSuffix renamed it (the first name of its
// previousNames annotation, which kustomize hands a function).
func IsPullSecret(res manifest.Resource, name string) bool {
	return res.APIVersion == "v1" && res.Kind == "Secret" && (res.Name == name || PreviousName(res.Node) == name)
}

// ReleaseNamespace is the namespace a Flux HelmRelease installs its chart in, and the field
// that sets it: spec.targetNamespace, else its own namespace. err says when it is no namespace
// name (it names the Secret's file).
func ReleaseNamespace(targetNamespace, namespace string) (ns, field string, err error) {
	ns, field = cmp.Or(targetNamespace, namespace), "metadata.namespace"
	if targetNamespace != "" {
		field = "spec.targetNamespace"
	}
	return ns, field, manifest.ValidateNamespace(ns)
}

// Gather sorts the objects into what [Decide] works on: the ServiceAccounts, the pull Secrets
// called name, the workloads with their pod specs, and the resources of kinds acrgen does not
// know that name images. It is the one place that tells them apart, for both front ends.
func Gather(objs []Object, name string) Occurrences {
	var o Occurrences
	for _, obj := range objs {
		res := obj.Res
		if IsServiceAccount(res.APIVersion, res.Kind) {
			a := Account{ID: obj.ID, Namespace: obj.Namespace, Name: res.Name}
			if len(obj.PodSpecs) == 1 {
				a.Secrets = obj.PodSpecs[0].Secrets
			}
			o.ServiceAccounts = append(o.ServiceAccounts, a)
			continue
		}
		if IsPullSecret(res, name) {
			sec := NewExistingSecret(obj.ID, obj.Namespace, res.Node)
			sec.InList, sec.Outside = obj.InList, obj.Outside
			sec.Generated = obj.Generated || madeByGenerator(res.Node)
			o.Secrets = append(o.Secrets, sec)
		}
		if len(obj.PodSpecs) == 0 {
			if len(obj.ImageFields) > 0 {
				o.Others = append(o.Others, Other{ID: obj.ID, Namespace: obj.Namespace, APIVersion: res.APIVersion, Kind: res.Kind, Images: obj.ImageFields})
			}
			continue
		}
		o.Workloads = append(o.Workloads, Workload{ID: obj.ID, Namespace: obj.Namespace, PodSpecs: obj.PodSpecs})
	}
	return o
}

// PreviousName is the first name kustomize records an object had before namePrefix or
// nameSuffix renamed it ("" for none).
func PreviousName(node *yaml.Node) string {
	prev, _, _ := strings.Cut(manifest.Scalar(manifest.MapValue(manifest.MapValue(manifest.MapValue(node, "metadata"), "annotations"), annotationPreviousNames)), ",")
	return prev
}

// kustomize's bookkeeping annotations: the names an object had before namePrefix or
// nameSuffix, and those of an object a generator made.
const (
	annotationPreviousNames     = "internal.config.kubernetes.io/previousNames"
	annotationNeedsHash         = "internal.config.kubernetes.io/needsHashSuffix"
	annotationGeneratorBehavior = "internal.config.kubernetes.io/generatorBehavior"
)

// madeByGenerator reports an object that kustomize says a generator made.
func madeByGenerator(node *yaml.Node) bool {
	a := manifest.MapValue(manifest.MapValue(node, "metadata"), "annotations")
	return manifest.Scalar(manifest.MapValue(a, annotationNeedsHash)) != "" || manifest.Scalar(manifest.MapValue(a, annotationGeneratorBehavior)) != ""
}
