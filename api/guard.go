package api

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"civicledger/ledger"
)

// A running operation is kept inside its bounds by the field middleware
// of its own budget (opBudget.middleware), which the handler installs as the
// operation's ResolverMiddleware. Every field of every object passes through
// it (gqlgen calls it for plain struct fields too), so:
//   - once the operation's context has ended (its timeout, the client gone,
//     or the answer grown too large), no further field is resolved: a
//     CPU-bound answer stops within one field of its deadline instead of
//     running to completion;
//   - the size of the answer is estimated as its fields resolve, and past
//     MaxResponseBytes the operation is cancelled, so an amplifying query is
//     stopped before its answer is built in memory, whatever its cost said.
//
// It replaces gqlgen's default middleware rather than wrapping it as an
// extension would: an extension costs a closure for every field resolved
// (3–7% of a page's allocations), this costs nothing per field.

// middleware is the operation's field middleware; see above.
func (b *opBudget) middleware(ctx context.Context, next graphql.Resolver) (any, error) {
	if ctx.Err() != nil {
		b.stopped.Store(true)
		return nil, errStopped
	}
	res, err := next(ctx)
	if b.add(int64(sizeOf(res)) + fieldOverhead) {
		return nil, errStopped
	}
	return res, err
}

// fieldOverhead is what a field adds to an answer beside its value: its
// name or alias, quotes, colon and comma, on average.
const fieldOverhead = 16

// errTooLarge is the cause of an operation cancelled for an answer past
// MaxResponseBytes.
var errTooLarge = errors.New("response too large")

// errStopped is what every field of a stopped operation returns. It is one
// shared value, with a path and locations already set so that gqlgen does
// not write to it, and the error presenter drops it: the handler answers a
// stopped operation with one error of its own, and the fields still
// unwinding (hundreds of thousands in an amplifying query) cost no
// allocation each.
var errStopped = &gqlerror.Error{Message: "operation stopped", Path: ast.Path{},
	Locations: []gqlerror.Location{}, Err: errors.New("operation stopped")}

// opBudget is one operation's running estimate of its answer's size, and
// the way to stop it.
type opBudget struct {
	limit   int64
	bytes   atomic.Int64
	over    atomic.Bool // the answer grew past limit
	stopped atomic.Bool // a field was refused after the context ended
	cancel  context.CancelCauseFunc
}

// add counts n more bytes and reports whether the answer is now too large;
// the first time it is, the operation's context is cancelled.
func (b *opBudget) add(n int64) bool {
	if b.bytes.Add(n) <= b.limit {
		return false
	}
	if !b.over.Swap(true) {
		b.cancel(errTooLarge)
	}
	return true
}

// sizeOf estimates the JSON size of a resolved field value. Objects and
// lists count only their punctuation here: their fields and elements pass
// through the guard themselves.
func sizeOf(v any) int {
	switch v := v.(type) {
	case nil:
		return 4
	case json.RawMessage: // a subtree the lean writer wrote whole
		return len(v)
	case string:
		return len(v) + 2
	case *string:
		if v == nil {
			return 4
		}
		return len(*v) + 2
	case []string:
		n := 2
		for _, s := range v {
			n += len(s) + 3
		}
		return n
	case ledger.Money, *ledger.Money, int, int64, int32, float64, *int, *int64, *float64:
		return 16
	case bool, *bool:
		return 5
	case time.Time, *time.Time:
		return 27
	}
	return 2
}

// clientSlots counts each client's operations in flight.
type clientSlots struct {
	mu    sync.Mutex
	limit int
	n     map[string]int
}

func newClientSlots(limit int) *clientSlots {
	return &clientSlots{limit: limit, n: map[string]int{}}
}

// take reserves a slot for key, or reports false when the client already
// has limit operations in flight.
func (c *clientSlots) take(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] >= c.limit {
		return false
	}
	c.n[key]++
	return true
}

func (c *clientSlots) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] <= 1 {
		delete(c.n, key)
		return
	}
	c.n[key]--
}
