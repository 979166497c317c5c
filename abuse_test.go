package main

// The abuse suite: each attack an outside probe of the portal found, run on
// the real handler over the demo data. Each test failed on the code before
// the fix it names.

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
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"civicledger/api"
	"civicledger/store"
	"civicledger/store/storetest"
)

// answer is one GraphQL answer as a client sees it.
type answer struct {
	status int
	data   json.RawMessage
	errors []struct {
		Message    string
		Extensions map[string]any
	}
	size int
}

func (a answer) code() string {
	if len(a.errors) == 0 {
		return ""
	}
	c, _ := a.errors[0].Extensions["code"].(string)
	return c
}

// post sends a GraphQL query with client c (nil: a fresh one with a 30 s
// timeout) and reads the whole answer.
func post(t testing.TB, c *http.Client, url, query string) answer {
	t.Helper()
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	body, _ := json.Marshal(map[string]any{"query": query})
	resp, err := c.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%.80s…: %v", query, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, size: len(raw)}
	var r struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%.80s…: answer is not JSON: %v: %.200s", query, err, raw)
	}
	a.data, a.errors = r.Data, r.Errors
	return a
}

// postJSON posts a query and decodes the whole answer into out; it returns
// the status.
func postJSON(t testing.TB, url, query string, out any) int {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	resp, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode
}

// servePortal serves the shared portal's data with other GraphQL limits.
func servePortal(t *testing.T, cfg api.Config) string {
	t.Helper()
	a, _ := startPortal(t)
	srv := httptest.NewServer(a.routes(cfg, slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(srv.Close)
	return srv.URL
}

// fanout is the fragment fan-out attack: each fragment spreads the next one
// twice, so a walk that expands every spread takes 2^n steps.
func fanout(n int) string {
	var b strings.Builder
	b.WriteString("{ projects(first: 1) { nodes { ...F0 } } }\n")
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on Project { a%d: code ...F%d ...F%d }\n", i, i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Project { code }\n", n)
	return b.String()
}

// TestAbuseFragmentFanout: 40 nested fragments, each spreading the next
// twice, cost 1. Before: requestedFields walked every spread again (2^40
// steps) and the request never ended. Now each fragment is walked once.
func TestAbuseFragmentFanout(t *testing.T) {
	_, url := startPortal(t)
	a := post(t, &http.Client{Timeout: 20 * time.Second}, url, fanout(40))
	if a.status != 200 || len(a.errors) > 0 {
		t.Fatalf("fan-out 40: %d %v", a.status, a.errors)
	}
	var got struct {
		Projects struct{ Nodes []map[string]string }
	}
	if err := json.Unmarshal(a.data, &got); err != nil || len(got.Projects.Nodes) != 1 || len(got.Projects.Nodes[0]) != 41 {
		t.Errorf("fan-out 40 answered %s", a.data)
	}
}

// nested returns reports { nodes { project { reports { project … } } } }
// with depth levels of project { reports }.
func nested(first, depth int) string {
	q := "title"
	for range depth {
		q = "project { reports { " + q + " } }"
	}
	return fmt.Sprintf("{ reports(first: %d) { nodes { %s } } }", first, q)
}

// TestAbuseAmplificationPriced: lists nested in lists, and aliased
// introspection, cost what they return. Before: six levels of
// reports { project { reports } } cost 7 and answered 18 MB in 31 s; 450
// aliased __schema cost 1 and answered 13 MB.
func TestAbuseAmplificationPriced(t *testing.T) {
	_, url := startPortal(t)
	for name, q := range map[string]string{
		"six levels of plain lists": nested(100, 6),
		"three levels":              nested(100, 3),
		"450 aliased __schema": "{ " + strings.Repeat("", 0) + func() string {
			var b strings.Builder
			for i := range 450 {
				fmt.Fprintf(&b, "s%d: __schema { types { name fields { name type { name } } } } ", i)
			}
			return b.String()
		}() + "}",
	} {
		a := post(t, nil, url, q)
		if a.code() != api.CodeCostLimit || a.data != nil {
			t.Errorf("%s: %d %s %v (%d bytes)", name, a.status, a.code(), a.errors, a.size)
		}
	}
	// What a journalist asks stays well inside the limit.
	for name, q := range map[string]string{
		"one level":     nested(100, 1),
		"GraphiQL-like": `{ __schema { types { name fields { name args { name type { name } } } } } }`,
		"Q1":            `{ projects(first: 50, filter: {serviceAreas: [ELDERLY_SUPPORT]}) { nodes { code title undertaker { name } figures { paid beneficiaryPersons } metrics { kind target value } } } }`,
	} {
		if a := post(t, nil, url, q); a.status != 200 || len(a.errors) > 0 {
			t.Errorf("%s: %d %v", name, a.status, a.errors)
		}
	}
}

// heapPeak samples the Go heap in use every 5 ms until stop is called and
// returns the largest value seen.
func heapPeak() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// TestAbuseAnswerSizeCapped: an answer that stays within the cost limit but
// would be tens of megabytes (aliases of pages of report bodies) is stopped
// at MaxResponseBytes with a coded error and no data, before it is built in
// memory. Before, it was built and sent whole.
func TestAbuseAnswerSizeCapped(t *testing.T) {
	url := servePortal(t, api.Config{RateLimit: -1, MaxResponseBytes: 1 << 20})
	var b strings.Builder
	b.WriteString("{")
	for i := range 40 {
		fmt.Fprintf(&b, " r%d: reports(first: 100) { nodes { title body } }", i)
	}
	b.WriteString(" }")
	runtime.GC()
	stop := heapPeak()
	a := post(t, nil, url, b.String())
	peak := stop()
	if a.code() != api.CodeTooLarge || string(a.data) != "null" || len(a.errors) != 1 {
		t.Fatalf("40 pages of report bodies: %d %s %.300v (%d bytes)", a.status, a.code(), a.errors, a.size)
	}
	if !strings.Contains(a.errors[0].Message, "1048576") {
		t.Errorf("message does not state the limit: %q", a.errors[0].Message)
	}
	t.Logf("answer %d bytes; heap in use peaked at %d MB", a.size, peak>>20)
	// The same page once is answered.
	if a := post(t, nil, url, `{ reports(first: 100) { nodes { title body } } }`); a.status != 200 || len(a.errors) > 0 {
		t.Errorf("one page: %d %v", a.status, a.errors)
	}
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestAbuseTimeoutStopsWork: a CPU-bound operation (a hundred thousand
// fields resolved from memory, cost 1,000) past its timeout is answered
// with TIMEOUT, and the CPU it used stops with it. Before, the timeout
// stopped only resolvers that looked at their context: the fields kept
// resolving and marshalling until the whole answer was built.
func TestAbuseTimeoutStopsWork(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 10 {
		fmt.Fprintf(&b, " p%d: projects(first: 100) { nodes { ...F } }", i)
	}
	b.WriteString(" } fragment F on Project {")
	for i := range 300 {
		fmt.Fprintf(&b, " a%d: code", i)
	}
	b.WriteString(" }")
	q := b.String()

	full := servePortal(t, api.Config{RateLimit: -1, MaxResponseBytes: 1 << 30, Timeout: time.Minute})
	post(t, nil, full, `{ projects(first: 1) { nodes { code } } }`) // warm up
	c0 := cpuTime()
	a := post(t, nil, full, q)
	whole := cpuTime() - c0
	if a.status != 200 || len(a.errors) > 0 {
		t.Fatalf("without a short timeout: %d %v", a.status, a.errors)
	}

	short := servePortal(t, api.Config{RateLimit: -1, MaxResponseBytes: 1 << 30, Timeout: whole / 20})
	c0 = cpuTime()
	a = post(t, nil, short, q)
	time.Sleep(whole / 4) // anything still running would keep using CPU
	cut := cpuTime() - c0
	if a.code() != api.CodeTimeout || string(a.data) != "null" {
		t.Fatalf("timeout %s: %d %s %.200v", whole/20, a.status, a.code(), a.errors)
	}
	t.Logf("CPU: whole answer %s, stopped at %s timeout %s", whole, whole/20, cut)
	if cut > whole/2 {
		t.Errorf("the stopped operation used %s of CPU, the whole one %s: the work went on after the timeout", cut, whole)
	}
}

// clientFrom returns an HTTP client whose connections come from the local
// address ip (any 127.0.0.0/8 address is loopback), so one test can play
// several client addresses.
func clientFrom(ip string, conns int) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: d.DialContext, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
}

// serveLimited serves the portal's data on a real listener with the
// production connection limits and the given API limits.
func serveLimited(t *testing.T, cfg api.Config, lim api.ListenerLimits) (string, *api.Listener) {
	t.Helper()
	a, _ := startPortal(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ll := api.LimitListener(ln, lim, log)
	srv := newServer(a.routes(cfg, log), log)
	go func() { _ = srv.Serve(ll) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), ll
}

// dearQuery is close to the most expensive query the default limits allow
// (cost 36,100 of 50,000): a page of 100 projects with every list of each,
// and the reports of the projects their reports and case studies name.
const dearQuery = `{ projects(first: 100) { nodes { code title summary undertaker { name } figures { paid beneficiaryPersons }
  metrics { kind target value } timeline { stage occurredOn } tranches { amount paidOn }
  scorecards { weightedTotal scores { score weighted } }
  reports { title body project { reports { title } } }
  caseStudies { title narrative project { reports { title } } } } } }`

// flooding is a flood of one query from n connections of 127.0.0.1.
type flooding struct {
	wg       sync.WaitGroup
	mu       sync.Mutex
	statuses map[int]int64
}

// flood sends query over n connections from 127.0.0.1, each as fast as it
// is answered, until ctx ends; wait returns the count of each status.
func flood(ctx context.Context, url, query string, n int) *flooding {
	f := &flooding{statuses: map[int]int64{}}
	attacker := clientFrom("127.0.0.1", n)
	body, _ := json.Marshal(map[string]any{"query": query})
	for range n {
		f.wg.Go(func() {
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "POST", url+"/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := attacker.Do(req)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				f.mu.Lock()
				f.statuses[resp.StatusCode]++
				f.mu.Unlock()
			}
		})
	}
	return f
}

// wait waits for the flood to end (its context done) and returns the
// count of each status it was answered.
func (f *flooding) wait() map[int]int64 {
	f.wg.Wait()
	return f.statuses
}

// TestAbuseOverloadIsFair: 200 connections from one address send the
// dearest allowed query without pause while another address sends cheap
// queries. Before, the cheap client was refused (503) 59 times in 60 and
// the flood never saw a 429. Now the flood gets 429 for everything past
// its share, dear operations run on their own few slots, and every cheap
// query is answered.
func TestAbuseOverloadIsFair(t *testing.T) {
	url, _ := serveLimited(t, api.Config{}, api.ListenerLimits{})
	if a := post(t, nil, url, dearQuery); a.status != 200 || len(a.errors) > 0 {
		t.Fatalf("dear query: %d %v", a.status, a.errors)
	}
	var cost struct {
		Extensions struct{ Cost struct{ Requested int } }
	}
	if a := postJSON(t, url, dearQuery, &cost); cost.Extensions.Cost.Requested < 30_000 {
		t.Fatalf("the dear query costs %d (%d); it should be near the limit", cost.Extensions.Cost.Requested, a)
	}
	ctx, cancel := context.WithCancel(context.Background())
	fl := flood(ctx, url, dearQuery, 200)
	time.Sleep(500 * time.Millisecond)
	cheap := clientFrom("127.0.0.2", 1)
	failed := 0
	for range 60 {
		a := post(t, cheap, url, `{ stats { total { projects awarded } } }`)
		if a.status != 200 || len(a.errors) > 0 {
			failed++
			t.Logf("cheap query: %d %v", a.status, a.errors)
		}
	}
	cancel()
	got := fl.wait()
	t.Logf("flood statuses: %v", got)
	if failed > 0 {
		t.Errorf("%d of 60 cheap queries failed under the flood", failed)
	}
	if got[http.StatusTooManyRequests] == 0 {
		t.Errorf("the flood was never told 429: %v", got)
	}
}

// TestAbuseConnectionFlood: idle connections from one address past its
// limit are closed at once, and another address still gets answers. Before,
// 20,000 idle keep-alive connections from one address used up the file
// descriptors and locked everyone out.
func TestAbuseConnectionFlood(t *testing.T) {
	url, ll := serveLimited(t, api.Config{}, api.ListenerLimits{PerAddr: 50})
	addr := strings.TrimPrefix(url, "http://")
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 120 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// The server closes the connections past the limit: a read on them
	// ends (EOF) instead of waiting.
	var closed atomic.Int64
	var wg sync.WaitGroup
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		wg.Go(func() {
			_, err := c.Read(make([]byte, 1))
			if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
				closed.Add(1)
			}
		})
	}
	wg.Wait()
	if closed.Load() != 70 || ll.Refused() != 70 {
		t.Errorf("%d connections closed by the server, %d refused; want 70 past the limit of 50", closed.Load(), ll.Refused())
	}
	if a := post(t, clientFrom("127.0.0.3", 1), url, `{ stats { total { projects } } }`); a.status != 200 || len(a.errors) > 0 {
		t.Errorf("another address during the flood: %d %v", a.status, a.errors)
	}
}

// TestAbuseStalledPostgres: PostgreSQL stops answering (a proxy that stops
// forwarding). /readyz says not ready within its 2 s budget, and a query
// is answered with a coded error within its timeout. Before, /readyz hung
// for 90 s and queries for minutes: no socket deadline, no
// statement_timeout, and Ping waited on the driver.
func TestAbuseStalledPostgres(t *testing.T) {
	base := storetest.PostgresSchema(t)
	u := strings.Replace(base, "127.0.0.1:5432", "", 1)
	if u == base {
		t.Skipf("the test PostgreSQL is not on 127.0.0.1:5432: %s", store.RedactDSN(base))
	}
	proxy := storetest.NewStallProxy(t, "127.0.0.1:5432")
	dir := t.TempDir()
	cfg := config{DataDir: dir, DatabaseURL: strings.Replace(base, "127.0.0.1:5432", proxy.Addr(), 1),
		API: api.Config{Timeout: 3 * time.Second, RateLimit: -1}}
	a, err := open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.close)
	srv := httptest.NewServer(a.handler)
	t.Cleanup(srv.Close)
	if resp, err := http.Get(srv.URL + "/readyz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz before the stall: %v %v", resp, err)
	}
	if a := post(t, nil, srv.URL, `{ stats { total { projects } } }`); a.status != 200 || len(a.errors) > 0 {
		t.Fatalf("query before the stall: %d %v", a.status, a.errors)
	}

	proxy.Stall.Store(true)
	t.Cleanup(func() { proxy.Stall.Store(false) })
	c := &http.Client{Timeout: 15 * time.Second}
	start := time.Now()
	resp, err := c.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatalf("readyz during the stall: %v after %s", err, time.Since(start))
	}
	resp.Body.Close()
	if took := time.Since(start); resp.StatusCode != http.StatusServiceUnavailable || took > 3*time.Second {
		t.Errorf("readyz during the stall: %d after %s; want 503 within its 2 s budget", resp.StatusCode, took)
	}
	start = time.Now()
	q := post(t, c, srv.URL, `{ stats(filter: {years: [2012]}) { total { projects awarded } } }`)
	if took := time.Since(start); q.code() == "" || took > 4*time.Second {
		t.Errorf("query during the stall: %d %s after %s; want a coded error within the 3 s timeout", q.status, q.code(), took)
	}
}

// TestBadDatabaseURLNeverLogged: a database URL that does not parse is
// refused without its password reaching the log or the error. Before, the
// parse error quoted the whole URL, password included.
func TestBadDatabaseURLNeverLogged(t *testing.T) {
	for _, dsn := range []string{
		"postgres://portal:s3cr3t-pw@127.0.0.1:5432/db%zz?sslmode=disable",
		"postgres://portal:s3cr3t-pw@127.0.0.1:notaport/db",
		"postgresql://portal:s3cr3t-pw@[::1/db",
	} {
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := open(ctx, config{DataDir: t.TempDir(), DatabaseURL: dsn}, log)
		cancel()
		if err == nil {
			t.Fatalf("%s opened", store.RedactDSN(dsn))
		}
		log.Error("civicledger stopped", "err", err) // as main does
		if strings.Contains(logs.String(), "s3cr3t") || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("the password reached the log: %s", logs.String())
		}
	}
}
