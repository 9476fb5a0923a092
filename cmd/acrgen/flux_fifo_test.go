package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// A FIFO among the files acrgen scans for Flux objects is refused, naming it, as the tree
// loader refuses one: reading it would block forever.
func TestFluxScanSkipsFIFO(t *testing.T) {
	dir, _ := fluxRepo(t)
	t.Chdir(dir)
	if err := testtool.Mkfifo(filepath.Join(dir, "clusters", "prod", "fifo.yaml")); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	done := make(chan result, 1)
	go func() { done <- acrgen(t, "", nil, "check", "clusters", "--registry", "myregistry") }()
	select {
	case r := <-done:
		if r.code != exitUsage || !strings.Contains(r.stderr, "fifo.yaml: not a regular file") {
			t.Fatalf("want exit 2 naming the FIFO, got %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("check blocked on the FIFO")
	}
}
