// Command fakeazure serves the fakeazure Azure EMULATOR (not Azure) until it is killed, for
// `make demo` and for trying acrgen offline. It prints where its cloud file, CA certificate
// and environment file are; `. env.sh` then points acrgen at it:
//
//	fakeazure -dir /tmp/fake -registry myregistry -image myregistry.azurecr.io/app:v1 &
//	. /tmp/fake/env.sh
//	acrgen provision --cloud "$FAKEAZURE_CLOUD_FILE" --registry myregistry ...
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/acrgen/acrgen/internal/testing/fakeazure"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var (
		opts       fakeazure.Options
		registries list
		abac       list
		images     list
		replDelay  int
	)
	flag.StringVar(&opts.Dir, "dir", "", "directory for ca.pem, cloud.json and env.sh (default: a new temporary directory)")
	flag.StringVar(&opts.Addr, "addr", "127.0.0.1:0", "listen address")
	flag.Var(&registries, "registry", "a registry to create, NAME or RESOURCEGROUP/NAME (repeatable)")
	flag.Var(&abac, "abac", "a registry (by name) in ABAC mode, RBAC Registry + ABAC Repository Permissions (repeatable)")
	flag.Var(&images, "image", "an image to hold, LOGINSERVER/REPOSITORY:TAG (repeatable)")
	flag.IntVar(&replDelay, "replication-delay", 0, "hide new applications and service principals from the next N calls that depend on them")
	flag.Parse()

	for _, r := range registries {
		rg, name, ok := strings.Cut(r, "/")
		if !ok {
			rg, name = "", r
		}
		opts.Registries = append(opts.Registries, fakeazure.Registry{ResourceGroup: rg, Name: name})
	}
	srv, err := fakeazure.Start(opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fakeazure: error: %v\n", err)
		os.Exit(1)
	}
	defer srv.Close()
	srv.SetReplicationDelay(replDelay)
	for _, r := range abac {
		if err := srv.SetRoleAssignmentMode(r, fakeazure.RoleModeABAC); err != nil {
			fmt.Fprintf(os.Stderr, "fakeazure: error: %v\n", err)
			os.Exit(1)
		}
	}
	for _, img := range images {
		host, rest, _ := strings.Cut(img, "/")
		repo, tag, ok := strings.Cut(rest, ":")
		if !ok {
			fmt.Fprintf(os.Stderr, "fakeazure: error: -image %q: want LOGINSERVER/REPOSITORY:TAG\n", img)
			os.Exit(1)
		}
		if _, err := srv.PushImage(host, repo, tag); err != nil {
			fmt.Fprintf(os.Stderr, "fakeazure: error: %v\n", err)
			os.Exit(1)
		}
	}

	fmt.Printf("fakeazure: Azure EMULATOR (not Azure) listening on %s\n", srv.URL())
	fmt.Printf("cloud file: %s\n", srv.CloudFile())
	fmt.Printf("CA file:    %s\n", srv.CAFile())
	fmt.Printf("env file:   %s\n", srv.EnvFile())
	fmt.Printf("registries' data plane through the proxy %s (HTTPS_PROXY in the env file)\n", srv.ProxyURL())
	for _, r := range srv.Registries() {
		fmt.Printf("registry:   %s (%s)\n", r.Name, r.LoginServer)
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	writes := srv.WriteCalls()
	fmt.Printf("fakeazure: stopping after %d calls (%d writes)\n", len(srv.Calls()), writes)
}
