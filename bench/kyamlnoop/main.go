// Command kyamlnoop is baseline (a) of acrgen's benchmark: what a plain kyaml editor costs.
//
// It reads every YAML file under DIR with kio.LocalPackageReadWriter, runs a filter that changes
// nothing, and writes the tree back through the same ReadWriter, which rewrites every file it read.
// acrgen patch must beat this on time and memory (see bench/run.sh).
//
//	kyamlnoop DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: kyamlnoop DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	rw := &kio.LocalPackageReadWriter{
		PackagePath:       flag.Arg(0),
		PreserveSeqIndent: true,
		NoDeleteFiles:     true,
	}
	noop := kio.FilterFunc(func(nodes []*yaml.RNode) ([]*yaml.RNode, error) { return nodes, nil })
	err := kio.Pipeline{
		Inputs:  []kio.Reader{rw},
		Filters: []kio.Filter{noop},
		Outputs: []kio.Writer{rw},
	}.Execute()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kyamlnoop:", err)
		os.Exit(1)
	}
}
