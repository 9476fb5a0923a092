package main

import (
	"fmt"
	"strings"

	"github.com/acrgen/acrgen/internal/scaffold"
	"github.com/urfave/cli/v2"
)

// initCommand scaffolds a repository for acrgen from the embedded templates.
func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "scaffold a repository: .sops.yaml, a kustomization with an ACRPullSecret function config, a Flux Kustomization with SOPS decryption (or, with --argocd, an Argo CD Application and a KSOPS generator), pre-commit hooks and a CI check",
		ArgsUsage: "DIR",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "registry", Aliases: []string{"r"}, Usage: "the registry workloads pull from: a registry name (myregistry) or login server", Required: true},
			&cli.StringSliceFlag{Name: "age", Usage: "age recipient that encrypts the pull Secrets (repeatable): the public key, age1..."},
			&cli.StringSliceFlag{Name: "azure-kv", Usage: "Azure Key Vault key URL that encrypts the pull Secrets (repeatable)"},
			&cli.StringFlag{Name: "path", Value: "apps", Usage: "the kustomization directory inside DIR that Flux applies and the hooks check"},
			&cli.StringFlag{Name: "secret-name", Value: "acr-secret", Usage: "name of the pull Secret"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite files that exist"},
			&cli.BoolFlag{Name: "argocd", Usage: "scaffold for Argo CD: an Application for the directory and a KSOPS generator that decrypts the pull Secret in the repo-server, instead of a Flux Kustomization"},
			&cli.StringFlag{Name: "repo-url", Usage: "with --argocd: the URL Argo CD clones this repository from"},
			&cli.StringFlag{Name: "namespace", Usage: "with --argocd: the Application's destination namespace (default: the directory's name)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cli.Exit(fmt.Sprintf("want exactly one DIR argument, got %d: the repository root to scaffold", c.NArg()), exitUsage)
			}
			dir := c.Args().First()
			opts := scaffold.Options{
				Registry:   c.String("registry"),
				Age:        c.StringSlice("age"),
				AzureKV:    c.StringSlice("azure-kv"),
				Path:       c.String("path"),
				SecretName: c.String("secret-name"),
				Version:    version,
				ArgoCD:     c.Bool("argocd"),
				RepoURL:    c.String("repo-url"),
				Namespace:  c.String("namespace"),
			}
			files, err := scaffold.Render(opts)
			if err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			written, err := scaffold.Write(dir, files, c.Bool("force"))
			if err != nil {
				return cli.Exit(strings.TrimSpace("init: "+err.Error()), exitUsage)
			}
			for _, p := range written {
				fmt.Fprintln(c.App.Writer, "wrote "+p)
			}
			opts.Path = strings.TrimSuffix(files[1].Path, "/kustomization.yaml")
			_, err = fmt.Fprint(c.App.Writer, scaffold.NextSteps(dir, opts))
			return err
		},
	}
}
