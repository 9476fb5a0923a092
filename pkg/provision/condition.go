package provision

import (
	"strings"
)

// The ABAC condition acrgen puts on a Container Registry Repository Reader assignment, in the
// pattern the ACR docs use ("Azure ABAC repository permissions in Azure Container Registry",
// learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions;
// condition syntax: learn.microsoft.com/azure/role-based-access-control/conditions-format):
// the pull actions (content/read and metadata/read on repositories) are allowed only when the
// repository name is one of the tree's; a repository ending in "/*" is a prefix.
const (
	repoContentRead  = "Microsoft.ContainerRegistry/registries/repositories/content/read"
	repoMetadataRead = "Microsoft.ContainerRegistry/registries/repositories/metadata/read"
	repoNameAttr     = "@Request[Microsoft.ContainerRegistry/registries/repositories:name]"
)

// pullCondition is the condition (conditionVersion 2.0) allowing pull on repos only. The
// repositories are sorted, so the same set always gives the same text.
func pullCondition(repos []string) string {
	var tests []string
	for _, repo := range sortedRepos(repos) {
		if prefix, ok := strings.CutSuffix(repo, "*"); ok {
			tests = append(tests, repoNameAttr+" StringStartsWithIgnoreCase '"+prefix+"'")
		} else {
			tests = append(tests, repoNameAttr+" StringEqualsIgnoreCase '"+repo+"'")
		}
	}
	return "((!(ActionMatches{'" + repoContentRead + "'}) AND !(ActionMatches{'" + repoMetadataRead + "'})) OR (" +
		strings.Join(tests, " OR ") + "))"
}

// sameCondition compares conditions as Azure may return them: whitespace differs.
func sameCondition(a, b string) bool {
	return strings.Join(strings.Fields(a), "") == strings.Join(strings.Fields(b), "")
}
