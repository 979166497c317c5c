package api

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// Config sets the limits of the GraphQL endpoint. The zero value of every
// field means its documented default, so Config{} is a safe public setting;
// a negative value switches a limit off where the field says so.
type Config struct {
	// MaxBodyBytes is the largest POST body read; a larger one is refused
	// with 413 and never read further or echoed. Default 1 MiB.
	MaxBodyBytes int64

	// MaxTokens is the parser's token limit: a document with more lexical
	// tokens is refused as a parse error before it is parsed further (this
	// also bounds the number of aliases). Default 10,000.
	MaxTokens int

	// MaxDepth is the deepest field nesting allowed, counting every field
	// level except introspection (__schema, __type, __typename), which
	// gqlparser's own MaxIntrospectionDepth rule bounds. Default 15.
	MaxDepth int

	// MaxCost is the highest cost one operation may have. Cost follows
	// GitHub's node limit: a connection field (its type is named
	// "…Connection", or it takes a first or last argument) counts its page
	// size, first or last or DefaultPage when neither is given, times the
	// page sizes of the connections around it; nodes(ids:) counts len(ids);
	// any other object field that takes arguments counts 1; FieldCosts
	// changes the unit of a named field and ListSizes the assumed length of
	// a plain list; an operation costs at least 1.
	// Default 50,000.
	MaxCost int

	// DefaultPage is the page size counted for a connection queried without
	// first or last. Default 100.
	DefaultPage int

	// MaxPage is the largest first or last accepted; a larger or negative
	// one is a validation error. Default 100.
	MaxPage int

	// MaxIDs is the most ids accepted by a field with an ids list argument
	// such as nodes(ids:); more is a validation error. Default 100.
	MaxIDs int

	// FieldCosts sets the cost unit of a field, keyed "Type.field"
	// ("Query.stats": 50): the cost of each object it returns, replacing the
	// default unit (1 for connections, lookups and nodes, 0 for other
	// fields). Use it for fields that are expensive but not paged.
	FieldCosts map[string]int

	// ListSizes sets how many objects a plain list field (one that is not a
	// connection) is counted as returning, keyed "Type.field"
	// ("Query.rounds": 20): the fields below it count that many times.
	// A plain list of objects that ListSizes does not name counts
	// DefaultListSize objects, each of unit 1, so nesting lists inside lists
	// (reports { project { reports { … } } }) multiplies the cost as it
	// multiplies the answer. The edges and nodes of a connection are its
	// page and count once.
	ListSizes map[string]int

	// DefaultListSize is how many objects a plain list of objects is counted
	// as returning when ListSizes does not name it. Default 10.
	DefaultListSize int

	// IntrospectionCost is the cost of each __schema field (an answer of
	// tens of kilobytes; GraphiQL asks for it once), and a tenth of it the
	// cost of each __type field, so aliased introspection pays per alias.
	// Default 1,000.
	IntrospectionCost int

	// MaxResponseBytes bounds the size of an answer, estimated while it is
	// resolved: past it, resolving stops and the answer is the single
	// error RESPONSE_TOO_LARGE, without data. Default 8 MiB.
	MaxResponseBytes int

	// Timeout bounds the handling of one request, queueing included; the
	// context given to resolvers ends then, and a resolver stopped by it
	// answers the error code TIMEOUT. Default 10 s.
	Timeout time.Duration

	// MaxConcurrent is the size of the worker pool: how many operations are
	// parsed, validated and executed at once. Default 32.
	MaxConcurrent int

	// CheapCost is the highest cost of an operation that runs on the shared
	// worker pool; a dearer one runs on one of MaxExpensive slots instead,
	// so expensive operations can never occupy the workers cheap ones need.
	// Default 1,000.
	CheapCost int

	// MaxExpensive is how many operations dearer than CheapCost execute at
	// once; others wait up to QueueWait, then get 503. Default 2.
	MaxExpensive int

	// MaxPerClient is how many operations one client (ClientKey) may have
	// in flight; one more is refused at once with 429 and Retry-After, so a
	// client flooding the server is told to slow down before the server is
	// busy for everyone. Default 8.
	MaxPerClient int

	// RefuseDelay is how long a 429 answer is held before it is sent (the
	// request holds no worker meanwhile): a client that floods the server
	// is slowed to the pace of its answers instead of spending the CPU
	// others need on refusals. Default 250 ms; negative sends at once.
	RefuseDelay time.Duration

	// QueueWait is how long a request waits for a free worker before it is
	// refused with 503 and Retry-After. Default 1 s; negative means do not
	// wait at all.
	QueueWait time.Duration

	// RateLimit is each client's cost budget per RateWindow: a token bucket
	// that holds RateLimit tokens (at least MaxCost), refills at
	// RateLimit/RateWindow and is charged the cost of each operation (1 for
	// a request refused before its cost is known). An exhausted budget
	// answers 429 with Retry-After. Default 1,000,000 (a script fetching
	// pages of 50 projects with their figures, cost 150, may send about
	// 6,600 an hour); negative disables.
	RateLimit int

	// RateWindow is the period over which RateLimit refills. Default 1 h.
	RateWindow time.Duration

	// RateClients is how many clients' buckets are remembered; the least
	// recently seen is forgotten first (and so starts full again).
	// Default 100,000.
	RateClients int

	// ClientKey names the client a request is charged to. Default
	// RemoteAddrKey: the peer's IP address, an IPv6 address by its /64.
	// Behind a reverse proxy use ForwardedForKey with the proxy's prefixes.
	ClientKey func(r *http.Request) string

	// CacheMaxAge is the max-age of the Cache-Control: public header set on
	// successful GET answers to anonymous queries (no Authorization and no
	// Cookie header), which also carry an ETag. Default 30 s; negative
	// disables caching headers (every answer is then no-store).
	CacheMaxAge time.Duration

	// QueryCacheSize is how many parsed and validated documents are kept.
	// Default 1,000.
	QueryCacheSize int

	// APQCacheSize is how many automatic persisted queries are kept.
	// Default 1,000.
	APQCacheSize int

	// ResponseCache, when set, answers repeated anonymous queries from
	// memory until the data change (respcache.go); nil switches it off.
	ResponseCache *ResponseCache
}

// Defaults of Config, applied to every zero field.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxTokens      = 10_000
	DefaultMaxDepth       = 15
	DefaultMaxCost        = 50_000
	DefaultPageSize       = 100
	DefaultMaxPage        = 100
	DefaultMaxIDs         = 100
	DefaultTimeout        = 10 * time.Second
	DefaultMaxConcurrent  = 32
	DefaultCheapCost      = 1_000
	DefaultMaxExpensive   = 2
	DefaultMaxPerClient   = 8
	DefaultRefuseDelay    = 250 * time.Millisecond
	DefaultListSize       = 10
	DefaultIntrospection  = 1_000
	DefaultMaxResponse    = 8 << 20
	DefaultQueueWait      = time.Second
	DefaultRateLimit      = 1_000_000
	DefaultRateWindow     = time.Hour
	DefaultRateClients    = 100_000
	DefaultCacheMaxAge    = 30 * time.Second
	DefaultQueryCacheSize = 1_000
	DefaultAPQCacheSize   = 1_000
)

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	def(&c.MaxTokens, DefaultMaxTokens)
	def(&c.MaxDepth, DefaultMaxDepth)
	def(&c.MaxCost, DefaultMaxCost)
	def(&c.DefaultPage, DefaultPageSize)
	def(&c.MaxPage, DefaultMaxPage)
	def(&c.MaxIDs, DefaultMaxIDs)
	defDur(&c.Timeout, DefaultTimeout)
	def(&c.MaxConcurrent, DefaultMaxConcurrent)
	def(&c.CheapCost, DefaultCheapCost)
	def(&c.MaxExpensive, DefaultMaxExpensive)
	def(&c.MaxPerClient, DefaultMaxPerClient)
	defDur(&c.RefuseDelay, DefaultRefuseDelay)
	def(&c.DefaultListSize, DefaultListSize)
	def(&c.IntrospectionCost, DefaultIntrospection)
	def(&c.MaxResponseBytes, DefaultMaxResponse)
	defDur(&c.QueueWait, DefaultQueueWait)
	def(&c.RateLimit, DefaultRateLimit)
	defDur(&c.RateWindow, DefaultRateWindow)
	def(&c.RateClients, DefaultRateClients)
	defDur(&c.CacheMaxAge, DefaultCacheMaxAge)
	def(&c.QueryCacheSize, DefaultQueryCacheSize)
	def(&c.APQCacheSize, DefaultAPQCacheSize)
	if c.ClientKey == nil {
		c.ClientKey = RemoteAddrKey
	}
	if c.RateLimit > 0 && c.RateLimit < c.MaxCost {
		c.RateLimit = c.MaxCost // the bucket must hold the dearest query
	}
	return c
}

// RemoteAddrKey returns the client key of a request connected directly: its
// peer IP address, or the /64 prefix of an IPv6 address, since one host
// commonly holds a whole /64.
func RemoteAddrKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return addrKey(host)
}

func addrKey(s string) string {
	addr, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return s
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// ForwardedForKey returns a ClientKey for a server behind reverse proxies
// whose addresses lie in trusted: it charges the right-most address of
// X-Forwarded-For that is not a trusted proxy, and the peer address when the
// peer itself is not trusted (so the header cannot be forged from outside).
func ForwardedForKey(trusted ...netip.Prefix) func(r *http.Request) string {
	isTrusted := func(s string) bool {
		addr, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return false
		}
		addr = addr.Unmap()
		for _, p := range trusted {
			if p.Contains(addr) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		if !isTrusted(host) {
			return addrKey(host)
		}
		var hops []string
		for _, v := range r.Header.Values("X-Forwarded-For") {
			hops = append(hops, strings.Split(v, ",")...)
		}
		for i := len(hops) - 1; i >= 0; i-- {
			if hop := strings.TrimSpace(hops[i]); hop != "" && !isTrusted(hop) {
				return addrKey(hop)
			}
		}
		return addrKey(host)
	}
}
