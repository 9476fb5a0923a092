package engine_test

import (
	"context"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/internal/tree"
)

// writeResult writes a planned run of dir under its lock, as the CLI does: the lock of the
// trees it works on, and the directories the plan may write in.
func writeResult(dir string, res *engine.Result) error {
	root, err := tree.LockRoot([]string{dir}, "")
	if err != nil {
		return err
	}
	lk, err := tree.LockTree(root, true, "test")
	if err != nil {
		return err
	}
	defer lk.Unlock()
	if err := lk.Allow(res.Roots); err != nil {
		return err
	}
	return engine.Write(context.Background(), lk, res)
}
