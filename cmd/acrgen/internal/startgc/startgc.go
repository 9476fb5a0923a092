// Package startgc pauses the garbage collector while the program's packages initialise.
//
// acrgen links the sops library, and with it the SDKs of every key service sops supports: some
// five hundred packages whose init functions allocate enough to run the collector several
// times before main starts, for nothing (almost all of it stays live). Go initialises packages
// in import-path order among those whose imports are ready, so this small package runs early;
// main calls Restore first thing.
package startgc

import "runtime/debug"

var percent = debug.SetGCPercent(-1)

// Restore puts the collector back as the environment (GOGC) set it.
func Restore() { debug.SetGCPercent(percent) }
