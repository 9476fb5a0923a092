package fakeazure

import (
	"fmt"
	"regexp"
	"strings"
)

// condition is a role assignment's ABAC condition (conditionVersion 2.0), in the form the ACR
// docs give for repository permissions: actions the condition guards, and tests on the
// repository name, any of which lets a guarded action through:
//
//	((!(ActionMatches{'<action>'}) AND !(ActionMatches{'<action>'}))
//	 OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase '<repo>'
//	     OR @Request[...:name] StringStartsWithIgnoreCase '<prefix>'))
//
// ("Azure ABAC repository permissions in Azure Container Registry",
// learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions;
// operators: "Azure role assignment condition format and syntax",
// learn.microsoft.com/azure/role-based-access-control/conditions-format). The emulator evaluates
// this form only: it refuses, at assignment time, a condition it could not evaluate, rather
// than guess.
type condition struct {
	guarded []string
	tests   []repoTest
}

type repoTest struct {
	op, value string
}

var (
	actionRE   = regexp.MustCompile(`ActionMatches\{'([^']+)'\}`)
	repoTestRE = regexp.MustCompile(`@Request\[Microsoft\.ContainerRegistry/registries/repositories:name\]\s+(StringEqualsIgnoreCase|StringStartsWithIgnoreCase|StringEquals|StringStartsWith)\s+'([^']*)'`)
	leftover   = regexp.MustCompile(`^[()!\s]*(?:(?:AND|OR|&&|\|\|)[()!\s]*)*$`)
)

func parseCondition(text string) (condition, error) {
	var c condition
	for _, m := range actionRE.FindAllStringSubmatch(text, -1) {
		c.guarded = append(c.guarded, m[1])
	}
	for _, m := range repoTestRE.FindAllStringSubmatch(text, -1) {
		c.tests = append(c.tests, repoTest{m[1], m[2]})
	}
	rest := repoTestRE.ReplaceAllString(actionRE.ReplaceAllString(text, ""), "")
	if len(c.guarded) == 0 || len(c.tests) == 0 || !leftover.MatchString(rest) {
		return condition{}, fmt.Errorf("fakeazure evaluates only conditions that guard ActionMatches{...} actions with tests on the repository name")
	}
	return c, nil
}

// allowsPull reports whether the condition lets a pull (content/read) of repo through.
func (c condition) allowsPull(repo string) bool {
	const pull = "Microsoft.ContainerRegistry/registries/repositories/content/read"
	guarded := false
	for _, a := range c.guarded {
		if strings.EqualFold(a, pull) {
			guarded = true
		}
	}
	if !guarded {
		return true
	}
	for _, t := range c.tests {
		switch t.op {
		case "StringEqualsIgnoreCase":
			if strings.EqualFold(repo, t.value) {
				return true
			}
		case "StringEquals":
			if repo == t.value {
				return true
			}
		case "StringStartsWithIgnoreCase":
			if strings.HasPrefix(strings.ToLower(repo), strings.ToLower(t.value)) {
				return true
			}
		case "StringStartsWith":
			if strings.HasPrefix(repo, t.value) {
				return true
			}
		}
	}
	return false
}
