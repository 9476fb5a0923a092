// Package judge is where acrgen takes its decisions, once for both front ends: which pod specs
// and ServiceAccounts must list the pull secret, which namespaces need the Secret, and the
// verdict on each existing Secret ([Decide], [JudgeSecret]); which resources are which
// ([Gather]); and the findings that say so, worded by pkg/finding's table.
//
// The CLI (internal/engine, on source trees) and the KRM function (pkg/fn, on built resources)
// gather [Occurrences] from their input, call Decide, and apply the [Decisions] it returns.
// What only a front end can find out as a side effect (whether an existing Secret decrypts to
// the one wanted, whether it is encrypted for the configured keys) comes in as data, and
// JudgeSecret gives the verdict again once it is known ([SecretVerdict.NeedsFacts]).
//
// It does no I/O: no filesystem, network, clock, environment or encryption (a dependency test
// says so). The manifest model and its edits are pkg/manifest's, the Secret's bytes
// pkg/secret's, the settings pkg/settings'.
package judge
