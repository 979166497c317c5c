package api

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// The runner keeps at most maxIdle goroutines waiting after a burst, and
// reuses a waiting one: a run after the burst starts no goroutine.
func TestRunnerKeepsAtMostMaxIdle(t *testing.T) {
	before := runtime.NumGoroutine()
	r := newRunner(4)
	var wg sync.WaitGroup
	release := make(chan struct{})
	for range 50 {
		wg.Add(1)
		r.run(func() { <-release; wg.Done() })
	}
	if n := runtime.NumGoroutine() - before; n < 50 {
		t.Fatalf("50 operations at once ran on %d goroutines", n)
	}
	close(release)
	wg.Wait()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine()-before > 4 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine() - before; n != 4 {
		t.Fatalf("%d goroutines left after the burst; want the 4 kept", n)
	}
	ran := make(chan struct{})
	r.run(func() { close(ran) })
	<-ran
	time.Sleep(10 * time.Millisecond)
	if n := runtime.NumGoroutine() - before; n != 4 {
		t.Fatalf("%d goroutines after one more operation; want the same 4", n)
	}
}
