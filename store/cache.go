package store

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Aggregates (stats and list totals) scan every matching project, which at
// 100,000 projects costs tens of milliseconds on SQLite. Public reads far
// outnumber writes, so each node caches them keyed by the query and checked
// against the ledger's generation: the highest revision and feedback IDs,
// which every write moves and which cost two index look-ups to read. A
// cached answer is used only while the generation is unchanged and it is
// younger than MaxStale. MaxStale bounds one rare case on PostgreSQL: a
// transaction that took a lower ID but commits after a higher one leaves
// the generation unchanged, so an answer computed between the two commits
// could miss it until MaxStale passes. On SQLite, with one writer, IDs
// follow commit order and the check is exact.

// MaxStale is the longest a cached aggregate is used without recomputing.
const MaxStale = 10 * time.Second

type generation struct {
	Revisions int64 `db:"r"`
	Feedback  int64 `db:"f"`
}

type cached struct {
	gen  generation
	at   time.Time
	data any
	size int64
}

// cacheBudget bounds the bytes the cached answers hold (estimated): one
// grouping by undertaker and year is ~90,000 rows at 100,000 projects, so
// a count of entries alone would not bound the memory.
const cacheBudget = 64 << 20

type aggCache struct {
	mu    sync.Mutex
	c     *lru.Cache[string, cached]
	bytes int64
	// Look-ups answered from the cache, and computed, for metrics.
	hits, misses atomic.Int64
}

func newAggCache() *aggCache {
	a := &aggCache{}
	a.c, _ = lru.NewWithEvict[string, cached](4096, func(_ string, e cached) { a.bytes -= e.size })
	return a
}

func (a *aggCache) get(k string) (cached, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.c.Get(k)
}

// add caches e under k, evicting the least recently used answers while the
// cache holds more than its budget. An answer larger than a quarter of the
// budget is not cached.
func (a *aggCache) add(k string, e cached) {
	if e.size > cacheBudget/4 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.c.Remove(k) // an older answer; the eviction callback uncounts it
	a.c.Add(k, e)
	a.bytes += e.size
	for a.bytes > cacheBudget && a.c.Len() > 1 {
		a.c.RemoveOldest()
	}
}

// generation reads the ledger's current generation (one statement).
func (db *DB) generation(ctx context.Context) (generation, error) {
	var g generation
	err := db.get(ctx, &g, `SELECT (SELECT COALESCE(MAX(id), 0) FROM revisions) AS r,
		(SELECT COALESCE(MAX(id), 0) FROM feedback) AS f`)
	return g, err
}

// cachedAggregate returns the cached value for key when it is still
// current, and otherwise computes, caches and returns it. size estimates
// the bytes a value holds; key parts are JSON-encoded together.
func cachedAggregate[T any](ctx context.Context, db *DB, compute func() (T, error), size func(T) int64, key ...any) (T, error) {
	var zero T
	if db.cache == nil {
		return compute()
	}
	kb, err := json.Marshal(key)
	if err != nil {
		return compute()
	}
	k := string(kb)
	gen, err := db.generation(ctx)
	if err != nil {
		return zero, err
	}
	if e, ok := db.cache.get(k); ok && e.gen == gen && time.Since(e.at) < MaxStale {
		db.cache.hits.Add(1)
		return e.data.(T), nil
	}
	db.cache.misses.Add(1)
	v, err := compute()
	if err != nil {
		return zero, err
	}
	db.cache.add(k, cached{gen: gen, at: time.Now(), data: v, size: int64(len(k)) + size(v)})
	return v, nil
}

// SetAggregateCache turns the aggregate cache on or off (benchmarks use it
// to measure the uncached queries).
func (db *DB) SetAggregateCache(on bool) {
	if on {
		db.cache = newAggCache()
	} else {
		db.cache = nil
	}
}

// CacheStats are the aggregate cache's counters since it was made.
type CacheStats struct {
	Hits, Misses int64 // look-ups answered from the cache, and computed
	Entries      int   // answers held
	Bytes        int64 // their estimated size
}

// CacheStats returns the aggregate cache's counters (zero when it is off).
func (db *DB) CacheStats() CacheStats {
	a := db.cache
	if a == nil {
		return CacheStats{}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return CacheStats{Hits: a.hits.Load(), Misses: a.misses.Load(), Entries: a.c.Len(), Bytes: a.bytes}
}
