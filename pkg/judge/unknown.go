package judge

import (
	"fmt"
	"strings"

	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/manifest"
)

// Other is an occurrence of a resource of a kind acrgen does not know as a workload, with
// its image fields (see [manifest.ImageFields]).
type Other struct {
	ID int
	// Namespace is the effective namespace ("" for none).
	Namespace        string
	APIVersion, Kind string
	Images           []manifest.ImageField
}

// UncheckedImage is an image from a configured registry in a resource acrgen does not know as
// a workload: acrgen did not check whether its pods can pull it, and says so.
type UncheckedImage struct {
	// Other indexes Occurrences.Others; ID is that occurrence's ID.
	Other, ID int
	// Server is the registry the image is from.
	Server string
	Field  manifest.ImageField
	// Kind is the resource's KIND.GROUP (KIND for the core group), as --workload takes it.
	Kind string
	// PodSpecPath is the path to the pod spec holding the field, when the field is a
	// container's image; else "".
	PodSpecPath string
}

// UncheckedFinding says what acrgen could not check in one resource and what to do about it:
// us are that resource's unchecked images, in order. Its field is the first image's.
func UncheckedFinding(us []UncheckedImage) finding.Finding {
	const shown = 3
	var fields []string
	decl := us[0].Kind + "=PATH"
	if p := us[0].PodSpecPath; p != "" {
		decl = us[0].Kind + "=" + p
	}
	for i, u := range us {
		if u.PodSpecPath != us[0].PodSpecPath {
			decl = us[0].Kind + "=PATH"
		}
		if i < shown {
			fields = append(fields, finding.Quote(u.Field.Image)+" at "+finding.Quote(u.Field.Path))
		}
	}
	images := "image " + fields[0]
	if len(us) > 1 {
		images = "images " + strings.Join(fields, ", ")
		if len(us) > shown {
			images += fmt.Sprintf(" and %d more", len(us)-shown)
		}
	}
	f := finding.New(finding.ImageUnchecked, images, us[0].Kind, decl)
	f.Field = us[0].Field.Path
	return f
}

// GroupUnchecked splits unchecked images (in the order of the occurrences, as Decide gives
// them) into runs of one resource each.
func GroupUnchecked(us []UncheckedImage) [][]UncheckedImage {
	var out [][]UncheckedImage
	for i := 0; i < len(us); {
		j := i + 1
		for j < len(us) && us[j].Other == us[i].Other {
			j++
		}
		out = append(out, us[i:j])
		i = j
	}
	return out
}

// notWorkloadGroups are API groups whose resources name images without running pods from
// them: Flux's image automation reads the registry with its own secretRef, and a Flux
// HelmRelease's values are judged where HelmReleases are (a chart acrgen cannot see into).
var notWorkloadGroups = map[string]bool{"image.toolkit.fluxcd.io": true, manifest.HelmGroup: true}

// uncheckedImages returns the image fields of other resources in scope that are from a
// configured registry.
func uncheckedImages(others []Other, s DecideSettings, match func(string) hit) []UncheckedImage {
	var out []UncheckedImage
	for i, u := range others {
		group, _, ok := strings.Cut(u.APIVersion, "/")
		if !ok {
			group = "" // the core group: apiVersion is only the version
		}
		if builtinGroup(group) || notWorkloadGroups[group] || manifest.ValidateNamespace(u.Namespace) != nil || !NamespaceAllowed(s.Namespaces, u.Namespace) {
			continue
		}
		for _, f := range u.Images {
			h := match(f.Image)
			if !h.ok {
				continue
			}
			kind := u.Kind
			if group != "" {
				kind += "." + group
			}
			ui := UncheckedImage{Other: i, ID: u.ID, Server: h.server, Field: f, Kind: kind}
			ui.PodSpecPath, _ = podSpecPath(f.Path)
			out = append(out, ui)
		}
	}
	return out
}

// builtinGroup reports an API group of Kubernetes itself: the core group and the other
// groups without a dot, and those under k8s.io. Every kind of theirs that runs pods is among
// the built-in kinds of manifest.NewKinds, so an image field elsewhere in them (a ConfigMap's
// data) is not a pod's.
func builtinGroup(group string) bool {
	return !strings.Contains(group, ".") || strings.HasSuffix(group, ".k8s.io")
}

// podSpecPath returns the path of the pod spec that holds the image field at path, when the
// field is a container's image: the path up to its containers list.
func podSpecPath(path string) (string, bool) {
	for _, list := range []string{"containers", "initContainers", "ephemeralContainers"} {
		if i := strings.LastIndex(path, "."+list+"["); i > 0 && !strings.Contains(path[:i], "[") {
			return path[:i], true
		}
	}
	return "", false
}
