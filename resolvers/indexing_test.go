package resolvers_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"civicledger/api"
	"civicledger/graph"
	"civicledger/portal"
	"civicledger/resolvers"
	"civicledger/search"
	"civicledger/store"
)

// TestSearchSaysWhileIndexing: before the index is built, a search answers
// indexing: true (not silent zeros); once built, indexing: false with hits.
func TestSearchSaysWhileIndexing(t *testing.T) {
	db := demoDB(t, store.SQLite)
	ix, err := search.Open(filepath.Join(t.TempDir(), "search"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	core := &portal.Portal{Reader: db, Meta: db, Searcher: ix}
	srv := httptest.NewServer(resolvers.WithLoaders(core, api.NewHandler(graph.NewExecutableSchema(resolvers.New(core).Config()), api.Config{RateLimit: -1}, nil)))
	defer srv.Close()
	c := &client{t: t, url: srv.URL, db: db}
	ask := func() (bool, int) {
		var out struct {
			Search struct {
				Indexing   bool
				TotalCount int
			}
		}
		if errs := c.do(`{ search(query: "长者食堂", first: 1) { indexing totalCount } }`, nil, &out); len(errs) > 0 {
			t.Fatalf("errors: %v", errs)
		}
		return out.Search.Indexing, out.Search.TotalCount
	}
	if indexing, n := ask(); !indexing || n != 0 {
		t.Errorf("before the first build: indexing %v, %d hits; want true, 0", indexing, n)
	}
	if err := search.NewFollower(ix, db, nil).CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if indexing, n := ask(); indexing || n == 0 {
		t.Errorf("after the build: indexing %v, %d hits; want false and hits", indexing, n)
	}
}
