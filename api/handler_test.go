package api_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"civicledger/api"
	"civicledger/api/internal/testgraph"
)

// fixture is a handler over the test schema with its resolver and log.
type fixture struct {
	t   *testing.T
	h   http.Handler
	res *testgraph.Resolver
	log *syncBuffer
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newFixture(t *testing.T, cfg api.Config) *fixture {
	t.Helper()
	es, res := testgraph.New()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	return &fixture{t: t, h: api.NewHandler(es, cfg, log), res: res, log: logs}
}

// result is a decoded answer.
type result struct {
	status int
	header http.Header
	raw    string
	top    map[string]json.RawMessage
	errors []gqlError
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (r *result) code(i int) string {
	if i >= len(r.errors) {
		return ""
	}
	c, _ := r.errors[i].Extensions["code"].(string)
	return c
}

func (r *result) hasData() bool { _, ok := r.top["data"]; return ok }

func (f *fixture) do(req *http.Request) *result {
	f.t.Helper()
	if req.RemoteAddr == "" || req.RemoteAddr == "192.0.2.1:1234" {
		req.RemoteAddr = "192.0.2.1:1234"
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	res := &result{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if rec.Body.Len() > 0 && rec.Code != http.StatusNotModified {
		if err := json.Unmarshal(rec.Body.Bytes(), &res.top); err != nil {
			f.t.Fatalf("answer is not JSON: %v\n%s", err, rec.Body.String())
		}
		if e, ok := res.top["errors"]; ok {
			if err := json.Unmarshal(e, &res.errors); err != nil {
				f.t.Fatalf("errors: %v", err)
			}
		}
	}
	for i, e := range res.errors {
		if res.code(i) == "" {
			f.t.Errorf("error %q has no extensions.code", e.Message)
		}
	}
	return res
}

func post(body, accept string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return req
}

func postQuery(query string, accept string) *http.Request {
	b, _ := json.Marshal(map[string]any{"query": query})
	return post(string(b), accept)
}

func get(params url.Values, accept string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "/graphql?"+params.Encode(), nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return req
}

const gqlResp = "application/graphql-response+json"

func TestQuery(t *testing.T) {
	f := newFixture(t, api.Config{})
	r := f.do(postQuery(`{ hello items(first: 2) { nodes { name } } }`, ""))
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	if got, want := string(r.top["data"]), `{"hello":"你好","items":{"nodes":[{"name":"item 1"},{"name":"item 2"}]}}`; got != want {
		t.Errorf("data = %s, want %s", got, want)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	var ext struct {
		Cost map[string]any `json:"cost"`
	}
	_ = json.Unmarshal(r.top["extensions"], &ext)
	if ext.Cost["requested"] != float64(2) {
		t.Errorf("extensions.cost = %v, want requested 2", ext.Cost)
	}
}

func TestBodyLimit(t *testing.T) {
	f := newFixture(t, api.Config{})
	marker := "SECRET_BODY_MARKER"
	big := `{"query":"{ hello }","variables":{"pad":"` + marker + strings.Repeat("x", 1<<20) + `"}}`

	r := f.do(post(big, ""))
	if r.status != http.StatusRequestEntityTooLarge || r.code(0) != api.CodePayloadTooLarge {
		t.Errorf("with Content-Length: status %d code %q, want 413", r.status, r.code(0))
	}
	// Without a Content-Length the body is cut while it is read.
	req := post("", "")
	req.Body = io.NopCloser(io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	r = f.do(req)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked: status %d, want 413", r.status)
	}
	if strings.Contains(r.raw, marker) {
		t.Errorf("the body was echoed: %.200s", r.raw)
	}
	// Just under the limit passes.
	ok := `{"query":"{ hello }","variables":{"pad":"` + strings.Repeat("x", 1<<20-100) + `"}}`
	if r := f.do(post(ok, "")); r.status != 200 {
		t.Errorf("body under 1 MiB: status %d %s", r.status, r.raw)
	}
}

func TestMalformedRequests(t *testing.T) {
	f := newFixture(t, api.Config{})
	for _, tc := range []struct {
		name, body string
	}{
		{"unterminated JSON", `{"query": "{ hello } SECRET_MARKER`},
		{"invalid JSON", `{"query": "{ hello }" SECRET_MARKER}`},
		{"not an object", `["SECRET_MARKER"]`},
		{"empty", ``},
		{"trailing data", `{"query":"{ hello }"} SECRET_MARKER`},
		{"no query", `{"qeury":"{ hello }"}`},
		{"query a number", `{"query": 0}`},
		{"operationName an object", `{"query":"{ hello }","operationName":{"x":1}}`},
		{"variables a string", `{"query":"{ hello }","variables":"SECRET_MARKER"}`},
		{"extensions an array", `{"query":"{ hello }","extensions":["SECRET_MARKER"]}`},
	} {
		for _, accept := range []string{"", "application/json", gqlResp} {
			r := f.do(post(tc.body, accept))
			if r.status != http.StatusBadRequest || r.code(0) != api.CodeBadRequest {
				t.Errorf("%s (Accept %q): status %d code %q, want 400 BAD_REQUEST", tc.name, accept, r.status, r.code(0))
			}
			if strings.Contains(r.raw, "SECRET_MARKER") {
				t.Errorf("%s: the body was echoed: %s", tc.name, r.raw)
			}
			if r.hasData() {
				t.Errorf("%s: answer has a data entry", tc.name)
			}
		}
	}
	if f.res.Count.Load() != 0 {
		t.Errorf("resolvers ran %d times", f.res.Count.Load())
	}
}

func TestStatusCodes(t *testing.T) {
	f := newFixture(t, api.Config{})
	t.Run("method", func(t *testing.T) {
		r := f.do(httptest.NewRequest(http.MethodPut, "/graphql", strings.NewReader(`{}`)))
		if r.status != 405 || r.header.Get("Allow") == "" || r.code(0) != api.CodeMethodNotAllowed {
			t.Errorf("PUT: %d Allow %q code %q", r.status, r.header.Get("Allow"), r.code(0))
		}
	})
	t.Run("mutation over GET", func(t *testing.T) {
		for _, accept := range []string{"", gqlResp} {
			r := f.do(get(url.Values{"query": {"mutation { touch }"}}, accept))
			if r.status != 405 || r.header.Get("Allow") != "POST" {
				t.Errorf("Accept %q: status %d Allow %q, want 405 POST", accept, r.status, r.header.Get("Allow"))
			}
		}
		if n := f.res.Touches.Load(); n != 0 {
			t.Errorf("the mutation ran %d times", n)
		}
		if r := f.do(postQuery("mutation { touch }", "")); r.status != 200 || string(r.top["data"]) != `{"touch":1}` {
			t.Errorf("mutation over POST: %d %s", r.status, r.raw)
		}
	})
	t.Run("content type", func(t *testing.T) {
		for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "application/graphql"} {
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ hello }"}`))
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			if r := f.do(req); r.status != 415 || r.code(0) != api.CodeUnsupportedMedia {
				t.Errorf("Content-Type %q: status %d code %q, want 415", ct, r.status, r.code(0))
			}
		}
		req := post(`{"query":"{ hello }"}`, "")
		req.Header.Set("Content-Type", "application/json; charset=UTF-8")
		if r := f.do(req); r.status != 200 {
			t.Errorf("charset=UTF-8: %d", r.status)
		}
	})
	t.Run("accept", func(t *testing.T) {
		for _, tc := range []struct{ accept, want string }{
			{"", "application/json"},
			{"*/*", "application/json"},
			{"application/json", "application/json"},
			{gqlResp, gqlResp},
			{"application/json, " + gqlResp, gqlResp},
			{gqlResp + ";q=0.5, application/json", "application/json"},
			{"text/html,application/xhtml+xml,*/*;q=0.8", "application/json"},
		} {
			r := f.do(postQuery("{ hello }", tc.accept))
			if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), tc.want+";") {
				t.Errorf("Accept %q: %d %q, want %s", tc.accept, r.status, r.header.Get("Content-Type"), tc.want)
			}
		}
		if r := f.do(postQuery("{ hello }", "text/html")); r.status != 406 || r.code(0) != api.CodeNotAcceptable {
			t.Errorf("Accept text/html: %d %q, want 406", r.status, r.code(0))
		}
	})
	t.Run("request errors", func(t *testing.T) {
		for _, tc := range []struct {
			name, body, code string
		}{
			{"parse", `{"query":"{"}`, "GRAPHQL_PARSE_FAILED"},
			{"validation", `{"query":"{ nosuchfield }"}`, "GRAPHQL_VALIDATION_FAILED"},
			{"variable coercion", `{"query":"query Q($id: ID!) { item(id: $id) { name } }","variables":{"id":null}}`, "GRAPHQL_VALIDATION_FAILED"},
			{"unknown operation", `{"query":"query A { hello }","operationName":"B"}`, "GRAPHQL_VALIDATION_FAILED"},
		} {
			for accept, status := range map[string]int{gqlResp: 400, "application/json": 200, "": 200} {
				r := f.do(post(tc.body, accept))
				if r.status != status || r.code(0) != tc.code || r.hasData() {
					t.Errorf("%s (Accept %q): status %d code %q data %v, want %d %s and no data",
						tc.name, accept, r.status, r.code(0), r.hasData(), status, tc.code)
				}
			}
		}
	})
}

func TestDepthLimit(t *testing.T) {
	f := newFixture(t, api.Config{})
	deep := func(n int) string {
		return "{ item(id: \"1\") { " + strings.Repeat("self { ", n-2) + "name" + strings.Repeat(" }", n-2) + " } }"
	}
	if r := f.do(postQuery(deep(15), gqlResp)); r.status != 200 || len(r.errors) != 0 {
		t.Fatalf("depth 15: %d %s", r.status, r.raw)
	}
	before := f.res.Count.Load()
	r := f.do(postQuery(deep(16), gqlResp))
	if r.status != 400 || r.code(0) != api.CodeDepthLimit || r.hasData() {
		t.Fatalf("depth 16: %d %s", r.status, r.raw)
	}
	if msg := r.errors[0].Message; !strings.Contains(msg, "16") || !strings.Contains(msg, "15") {
		t.Errorf("message %q does not state the depth and the limit", msg)
	}
	if n := f.res.Count.Load() - before; n != 0 {
		t.Errorf("resolvers ran %d times for a refused query", n)
	}
	// Fragments count as the fields they stand for.
	frag := `query { item(id: "1") { ...A } } fragment A on Item { self { ...B } } fragment B on Item { ` +
		strings.Repeat("self { ", 14) + "name" + strings.Repeat(" }", 14) + " }"
	if r := f.do(postQuery(frag, gqlResp)); r.code(0) != api.CodeDepthLimit {
		t.Errorf("depth through fragments: %s", r.raw)
	}
}

func TestCost(t *testing.T) {
	f := newFixture(t, api.Config{})
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		cost        float64
	}{
		{"no connection", `{ hello }`, nil, 1},
		{"lookup", `{ item(id: "1") { name } }`, nil, 1},
		{"first", `{ items(first: 10) { nodes { name } } }`, nil, 10},
		{"last", `{ items(last: 7) { totalCount } }`, nil, 7},
		{"default page", `{ items { totalCount } }`, nil, 100},
		{"variables", `query Q($n: Int) { items(first: $n) { totalCount } }`, map[string]any{"n": 42}, 42},
		{"nested", `{ items(first: 10) { edges { node { children(first: 5) { nodes { name } } } } } }`, nil, 60},
		{"nodes", `{ nodes(ids: ["1","2","3"]) { id } }`, nil, 3},
		{"fragment used twice", `{ a: items(first: 2) { ...F } b: items(first: 3) { ...F } } fragment F on ItemConnection { nodes { children(first: 4) { totalCount } } }`, nil, 2 + 8 + 3 + 12},
		{"introspection is priced", `{ __schema { types { name } } }`, nil, 1000},
		{"__type is a tenth", `{ __type(name: "Item") { name } }`, nil, 100},
		{"__typename is free", `{ __typename }`, nil, 1},
	} {
		body, _ := json.Marshal(map[string]any{"query": tc.query, "variables": tc.vars})
		r := f.do(post(string(body), ""))
		var ext struct {
			Cost map[string]any `json:"cost"`
		}
		_ = json.Unmarshal(r.top["extensions"], &ext)
		if r.status != 200 || len(r.errors) > 0 || ext.Cost["requested"] != tc.cost {
			t.Errorf("%s: status %d cost %v, want %v\n%s", tc.name, r.status, ext.Cost["requested"], tc.cost, r.raw)
		}
	}

	// 100 + 100×100 + 100×100×100 = 1,010,100 > 50,000: refused before any resolver.
	before := f.res.Count.Load()
	q := `{ items(first: 100) { nodes { children(first: 100) { nodes { children(first: 100) { totalCount } } } } } }`
	for accept, status := range map[string]int{gqlResp: 400, "application/json": 200} {
		r := f.do(postQuery(q, accept))
		if r.status != status || r.code(0) != api.CodeCostLimit || r.hasData() {
			t.Fatalf("Accept %s: %d %s", accept, r.status, r.raw)
		}
		if msg := r.errors[0].Message; !strings.Contains(msg, "1010100") || !strings.Contains(msg, "50000") {
			t.Errorf("message %q does not state the cost and the limit", msg)
		}
	}
	if n := f.res.Count.Load() - before; n != 0 {
		t.Errorf("resolvers ran %d times for a refused query", n)
	}

	for name, q := range map[string]string{
		"first over 100": `{ items(first: 101) { totalCount } }`,
		"negative last":  `{ items(last: -1) { totalCount } }`,
		"101 ids":        `{ nodes(ids: [` + strings.Repeat(`"x",`, 101) + `]) { id } }`,
	} {
		r := f.do(postQuery(q, gqlResp))
		if r.status != 400 || r.code(0) != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	if n := f.res.Count.Load() - before; n != 0 {
		t.Errorf("resolvers ran %d times for refused queries", n)
	}

	// A plain list given a length by ListSizes multiplies what is below it.
	f3 := newFixture(t, api.Config{ListSizes: map[string]int{"ItemConnection.edges": 5}})
	r3 := f3.do(postQuery(`{ items(first: 2) { edges { node { children(first: 3) { totalCount } } } } }`, ""))
	var ext3 struct {
		Cost map[string]any `json:"cost"`
	}
	_ = json.Unmarshal(r3.top["extensions"], &ext3)
	if ext3.Cost["requested"] != 32.0 { // 2 × (1 + 5 × 3)
		t.Errorf("ListSizes: cost %v, want 32", ext3.Cost["requested"])
	}

	// A field made dearer by FieldCosts.
	f2 := newFixture(t, api.Config{FieldCosts: map[string]int{"Query.item": 500}, MaxCost: 1000})
	r := f2.do(postQuery(`{ a: item(id: "1") { name } b: item(id: "2") { name } c: item(id: "3") { name } }`, ""))
	if r.code(0) != api.CodeCostLimit || !strings.Contains(r.errors[0].Message, "1500") {
		t.Errorf("FieldCosts: %s", r.raw)
	}
}

func TestTokenLimit(t *testing.T) {
	f := newFixture(t, api.Config{})
	var b strings.Builder
	b.WriteString("{")
	for i := range 5000 {
		fmt.Fprintf(&b, " a%d: __typename", i)
	}
	b.WriteString(" }")
	r := f.do(postQuery(b.String(), gqlResp))
	if r.status != 400 || r.code(0) != "GRAPHQL_PARSE_FAILED" || !strings.Contains(r.errors[0].Message, "token limit") {
		t.Errorf("5,000 aliases: %d %.300s", r.status, r.raw)
	}
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t, api.Config{MaxCost: 10, RateLimit: 10, RateWindow: time.Hour})
	q := `{ items(first: 5) { totalCount } }`
	r := f.do(postQuery(q, ""))
	if r.status != 200 || r.header.Get("X-RateLimit-Limit") != "10" || r.header.Get("X-RateLimit-Remaining") != "5" {
		t.Fatalf("first: %d %v", r.status, r.header)
	}
	reset, _ := strconv.ParseInt(r.header.Get("X-RateLimit-Reset"), 10, 64)
	if now := time.Now().Unix(); reset <= now || reset > now+3600 {
		t.Errorf("X-RateLimit-Reset %d is not within the window", reset)
	}
	var ext struct {
		Cost map[string]any `json:"cost"`
	}
	_ = json.Unmarshal(r.top["extensions"], &ext)
	if diff := cmp.Diff(map[string]any{"requested": 5.0, "remaining": 5.0, "limit": 10.0}, ext.Cost,
		cmpIgnore("resetAt")); diff != "" {
		t.Errorf("extensions.cost (-want +got):\n%s", diff)
	}
	if r := f.do(postQuery(q, "")); r.status != 200 || r.header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("second: %d remaining %s", r.status, r.header.Get("X-RateLimit-Remaining"))
	}
	r = f.do(postQuery(q, ""))
	if r.status != 429 || r.code(0) != api.CodeRateLimited || r.header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("third: %d %s", r.status, r.raw)
	}
	ra, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 3600 {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	// Another client has its own budget.
	req := postQuery(q, "")
	req.RemoteAddr = "198.51.100.7:5555"
	if r := f.do(req); r.status != 200 {
		t.Errorf("other client: %d", r.status)
	}
}

func cmpIgnore(key string) cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool {
		mi, ok := p.Last().(cmp.MapIndex)
		return ok && mi.Key().String() == key
	}, cmp.Ignore())
}

func TestETag(t *testing.T) {
	f := newFixture(t, api.Config{})
	params := url.Values{"query": {`{ items(first: 2) { nodes { name } } }`}}
	r := f.do(get(params, ""))
	etag := r.header.Get("ETag")
	if r.status != 200 || etag == "" || r.header.Get("Cache-Control") != "public, max-age=30" {
		t.Fatalf("GET: %d ETag %q Cache-Control %q", r.status, etag, r.header.Get("Cache-Control"))
	}
	req := get(params, "")
	req.Header.Set("If-None-Match", etag)
	if r := f.do(req); r.status != 304 || r.raw != "" || r.header.Get("ETag") != etag {
		t.Errorf("conditional GET: %d %q", r.status, r.raw)
	}
	req = get(params, "")
	req.Header.Set("If-None-Match", `W/"other"`)
	if r := f.do(req); r.status != 200 {
		t.Errorf("non-matching If-None-Match: %d", r.status)
	}
	// Not cacheable: POST, credentials, errors.
	for name, req := range map[string]*http.Request{
		"POST":   postQuery(params.Get("query"), ""),
		"cookie": func() *http.Request { r := get(params, ""); r.Header.Set("Cookie", "s=1"); return r }(),
		"errors": get(url.Values{"query": {`{ item(id: "missing") { name } }`}}, ""),
	} {
		r := f.do(req)
		if r.header.Get("ETag") != "" || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: ETag %q Cache-Control %q", name, r.header.Get("ETag"), r.header.Get("Cache-Control"))
		}
	}
}

func TestAPQ(t *testing.T) {
	f := newFixture(t, api.Config{})
	query := `{ hello }`
	sum := sha256.Sum256([]byte(query))
	ext := fmt.Sprintf(`{"persistedQuery":{"version":1,"sha256Hash":"%s"}}`, hex.EncodeToString(sum[:]))

	r := f.do(get(url.Values{"extensions": {ext}}, ""))
	if r.code(0) != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: %s", r.raw)
	}
	r = f.do(post(`{"query":"{ hello }","extensions":`+ext+`}`, ""))
	if r.status != 200 || string(r.top["data"]) != `{"hello":"你好"}` {
		t.Fatalf("register: %s", r.raw)
	}
	r = f.do(get(url.Values{"extensions": {ext}}, ""))
	if r.status != 200 || string(r.top["data"]) != `{"hello":"你好"}` || r.header.Get("ETag") == "" {
		t.Fatalf("by hash: %d %s", r.status, r.raw)
	}
	r = f.do(post(`{"query":"{ items { totalCount } }","extensions":`+ext+`}`, gqlResp))
	if r.status != 400 || len(r.errors) == 0 {
		t.Errorf("hash mismatch: %d %s", r.status, r.raw)
	}
}

func TestErrors(t *testing.T) {
	f := newFixture(t, api.Config{})
	for _, tc := range []struct {
		kind, message, code, field string
	}{
		{"invalid", "tranche.amount: amount must be positive", "BAD_USER_INPUT", "tranche.amount"},
		{"notfound", "project P-1 not found", "NOT_FOUND", ""},
		{"wrapped", "already published", "CONFLICT", ""},
		{"internal", "internal error", "INTERNAL_SERVER_ERROR", ""},
		{"panic", "internal error", "INTERNAL_SERVER_ERROR", ""},
	} {
		r := f.do(postQuery(`{ fail(kind: "`+tc.kind+`") }`, gqlResp))
		if r.status != 200 || len(r.errors) != 1 || string(r.top["data"]) != `{"fail":null}` {
			t.Fatalf("%s: %d %s", tc.kind, r.status, r.raw)
		}
		e := r.errors[0]
		field, _ := e.Extensions["field"].(string)
		if e.Message != tc.message || r.code(0) != tc.code || field != tc.field {
			t.Errorf("%s: got %q %q %q, want %q %q %q", tc.kind, e.Message, r.code(0), field, tc.message, tc.code, tc.field)
		}
		if diff := cmp.Diff([]any{"fail"}, e.Path); diff != "" {
			t.Errorf("%s: path (-want +got):\n%s", tc.kind, diff)
		}
		if strings.Contains(r.raw, "secret_table") || strings.Contains(r.raw, "store:") {
			t.Errorf("%s: internal text reached the client: %s", tc.kind, r.raw)
		}
	}
	if !strings.Contains(f.log.String(), "secret_table") {
		t.Errorf("the internal error was not logged:\n%s", f.log.String())
	}
	r := f.do(postQuery(`{ item(id: "missing") { name } }`, ""))
	if r.code(0) != "NOT_FOUND" || string(r.top["data"]) != `{"item":null}` {
		t.Errorf("not found: %s", r.raw)
	}
}

func TestTimeout(t *testing.T) {
	f := newFixture(t, api.Config{Timeout: 50 * time.Millisecond})
	start := time.Now()
	r := f.do(postQuery(`{ slow }`, ""))
	if r.code(0) != api.CodeTimeout || time.Since(start) > 5*time.Second {
		t.Errorf("slow: %s", r.raw)
	}
}

func TestWorkerPool(t *testing.T) {
	f := newFixture(t, api.Config{MaxConcurrent: 1, QueueWait: -1, Timeout: 5 * time.Second})
	ctxDone := make(chan struct{})
	go func() {
		defer close(ctxDone)
		req := postQuery(`{ slow }`, "")
		ctx, cancel := contextWithCancel(req)
		defer cancel()
		go func() {
			for f.res.Count.Load() == 0 {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(50 * time.Millisecond)
			cancel()
		}()
		f.do(req.WithContext(ctx))
	}()
	for f.res.Count.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	r := f.do(postQuery(`{ hello }`, ""))
	if r.status != 503 || r.header.Get("Retry-After") == "" || r.code(0) != api.CodeUnavailable {
		t.Errorf("over capacity: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.raw)
	}
	<-ctxDone
	// The handler returns as soon as its client has gone; the operation
	// keeps its slot until its resolver has stopped, a moment later. The
	// slot must come back, but not necessarily before the handler returned.
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := f.do(postQuery(`{ hello }`, ""))
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the slot was never given back: %d %s", r.status, r.raw)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestForwardedForKey(t *testing.T) {
	key := api.ForwardedForKey(netip.MustParsePrefix("10.0.0.0/8"))
	for _, tc := range []struct{ remote, xff, want string }{
		{"10.1.1.1:80", "203.0.113.9, 10.2.2.2", "203.0.113.9"},
		{"10.1.1.1:80", "", "10.1.1.1"},
		{"203.0.113.5:80", "198.51.100.1", "203.0.113.5"},
		{"[2001:db8::1]:80", "", "2001:db8::/64"},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = tc.remote
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := key(req); got != tc.want {
			t.Errorf("%s %q: %q, want %q", tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestGraphiQL(t *testing.T) {
	h := api.GraphiQL()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/graphiql/", nil))
	page := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(page, `src="graphiql.min.js"`) || strings.Contains(page, "://") {
		t.Fatalf("page: %d %s", rec.Code, page)
	}
	for _, name := range []string{"graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js", "init.js"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/graphiql/"+name, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Header().Get("ETag") == "" {
			t.Errorf("%s: %d", name, rec.Code)
			continue
		}
		body := rec.Body.Bytes()
		if rec.Header().Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
		}
		if len(body) < 100 {
			t.Errorf("%s: %d bytes", name, len(body))
		}
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/graphiql/init.js", nil))
	if !strings.Contains(rec.Body.String(), "'/graphql'") {
		t.Errorf("init.js does not point at /graphql")
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/graphiql", nil))
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/graphiql/" {
		t.Errorf("redirect: %d %q", rec.Code, rec.Header().Get("Location"))
	}
}

// TestInvalidUTF8Refused: text that is not UTF-8 — raw bytes, or a \u
// escape of half a surrogate pair — is refused naming the problem, not
// silently replaced with U+FFFD (a search for it then found everything or
// nothing).
func TestInvalidUTF8Refused(t *testing.T) {
	f := newFixture(t, api.Config{})
	for name, body := range map[string]string{
		"raw byte in the query":   "{\"query\":\"{ hello \xff }\"}",
		"raw byte in a variable":  "{\"query\":\"{ hello }\",\"variables\":{\"q\":\"\xe5\xb8\"}}",
		"lone high surrogate":     `{"query":"{ hello }","variables":{"q":"\ud800x"}}`,
		"lone low surrogate":      `{"query":"{ hello }","variables":{"q":"\udc00"}}`,
		"reversed surrogate pair": `{"query":"{ hello }","variables":{"q":"\udc00\ud800"}}`,
	} {
		r := f.do(post(body, ""))
		if r.status != 400 || r.code(0) != api.CodeBadRequest || !strings.Contains(r.errors[0].Message, "UTF-8") {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	for name, body := range map[string]string{
		"a surrogate pair":       `{"query":"{ hello }","variables":{"q":"\ud83d\ude00"}}`,
		"an escaped backslash-u": `{"query":"{ hello }","variables":{"q":"\\ud800"}}`,
		"Chinese":                `{"query":"{ hello }","variables":{"q":"长者食堂"}}`,
	} {
		if r := f.do(post(body, "")); r.status != 200 || len(r.errors) > 0 {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	req := httptest.NewRequest("GET", "/graphql?query=%7B%20hello%20%FF%20%7D", nil)
	if r := f.do(req); r.status != 400 || !strings.Contains(r.raw, "UTF-8") {
		t.Errorf("GET with a raw byte: %d %s", r.status, r.raw)
	}
}
