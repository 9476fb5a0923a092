// Package templates holds the files `acrgen init` scaffolds a repository from, as Go
// text/templates embedded in the binary. They hold shapes only: the values filled in are the
// registry, recipients, directory and secret name, never a credential.
package templates

import "embed"

// FS holds the templates, one per scaffolded file; internal/scaffold names them.
//
//go:embed *.tmpl
var FS embed.FS
