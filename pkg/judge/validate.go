package judge

import (
	"fmt"
	"strings"

	"github.com/acrgen/acrgen/pkg/manifest"
)

// UnplacedReason says why an object's namespace ns, which [ValidateNamespace] refused with
// err, keeps acrgen from placing the object, after "metadata.namespace ". refused is what
// acrgen would have to do there (it then refuses the run); empty when nothing in that
// namespace needs the pull secret (acrgen warns and goes on).
func UnplacedReason(ns string, err error, refused string) string {
	vars := manifest.NamespaceVariables(ns)
	if len(vars) == 0 {
		if refused == "" {
			return err.Error() + ": Kubernetes will refuse the object; acrgen leaves it out of its verdict"
		}
		return err.Error()
	}
	names := strings.Join(vars, ", ")
	if refused == "" {
		return fmt.Sprintf("%q holds a variable that nothing acrgen reads substitutes (%s; Flux's postBuild substitutes it when it applies the directory): acrgen cannot tell the namespace, and leaves the object out of its verdict", ns, names)
	}
	return fmt.Sprintf("%q holds a variable that nothing acrgen reads substitutes (%s), and %s: acrgen cannot tell which namespace. Set %s in spec.postBuild.substitute of the Flux Kustomization that applies this directory (or in a ConfigMap of the repository it substitutes from) and run acrgen on the directory holding that Kustomization, or write the namespace out", ns, names, refused, names)
}
