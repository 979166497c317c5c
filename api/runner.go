package api

import "time"

// runner runs operations on goroutines kept from earlier operations (issue
// 9). A new goroutine starts with a small stack, and gqlgen's resolution
// is deep enough that every operation grew it again by copying: 8 µs of
// the 70 µs an in-process Q2 took. A goroutine that has run an operation
// waits idleFor for the next one before it ends; when none is waiting, a
// new one is started, so operations never queue here (the worker pool
// bounds them).
type runner struct {
	jobs chan func()
}

// idleFor is how long a goroutine waits for another operation.
const idleFor = 10 * time.Second

func newRunner() *runner { return &runner{jobs: make(chan func())} }

// run runs f on a waiting goroutine, or on a new one.
func (r *runner) run(f func()) {
	select {
	case r.jobs <- f:
	default:
		go r.loop(f)
	}
}

func (r *runner) loop(f func()) {
	f()
	t := time.NewTimer(idleFor)
	defer t.Stop()
	for {
		select {
		case f = <-r.jobs:
			f()
			t.Reset(idleFor)
		case <-t.C:
			return
		}
	}
}
