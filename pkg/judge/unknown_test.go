package judge

import (
	"testing"

	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/google/go-cmp/cmp"
)

func TestPodSpecPath(t *testing.T) {
	for path, want := range map[string]string{
		"spec.template.spec.containers[0].image":                      "spec.template.spec",
		"spec.jobTemplate.spec.template.spec.initContainers[2].image": "spec.jobTemplate.spec.template.spec",
		"spec.ephemeralContainers[0].image":                           "spec",
		"spec.image":                                                  "",
		"spec.templates[0].containers[0].image":                       "", // the pod spec sits in a list: no single path
		"containers[0].image":                                         "",
	} {
		got, _ := podSpecPath(path)
		if got != want {
			t.Errorf("podSpecPath(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestUncheckedFinding(t *testing.T) {
	rollout := func(path, image string) UncheckedImage {
		return UncheckedImage{Kind: "Rollout.argoproj.io", PodSpecPath: "spec.template.spec", Field: manifest.ImageField{Path: path, Image: image}}
	}
	one := rollout("spec.template.spec.containers[0].image", "myregistry.azurecr.io/web:1")
	web := finding.Object{Kind: "Rollout", Name: "web"}
	if got, want := message(UncheckedFinding([]UncheckedImage{one}).On(web, "")), "Rollout web has image myregistry.azurecr.io/web:1 at spec.template.spec.containers[0].image, but Rollout.argoproj.io is not a workload kind acrgen knows, so its pull secrets were not checked: if it runs pods, declare the kind with --workload Rollout.argoproj.io=spec.template.spec (workloads: in the function config; PATH leads to the pod spec)"; got != want {
		t.Errorf("one image:\n got %s\nwant %s", got, want)
	}
	other := UncheckedImage{Kind: "Rollout.argoproj.io", Field: manifest.ImageField{Path: "spec.image", Image: "myregistry.azurecr.io/c"}}
	many := []UncheckedImage{one, rollout("spec.template.spec.initContainers[0].image", "myregistry.azurecr.io/i"), other, rollout("spec.template.spec.containers[1].image", "myregistry.azurecr.io/d")}
	if got, want := message(UncheckedFinding(many).On(web, "")), "Rollout web has images myregistry.azurecr.io/web:1 at spec.template.spec.containers[0].image, myregistry.azurecr.io/i at spec.template.spec.initContainers[0].image, myregistry.azurecr.io/c at spec.image and 1 more, but Rollout.argoproj.io is not a workload kind acrgen knows, so its pull secrets were not checked: if it runs pods, declare the kind with --workload Rollout.argoproj.io=PATH (workloads: in the function config; PATH leads to the pod spec)"; got != want {
		t.Errorf("several images, two pod spec paths:\n got %s\nwant %s", got, want)
	}
}

// message is a finding's message and hint, as the function's results show them.
func message(f finding.Finding) string { return f.Message() + ": " + f.Hint() }

func TestGroupUnchecked(t *testing.T) {
	us := []UncheckedImage{{Other: 0}, {Other: 0}, {Other: 2}, {Other: 3}, {Other: 3}}
	var got []int
	for _, g := range GroupUnchecked(us) {
		got = append(got, len(g))
	}
	if diff := cmp.Diff([]int{2, 1, 2}, got); diff != "" {
		t.Errorf("group sizes (-want +got):\n%s", diff)
	}
	if GroupUnchecked(nil) != nil {
		t.Error("no unchecked images: no groups")
	}
}
