package metrics_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	_ "modernc.org/sqlite"

	"civicledger/metrics"
)

// scrape fetches url over HTTP and parses it as the Prometheus text format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d", url, resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return mfs
}

// sample returns the value of the sample of family name whose labels
// include want (name=value pairs), and whether there is one. A histogram's
// value is its sample count.
func sample(mfs map[string]*dto.MetricFamily, name string, want ...string) (float64, bool) {
	mf := mfs[name]
	if mf == nil {
		return 0, false
	}
	var total float64
	found := false
next:
	for _, m := range mf.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if labels[want[i]] != want[i+1] {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			total += m.Counter.GetValue()
		case m.Gauge != nil:
			total += m.Gauge.GetValue()
		case m.Histogram != nil:
			total += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			total += m.Untyped.GetValue()
		}
	}
	return total, found
}

func expect(t *testing.T, mfs map[string]*dto.MetricFamily, want float64, name string, labels ...string) {
	t.Helper()
	got, ok := sample(mfs, name, labels...)
	if !ok {
		t.Errorf("%s%v: no sample", name, labels)
	} else if got != want {
		t.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

// The middleware counts requests over a real listener by operation and
// outcome, from what the handler tells it through the context or, without
// that, from the status; /metrics shows them in the text format.
func TestMiddlewareCounts(t *testing.T) {
	m := metrics.New(prometheus.NewRegistry())
	release := make(chan struct{})
	started := make(chan struct{})
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		switch r.URL.Path {
		case "/named":
			metrics.SetOperation(ctx, "ProjectList")
			metrics.AddCost(ctx, 3)
			metrics.AddCost(ctx, 4)
		case "/anonymous":
			metrics.SetOperation(ctx, "")
			metrics.AddCost(ctx, 1)
		case "/timeout":
			metrics.SetOperation(ctx, "Slow")
			metrics.SetError(ctx, "TIMEOUT")
			metrics.SetError(ctx, "INTERNAL_SERVER_ERROR") // the first code counts
		case "/cost":
			metrics.SetOperation(ctx, "Huge")
			metrics.SetError(ctx, "COST_LIMIT_EXCEEDED")
			metrics.Refuse(ctx, metrics.ReasonCost) // a refusal outranks the error
			w.WriteHeader(http.StatusBadRequest)
		case "/429":
			w.WriteHeader(http.StatusTooManyRequests)
		case "/503":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/413":
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		case "/400":
			w.WriteHeader(http.StatusBadRequest)
		case "/panic":
			panic("boom")
		case "/block":
			close(started)
			<-release
		}
		_, _ = io.WriteString(w, "{}")
	})
	srv := httptest.NewUnstartedServer(m.Middleware(app))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the panic's trace
	srv.Start()
	defer srv.Close()
	msrv := httptest.NewServer(m.Handler())
	defer msrv.Close()

	// No keep-alive: the client retries a request that fails on a reused
	// connection, which would count the panic twice.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(path string) {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			if path == "/panic" { // the server drops the connection
				return
			}
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	// One request stays in flight while /metrics is scraped.
	blocked := make(chan struct{})
	go func() { defer close(blocked); get("/block") }()
	<-started
	expect(t, scrape(t, msrv.URL), 1, "civicledger_graphql_in_flight_requests")
	close(release)
	<-blocked

	for _, p := range []string{"/named", "/named", "/anonymous", "/timeout", "/cost", "/429", "/503", "/413", "/400", "/panic", "/plain?operationName=ByGet", "/plain"} {
		get(p)
	}
	mfs := scrape(t, msrv.URL)
	req := "civicledger_graphql_requests_total"
	expect(t, mfs, 2, req, "operation", "ProjectList", "outcome", "ok", "code", "")
	expect(t, mfs, 1, req, "operation", "anonymous", "outcome", "ok")
	expect(t, mfs, 1, req, "operation", "Slow", "outcome", "error", "code", "TIMEOUT")
	expect(t, mfs, 1, req, "operation", "Huge", "outcome", "refused", "code", "cost")
	expect(t, mfs, 1, req, "operation", "unknown", "outcome", "refused", "code", "rate")
	expect(t, mfs, 1, req, "operation", "unknown", "outcome", "refused", "code", "overload")
	expect(t, mfs, 1, req, "operation", "unknown", "outcome", "refused", "code", "size")
	expect(t, mfs, 1, req, "operation", "unknown", "outcome", "error", "code", "HTTP_400")
	expect(t, mfs, 1, req, "operation", "unknown", "outcome", "error", "code", "HTTP_500")
	expect(t, mfs, 1, req, "operation", "ByGet", "outcome", "ok")
	expect(t, mfs, 13, req)
	expect(t, mfs, 4, "civicledger_refusals_total")
	expect(t, mfs, 1, "civicledger_refusals_total", "reason", "cost")
	expect(t, mfs, 1, "civicledger_refusals_total", "reason", "rate")
	expect(t, mfs, 15, "civicledger_graphql_cost_points_total")
	expect(t, mfs, 13, "civicledger_graphql_request_duration_seconds")
	expect(t, mfs, 4, "civicledger_graphql_request_duration_seconds", "outcome", "refused")
	expect(t, mfs, 0, "civicledger_graphql_in_flight_requests") // the panic too let go of its slot
}

// Client-chosen operation names cannot grow the label set without bound:
// names that are not GraphQL names, and names past the first MaxOperations,
// are all counted as "other".
func TestOperationLabelsBounded(t *testing.T) {
	m := metrics.New(prometheus.NewRegistry())
	msrv := httptest.NewServer(m.Handler())
	defer msrv.Close()
	for i := range metrics.MaxOperations + 50 {
		m.ObserveRequest(fmt.Sprintf("Op%d", i), metrics.OutcomeOK, "", 0, 0)
	}
	bad := []string{"has space", "1digitFirst", "tab\tname", strings.Repeat("x", 65), "名字", `quote"d`}
	for _, op := range bad {
		m.ObserveRequest(op, metrics.OutcomeError, "not a code", 0, 0)
	}
	for i := range 100 {
		m.ObserveRequest("Op0", metrics.OutcomeRefused, fmt.Sprintf("reason%d", i), 0, 0)
	}
	mfs := scrape(t, msrv.URL)
	series := len(mfs["civicledger_graphql_requests_total"].Metric)
	// MaxOperations names with ok, "other" with ok and with error/other, Op0
	// refused with the reasons kept plus "other".
	if max := metrics.MaxOperations + 2 + 33; series > max {
		t.Errorf("%d series of requests, want at most %d", series, max)
	}
	expect(t, mfs, 50, "civicledger_graphql_requests_total", "operation", "other", "outcome", "ok")
	expect(t, mfs, float64(len(bad)), "civicledger_graphql_requests_total", "operation", "other", "outcome", "error", "code", "other")
	expect(t, mfs, 1, "civicledger_graphql_requests_total", "operation", fmt.Sprint("Op", metrics.MaxOperations-1))
	if _, ok := sample(mfs, "civicledger_graphql_requests_total", "operation", fmt.Sprint("Op", metrics.MaxOperations)); ok {
		t.Errorf("operation Op%d, past the bound, has its own series", metrics.MaxOperations)
	}
	if n := len(mfs["civicledger_refusals_total"].Metric); n > 33 {
		t.Errorf("%d refusal reasons kept, want at most 33", n)
	}
	expect(t, mfs, 100, "civicledger_refusals_total")
}

// The collectors read the database pools, the cache and the index position
// at each scrape; an index position that cannot be read gives no figures
// rather than wrong ones.
func TestCollectors(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(3)
	conn, err := db.Conn(context.Background()) // one connection in use
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	m := metrics.New(prometheus.NewRegistry())
	m.WatchDB(func() map[string]sql.DBStats { return map[string]sql.DBStats{"sqlite_read": db.Stats()} })
	cache := metrics.CacheStats{Hits: 7, Misses: 2, Entries: 3, Bytes: 4096}
	m.WatchCache(func() metrics.CacheStats { return cache })
	var pos struct {
		w, max int64
		err    error
	}
	m.WatchIndex(func(context.Context) (int64, int64, error) { return pos.w, pos.max, pos.err })
	msrv := httptest.NewServer(m.Handler())
	defer msrv.Close()

	pos.w, pos.max = 5, 9
	mfs := scrape(t, msrv.URL)
	expect(t, mfs, 3, "go_sql_max_open_connections", "db_name", "sqlite_read")
	expect(t, mfs, 1, "go_sql_in_use_connections", "db_name", "sqlite_read")
	expect(t, mfs, 1, "go_sql_open_connections", "db_name", "sqlite_read")
	expect(t, mfs, 7, "civicledger_aggregate_cache_hits_total")
	expect(t, mfs, 2, "civicledger_aggregate_cache_misses_total")
	expect(t, mfs, 3, "civicledger_aggregate_cache_entries")
	expect(t, mfs, 4096, "civicledger_aggregate_cache_bytes")
	expect(t, mfs, 5, "civicledger_search_indexed_seq")
	expect(t, mfs, 9, "civicledger_outbox_max_seq")
	expect(t, mfs, 4, "civicledger_search_lag_entries")
	expect(t, mfs, 0, "civicledger_search_position_errors_total")

	pos.w, pos.max = 12, 3 // an index ahead of its database: lag 0, the watermark shows it
	mfs = scrape(t, msrv.URL)
	expect(t, mfs, 0, "civicledger_search_lag_entries")
	expect(t, mfs, 12, "civicledger_search_indexed_seq")

	pos.err = errors.New("database unreachable")
	mfs = scrape(t, msrv.URL)
	if _, ok := sample(mfs, "civicledger_search_lag_entries"); ok {
		t.Error("lag reported while the outbox position could not be read")
	}
	expect(t, mfs, 1, "civicledger_search_position_errors_total")
}

// Outside a middleware the context functions do nothing (metrics off).
func TestNotesWithoutMiddleware(t *testing.T) {
	ctx := context.Background()
	metrics.SetOperation(ctx, "X")
	metrics.SetError(ctx, "TIMEOUT")
	metrics.Refuse(ctx, metrics.ReasonRate)
	metrics.AddCost(ctx, 5)
}

// BenchmarkMiddleware measures what counting adds to one request.
func BenchmarkMiddleware(b *testing.B) {
	m := metrics.New(prometheus.NewRegistry())
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		metrics.SetOperation(r.Context(), "ProjectList")
		metrics.AddCost(r.Context(), 52)
		w.WriteHeader(200)
	}))
	r := httptest.NewRequest("POST", "/graphql", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}
