package tree

import (
	"errors"

	"runtime"
	"sync"
	"sync/atomic"

	"github.com/acrgen/acrgen/internal/crash"
)

// ForEach runs fn(i) for every i in [0, n) on up to GOMAXPROCS goroutines, so GOMAXPROCS=1
// runs them one after another in order. It returns the errors joined in index order: the
// result never depends on which goroutine ran what, or when. Load reads and parses files with
// it; fn must only write to state of its own index. A panic in fn is raised again in the
// caller's goroutine ([crash.Panic]).
func ForEach(n int, fn func(i int) error) error { return forEach(n, runtime.GOMAXPROCS(0), fn) }

func forEach(n, workers int, fn func(i int) error) error {
	errs := make([]error, n)
	if workers = min(workers, n); workers <= 1 {
		for i := range n {
			errs[i] = fn(i)
		}
		return errors.Join(errs...)
	}
	// Each worker takes the next index from a counter: no channel hand-off (and no wake-up of a
	// parked goroutine) per item. A panic in fn stops the workers and is raised again here, in
	// the caller's goroutine, where main can recover it.
	var next atomic.Int64
	var wg sync.WaitGroup
	var panicked crash.First
	for range workers {
		wg.Go(func() {
			panicked.Go(func() {
				for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
					errs[i] = fn(i)
				}
			})
			next.Store(int64(n)) // the others stop after their current item
		})
	}
	wg.Wait()
	panicked.Wait()
	return errors.Join(errs...)
}
