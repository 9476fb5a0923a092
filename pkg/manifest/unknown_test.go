package manifest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestImageFields(t *testing.T) {
	doc := `apiVersion: example.com/v1
kind: Thing
metadata:
  name: t
  annotations:
    image: ignored-too
spec:
  image: myregistry.azurecr.io/a:1
  empty: {image: ""}
  null: {image: null}
  nested:
    image:
      repository: myregistry.azurecr.io/chart-style
  operator:
    image: {registry: myregistry.azurecr.io, repository: vm/storage, tag: v1}
  template:
    spec:
      containers:
      - name: a
        image: myregistry.azurecr.io/b:1
      - {name: b, image: "nginx"}
`
	n, err := yaml.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := []ImageField{
		{Path: "metadata.annotations.image", Image: "ignored-too", Line: 6},
		{Path: "spec.image", Image: "myregistry.azurecr.io/a:1", Line: 8},
		{Path: "spec.nested.image.repository", Image: "myregistry.azurecr.io/chart-style", Line: 13},
		{Path: "spec.operator.image.repository", Image: "myregistry.azurecr.io/vm/storage", Line: 15},
		{Path: "spec.template.spec.containers[0].image", Image: "myregistry.azurecr.io/b:1", Line: 20},
		{Path: "spec.template.spec.containers[1].image", Image: "nginx", Line: 21},
	}
	if diff := cmp.Diff(want, ImageFields(n.YNode())); diff != "" {
		t.Errorf("ImageFields (-want +got):\n%s", diff)
	}
}
