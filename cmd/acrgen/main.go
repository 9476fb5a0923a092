// Command acrgen provisions Azure Container Registry pull credentials, renders them as
// SOPS-encrypted Secrets into a kustomize tree, and patches imagePullSecrets into the tree's
// workloads, leaving the changes for git commit.
package main

import (
	"context"
	"os"

	"github.com/acrgen/acrgen/cmd/acrgen/internal/startgc"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	startgc.Restore()
	// SIGINT and SIGTERM end acrgen at once (nothing is written before the write phase),
	// except while it writes files: that phase stops cleanly or finishes (writeChanges).
	code := run(context.Background(), os.Args, os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	os.Exit(code)
}
