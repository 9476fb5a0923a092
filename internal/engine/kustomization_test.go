package engine

import (
	"testing"

	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/yamledit"
)

// An edit yamledit.Apply refuses reaches the user with the kustomization's name.
func TestFinishKustomizationNamesTheFile(t *testing.T) {
	src := []byte("resources:\n- pod.yaml\n")
	r := &run{
		opts:    Options{Display: func(string) string { return "overlays/prod/kustomization.yaml" }},
		t:       &tree.Tree{Kustomization: &tree.Kustomization{Path: "/abs/overlays/prod/kustomization.yaml", Src: yamledit.NewSource(src)}},
		kustoms: []yamledit.Edit{{Start: 2, End: 8, Text: "x"}, {Start: 4, End: 5, Text: "y"}},
		res:     &Result{},
	}
	err := r.finishKustomization()
	want := "overlays/prod/kustomization.yaml: adding to the kustomization: overlapping or out-of-range edit at byte 4"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if len(r.res.Changes) != 0 {
		t.Errorf("a change was planned: %+v", r.res.Changes)
	}
}
