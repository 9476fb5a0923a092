// Command acrgen provisions Azure Container Registry pull credentials, renders them as
// SOPS-encrypted Secrets into a kustomize tree, and patches imagePullSecrets into the tree's
// workloads, leaving the changes for git commit.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/acrgen/acrgen/cmd/acrgen/internal/startgc"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	startgc.Restore()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
