package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"civicledger/search"
	"civicledger/store"
)

// BenchmarkPages renders each page type through the whole handler (core
// calls, batch loads, template, buffer) on the demo data (717 projects,
// SQLite) and, with CIVICLEDGER_BENCH_LARGE=1, on the 100,000-project
// ledger that resolvers' benchmarks build into bench-data/ (make bench
// builds it; with CIVICLEDGER_BENCH_SEARCH=1 its search index is built
// once into bench-data/search-100k for the search page). It reports the page's HTML bytes, HTML+CSS
// bytes (the one stylesheet), and the p50/p99 server time of its
// iterations; a page over 100 KB of HTML+CSS fails.
//
//	go test -run '^$' -bench Pages -benchtime 50x ./web/
func BenchmarkPages(b *testing.B) {
	type env struct {
		name string
		s    *site
	}
	envs := []env{{"717", demoSite(b, store.SQLite)}}
	if os.Getenv("CIVICLEDGER_BENCH_LARGE") != "" {
		if s := largeSite(b); s != nil {
			envs = append(envs, env{"100k", s})
		}
	}
	for _, e := range envs {
		pages := pageTypes(b, e.s)
		names := make([]string, 0, len(pages))
		for n := range pages {
			names = append(names, n)
		}
		slices.Sort(names)
		css := cssBytes(b, e.s)
		for _, name := range names {
			path := pages[name]
			if name == "search" && e.s.core.Searcher == nil {
				continue
			}
			b.Run(e.name+"/"+name, func(b *testing.B) {
				status := http.StatusOK
				if name == "notfound" {
					status = http.StatusNotFound
				}
				size := 0
				serve := func() time.Duration {
					rec := httptest.NewRecorder()
					req := httptest.NewRequest("GET", path, nil)
					start := time.Now()
					e.s.handler.ServeHTTP(rec, req)
					d := time.Since(start)
					if rec.Code != status {
						b.Fatalf("%s: status %d", path, rec.Code)
					}
					size = rec.Body.Len()
					return d
				}
				for range 3 {
					serve()
				}
				durs := make([]time.Duration, 0, b.N)
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					durs = append(durs, serve())
				}
				b.StopTimer()
				sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
				pct := func(p float64) float64 { return float64(durs[int(p*float64(len(durs)-1))].Microseconds()) / 1000 }
				b.ReportMetric(float64(size), "html-B")
				b.ReportMetric(float64(size+css), "html+css-B")
				b.ReportMetric(pct(0.50), "p50-ms")
				b.ReportMetric(pct(0.99), "p99-ms")
				if size+css > 100*1024 {
					b.Errorf("%s: %d bytes of HTML+CSS, over 100 KB", path, size+css)
				}
			})
		}
	}
}

// cssBytes is the size of the pages' stylesheet.
func cssBytes(b *testing.B, s *site) int {
	doc, _, _ := s.page(b, "/about-data", http.StatusOK)
	links := find(doc, tag("link", "rel", "stylesheet"))
	if len(links) != 1 {
		b.Fatal("no stylesheet")
	}
	resp := s.get(b, attr(links[0], "href"))
	body, _ := io.ReadAll(resp.Body)
	return len(body)
}

// largeSite opens the 100,000-project ledger built by resolvers'
// benchmarks, or skips when it has not been built.
func largeSite(b *testing.B) *site {
	ctx := context.Background()
	path := filepath.Join("..", "bench-data", "ledger-100k.db")
	if _, err := os.Stat(path); err != nil {
		b.Logf("%s missing (make bench builds it): 100k pages skipped", path)
		return nil
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	// The search index of 338,655 records takes minutes to build on a
	// loaded machine: it is built only when CIVICLEDGER_BENCH_SEARCH is set
	// (the search page is left out otherwise).
	var ix *search.Index
	if os.Getenv("CIVICLEDGER_BENCH_SEARCH") != "" {
		start := time.Now()
		if ix, err = openIndex(ctx, db, filepath.Join("..", "bench-data", "search-100k")); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { ix.Close() })
		b.Logf("search index of the 100k ledger ready in %s", time.Since(start).Round(time.Second))
	}
	s, err := newSite(ctx, db, ix)
	if err != nil {
		b.Fatal(err)
	}
	return s
}
