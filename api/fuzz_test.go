package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"civicledger/api"
	"civicledger/api/internal/testgraph"
)

// FuzzPOST sends arbitrary bodies: the handler must answer JSON with a
// status the spec allows, every error with a code, and never panic.
func FuzzPOST(f *testing.F) {
	for _, seed := range []string{
		`{"query":"{ hello }"}`,
		`{"query":"{ items(first: 3) { nodes { children { totalCount } } } }"}`,
		`{"query":"query Q($n: Int) { items(first: $n) { totalCount } }","variables":{"n":"x"}}`,
		`{"query":"{ ...F } fragment F on Query { ...F }"}`,
		`{"query":"{ nodes(ids: 1) { id } }"}`,
		`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":1}}}`,
		`[{"query":"{ hello }"}]`,
		`{"query":"{ hello }"`,
		"\xff\xfe",
	} {
		f.Add(seed)
	}
	es, _ := testgraph.New()
	h := api.NewHandler(es, api.Config{RateLimit: -1}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/graphql-response+json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 400, 413:
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		var resp struct {
			Errors []struct {
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("answer is not JSON: %v", err)
		}
		for _, e := range resp.Errors {
			if _, ok := e.Extensions["code"].(string); !ok {
				t.Fatalf("error without code for %q: %s", body, rec.Body.String())
			}
		}
	})
}

// BenchmarkQuery measures the handler's own overhead around a small query.
func BenchmarkQuery(b *testing.B) {
	es, _ := testgraph.New()
	h := api.NewHandler(es, api.Config{RateLimit: -1}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	body := `{"query":"query Q { items(first: 10) { nodes { id name } } }"}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
