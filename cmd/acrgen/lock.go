package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/internal/report"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/urfave/cli/v2"
)

// lockTree takes the lock of DIR, exclusive when the run writes, which also finishes or
// undoes what an interrupted run left there. What that found are the lock's findings (see
// recovered), which the run reports with its own. getenv may be nil.
func lockTree(dir string, writes bool, getenv env) (*tree.Lock, error) {
	guard := tree.GuardAuto
	if getenv != nil && getenv("ACRGEN_TEST_GUARD") == "rename" {
		// A test hook: write every file under the rename guard, as where no lease is granted.
		guard = tree.GuardRename
	}
	lk, err := tree.LockTreeGuarded(dir, writes, strings.Join(os.Args, " "), guard)
	if err != nil {
		return nil, exitFor(err)
	}
	if getenv != nil {
		// A test hook: slow each step of a write down, so that a test can kill acrgen in it.
		if d, err := time.ParseDuration(getenv("ACRGEN_TEST_WRITE_DELAY")); err == nil {
			lk.StepDelay = d
		}
	}
	return lk, nil
}

// recovered are the findings of the lock's finishing of an interrupted run's write
// (ACR071, ACR072), their severities resolved, for the run's report.
func recovered(lk *tree.Lock, writes bool) []finding.Finding {
	out := make([]finding.Finding, len(lk.Warnings))
	for i, f := range lk.Warnings {
		f.Resolve(writes)
		out[i] = f
	}
	return out
}

// printFindings prints findings as text diagnostics (warnings to stderr), for a run that
// ends before its report, or has none in another format.
func printFindings(c *cli.Context, fs []finding.Finding) error {
	if len(fs) == 0 {
		return nil
	}
	rep := &report.Report{Findings: fs, Plain: plainPath()}
	return rep.Write(report.Text, c.App.Writer, c.App.ErrWriter)
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
