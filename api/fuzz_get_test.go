package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"civicledger/api"
	"civicledger/api/internal/testgraph"
)

// FuzzGET sends arbitrary URL query strings and Accept headers, the part
// of request decoding FuzzPOST does not reach: the handler answers a status
// the spec allows, with JSON whose every error has a code, and never
// panics.
func FuzzGET(f *testing.F) {
	for _, seed := range [][2]string{
		{"query=%7B+hello+%7D", ""},
		{"query={hello}&variables={}", "application/graphql-response+json"},
		{"query=query+Q($n:Int){items(first:$n){totalCount}}&variables=%7B%22n%22:3%7D", "application/json;q=0.5, */*"},
		{"query=query+Q($n:Int){items(first:$n){totalCount}}&variables=[1]", "application/json"},
		{"query=mutation{x}", ""},
		{"query=%zz", ""},
		{"query={hello}&extensions=%7B%22persistedQuery%22:%7B%22version%22:1%7D%7D", "text/html"},
		{"extensions=%7B%22persistedQuery%22:%7B%22version%22:1,%22sha256Hash%22:%22abc%22%7D%7D", ""},
		{"query={hello}&variables=%7B%22a%22:1%7D%7D", "application/*;q=0"},
		{"query={hello}&operationName=Nope", "application/json;q=abc"},
		{"", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	es, _ := testgraph.New()
	h := api.NewHandler(es, api.Config{RateLimit: -1}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.Fuzz(func(t *testing.T, rawQuery, accept string) {
		req := httptest.NewRequest(http.MethodGet, "/graphql", nil)
		req.URL.RawQuery = rawQuery
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 304, 400, 405, 406, 413, 414:
		default:
			t.Fatalf("status %d for %q (Accept %q): %s", rec.Code, rawQuery, accept, rec.Body.String())
		}
		if rec.Code == 304 {
			return
		}
		var resp struct {
			Errors []struct {
				Message    string         `json:"message"`
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("answer to %q is not JSON: %v: %q", rawQuery, err, rec.Body.String())
		}
		for _, e := range resp.Errors {
			if _, ok := e.Extensions["code"].(string); !ok || e.Message == "" {
				t.Fatalf("error without code or message for %q: %s", rawQuery, rec.Body.String())
			}
		}
	})
}
