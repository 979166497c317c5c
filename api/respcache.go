package api

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// ResponseCache keeps the answers of anonymous queries (issue 9): the same
// query text, operation name and variables, asked by GET or POST with no
// Authorization header or cookie, is answered from memory until the data
// change. Each answer is kept with the data position it was computed at
// (Position, read before the operation runs) and served only while the
// position is still the same, read anew for each request, so an answer is
// never older than the last write committed before the request arrived,
// whichever node wrote it. Reads of the position are shared: a request
// waits for the first read that starts after it arrived, so under load one
// small statement serves many requests. It holds at most MaxBytes of
// answers and keys, dropping the least recently used.
type ResponseCache struct {
	maxBytes int64
	pos      positionReader

	mu    sync.Mutex
	c     *lru.Cache[string, *cachedAnswer]
	bytes int64

	hits, misses atomic.Int64
}

// cachedAnswer is an answer and what the handler needs to serve it again.
type cachedAnswer struct {
	position  string
	data      json.RawMessage
	cost      int
	operation string
	size      int64
}

// NewResponseCache returns a cache of at most maxBytes of answers, keyed to
// position: a function returning a value that changes whenever a write
// commits (store.DB.DataPosition).
func NewResponseCache(maxBytes int64, position func(context.Context) (string, error)) *ResponseCache {
	rc := &ResponseCache{maxBytes: maxBytes, pos: positionReader{read: position}}
	rc.c, _ = lru.NewWithEvict[string, *cachedAnswer](1<<20, func(_ string, a *cachedAnswer) { rc.bytes -= a.size })
	return rc
}

// ResponseCacheStats are the cache's counters.
type ResponseCacheStats struct {
	Hits, Misses int64 // requests answered from the cache, and executed
	Entries      int   // answers held
	Bytes        int64 // their size with their keys
}

// Stats returns the cache's counters.
func (rc *ResponseCache) Stats() ResponseCacheStats {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return ResponseCacheStats{Hits: rc.hits.Load(), Misses: rc.misses.Load(), Entries: rc.c.Len(), Bytes: rc.bytes}
}

// responseKey is the cache key of a request: its query, operation name and
// variables (re-encoded, so their order does not matter).
func responseKey(query, operation string, vars map[string]any) (string, bool) {
	v := []byte("null")
	if len(vars) > 0 {
		var err error
		if v, err = json.Marshal(vars); err != nil {
			return "", false
		}
	}
	return query + "\x00" + operation + "\x00" + string(v), true
}

// lookup returns the answer kept for key if it was computed at position.
func (rc *ResponseCache) lookup(key, position string) (*cachedAnswer, bool) {
	rc.mu.Lock()
	a, ok := rc.c.Get(key)
	rc.mu.Unlock()
	if ok && a.position == position {
		rc.hits.Add(1)
		return a, true
	}
	rc.misses.Add(1)
	return nil, false
}

// store keeps an answer computed at position, unless it is larger than an
// eighth of the cache.
func (rc *ResponseCache) store(key string, a *cachedAnswer) {
	a.size = int64(len(key)+len(a.data)+len(a.position)+len(a.operation)) + 128
	if a.size > rc.maxBytes/8 {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.c.Remove(key) // an older answer; the eviction callback uncounts it
	rc.c.Add(key, a)
	rc.bytes += a.size
	for rc.bytes > rc.maxBytes && rc.c.Len() > 0 {
		rc.c.RemoveOldest()
	}
}

// position reads the data position for a request that arrived before the
// call.
func (rc *ResponseCache) position(ctx context.Context) (string, error) {
	return rc.pos.get(ctx)
}

// positionReader shares reads of the position among the requests waiting
// for one: a request takes part in the first read that starts after it
// arrived (never one already under way, which may have read the position
// before a write the request must see), so at most one read runs at a time
// and each read serves everyone who arrived while the previous one ran.
type positionReader struct {
	read func(context.Context) (string, error)

	mu      sync.Mutex
	running bool
	next    *positionCall // the read that starts when the running one ends
}

type positionCall struct {
	done chan struct{}
	pos  string
	err  error
}

// positionTimeout bounds one read of the position, which serves several
// requests and so runs under none of their contexts.
const positionTimeout = 5 * time.Second

func (p *positionReader) get(ctx context.Context) (string, error) {
	p.mu.Lock()
	if !p.running {
		p.running = true
		p.mu.Unlock()
		c := &positionCall{done: make(chan struct{})}
		p.run(c)
		return c.pos, c.err
	}
	if p.next == nil {
		p.next = &positionCall{done: make(chan struct{})}
	}
	c := p.next
	p.mu.Unlock()
	select {
	case <-c.done:
		return c.pos, c.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// run reads the position for c, then starts the read of those who arrived
// meanwhile, if any.
func (p *positionReader) run(c *positionCall) {
	ctx, cancel := context.WithTimeout(context.Background(), positionTimeout)
	c.pos, c.err = p.read(ctx)
	cancel()
	close(c.done)
	p.mu.Lock()
	n := p.next
	p.next = nil
	if n == nil {
		p.running = false
	}
	p.mu.Unlock()
	if n != nil {
		go p.run(n)
	}
}
