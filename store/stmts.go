package store

import (
	"context"
	"errors"
	"strings"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Prepared reads (issue 9). Each read statement is prepared once per pool
// and kept: database/sql prepares it on each connection the first time it
// runs there and reuses it afterwards, so PostgreSQL parses and plans a
// read once per connection instead of on every request (lib/pq otherwise
// sends each as an unnamed statement, parsed and planned every time), and
// SQLite compiles it once per connection.
//
// A list read with IN (?) has as many placeholders as keys; readIn pads
// every list to the next power of two (repeating its last key, which IN
// does not mind), so a read has at most a dozen shapes whatever the page
// size and the cache stays small.

// stmtCacheSize bounds the prepared statements kept per pool; the least
// recently used is closed when more are needed.
const stmtCacheSize = 512

// stmtCache is the prepared statements of one pool, by query text.
type stmtCache struct {
	pool   *sqlx.DB
	detach bool // run statements detached (pgcancel.go): PostgreSQL's pools
	mu     sync.Mutex
	c      *lru.Cache[string, *sqlx.Stmt]
}

func newStmtCache(pool *sqlx.DB, d Dialect) *stmtCache {
	c, _ := lru.NewWithEvict[string, *sqlx.Stmt](stmtCacheSize, func(_ string, s *sqlx.Stmt) { _ = s.Close() })
	return &stmtCache{pool: pool, c: c, detach: d == Postgres}
}

// stmt returns the prepared statement of query, preparing it on first use.
func (s *stmtCache) stmt(ctx context.Context, query string) (*sqlx.Stmt, error) {
	s.mu.Lock()
	st, ok := s.c.Get(query)
	s.mu.Unlock()
	if ok {
		return st, nil
	}
	st, err := s.pool.PreparexContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.c.Get(query); ok { // prepared meanwhile by another request
		_ = st.Close()
		return old, nil
	}
	s.c.Add(query, st)
	return st, nil
}

// forget drops query's statement (its plan no longer fits the table).
func (s *stmtCache) forget(query string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.c.Remove(query)
}

// run runs fn with query's prepared statement and the context to run it
// under (detached on PostgreSQL), once more with a fresh statement when
// PostgreSQL refuses a cached plan because a table changed under it (a
// migration run by another node adds a column to a SELECT *).
func (s *stmtCache) run(ctx context.Context, query string, fn func(context.Context, *sqlx.Stmt) error) error {
	qctx := ctx
	if s.detach {
		qctx = detach(ctx)
	}
	for attempt := 0; ; attempt++ {
		st, err := s.stmt(qctx, query)
		if err != nil {
			return err
		}
		err = fn(qctx, st)
		if attempt == 0 && staleplan(err) {
			s.forget(query)
			continue
		}
		return err
	}
}

// staleplan reports PostgreSQL's "cached plan must not change result type".
func staleplan(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "0A000" && strings.Contains(pe.Message, "cached plan")
}

// stmts returns the statement cache of the pool a read in ctx runs on.
func (db *DB) stmts(ctx context.Context) *stmtCache {
	if db.bulkStmts != nil && db.reader(ctx) == db.bulk {
		return db.bulkStmts
	}
	return db.readStmts
}

// PreparedReads returns how many prepared read statements the DB keeps,
// for metrics and tests.
func (db *DB) PreparedReads() int {
	n := 0
	for _, sc := range []*stmtCache{db.readStmts, db.bulkStmts} {
		if sc != nil {
			n += sc.c.Len()
		}
	}
	return n
}

// close closes every statement kept.
func (s *stmtCache) close() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.c.Purge()
}

// readIn is sqlx.In for reads, with every list padded to a power of two.
func readIn(q string, in ...any) (string, []any, error) {
	args := make([]any, len(in))
	copy(args, in)
	for i, a := range args {
		switch v := a.(type) {
		case []int64:
			args[i] = padList(v)
		case []string:
			args[i] = padList(v)
		}
	}
	return sqlx.In(q, args...)
}

// padList returns vs lengthened to the next power of two by repeating its
// last element (vs itself when its length is one already).
func padList[T any](vs []T) []T {
	n := len(vs)
	if n == 0 {
		return vs
	}
	p := 1
	for p < n {
		p <<= 1
	}
	if p == n {
		return vs
	}
	out := make([]T, p)
	copy(out, vs)
	for i := n; i < p; i++ {
		out[i] = vs[n-1]
	}
	return out
}
