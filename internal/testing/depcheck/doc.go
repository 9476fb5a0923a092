// Package depcheck holds the test that enforces the dependency boundaries DESIGN.md states
// (which package may import sops, the Azure SDK, the filesystem or the network). It has no
// code of its own: run it with `go test ./internal/testing/depcheck`, as `make vet` does.
package depcheck
