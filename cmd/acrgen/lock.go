package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/urfave/cli/v2"
)

// lockTree takes the lock of DIR, exclusive when the run writes, which also finishes or
// undoes what an interrupted run left there. getenv may be nil.
func lockTree(c *cli.Context, dir string, writes bool, getenv env) (*tree.Lock, error) {
	guard := tree.GuardAuto
	if getenv != nil && getenv("ACRGEN_TEST_GUARD") == "rename" {
		// A test hook: write every file under the rename guard, as where no lease is granted.
		guard = tree.GuardRename
	}
	lk, err := tree.LockTreeGuarded(dir, writes, strings.Join(os.Args, " "), guard)
	if err != nil {
		return nil, exitFor(err)
	}
	for _, w := range lk.Warnings {
		fmt.Fprintln(c.App.ErrWriter, "acrgen: warning: "+finding.Quote(w))
	}
	printNotes(c.App.ErrWriter, lk)
	if getenv != nil {
		// A test hook: slow each step of a write down, so that a test can kill acrgen in it.
		if d, err := time.ParseDuration(getenv("ACRGEN_TEST_WRITE_DELAY")); err == nil {
			lk.StepDelay = d
		}
	}
	return lk, nil
}

// printNotes prints what the lock noted about how files were written (which guard, where the
// usual one was refused); a path holding a control character is quoted.
func printNotes(w io.Writer, lk *tree.Lock) {
	for _, n := range lk.TakeNotes() {
		fmt.Fprintln(w, "acrgen: note: "+finding.Quote(n))
	}
}

// writeChanges writes a planned result. SIGINT and SIGTERM stop it cleanly: before the
// commit point nothing is written (exit 130 or 143); after it, the write is finished.
func writeChanges(ctx context.Context, lk *tree.Lock, res *engine.Result) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	got := make(chan os.Signal, 1)
	go func() {
		select {
		case s := <-sigs:
			got <- s
			cancel()
		case <-ctx.Done():
		}
	}()
	err := writeTree(ctx, lk, res)
	if errors.Is(err, tree.ErrInterrupted) {
		code := 130
		select {
		case s := <-got:
			if s == syscall.SIGTERM {
				code = 143
			}
		default:
		}
		return cli.Exit(err.Error(), code)
	}
	var conflict *tree.ConflictError
	var outside *tree.OutsideError
	var input *tree.InputError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &conflict), errors.As(err, &outside), errors.As(err, &input):
		return exitFor(err)
	default:
		return cli.Exit("could not write the tree: "+err.Error()+": fix the cause (permissions, disk space) and run again", exitWrite)
	}
}
