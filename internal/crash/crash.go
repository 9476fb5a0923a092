// Package crash carries a panic from a goroutine acrgen starts to the goroutine that waits for
// it, and reports one as an internal error without repeating what it may hold.
//
// A panic in a goroutine other than main's ends the process before main can recover it. So each
// worker runs its work through [Capture], and whoever waits for the workers re-panics with the
// first [*Panic] once they are done ([Wait]): main's recover then sees it, with the stack of the
// goroutine where it happened.
package crash

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sync"
)

// Panic is a panic caught in a goroutine: its value and the stack where it happened.
type Panic struct {
	Value any
	Stack []byte
}

// Capture runs f and returns the panic it raised, if any (nil otherwise).
func Capture(f func()) (p *Panic) {
	defer func() {
		if v := recover(); v != nil {
			if fwd, ok := v.(*Panic); ok {
				p = fwd // already carried from a goroutine below
				return
			}
			p = &Panic{Value: v, Stack: debug.Stack()}
		}
	}()
	f()
	return nil
}

// First keeps the first panic of a group of goroutines.
type First struct {
	once sync.Once
	p    *Panic
}

// Go runs f, keeping its panic if it is the first; it returns whether f panicked.
func (g *First) Go(f func()) bool {
	p := Capture(f)
	if p != nil {
		g.once.Do(func() { g.p = p })
	}
	return p != nil
}

// Wait re-panics, in the calling goroutine, with the first panic kept (if any). Call it once
// the goroutines are done.
func (g *First) Wait() {
	if g.p != nil {
		panic(g.p)
	}
}

// Report writes to w the internal-error report of the panic v (recovered in main, with stack
// the stack there) and returns nothing: the caller exits with its own code. The report says
// that this is a bug, what to send (version, platform, command and flag names, the panic, the
// stack), and never the panic's value itself unless the Go runtime made it (a nil dereference,
// an index out of range): any other value may quote a file or a credential. command is the
// subcommand and the names of the flags given (never their values).
func Report(w io.Writer, version, command string, v any, stack []byte) {
	if p, ok := v.(*Panic); ok {
		v, stack = p.Value, p.Stack
	}
	fmt.Fprintln(w, "acrgen: internal error: this is a bug in acrgen, not a problem with your files or flags")
	fmt.Fprintln(w, "acrgen: please report it at https://github.com/acrgen/acrgen/issues with the lines below (they hold no file contents or credentials)")
	fmt.Fprintf(w, "acrgen %s, %s/%s, %s, command: %s\n", version, runtime.GOOS, runtime.GOARCH, runtime.Version(), command)
	fmt.Fprintf(w, "panic: %s\n\n%s", describe(v), stack)
}

// String describes the panic as [Report] does, without its value: what the Go runtime prints
// when nothing recovers it.
func (p *Panic) String() string { return "panic in a goroutine: " + describe(p.Value) }

// describe says what panicked: the runtime's own message, or only the value's type.
func describe(v any) string {
	var re runtime.Error
	if err, ok := v.(error); ok && errors.As(err, &re) {
		return re.Error()
	}
	return fmt.Sprintf("a value of type %T (withheld: it may quote a file or a credential)", v)
}
