// Package report renders findings for people and tools: GNU-style text lines that editors'
// problem matchers read, a versioned JSON document (findings.schema.json), SARIF 2.1.0 for code
// scanning, and GitHub Actions workflow commands. Each is a rendering of the same
// [finding.Finding] values; none decides anything.
package report
