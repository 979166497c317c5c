package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"civicledger/store"
	"civicledger/store/storetest"
)

// A read whose context ends is stopped at once, on both sides: the caller
// gets the context's error, and PostgreSQL stops running the statement
// (pgcancel.go breaks the connection off and cancels the backend's
// statement from a connection of its own). The pool goes on answering.
func TestReadEndsWithItsContext(t *testing.T) {
	url := storetest.PostgresSchema(t)
	db, err := store.Open(context.Background(), url)
	must(t, err)
	defer db.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	var x string
	err = db.Get(ctx, &x, `SELECT 'slept' || pg_sleep(30)::text`)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a read past its deadline returned %v (%q) after %s; want context.DeadlineExceeded", err, x, took)
	}
	if took > 2*time.Second {
		t.Errorf("the read returned %s after its 300 ms deadline", took)
	}

	// The server stops the statement too.
	deadline := time.Now().Add(5 * time.Second)
	for {
		var running int
		must(t, db.Get(context.Background(), &running,
			`SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%''slept'' || pg_sleep(30)%' AND pid <> pg_backend_pid()`))
		if running == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("PostgreSQL still runs the statement 5 s after its read ended")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A context already ended runs nothing; the pool still answers.
	must(t, db.Get(context.Background(), &x, `SELECT 'after'`))
	if x != "after" {
		t.Fatalf("read after: %q", x)
	}
	if err := db.Get(ctx, &x, `SELECT 'ended'`); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a read with an ended context: %v", err)
	}
}

// The concurrency argument of pgcancel.go: a connection is broken off only
// while the statement whose context ended is still in progress on it, and
// never used again once broken off. Reads whose contexts end at random
// moments around their statement's end share a small pool with reads that
// do not end; every one of those must answer, and answer its own value,
// and every ended one either its own value or its context's error. (The
// moment where a watch fires just as its statement ends is too short to
// hit at will; TestBreakOffOnlyTheStatementInProgress holds the rule for
// it step by step.)
func TestEndedReadsNeverBreakOthers(t *testing.T) {
	url := storetest.PostgresSchema(t)
	db, err := store.Open(context.Background(), url)
	must(t, err)
	defer db.Close()
	db.ReadConnections(3)

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 150 {
				want := fmt.Sprintf("g%d-%d", g, i)
				var got string
				if g%2 == 0 { // ends at a random moment, often mid-statement
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.IntN(1500))*time.Microsecond)
					err := db.Get(ctx, &got, `SELECT $1::text || pg_sleep(0.0005)::text`, want)
					cancel()
					if err == nil && got != want {
						errs <- fmt.Errorf("an ended read got %q, want %q", got, want)
					} else if err != nil && !errors.Is(err, context.DeadlineExceeded) {
						errs <- fmt.Errorf("an ended read failed with %v, want its context's error", err)
					}
					continue
				}
				err := db.Get(context.Background(), &got, `SELECT $1::text || pg_sleep(0.0005)::text`, want)
				if err != nil || got != want {
					errs <- fmt.Errorf("a read that did not end got %q, %v; want %q", got, err, want)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n++; n <= 5 {
			t.Error(err)
		}
	}
	if n > 5 {
		t.Errorf("and %d more", n-5)
	}
}

// A server that stops answering (a proxy that forwards nothing): a read
// ends with its context whether it must prepare its statement on the
// connection first, or must make a new connection (the first read broke
// the pool's one connection off). A preparation not watched waited for the
// socket deadline (20 s), a connection's start-up for the connect timeout
// (5 s).
func TestReadEndsWhenTheServerStalls(t *testing.T) {
	base := storetest.PostgresSchema(t)
	if !strings.Contains(base, "127.0.0.1:5432") {
		t.Skipf("the test PostgreSQL is not on 127.0.0.1:5432: %s", store.RedactDSN(base))
	}
	proxy := storetest.NewStallProxy(t, "127.0.0.1:5432")
	db, err := store.Open(context.Background(), strings.Replace(base, "127.0.0.1:5432", proxy.Addr(), 1))
	must(t, err)
	defer db.Close()
	db.ReadConnections(1)
	var x string
	must(t, db.Get(context.Background(), &x, `SELECT 'prepared before'`))

	proxy.Stall.Store(true)
	t.Cleanup(func() { proxy.Stall.Store(false) })
	for _, q := range []string{`SELECT 'prepared during the stall'`, `SELECT 'prepared before'`} {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		start := time.Now()
		err := db.Get(ctx, &x, q)
		cancel()
		if took := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || took > 2*time.Second {
			t.Errorf("%s during the stall: %v after %s; want its context's error at its 300 ms deadline", q, err, took)
		}
	}
}
