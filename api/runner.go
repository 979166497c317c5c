package api

import "sync/atomic"

// runner runs operations on goroutines kept from earlier operations (issue
// 9). A new goroutine starts with a small stack, and gqlgen's resolution
// is deep enough that every operation grew it again by copying: 8 µs of
// the 70 µs an in-process Q2 took. A goroutine that has run an operation
// waits for the next one, unless maxIdle others already wait, when it
// ends; when none is waiting, a new one is started, so operations never
// queue here (the worker pool bounds them).
type runner struct {
	jobs    chan func()
	idle    atomic.Int32
	maxIdle int32
}

func newRunner(maxIdle int) *runner {
	return &runner{jobs: make(chan func()), maxIdle: int32(maxIdle)}
}

// run runs f on a waiting goroutine, or on a new one.
func (r *runner) run(f func()) {
	select {
	case r.jobs <- f:
	default:
		go r.loop(f)
	}
}

func (r *runner) loop(f func()) {
	for {
		f()
		if r.idle.Add(1) > r.maxIdle {
			r.idle.Add(-1)
			return
		}
		f = <-r.jobs
		r.idle.Add(-1)
	}
}
