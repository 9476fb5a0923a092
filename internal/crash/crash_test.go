package crash

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
)

// panicIn panics with v; a named function, so that the stack can be looked for it.
func panicIn(v any) { panic(v) }

// A panic in one of several goroutines is raised again by Wait in the waiting goroutine, with
// the stack of the goroutine where it happened; the others' work is not lost.
func TestFirstCarriesAPanicToTheWaitingGoroutine(t *testing.T) {
	var g First
	var wg sync.WaitGroup
	done := make([]bool, 4)
	for i := range 4 {
		wg.Go(func() {
			g.Go(func() {
				if i == 2 {
					panicIn("boom")
				}
				done[i] = true
			})
		})
	}
	wg.Wait()
	p := Capture(g.Wait)
	if p == nil || p.Value != "boom" {
		t.Fatalf("Wait raised %+v, want the goroutine's panic", p)
	}
	if !strings.Contains(string(p.Stack), "crash.panicIn") {
		t.Errorf("the stack is not the panicking goroutine's:\n%s", p.Stack)
	}
	if !done[0] || !done[1] || !done[3] {
		t.Errorf("the other goroutines' work: %v", done)
	}
	var none First
	if p := Capture(none.Wait); p != nil {
		t.Errorf("Wait without a panic raised %+v", p)
	}
}

// The report names the bug, what to send and the runtime's own message, but never a panic
// value that the program made: it may quote a file or a credential.
func TestReportWithholdsValuesItDidNotMake(t *testing.T) {
	const secret = "fake-Passw0rd-for-tests-only"
	for _, c := range []struct {
		name string
		v    any
		want string
	}{
		{"a string", "decrypting: " + secret, "a value of type string (withheld"},
		{"an error", errors.New("parsing password " + secret), "a value of type *errors.errorString (withheld"},
		{"bytes", []byte(secret), "a value of type []uint8 (withheld"},
		{"the runtime's", runtimeError(), "runtime error: index out of range [3] with length 1"},
		{"carried from a goroutine", &Panic{Value: secret, Stack: []byte("goroutine 7 [running]:\n")}, "a value of type string (withheld"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			Report(&b, "v1.2.3", "acrgen render --registry --password-stdin", c.v, []byte("goroutine 1 [running]:\n"))
			out := b.String()
			for _, w := range []string{"acrgen: internal error: this is a bug in acrgen", "https://github.com/acrgen/acrgen/issues", "acrgen v1.2.3", "command: acrgen render --registry --password-stdin", "panic: " + c.want, "goroutine "} {
				if !strings.Contains(out, w) {
					t.Errorf("the report lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, secret) {
				t.Errorf("the report quotes the panic value:\n%s", out)
			}
		})
	}
}

func runtimeError() (v any) {
	defer func() { v = recover() }()
	s := []int{1}
	i := 3
	_ = s[i]
	return nil
}
