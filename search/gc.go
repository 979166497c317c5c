package search

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The garbage collector during a rebuild: analysis and segment building
// allocate several times the documents' size, most of it short-lived, and
// with the default GOGC the collector ran every few megabytes (a fifth of
// the rebuild's CPU time, counting the preemptions it asks for). A rebuild
// lets the heap grow further between collections (rebuildGCPercent), but
// by no more than rebuildHeadroom over the heap in use when it starts (a
// soft memory limit, which the runtime keeps by collecting sooner), and
// then puts both settings back and returns the memory it no longer uses
// to the system. With the builder (see build.go) about 100 MB is live
// while indexing, 40 MB of it the dictionary; at 100,000 reports, 220 MiB
// over the 40 MB of a node that serves peaked at 250 MB of anonymous memory
// (275 MB resident, median of 3) for 3% more CPU time than 280 MiB (310 MB
// anonymous, 334 MB resident); 160 MiB cost a third more CPU time.
//
// Once the documents are written, the shards merge: that needs far less
// heap (about 100 MB in use at 100,000 reports) but maps every segment of
// the shard into memory as it reads it, so rebuildMerging gives the
// indexing heap back to the system and holds the heap within
// mergeHeadroom of what is then in use.
const (
	rebuildGCPercent = 400
	rebuildHeadroom  = 220 << 20
	mergeHeadroom    = 96 << 20
)

// liveHeap returns the heap in use after the last collection.
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

var rebuildGC struct {
	sync.Mutex
	users   int
	percent int
	limit   int64
}

// rebuildMerging returns the rebuild's heap to the system and lowers the
// memory limit to mergeHeadroom over the heap in use, until the rebuild's
// restore puts the settings back.
func rebuildMerging() {
	g := &rebuildGC
	g.Lock()
	defer g.Unlock()
	debug.FreeOSMemory()
	if g.users > 0 {
		debug.SetMemoryLimit(min(debug.SetMemoryLimit(-1), liveHeap()+mergeHeadroom))
	}
}

// tuneGCForRebuild applies the rebuild's collector settings until the
// returned function is called. It only raises GOGC (a higher one, or
// none, is kept) and only lowers the memory limit.
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
		debug.SetMemoryLimit(min(g.limit, liveHeap()+rebuildHeadroom))
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
