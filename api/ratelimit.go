package api

import (
	"math"
	"net/http"
	"strconv"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// rateLimiter keeps one token bucket per client, charged with the cost of
// each operation.
type rateLimiter struct {
	size    int        // bucket size, the budget per window
	refill  rate.Limit // tokens per second
	clients *lru.Cache[string, *rate.Limiter]
}

func newRateLimiter(cfg *Config) *rateLimiter {
	if cfg.RateLimit < 0 {
		return nil
	}
	clients, err := lru.New[string, *rate.Limiter](cfg.RateClients)
	if err != nil {
		panic(err) // only for a non-positive size, which withDefaults prevents
	}
	return &rateLimiter{
		size:    cfg.RateLimit,
		refill:  rate.Limit(float64(cfg.RateLimit) / cfg.RateWindow.Seconds()),
		clients: clients,
	}
}

// bucket returns the bucket of a client, creating a full one if needed.
func (l *rateLimiter) bucket(key string) *rate.Limiter {
	if b, ok := l.clients.Get(key); ok {
		return b
	}
	b := rate.NewLimiter(l.refill, l.size)
	if prev, ok, _ := l.clients.PeekOrAdd(key, b); ok {
		return prev
	}
	return b
}

// budget is a client's budget after a request, as reported in headers.
type budget struct {
	limit      int
	remaining  int
	reset      time.Time     // when the bucket is full again
	retryAfter time.Duration // for a refused request: when it could pass
}

// take charges n tokens to b at now and reports whether they were there.
func (l *rateLimiter) take(b *rate.Limiter, n int, now time.Time) (budget, bool) {
	ok := b.AllowN(now, n)
	tokens := b.TokensAt(now)
	bg := budget{
		limit:     l.size,
		remaining: max(0, int(math.Floor(tokens))),
		reset:     now.Add(l.duration(float64(l.size) - tokens)),
	}
	if !ok {
		bg.retryAfter = l.duration(float64(n) - tokens)
	}
	return bg, ok
}

// has reports whether b holds at least one token, without taking any.
func (l *rateLimiter) has(b *rate.Limiter, now time.Time) (budget, bool) {
	tokens := b.TokensAt(now)
	bg := budget{
		limit:     l.size,
		remaining: max(0, int(math.Floor(tokens))),
		reset:     now.Add(l.duration(float64(l.size) - tokens)),
	}
	if tokens < 1 {
		bg.retryAfter = l.duration(1 - tokens)
		return bg, false
	}
	return bg, true
}

// duration is the time the bucket needs to gain tokens.
func (l *rateLimiter) duration(tokens float64) time.Duration {
	if tokens <= 0 {
		return 0
	}
	return time.Duration(tokens / float64(l.refill) * float64(time.Second))
}

// setHeaders writes the X-RateLimit-* headers, GitHub's names: the budget,
// what is left of it and the Unix time at which it is full again.
func (bg budget) setHeaders(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(bg.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(bg.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(ceilUnix(bg.reset), 10))
}

func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(max(1, int64(math.Ceil(d.Seconds()))), 10)
}
