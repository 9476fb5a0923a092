package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// countingWriter counts the Write calls it gets: each is a system call on os.Stdout.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

// patch on a tree of many workloads reports every one of them, in a few writes to stdout
// rather than one per line.
func TestPatchReportIsBuffered(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	const n = 300
	for i := range n {
		fmt.Fprintf(&b, "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-%d\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: myregistry.azurecr.io/app:v1\n", i)
	}
	if err := os.WriteFile(filepath.Join(dir, "apps.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var out countingWriter
	var errw bytes.Buffer
	code := run(context.Background(), []string{"acrgen", "patch", "--registry", "myregistry.azurecr.io", dir}, strings.NewReader(""), &out, &errw, func(string) string { return "" })
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errw.String())
	}
	if got := strings.Count(out.String(), "adding imagePullSecrets acr-secret"); got != n {
		t.Fatalf("%d workloads reported, want %d:\n%s", got, n, out.String())
	}
	if !strings.HasSuffix(out.String(), "apps.yaml\n") {
		t.Errorf("the report does not end with the updated file:\n%.300s", out.String()[max(0, out.Len()-300):])
	}
	if out.writes > n/10 {
		t.Errorf("%d writes to stdout for %d lines: the report is not buffered", out.writes, n+1)
	}
}
