package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"civicledger/ledger"
	"civicledger/search"
	"civicledger/store"
	"civicledger/store/storetest"
)

// The portal as `go run .` starts it, on a temporary data directory: demo
// data loaded, search index built by the follower. Shared by the tests.
var shared struct {
	once sync.Once
	app  *app
	srv  *httptest.Server
	err  error
	stop func()
}

func startPortal(t *testing.T) (*app, string) {
	t.Helper()
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "civicledger-portal-")
		if err != nil {
			shared.err = err
			return
		}
		cfg := config{DataDir: dir, DatabaseURL: filepath.Join(dir, "civicledger.db"), Demo: true}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		a, err := open(context.Background(), cfg, log)
		if err != nil {
			shared.err = err
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = a.follower.Run(ctx) }()
		sctx, scancel := context.WithTimeout(ctx, 2*time.Minute)
		defer scancel()
		if err := a.follower.Sync(sctx); err != nil {
			shared.err = err
		}
		shared.app, shared.srv = a, httptest.NewServer(a.handler)
		shared.stop = func() { shared.srv.Close(); cancel(); <-done; a.close(); os.RemoveAll(dir) }
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.app, shared.srv.URL
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.stop != nil {
		shared.stop()
	}
	os.Exit(code)
}

func gql(t *testing.T, url, query string, vars map[string]any, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []map[string]any
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) > 0 {
		t.Fatalf("%s: %v", query, r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatal(err)
	}
}

func TestPortalServesDemo(t *testing.T) {
	_, url := startPortal(t)
	for _, path := range []string{"/healthz", "/readyz", "/graphiql/"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s = %d", path, resp.StatusCode)
		}
	}
	var out struct {
		Dataset struct {
			Demo bool
			Note string
		}
		Stats struct{ Total struct{ Projects int } }
	}
	gql(t, url, `{ dataset { demo note } stats { total { projects } } }`, nil, &out)
	if !out.Dataset.Demo || !strings.Contains(out.Dataset.Note, "演示数据") || out.Stats.Total.Projects != 717 {
		t.Errorf("dataset: %+v", out)
	}
}

type searchHit struct {
	Kind      string
	Title     string
	Fragments []string
	Record    struct {
		ServiceArea string
		Project     *struct{ ServiceArea string }
		CaseProject *struct{ ServiceArea string }
	}
}

func (h searchHit) area() string {
	if h.Record.Project != nil {
		return h.Record.Project.ServiceArea
	}
	if h.Record.CaseProject != nil {
		return h.Record.CaseProject.ServiceArea
	}
	return h.Record.ServiceArea
}

func searchFor(t *testing.T, url, q string, n int) (int, bool, []searchHit) {
	t.Helper()
	var out struct {
		Search struct {
			TotalCount       int
			PartialWordMatch bool
			Nodes            []searchHit
		}
	}
	gql(t, url, `query($q: String!, $n: Int) { search(query: $q, first: $n) { totalCount partialWordMatch nodes { kind title fragments
		record { ... on Project { serviceArea } ... on Report { project { serviceArea } } ... on CaseStudy { caseProject: project { serviceArea } } } } } }`,
		map[string]any{"q": q, "n": n}, &out)
	return out.Search.TotalCount, out.Search.PartialWordMatch, out.Search.Nodes
}

// TestSearchAreaWords: each service area's everyday word finds that area's
// records first (issue 4).
func TestSearchAreaWords(t *testing.T) {
	_, url := startPortal(t)
	for word, area := range map[string]ledger.ServiceArea{"养老": ledger.ElderlySupport, "助残": ledger.DisabilitySupport,
		"济困": ledger.PovertyRelief, "社区": ledger.CommunityWelfare} {
		total, _, hits := searchFor(t, url, word, 10)
		if total < 20 || len(hits) != 10 {
			t.Errorf("%s: %d hits", word, total)
			continue
		}
		for i, h := range hits {
			if a := h.area(); a != "" && a != string(area) {
				t.Errorf("%s: hit %d (%s %q) is in %s, want %s first", word, i+1, h.Kind, h.Title, a, area)
			}
		}
	}
}

// TestSearchWordBoundaries: a word that only occurs across a word boundary
// (市长 in 本市长宁区, 家政 in 国家政策) is not found there.
func TestSearchWordBoundaries(t *testing.T) {
	_, url := startPortal(t)
	total, partial, hits := searchFor(t, url, "市长", 20)
	for _, h := range hits {
		for _, f := range h.Fragments {
			if strings.Contains(f, "本<mark>市长</mark>宁") {
				t.Errorf("市长 matched across a word boundary (total %d, partial %v): %q", total, partial, f)
				break
			}
		}
	}
	_, _, hits = searchFor(t, url, "家政", 100)
	for _, h := range hits {
		joined := strings.Join(h.Fragments, "") + h.Title
		if strings.Contains(joined, "国<mark>家政</mark>策") {
			t.Errorf("家政 matched inside 国家政策: %q", h.Title)
		}
	}
	if len(hits) == 0 {
		t.Error("家政 found nothing, but the demo data has 家政服务 projects")
	}
}

// TestPublishIsSearchable publishes a report and finds it through the API
// once the follower has indexed it (publish → searchable).
func TestPublishIsSearchable(t *testing.T) {
	a, url := startPortal(t)
	ctx := context.Background()
	r := &ledger.Report{Code: "RPT-TEST-1", Kind: ledger.AuditReport, Title: "专项审计报告：紫藤花园项目",
		Body: "审计发现紫藤花园项目存在票据不规范问题，已责令整改。", PublishedOn: "2016-12-20"}
	start := time.Now()
	if err := a.db.PublishReport(ctx, ledger.Attribution{Actor: "test", Role: ledger.RoleAuditor}, r); err != nil {
		t.Fatal(err)
	}
	seq, _ := a.db.OutboxMaxSeq(ctx)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := a.follower.WaitFor(wctx, seq); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	total, _, hits := searchFor(t, url, "紫藤花园 票据", 5)
	if total != 1 || hits[0].Title != r.Title {
		t.Fatalf("published report not found: %d %+v", total, hits)
	}
	t.Logf("publish → searchable in %s", took)
}

// TestKillDuringIndexingThenRestart starts the real binary on a fresh data
// directory, kills it (SIGKILL) while it builds the search index, restarts
// it and checks the index it ends with equals a full rebuild.
func TestKillDuringIndexingThenRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "civicledger")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	run := func() (*exec.Cmd, *bytes.Buffer, string) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		cmd := exec.Command(bin, "serve", "-addr", addr, "-data-dir", data)
		cmd.Env = append(os.Environ(), "CIVICLEDGER_DATABASE_URL=")
		var logs bytes.Buffer
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &logs, addr
	}
	readyz := func(addr string) string {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	waitFor := func(addr string, cond func(string) bool, limit time.Duration) bool {
		deadline := time.Now().Add(limit)
		for time.Now().Before(deadline) {
			if cond(readyz(addr)) {
				return true
			}
			time.Sleep(20 * time.Millisecond)
		}
		return false
	}
	// First run: kill as soon as it serves, while the index is being built.
	cmd, logs, addr := run()
	if !waitFor(addr, func(s string) bool { return strings.HasPrefix(s, "ready") }, 2*time.Minute) {
		cmd.Process.Kill()
		t.Fatalf("first run never became ready:\n%s", logs)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if strings.Contains(logs.String(), "search index caught up") {
		t.Log("note: the index finished before the kill; the restart still has to agree with a rebuild")
	}
	// Second run: must catch up to the end of the outbox.
	cmd, logs, addr = run()
	caughtUp := func(s string) bool {
		var w, m int64
		i := strings.Index(s, "search: indexed through outbox ")
		if i < 0 {
			return false
		}
		_, err := fmtSscanf(s[i:], "search: indexed through outbox %d of %d", &w, &m)
		return err == nil && m > 0 && w == m
	}
	ok := waitFor(addr, caughtUp, 2*time.Minute)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	if !ok {
		t.Fatalf("restart never caught up:\n%s", logs)
	}
	// Compare with a full rebuild from the database.
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(data, "civicledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ix, fol, err := openSearch(config{DataDir: data}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ix.DocCount()
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	_ = db.EachSearchDoc(ctx, func(*ledger.SearchDoc) error { want++; return nil })
	if int(got) != want {
		t.Errorf("after kill and restart the index holds %d documents, the database has %d", got, want)
	}
	// The same searches must answer the same before and after a rebuild:
	// totals, facet counts and the first page in date order (relevance ties
	// may come in another order once segments are laid out differently).
	probe := func() string {
		var b strings.Builder
		for _, q := range []string{"养老", "助残", "济困", "社区", "审计 整改", "长宁区", "\"居家养老\"", "适老"} {
			res, err := ix.Search(ctx, search.Query{Text: q, Limit: 20, Sort: search.SortDateDesc})
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s: %d %v %v\n", q, res.Total, res.Facets.Kind, res.Facets.Year)
			for _, h := range res.Hits {
				b.WriteString(" " + h.Key)
			}
			b.WriteString("\n")
		}
		return b.String()
	}
	before := probe()
	if err := fol.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	rebuilt, _ := ix.DocCount()
	after := probe()
	ix.Close()
	if rebuilt != got {
		t.Errorf("rebuild holds %d documents, the restarted index %d", rebuilt, got)
	}
	if before != after {
		t.Errorf("searches differ between the restarted index and a rebuild:\nrestarted:\n%s\nrebuilt:\n%s", before, after)
	}
}

func fmtSscanf(s, format string, args ...any) (int, error) { return fmt.Sscanf(s, format, args...) }

// TestGraphQLOverHTTPAuditOnPortal runs the graphql-http server audit
// against the real portal (real schema, loaders, store). Skipped without
// node, except under CI=true.
func TestGraphQLOverHTTPAuditOnPortal(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is not installed; CI must run the GraphQL over HTTP audit")
		}
		t.Skip("node is not installed")
	}
	if _, err := os.Stat("api/audit/node_modules/graphql-http/package.json"); err != nil {
		cmd := exec.Command("npm", "ci", "--prefer-offline", "--no-audit", "--no-fund")
		cmd.Dir = "api/audit"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}
	_, url := startPortal(t)
	cmd := exec.Command(node, "audit.mjs", url+"/graphql")
	cmd.Dir = "api/audit"
	out, err := cmd.CombinedOutput()
	t.Logf("graphql-http audit of the portal:\n%s", out)
	if err != nil {
		t.Fatalf("the audit failed: %v", err)
	}
}

// TestCORS: browsers on other sites may read the public API.
func TestCORS(t *testing.T) {
	_, url := startPortal(t)
	req, _ := http.NewRequest(http.MethodOptions, url+"/graphql", nil)
	req.Header.Set("Origin", "https://newsroom.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ = http.NewRequest(http.MethodGet, url+"/graphql?query=%7Bstats%7Btotal%7Bprojects%7D%7D%7D", nil)
	req.Header.Set("Origin", "https://newsroom.example")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("GET with Origin: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestSearchAPIFiltersFacetsPaging: the GraphQL search field filters,
// counts facets, pages with cursors and flags partial-word matches.
func TestSearchAPIFiltersFacetsPaging(t *testing.T) {
	_, url := startPortal(t)
	type page struct {
		Search struct {
			TotalCount       int
			PartialWordMatch bool
			PageInfo         struct {
				HasNextPage bool
				EndCursor   string
			}
			Nodes []struct {
				Kind, Code, Date string
			}
			Facets struct {
				Kind, Year []struct {
					Value string
					Count int
				}
			}
		}
	}
	const q = `query($q: String!, $after: String) { search(query: $q, filter: {kinds: [REPORT], years: [2015]}, orderBy: DATE_DESC, first: 10, after: $after) {
		totalCount partialWordMatch pageInfo { hasNextPage endCursor } nodes { kind code date } facets { kind { value count } year { value count } } } }`
	var p1, p2 page
	gql(t, url, q, map[string]any{"q": "养老"}, &p1)
	s := p1.Search
	if s.TotalCount < 11 || len(s.Nodes) != 10 || !s.PageInfo.HasNextPage || s.PartialWordMatch {
		t.Fatalf("page 1: total %d, %d nodes, next %v, partial %v", s.TotalCount, len(s.Nodes), s.PageInfo.HasNextPage, s.PartialWordMatch)
	}
	if len(s.Facets.Kind) != 1 || s.Facets.Kind[0].Value != "REPORT" || s.Facets.Kind[0].Count != s.TotalCount ||
		len(s.Facets.Year) != 1 || s.Facets.Year[0].Value != "2015" {
		t.Errorf("facets do not follow the filter: %+v", s.Facets)
	}
	for i, n := range s.Nodes {
		if n.Kind != "REPORT" || !strings.HasPrefix(n.Date, "2015") || (i > 0 && n.Date > s.Nodes[i-1].Date) {
			t.Errorf("hit %d: %+v (want 2015 reports, newest first)", i, n)
		}
	}
	gql(t, url, q, map[string]any{"q": "养老", "after": s.PageInfo.EndCursor}, &p2)
	if p2.Search.TotalCount != s.TotalCount || len(p2.Search.Nodes) == 0 || p2.Search.Nodes[0].Code == s.Nodes[0].Code {
		t.Errorf("page 2 does not continue page 1: %+v", p2.Search.Nodes)
	}
	var partial page
	gql(t, url, `{ search(query: "适老") { totalCount } }`, nil, &partial)
	if partial.Search.TotalCount == 0 {
		t.Errorf("适老 (part of 适老化) should be found as a partial word: %+v", partial.Search)
	}
	// Facet counts over a broad search add up to the total, by kind.
	var broad page
	gql(t, url, `{ search(query: "养老") { totalCount facets { kind { value count } year { value count } } } }`, nil, &broad)
	sum := 0
	for _, f := range broad.Search.Facets.Kind {
		sum += f.Count
	}
	if sum != broad.Search.TotalCount || len(broad.Search.Facets.Year) < 5 {
		t.Errorf("kind facets add up to %d of %d hits; %d year facets", sum, broad.Search.TotalCount, len(broad.Search.Facets.Year))
	}
}

// twoNodes opens a PostgreSQL ledger followed by two nodes, each with its
// own search index, as two portal processes on one database would be.
func twoNodes(tb testing.TB) (*store.DB, []*search.Index) {
	db := storetest.MustOpenDB(tb, store.Postgres)
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	var nodes []*search.Index
	for i := 0; i < 2; i++ {
		ix, fol, err := openSearch(config{DataDir: tb.TempDir()}, db, nil)
		if err != nil {
			tb.Fatal(err)
		}
		done := make(chan struct{})
		go func() { defer close(done); _ = fol.Run(ctx) }()
		tb.Cleanup(func() { cancel(); <-done; ix.Close() })
		nodes = append(nodes, ix)
	}
	return db, nodes
}

// publishAndFind publishes a report naming word and waits until every node
// finds it, returning how long each took (or failing after 30 s: a bound
// for a broken follower, not a speed target, which BenchmarkPublishToSearchable
// measures).
func publishAndFind(tb testing.TB, db *store.DB, nodes []*search.Index, code, word string) []time.Duration {
	ctx := context.Background()
	att := ledger.Attribution{Actor: "test", Role: ledger.RoleEvaluator}
	title := "第三方评估报告：" + word + "长者食堂"
	r := &ledger.Report{Code: code, Kind: ledger.EvaluationReport, Title: title,
		Body: title + "。服务对象满意度较高。", PublishedOn: "2016-11-30"}
	start := time.Now()
	if err := db.PublishReport(ctx, att, r); err != nil {
		tb.Fatal(err)
	}
	took := make([]time.Duration, len(nodes))
	for n, ix := range nodes {
		for {
			res, err := ix.Search(ctx, search.Query{Text: word, NoFacets: true})
			if err != nil {
				tb.Fatal(err)
			}
			if res.Total == 1 {
				break
			}
			if time.Since(start) > 30*time.Second {
				tb.Fatalf("node %d: %q not searchable 30 s after it was published", n, word)
			}
			time.Sleep(5 * time.Millisecond)
		}
		took[n] = time.Since(start)
	}
	return took
}

// TestTwoNodesOnePostgres: two nodes, each with its own search index,
// follow one PostgreSQL; a report published through the database becomes
// searchable on both (docs/design.md's publish → searchable on every node; its
// 2 s target is measured by BenchmarkPublishToSearchable).
func TestTwoNodesOnePostgres(t *testing.T) {
	db, nodes := twoNodes(t)
	for i, word := range []string{"银杏树", "梧桐巷"} {
		took := publishAndFind(t, db, nodes, fmt.Sprintf("RPT-NODE-%d", i), word)
		t.Logf("report %d searchable on the two nodes after %s and %s", i, took[0].Round(time.Millisecond), took[1].Round(time.Millisecond))
	}
}

// BenchmarkPublishToSearchable publishes reports one after another on a
// PostgreSQL ledger followed by two nodes and reports the median and
// largest time until both nodes find each (target: under 2 s).
func BenchmarkPublishToSearchable(b *testing.B) {
	db, nodes := twoNodes(b)
	var all []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		word := fmt.Sprintf("pubbench%dx", i) // a token of its own per report
		took := publishAndFind(b, db, nodes, fmt.Sprintf("RPT-BENCH-%d", i), word)
		all = append(all, slices.Max(took))
	}
	b.StopTimer()
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "max-ms")
}

// TestCommandLine: the command may stand before or after the flags, and
// anything left over is refused rather than ignored.
func TestCommandLine(t *testing.T) {
	for _, c := range []struct {
		args    []string
		cmd     string
		dataDir string
		bad     bool
	}{
		{nil, "serve", "./data", false},
		{[]string{"reindex", "-data-dir", "x"}, "reindex", "x", false},
		{[]string{"-data-dir", "x", "reindex"}, "reindex", "x", false},
		{[]string{"-data-dir", "x", "reindex", "-log-level", "debug"}, "reindex", "x", false},
		{[]string{"-data-dir", "x", "reindex", "extra"}, "", "", true},
		{[]string{"serve", "reindex"}, "", "", true},
	} {
		t.Setenv("CIVICLEDGER_DATA_DIR", "") // restored after the test
		os.Unsetenv("CIVICLEDGER_DATA_DIR")
		cmd, cfg, err := parseArgs(c.args)
		if c.bad {
			if err == nil {
				t.Errorf("%q: accepted as %s", c.args, cmd)
			}
			continue
		}
		if err != nil || cmd != c.cmd || cfg.DataDir != c.dataDir {
			t.Errorf("%q: got %s %q %v, want %s %q", c.args, cmd, cfg.DataDir, err, c.cmd, c.dataDir)
		}
	}
}

// TestSettingsRefusedByName: a setting that does not parse is refused at
// start with its name, instead of silently falling back (before,
// CIVICLEDGER_DEMO=no loaded the demo and an unknown log level meant info).
func TestSettingsRefusedByName(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		name string // in the error
	}{
		{map[string]string{"CIVICLEDGER_DEMO": "no"}, nil, "CIVICLEDGER_DEMO"},
		{map[string]string{"CIVICLEDGER_LOG_LEVEL": "verbose"}, nil, "log-level"},
		{nil, []string{"-log-level", "loud"}, "log-level"},
		{map[string]string{"CIVICLEDGER_RATE_LIMIT": "lots"}, nil, "CIVICLEDGER_RATE_LIMIT"},
		{map[string]string{"CIVICLEDGER_TIMEOUT": "10"}, nil, "CIVICLEDGER_TIMEOUT"},
		{nil, []string{"-rate-limit", "-5"}, "-rate-limit"},
		{nil, []string{"-max-cost", "0"}, "-max-cost"},
		{nil, []string{"-trusted-proxies", "10.0.0.1"}, "-trusted-proxies"},
	} {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		_, _, err := parseArgs(c.args)
		if err == nil || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%v %q: err %v, want one naming %s", c.env, c.args, err, c.name)
		}
		for k := range c.env {
			os.Unsetenv(k)
		}
	}
}

// TestLimitSettings: every limit is a flag with an environment fallback; a
// rate of 0 switches the limiter off; trusted proxies name the client by
// X-Forwarded-For; demo data goes into PostgreSQL only when asked for.
func TestLimitSettings(t *testing.T) {
	t.Setenv("CIVICLEDGER_MAX_COST", "777")
	_, cfg, err := parseArgs([]string{"-rate-limit", "0", "-timeout", "3s", "-trusted-proxies", "10.0.0.0/8, 192.168.0.0/16"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.API.RateLimit != -1 || cfg.API.MaxCost != 777 || cfg.API.Timeout != 3*time.Second || cfg.API.ClientKey == nil {
		t.Errorf("limits: %+v", cfg.API)
	}
	r := httptest.NewRequest("POST", "/graphql", nil)
	r.RemoteAddr = "10.1.2.3:5555"
	r.Header.Set("X-Forwarded-For", "203.0.113.9, 10.9.9.9")
	if got := cfg.API.ClientKey(r); got != "203.0.113.9" {
		t.Errorf("client behind the proxy: %q", got)
	}
	_, cfg, _ = parseArgs([]string{"-database-url", "postgres://u@h/db"})
	if cfg.Demo {
		t.Error("demo data loaded into PostgreSQL without being asked for")
	}
	_, cfg, _ = parseArgs([]string{"-database-url", "postgres://u@h/db", "-demo"})
	if !cfg.Demo {
		t.Error("-demo on PostgreSQL ignored")
	}
	if _, cfg, _ = parseArgs(nil); !cfg.Demo {
		t.Error("SQLite: demo data is the default")
	}
}

// TestCaseStudyFoundOnce: a case study published also as a report of the
// same title (项目案例) is found once, as the case study. Before, three
// stories filled six of the top ten hits for 助餐.
func TestCaseStudyFoundOnce(t *testing.T) {
	_, url := startPortal(t)
	for _, q := range []string{"助餐", "长者食堂", "社区"} {
		_, _, hits := searchFor(t, url, q, 50)
		seen := map[string]string{}
		for _, h := range hits {
			if k, ok := seen[h.Title]; ok && (k == "CASE_STUDY" || h.Kind == "CASE_STUDY") {
				t.Errorf("%s: %q found as %s and as %s", q, h.Title, k, h.Kind)
			}
			seen[h.Title] = h.Kind
		}
	}
	var out struct {
		Search struct{ TotalCount int }
	}
	gql(t, url, `{ search(query: "项目案例", filter: {kinds: [REPORT], subKinds: ["CASE_STUDY"]}) { totalCount } }`, nil, &out)
	if out.Search.TotalCount != 0 {
		t.Errorf("%d case-study reports indexed beside their case studies", out.Search.TotalCount)
	}
}

// TestSecurityHeaders: every answer says nosniff and sends no referrer;
// GraphiQL runs under a strict Content-Security-Policy (scripts and
// connections only to this server, no framing); answers whose CORS headers
// depend on Origin say so to caches.
func TestSecurityHeaders(t *testing.T) {
	_, url := startPortal(t)
	for _, path := range []string{"/healthz", "/readyz", "/graphiql/", "/graphql?query=%7B__typename%7D", "/no-such-page"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: nosniff %q, referrer %q", path, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
		if strings.HasPrefix(path, "/graphiql") {
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("GraphiQL CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "script-src 'self' 'unsafe") {
				t.Errorf("GraphiQL CSP allows unsafe scripts: %q", csp)
			}
		}
		if strings.HasPrefix(path, "/graphql") && !slices.Contains(h.Values("Vary"), "Origin") {
			t.Errorf("%s: Vary %v lacks Origin", path, h.Values("Vary"))
		}
	}
}

// TestSearchWhatPeopleType: everyday words, pinyin and English find the
// records of the official words, and the answer says how; a word no record
// holds gets suggestions (issue 14).
func TestSearchWhatPeopleType(t *testing.T) {
	_, url := startPortal(t)
	for q, via := range map[string]string{"低保户": "SYNONYM", "盲人": "SYNONYM", "yanglao": "PINYIN", "elderly": "ENGLISH", "老年仁": "SPELLING", "低保金": "PARTS"} {
		var out struct {
			Search struct {
				TotalCount  int
				Expansions  []struct{ Word, Via string }
				Suggestions []string
			}
		}
		gql(t, url, `query($q: String!) { search(query: $q, first: 1) { totalCount expansions { word via terms } suggestions } }`, map[string]any{"q": q}, &out)
		if out.Search.TotalCount == 0 || !slices.ContainsFunc(out.Search.Expansions, func(e struct{ Word, Via string }) bool { return e.Via == via }) {
			t.Errorf("%s: %d hits, expansions %+v; want hits via %s", q, out.Search.TotalCount, out.Search.Expansions, via)
		}
	}
	var out struct {
		Search struct{ Suggestions []string }
	}
	gql(t, url, `{ search(query: "elderyl") { suggestions } }`, nil, &out)
	if !slices.Contains(out.Search.Suggestions, "elderly") {
		t.Errorf("elderyl: suggestions %v, want elderly", out.Search.Suggestions)
	}
}
