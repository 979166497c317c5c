package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"civicledger/api"
	"civicledger/demo"
	"civicledger/graph"
	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/resolvers"
	"civicledger/store"
	"civicledger/store/storetest"
)

// node is one portal process: its own store (pools, prepared statements),
// loaders and response cache, over the shared database.
type node struct {
	db     *store.DB
	h      http.Handler // with the response cache
	direct http.Handler // without it: the reference answer
	rc     *api.ResponseCache
}

func newNode(t *testing.T, dsn string) *node {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	core := &portal.Portal{Reader: db, Meta: db}
	rc := api.NewResponseCache(8<<20, db.DataPosition)
	mk := func(rc *api.ResponseCache) http.Handler {
		return resolvers.WithLoaders(core, api.NewHandler(graph.NewExecutableSchema(resolvers.New(core).Config()),
			api.Config{RateLimit: -1, ResponseCache: rc}, nil))
	}
	return &node{db: db, h: mk(rc), direct: mk(nil), rc: rc}
}

// ask sends query with vars by POST, or by GET when get is set, with an
// Authorization header when auth is set, and returns the answer's body.
func ask(t *testing.T, h http.Handler, query string, vars map[string]any, get, auth bool) string {
	t.Helper()
	var req *http.Request
	if get {
		v, _ := json.Marshal(vars)
		req = httptest.NewRequest("GET", "/graphql?query="+url.QueryEscape(query)+"&variables="+url.QueryEscape(string(v)), nil)
	} else {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req = httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	if auth {
		req.Header.Set("Authorization", "Bearer someone")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var r struct {
		Data   json.RawMessage
		Errors []any
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || len(r.Errors) > 0 || rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	return string(r.Data)
}

// TestResponseCacheNeverStaleAcrossNodes: two nodes share one PostgreSQL
// database; node A writes (a correction, a feedback: one with a revision,
// one without) and, as soon as the write has returned, node B is asked
// the same questions it answered from its cache a moment before. Each
// answer must be the one computed afresh, and show the write.
func TestResponseCacheNeverStaleAcrossNodes(t *testing.T) {
	dsn := storetest.PostgresSchema(t)
	ctx := context.Background()
	a, b := newNode(t, dsn), newNode(t, dsn)
	if _, err := demo.Load(ctx, a.db, demo.Options{Projects: 30, ReportsPerProject: 1}); err != nil {
		t.Fatal(err)
	}
	var page struct {
		Projects struct{ Nodes []struct{ Code string } }
	}
	if err := json.Unmarshal([]byte(ask(t, b.direct, `{ projects(first: 1) { nodes { code } } }`, nil, false, false)), &page); err != nil {
		t.Fatal(err)
	}
	code := page.Projects.Nodes[0].Code
	story := `query($code: String!) { project(code: $code) { code title satisfaction { responses average } } }`
	vars := map[string]any{"code": code}
	list := `{ projects(first: 50, orderBy: {field: CODE}) { totalCount nodes { code title figures { beneficiaries } satisfaction { responses } } } }`

	check := func(step string, wantTitle string, wantResponses int) {
		t.Helper()
		for _, get := range []bool{false, true} {
			got := ask(t, b.h, story, vars, get, false)
			if want := ask(t, b.direct, story, vars, get, false); got != want {
				t.Fatalf("%s (GET %v): node B's cached answer\n%s\ndiffers from the fresh one\n%s", step, get, got, want)
			}
			var s struct {
				Project struct {
					Title        string
					Satisfaction struct{ Responses int }
				}
			}
			if err := json.Unmarshal([]byte(got), &s); err != nil {
				t.Fatal(err)
			}
			if s.Project.Title != wantTitle || s.Project.Satisfaction.Responses != wantResponses {
				t.Fatalf("%s (GET %v): node B answered title %q, %d responses; want %q, %d",
					step, get, s.Project.Title, s.Project.Satisfaction.Responses, wantTitle, wantResponses)
			}
			if got, want := ask(t, b.h, list, nil, get, false), ask(t, b.direct, list, nil, get, false); got != want {
				t.Fatalf("%s (GET %v): node B's cached page differs from the fresh one", step, get)
			}
		}
	}

	p, err := a.db.Project(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	var before struct {
		Project struct{ Satisfaction struct{ Responses int } }
	}
	_ = json.Unmarshal([]byte(ask(t, b.direct, story, vars, false, false)), &before)
	responses := before.Project.Satisfaction.Responses
	check("before any write", p.Title, responses)
	check("asked again", p.Title, responses) // from the cache now
	hits := b.rc.Stats().Hits
	if hits == 0 {
		t.Fatal("node B answered nothing from its cache: the test would prove nothing")
	}
	for i := range 6 {
		if i%2 == 0 {
			p, err = a.db.Project(ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			p.Title = fmt.Sprintf("%s（更正%d）", p.Title, i)
			if err := a.db.CorrectProject(ctx, ledger.Attribution{Actor: "test", Role: ledger.RoleBureau, Reason: "更正标题"}, p); err != nil {
				t.Fatal(err)
			}
		} else {
			// Verified: only verified ratings count in the published figures.
			if err := a.db.RecordFeedback(ctx, &ledger.Feedback{ProjectID: p.ID, Rating: 4, Respondent: "RECIPIENT", Verified: true}); err != nil {
				t.Fatal(err)
			}
			responses++
		}
		check(fmt.Sprintf("after write %d on node A", i), p.Title, responses)
		check(fmt.Sprintf("after write %d, asked again", i), p.Title, responses)
	}
	s := b.rc.Stats()
	if s.Hits <= hits || s.Misses == 0 || s.Entries == 0 || s.Bytes == 0 {
		t.Fatalf("node B's cache counters %+v: want hits after the writes too, misses, entries", s)
	}

	// A request carrying an Authorization header is never answered from
	// the cache, nor counted by it.
	ask(t, b.h, story, vars, false, true)
	if after := b.rc.Stats(); after.Hits != s.Hits || after.Misses != s.Misses {
		t.Fatalf("a request with Authorization touched the cache: %+v, then %+v", s, after)
	}
}
