package search

import (
	"runtime/debug"
	"sync"
)

// The garbage collector during a rebuild: analysis and segment building
// allocate several times the documents' size, most of it short-lived, and
// with the default GOGC the collector ran every few megabytes (a fifth of
// the rebuild's CPU time, counting the preemptions it asks for). A rebuild
// lets the heap grow further between collections (rebuildGCPercent), but
// not beyond rebuildMemoryLimit of memory in all (a soft limit, which the
// runtime keeps by collecting sooner), and then puts both settings back
// and returns the memory it no longer uses to the system.
const (
	rebuildGCPercent   = 400
	rebuildMemoryLimit = 320 << 20
)

var rebuildGC struct {
	sync.Mutex
	users   int
	percent int
	limit   int64
}

// tuneGCForRebuild applies the rebuild's collector settings until the
// returned function is called. Settings already more frugal (GOGC or
// GOMEMLIMIT lower than a rebuild's) are kept.
func tuneGCForRebuild() (restore func()) {
	g := &rebuildGC
	g.Lock()
	defer g.Unlock()
	if g.users == 0 {
		g.percent = debug.SetGCPercent(rebuildGCPercent)
		if g.percent < 0 || g.percent >= rebuildGCPercent {
			debug.SetGCPercent(g.percent)
		}
		g.limit = debug.SetMemoryLimit(-1) // reads it
		debug.SetMemoryLimit(min(g.limit, rebuildMemoryLimit))
	}
	g.users++
	return sync.OnceFunc(func() {
		g.Lock()
		defer g.Unlock()
		if g.users--; g.users == 0 {
			debug.SetGCPercent(g.percent)
			debug.SetMemoryLimit(g.limit)
			// Give the rebuild's heap back to the system now rather
			// than over the next minutes.
			debug.FreeOSMemory()
		}
	})
}
