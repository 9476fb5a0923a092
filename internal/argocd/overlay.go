package argocd

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/api/pkg/util"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/acrgen/acrgen/internal/tree"
)

// Env is the environment the repo-server gives a build (argo-cd reposerver newEnv):
// ARGOCD_APP_NAME, ARGOCD_APP_NAMESPACE, ARGOCD_APP_REVISION... Image overrides, and label
// values, may use it as ${NAME}.
type Env map[string]string

// Envsubst expands ${NAME} and $NAME as argo-cd's Env.Envsubst does: an unknown name expands
// to nothing, $$ to $.
func (e Env) Envsubst(s string) string {
	return os.Expand(s, func(n string) string {
		if n == "$" {
			return "$"
		}
		return e[n]
	})
}

// overlayFor is what the repo-server writes into the kustomization of dir for k before it
// builds it (argo-cd v3.2 util/kustomize Build, which runs `kustomize edit` in dir): name
// prefix and suffix replace the kustomization's; images are set by name (an entry of the same
// name is replaced, and the list is sorted by name, as `kustomize edit set image` leaves it);
// replicas likewise; labels and annotations are added (a key the kustomization already has
// fails the build unless forced); the namespace replaces the kustomization's; patches are
// appended; components are added unless already listed. Build failures are recorded in the
// returned Failures when Adjust runs (they depend on the kustomization).
func overlayFor(k *Kustomize, dir string, env Env) (*tree.Overlay, *Failures, error) {
	images, err := parseImages(k.Images, env)
	if err != nil {
		return nil, nil, err
	}
	replicas, err := parseReplicas(k.Replicas)
	if err != nil {
		return nil, nil, err
	}
	components, missing := expandComponents(k.Components, dir, k.IgnoreMissingComponents)
	f := &Failures{}
	adjust := func(kus *types.Kustomization) {
		f.reset()
		for _, c := range missing {
			f.add("component %s: no such file or directory", c)
		}
		if k.NamePrefix != "" {
			kus.NamePrefix = k.NamePrefix
		}
		if k.NameSuffix != "" {
			kus.NameSuffix = k.NameSuffix
		}
		if len(images) > 0 {
			kus.Images = setImages(kus.Images, images)
		}
		if len(replicas) > 0 {
			kus.Replicas = setReplicas(kus.Replicas, replicas)
		}
		if len(k.CommonLabels) > 0 {
			labels := map[string]string{}
			for n, v := range k.CommonLabels {
				labels[n] = env.Envsubst(v)
			}
			addLabels(kus, labels, k, f)
		}
		if len(k.CommonAnnotations) > 0 {
			annotations := k.CommonAnnotations
			if k.CommonAnnotationsEnvsubst {
				annotations = map[string]string{}
				for n, v := range k.CommonAnnotations {
					annotations[n] = env.Envsubst(v)
				}
			}
			if kus.CommonAnnotations == nil {
				kus.CommonAnnotations = map[string]string{}
			}
			addTo(kus.CommonAnnotations, annotations, k.ForceCommonAnnotations, "annotation", f)
		}
		if k.Namespace != "" {
			kus.Namespace = k.Namespace
		}
		kus.Patches = append(kus.Patches, k.Patches...)
		for _, c := range components {
			if !slices.Contains(kus.Components, c) {
				kus.Components = append(kus.Components, c)
			}
		}
	}
	return &tree.Overlay{Adjust: adjust}, f, nil
}

// Failures are what makes Argo CD's build of a source fail, found when its overlay is applied.
type Failures struct{ msgs []string }

func (f *Failures) reset() { f.msgs = nil }

func (f *Failures) add(format string, args ...any) {
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}

// List returns the failures of the last application of the overlay.
func (f *Failures) List() []string {
	if f == nil {
		return nil
	}
	return f.msgs
}

// parseImages reads `kustomize edit set image` arguments, as kustomize v5 does.
func parseImages(args []string, env Env) ([]types.Image, error) {
	var out []types.Image
	for _, a := range args {
		a = env.Envsubst(a)
		key, value, hasKey := strings.Cut(a, "=")
		if !hasKey {
			key, value = "", a
		}
		name, tag, digest := util.SplitImageName(value)
		if name == a {
			return nil, fmt.Errorf("kustomize.images: %q is not NAME[=NEWNAME][:TAG][@DIGEST] with a new name, tag or digest: `kustomize edit set image` refuses it", a)
		}
		im := types.Image{NewTag: tag, Digest: digest}
		if hasKey {
			im.Name, im.NewName = key, name
		} else {
			im.Name = name
		}
		out = append(out, im)
	}
	return out, nil
}

// setImages is `kustomize edit set image`: the new entries replace the old ones of the same
// name (a "*" keeps the old value of that part), the others are kept, and the list is sorted
// by name.
func setImages(old, set []types.Image) []types.Image {
	out := setByName(old, set, func(im types.Image) string { return im.Name }, func(n, im types.Image) types.Image {
		if n.NewName == "*" {
			n.NewName = im.NewName
		}
		if n.NewTag == "*" {
			n.NewTag = im.NewTag
		}
		if n.Digest == "*" {
			n.Digest = im.Digest
		}
		return n
	})
	for i := range out {
		for _, p := range []*string{&out[i].NewName, &out[i].NewTag, &out[i].Digest} {
			if *p == "*" {
				*p = ""
			}
		}
	}
	return out
}

// setByName is what `kustomize edit set` does to a list of named entries: an entry of set
// replaces the old one of its name (keep may take parts of the old one), the other old ones
// stay, and the list is sorted by name.
func setByName[T any](old, set []T, name func(T) string, keep func(n, o T) T) []T {
	byName := map[string]T{}
	for _, e := range set {
		byName[name(e)] = e
	}
	for _, o := range old {
		if n, ok := byName[name(o)]; ok {
			byName[name(o)] = keep(n, o)
		} else {
			byName[name(o)] = o
		}
	}
	out := make([]T, 0, len(byName))
	for _, e := range byName {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return name(out[i]) < name(out[j]) })
	return out
}

func parseReplicas(rs []Replica) ([]types.Replica, error) {
	var out []types.Replica
	for _, r := range rs {
		n, err := strconv.ParseInt(r.Count, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("kustomize.replicas: %s: count %q is not a number", r.Name, r.Count)
		}
		out = append(out, types.Replica{Name: r.Name, Count: n})
	}
	return out, nil
}

// setReplicas is `kustomize edit set replicas`: replaced by name, sorted by name.
func setReplicas(old, set []types.Replica) []types.Replica {
	return setByName(old, set, func(r types.Replica) string { return r.Name }, func(n, _ types.Replica) types.Replica { return n })
}

// addLabels is `kustomize edit add label`: into commonLabels, or, without selectors, into the
// labels entry of the same settings.
func addLabels(kus *types.Kustomization, labels map[string]string, k *Kustomize, f *Failures) {
	if !k.LabelWithoutSelector {
		//lint:ignore SA1019 kustomize edit add label still writes the deprecated field
		common := kus.CommonLabels
		if common == nil {
			common = map[string]string{}
		}
		addTo(common, labels, k.ForceCommonLabels, "label", f)
		//lint:ignore SA1019 as above
		kus.CommonLabels = common
		return
	}
	for i, l := range kus.Labels {
		if !l.IncludeSelectors && l.IncludeTemplates == k.LabelIncludeTemplates {
			addTo(kus.Labels[i].Pairs, labels, k.ForceCommonLabels, "label", f)
			return
		}
	}
	pairs := map[string]string{}
	addTo(pairs, labels, true, "label", f)
	kus.Labels = append(kus.Labels, types.Label{Pairs: pairs, IncludeTemplates: k.LabelIncludeTemplates})
}

// addTo adds the pairs to m; a key m has already fails the build unless force is set.
func addTo(m, pairs map[string]string, force bool, what string, f *Failures) {
	keys := make([]string, 0, len(pairs))
	for key := range pairs {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if _, ok := m[key]; ok && !force {
			f.add("%s %s is already in the kustomization: `kustomize edit add %s` fails without force (set forceCommon%ss: true)", what, key, what, strings.ToUpper(what[:1])+what[1:])
			continue
		}
		m[key] = pairs[key]
	}
}

// expandComponents is `kustomize edit add component` in dir: each entry is a glob; one that
// matches nothing is missing (the build fails), unless ignoreMissing drops it, as the
// repo-server does.
func expandComponents(entries []string, dir string, ignoreMissing bool) (found, missing []string) {
	for _, c := range entries {
		matches, err := filepath.Glob(filepath.Join(dir, c))
		if err != nil || len(matches) == 0 {
			if !ignoreMissing {
				missing = append(missing, c)
			}
			continue
		}
		if len(matches) == 1 && matches[0] == filepath.Join(dir, c) {
			found = append(found, c)
			continue
		}
		for _, m := range matches {
			if r, err := filepath.Rel(dir, m); err == nil {
				found = append(found, r)
			}
		}
	}
	return found, missing
}
