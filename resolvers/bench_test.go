package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"civicledger/api"
	"civicledger/demo"
	"civicledger/graph"
	"civicledger/portal"
	"civicledger/resolvers"
	"civicledger/store"
)

// Benchmarks of the three reference queries (issue 3):
//
//	Q1 a page of 50 projects in one service area ordered by award, with
//	   undertaker and metrics (the list view: each project's outcome
//	   figures and satisfaction);
//	Q1M the same page with every per-period metric row of each project
//	   (about 24 per project, 1,200 objects, 150 KB of JSON);
//	Q2 one project by code with its whole story;
//	Q3 stats grouped by year and service area.
//
// Each runs through the whole HTTP handler (api limits, gqlgen, loaders,
// store) in process, on the demo data (717 projects) and, with
// CIVICLEDGER_BENCH_LARGE=1, on 100,000 generated projects. The large data
// set is built once into bench-data/ (SQLite) and copied into the
// PostgreSQL schema bench100k, then reused. Besides ns/op and allocs the
// benchmarks report statements/op and the p50/p99 latency of their
// iterations. Run: make bench.

const (
	q1 = `{ projects(first: 50, filter: {serviceAreas: [ELDERLY_SUPPORT]}, orderBy: {field: AWARDED, direction: DESC}) {
	totalCount nodes { code title awarded stage outcome undertaker { name creditCode }
	figures { beneficiaries volunteers experts leveraged leverageRatio } satisfaction { responses average } } } }`
	q1m = `{ projects(first: 50, filter: {serviceAreas: [ELDERLY_SUPPORT]}, orderBy: {field: AWARDED, direction: DESC}) {
	totalCount nodes { code title awarded undertaker { name creditCode } metrics { kind value periodStart periodEnd provenance } figures { beneficiaries volunteers } } } }`
	q2 = `query($code: String!) { project(code: $code) { code title summary awarded coFunding stageLabel outcome
	round { year } undertaker { name } evaluator { name } auditor { name }
	timeline { stage outcome occurredOn reason } tranches { kind amount paidOn }
	audits { result findings spent recovered } metrics { kind value target provenance periodStart periodEnd }
	scorecards { kind weightedTotal reviewer { name } scores { indicator { name weight maxScore } score weighted } }
	announcements { code title kind } reports { code title kind publishedOn } caseStudies { title }
	satisfaction { responses average } figures { beneficiaries volunteers experts leveraged leverageRatio paid recovered } } }`
	q2lookup = `query($code: String!) { project(code: $code) { code title summary awarded coFunding stage outcome
	round { year } undertaker { name creditCode } satisfaction { responses average } } }`
	q3 = `{ stats(groupBy: [YEAR, SERVICE_AREA]) { total { projects awarded leveraged leverageRatio beneficiaries volunteers experts satisfaction }
	groups { key { year serviceArea } projects awarded leveraged leverageRatio beneficiaries volunteers experts satisfaction } } }`
)

type benchEnv struct {
	name string
	db   *store.DB
	h    http.Handler
	code string // a closed project for Q2
}

func benchHandler(db *store.DB) http.Handler {
	core := &portal.Portal{Reader: db, Meta: db}
	return resolvers.WithLoaders(core, api.NewHandler(graph.NewExecutableSchema(resolvers.New(core).Config()), api.Config{RateLimit: -1}, nil))
}

// largeSQLite returns the cached 100,000-project SQLite ledger, building it
// on first use (several minutes).
func largeSQLite(b *testing.B) *store.DB {
	ctx := context.Background()
	path := filepath.Join("..", "bench-data", "ledger-100k.db")
	_, statErr := os.Stat(path)
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if statErr != nil {
		start := time.Now()
		if _, err := demo.Load(ctx, db, demo.Options{Projects: 100_000, ReportsPerProject: 2}); err != nil {
			db.Close()
			os.Remove(path)
			b.Fatal(err)
		}
		b.Logf("built %s in %s", path, time.Since(start).Round(time.Second))
	}
	return db
}

// largePostgres returns the 100,000-project ledger in the PostgreSQL schema
// bench100k, copying it from the SQLite one on first use.
func largePostgres(b *testing.B, src *store.DB) *store.DB {
	base := os.Getenv("CIVICLEDGER_TEST_DATABASE_URL")
	if base == "" {
		b.Skip("CIVICLEDGER_TEST_DATABASE_URL not set")
	}
	admin, err := sqlx.Open("postgres", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA IF NOT EXISTS bench100k"); err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", "bench100k")
	u.RawQuery = q.Encode()
	ctx := context.Background()
	db, err := store.Open(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	if empty, _ := db.Empty(ctx); empty {
		start := time.Now()
		n, err := store.CopyAll(ctx, src, db)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := admin.Exec("ANALYZE"); err != nil {
			b.Fatal(err)
		}
		b.Logf("copied %d rows into PostgreSQL in %s", n, time.Since(start).Round(time.Second))
	}
	return db
}

func benchEnvs(b *testing.B) []benchEnv {
	var envs []benchEnv
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		if d == store.Postgres && os.Getenv("CIVICLEDGER_TEST_DATABASE_URL") == "" {
			continue
		}
		envs = append(envs, benchEnv{name: "717/" + string(d), db: demoDB(b, d)})
	}
	if os.Getenv("CIVICLEDGER_BENCH_LARGE") != "" {
		lite := largeSQLite(b)
		envs = append(envs, benchEnv{name: "100k/sqlite", db: lite})
		if pg := largePostgres(b, lite); pg != nil {
			envs = append(envs, benchEnv{name: "100k/postgres", db: pg})
		}
	}
	for i := range envs {
		envs[i].h = benchHandler(envs[i].db)
		var out struct {
			Projects struct{ Nodes []struct{ Code string } }
		}
		postJSON(b, envs[i].h, `{ projects(first: 1, filter: {outcomes: [COMPLETED], serviceAreas: [ELDERLY_SUPPORT]}, orderBy: {field: AWARDED, direction: DESC}) { nodes { code } } }`, nil, &out)
		envs[i].code = out.Projects.Nodes[0].Code
	}
	return envs
}

func postJSON(b testing.TB, h http.Handler, query string, vars map[string]any, out any) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var r struct {
		Data   json.RawMessage
		Errors []any
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || len(r.Errors) > 0 || rec.Code != 200 {
		b.Fatalf("status %d, errors %v: %s", rec.Code, r.Errors, rec.Body.String())
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			b.Fatal(err)
		}
	}
}

func runQuery(b *testing.B, env benchEnv, query string, vars map[string]any) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	// Warm caches (query cache, statement plans, page cache) first.
	for i := 0; i < 3; i++ {
		postJSON(b, env.h, query, vars, nil)
	}
	durs := make([]time.Duration, 0, b.N)
	stmts := env.db.ReadStatements()
	cpu0 := processCPU()
	// The recorder's body is reused, so that B/op counts the server's
	// allocations, not the test's copy of each answer.
	var out bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// http.NewRequest, not httptest.NewRequest, which parses a request
		// from text through a 4 KB reader the server never makes per request.
		req, _ := http.NewRequest("POST", "/graphql", bytes.NewReader(body))
		req.RemoteAddr = "192.0.2.1:1234"
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		out.Reset()
		rec.Body = &out
		start := time.Now()
		env.h.ServeHTTP(rec, req)
		durs = append(durs, time.Since(start))
		if rec.Code != 200 || bytes.Contains(out.Bytes(), []byte(`"errors"`)) {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
	b.ReportMetric(float64(env.db.ReadStatements()-stmts)/float64(b.N), "stmts/op")
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	pct := func(p float64) float64 { return float64(durs[int(p*float64(len(durs)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkTypename is the fixed cost of the smallest request,
// { __typename }, through the whole handler (decoding, limits, parsing,
// validation, cost, execution, encoding) with no database read: the floor
// under every other request.
func BenchmarkTypename(b *testing.B) {
	env := benchEnv{name: "717/sqlite", db: demoDB(b, store.SQLite)}
	env.h = benchHandler(env.db)
	runQuery(b, env, `{ __typename }`, nil)
}

func BenchmarkQ1ProjectPage(b *testing.B) {
	for _, env := range benchEnvs(b) {
		b.Run(env.name, func(b *testing.B) { runQuery(b, env, q1, nil) })
	}
}

// BenchmarkQ1Cached is Q1 answered from the response cache: what a
// repeated anonymous question costs while no write commits (a read of the
// data position, the look-up, the reply).
func BenchmarkQ1Cached(b *testing.B) {
	for _, env := range benchEnvs(b) {
		b.Run(env.name, func(b *testing.B) {
			core := &portal.Portal{Reader: env.db, Meta: env.db}
			rc := api.NewResponseCache(64<<20, env.db.DataPosition)
			env.h = resolvers.WithLoaders(core, api.NewHandler(graph.NewExecutableSchema(resolvers.New(core).Config()),
				api.Config{RateLimit: -1, ResponseCache: rc}, nil))
			runQuery(b, env, q1, nil)
			if s := rc.Stats(); s.Hits < int64(b.N) {
				b.Fatalf("%d hits in %d requests", s.Hits, b.N)
			}
		})
	}
}

func BenchmarkQ1MProjectPageWithMetricRows(b *testing.B) {
	for _, env := range benchEnvs(b) {
		b.Run(env.name, func(b *testing.B) { runQuery(b, env, q1m, nil) })
	}
}

// BenchmarkQ2Lookup is the comparison's Q2 (bench/check.go): one project
// by code with its round, undertaker and satisfaction.
func BenchmarkQ2Lookup(b *testing.B) {
	for _, env := range benchEnvs(b) {
		b.Run(env.name, func(b *testing.B) { runQuery(b, env, q2lookup, map[string]any{"code": env.code}) })
	}
}

func BenchmarkQ2ProjectStory(b *testing.B) {
	for _, env := range benchEnvs(b) {
		b.Run(env.name, func(b *testing.B) { runQuery(b, env, q2, map[string]any{"code": env.code}) })
	}
}

func BenchmarkQ3StatsByYearAndArea(b *testing.B) {
	for _, env := range benchEnvs(b) {
		b.Run(env.name, func(b *testing.B) { runQuery(b, env, q3, nil) })
	}
}

// BenchmarkQ3Uncached is Q3 with the aggregate cache off: the cost of the
// first request after a write.
func BenchmarkQ3Uncached(b *testing.B) {
	for _, env := range benchEnvs(b) {
		b.Run(env.name, func(b *testing.B) {
			env.db.SetAggregateCache(false)
			defer env.db.SetAggregateCache(true)
			runQuery(b, env, q3, nil)
		})
	}
}

// BenchmarkQ3Scan is Q3 with neither the cache nor stats_rollup: the scan
// over every project that the rollup replaces (and that statistics grouped
// by organization still run).
func BenchmarkQ3Scan(b *testing.B) {
	for _, env := range benchEnvs(b) {
		b.Run(env.name, func(b *testing.B) {
			env.db.SetAggregateCache(false)
			env.db.SetStatsRollup(false)
			defer env.db.SetAggregateCache(true)
			defer env.db.SetStatsRollup(true)
			runQuery(b, env, q3, nil)
		})
	}
}

// processCPU is the CPU time this process has used (user and system), in
// nanoseconds. Per operation it is steadier than the time on the clock when
// the machine is shared: waiting for a core costs no CPU. (On SQLite it is
// all of a request's cost; on PostgreSQL the database's share is not in it.)
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
