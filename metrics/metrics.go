// Package metrics exposes the portal's operational figures in the
// Prometheus text format, with the standard client library
// (github.com/prometheus/client_golang): GraphQL requests by operation and
// outcome, their durations, the requests in flight, refusals by reason, the
// cost points spent, the aggregate cache's hits and misses, the database
// pools and how far the search index lags behind the outbox.
//
// # Wiring
//
// server.go builds one Metrics with New, wraps the /graphql handler in
// Middleware, adds the collectors (WatchDB, WatchCache, WatchIndex) and serves
// Handler on its own address (-metrics-addr), never on the public one.
//
// The middleware sees only HTTP: the status, the duration, and for a GET the
// operationName parameter. The API handler, which knows more, tells it about
// the request through the request's context, with functions that do nothing
// when the request did not pass through a middleware (metrics off):
//
//	metrics.SetOperation(ctx, name)  // the operation's name ("" for an anonymous one)
//	metrics.SetError(ctx, code)      // the answer carries an error with this extensions.code
//	metrics.Refuse(ctx, reason)      // the request was refused: ReasonRate, ReasonCost, …
//	metrics.AddCost(ctx, points)     // cost points charged to the client
//
// A refusal outranks an error, and an error outranks what the status says;
// without a note the status decides: 429 is a rate refusal, 503 an overload
// refusal, 413 a size refusal, 504 a timeout refusal, other 4xx and 5xx an
// error with code HTTP_<status>, anything else ok.
//
// # Label values are bounded
//
// Operation names come from clients, so a label value could otherwise grow
// without end (one series per random name). A name that is not a GraphQL
// name of at most 64 bytes is counted as "other", and so is every name seen
// after the first MaxOperations distinct ones; codes and reasons are bounded
// the same way.
package metrics

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Outcomes of a request: the outcome label of the request counter.
const (
	OutcomeOK      = "ok"
	OutcomeError   = "error"
	OutcomeRefused = "refused"
)

// Refusal reasons: the reason label of the refusal counter (and the code
// label of a refused request). Others may be used if they are short
// lower-case words.
const (
	ReasonRate        = "rate"        // the client's rate budget is spent (429)
	ReasonConcurrency = "concurrency" // the client runs too many operations at once
	ReasonConnections = "connections" // too many connections from one address or in total
	ReasonCost        = "cost"        // the operation costs more than the limit
	ReasonDepth       = "depth"       // the operation nests deeper than the limit
	ReasonOverload    = "overload"    // no worker free in time (503)
	ReasonTimeout     = "timeout"     // the per-request timeout stopped the work
	ReasonSize        = "size"        // the request body or the answer is too large
)

// Bounds on the distinct label values kept; past them a value is "other".
const (
	MaxOperations = 200
	maxCodes      = 64
	maxReasons    = 32
)

// Other is the label value that stands for every value past a bound or not
// of the allowed form.
const Other = "other"

// Metrics holds the portal's collectors. Its methods are safe for
// concurrent use.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	refusals *prometheus.CounterVec
	cost     prometheus.Counter

	ops     labelSet
	codes   labelSet
	reasons labelSet
}

// New registers the request collectors on reg and returns them. A nil reg
// means a new registry that also carries the Go runtime and process
// collectors (memory, CPU, file descriptors).
func New(reg *prometheus.Registry) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "civicledger_graphql_requests_total",
			Help: "GraphQL requests by operation name, outcome (ok, error, refused) and code (the error's extensions.code or the refusal's reason; empty when ok).",
		}, []string{"operation", "outcome", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "civicledger_graphql_request_duration_seconds",
			Help:    "Time from a GraphQL request's arrival to the end of its answer, by outcome.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"outcome"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "civicledger_graphql_in_flight_requests",
			Help: "GraphQL requests being served now.",
		}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "civicledger_refusals_total",
			Help: "Requests refused by the portal's limits, by reason (rate, concurrency, connections, cost, depth, overload, timeout, size).",
		}, []string{"reason"}),
		cost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "civicledger_graphql_cost_points_total",
			Help: "Cost points charged to clients for the operations they ran.",
		}),
		ops:     labelSet{max: MaxOperations, valid: validOperation},
		codes:   labelSet{max: maxCodes, valid: validCode},
		reasons: labelSet{max: maxReasons, valid: validReason},
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight, m.refusals, m.cost)
	return m
}

// Registry returns the registry the metrics are registered on, for adding
// other collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry's metrics in the Prometheus text format (or
// OpenMetrics when the scraper asks for it), at most four scrapes at once.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:            m.reg, // counts its own errors
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
		EnableOpenMetrics:   true,
	})
}

// ObserveRequest counts one finished request: op is its operation name,
// outcome one of OutcomeOK, OutcomeError and OutcomeRefused, code the
// error's code or the refusal's reason ("" when ok), d its duration and
// cost the points it was charged. A refusal is also counted under
// civicledger_refusals_total. Requests that pass through Middleware are
// counted by it: do not count them again.
func (m *Metrics) ObserveRequest(op, outcome, code string, d time.Duration, cost int) {
	switch outcome {
	case OutcomeOK:
		code = ""
	case OutcomeRefused:
		code = m.reasons.label(code)
		m.refusals.WithLabelValues(code).Inc()
	default:
		outcome = OutcomeError
		code = m.codes.label(code)
	}
	m.requests.WithLabelValues(m.ops.label(op), outcome, code).Inc()
	m.duration.WithLabelValues(outcome).Observe(d.Seconds())
	if cost > 0 {
		m.cost.Add(float64(cost))
	}
}

// Refused counts a refusal that is not a GraphQL request passing through
// Middleware, such as a connection turned away at the listener.
func (m *Metrics) Refused(reason string) {
	m.refusals.WithLabelValues(m.reasons.label(reason)).Inc()
}

// labelSet bounds the distinct values of one label.
type labelSet struct {
	max   int
	valid func(string) bool
	mu    sync.Mutex
	seen  map[string]bool
}

// label returns v when it is valid and either already seen or within the
// bound, and Other otherwise.
func (s *labelSet) label(v string) string {
	if !s.valid(v) {
		return Other
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[v] {
		return v
	}
	if len(s.seen) >= s.max {
		return Other
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	s.seen[v] = true
	return v
}

// validOperation reports whether v is a GraphQL name of at most 64 bytes,
// or one of the middleware's own values.
func validOperation(v string) bool {
	if v == "" || len(v) > 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// validCode reports whether v looks like an extensions.code: upper-case
// letters, digits and underscores, at most 64 bytes.
func validCode(v string) bool {
	if v == "" || len(v) > 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c == '_' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// validReason reports whether v is a short lower-case word (underscores
// allowed), at most 32 bytes.
func validReason(v string) bool {
	if v == "" || len(v) > 32 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// note is what the API handler tells the middleware about one request.
type note struct {
	mu      sync.Mutex
	op      string
	opSet   bool
	errCode string
	reason  string
	cost    int
}

type noteKey struct{}

func noteFrom(ctx context.Context) *note {
	n, _ := ctx.Value(noteKey{}).(*note)
	return n
}

// SetOperation records the request's operation name; "" means an anonymous
// operation. Without a middleware in front it does nothing.
func SetOperation(ctx context.Context, name string) {
	if n := noteFrom(ctx); n != nil {
		n.mu.Lock()
		n.op, n.opSet = name, true
		n.mu.Unlock()
	}
}

// SetError records that the answer carries an error with this
// extensions.code; the first code recorded is kept.
func SetError(ctx context.Context, code string) {
	if n := noteFrom(ctx); n != nil {
		n.mu.Lock()
		if n.errCode == "" {
			n.errCode = code
		}
		n.mu.Unlock()
	}
}

// Refuse records that the request was refused for reason (ReasonRate,
// ReasonCost, …); the first reason recorded is kept.
func Refuse(ctx context.Context, reason string) {
	if n := noteFrom(ctx); n != nil {
		n.mu.Lock()
		if n.reason == "" {
			n.reason = reason
		}
		n.mu.Unlock()
	}
}

// AddCost adds points to the cost charged for the request.
func AddCost(ctx context.Context, points int) {
	if n := noteFrom(ctx); n != nil {
		n.mu.Lock()
		n.cost += points
		n.mu.Unlock()
	}
}
