package engine_test

import (
	"context"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/internal/tree"
)

// writeResult writes a planned run into dir under its lock, as the CLI does.
func writeResult(dir string, res *engine.Result) error {
	lk, err := tree.LockTree(dir, true, "test")
	if err != nil {
		return err
	}
	defer lk.Unlock()
	return engine.Write(context.Background(), lk, res)
}
