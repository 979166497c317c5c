package search

import (
	"runtime/debug"
	"testing"
)

func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestTuneGCForRebuild(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	limit0 := debug.SetMemoryLimit(-1)
	r1 := tuneGCForRebuild()
	r2 := tuneGCForRebuild() // a second rebuild at the same time
	if p, l := gcPercent(), debug.SetMemoryLimit(-1); p != rebuildGCPercent || l >= limit0 || l < rebuildHeadroom {
		t.Errorf("during a rebuild: GOGC %d, limit %d; want %d, at least %d and below %d", p, l, rebuildGCPercent, rebuildHeadroom, limit0)
	}
	r1()
	r1() // once only
	if p := gcPercent(); p != rebuildGCPercent {
		t.Errorf("one of two rebuilds done: GOGC %d, want %d", p, rebuildGCPercent)
	}
	r2()
	if p, l := gcPercent(), debug.SetMemoryLimit(-1); p != 100 || l != limit0 {
		t.Errorf("after the rebuilds: GOGC %d, limit %d; want 100, %d", p, l, limit0)
	}
	// A higher GOGC, or none, is kept.
	for _, keep := range []int{800, -1} {
		debug.SetGCPercent(keep)
		r := tuneGCForRebuild()
		if p := gcPercent(); p != keep {
			t.Errorf("GOGC=%d during a rebuild: %d, want it kept", keep, p)
		}
		r()
		if p := gcPercent(); p != keep {
			t.Errorf("GOGC=%d after a rebuild: %d", keep, p)
		}
	}
}
