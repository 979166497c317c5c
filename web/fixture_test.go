package web_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"civicledger/api"
	"civicledger/demo"
	"civicledger/graph"
	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/resolvers"
	"civicledger/search"
	"civicledger/store"
	"civicledger/store/storetest"
	"civicledger/web"
)

// site is the demo data set on one dialect with the pages and the GraphQL
// API mounted as server.go mounts them, and (on SQLite) a search index
// caught up.
type site struct {
	db      *store.DB
	core    *portal.Portal
	handler http.Handler
	// notice is an approval notice whose period is open on the site's
	// "today" (the demo's notices are of 2010–2016, so the site's clock
	// stands on the first day of this one).
	notice *ledger.Announcement
}

var shared struct {
	sync.Mutex
	sites  map[store.Dialect]*site
	errs   map[store.Dialect]error
	closes []func()
}

func TestMain(m *testing.M) {
	shared.sites, shared.errs = map[store.Dialect]*site{}, map[store.Dialect]error{}
	code := m.Run()
	for _, c := range shared.closes {
		c()
	}
	os.Exit(code)
}

// demoSite returns the shared demo site of a dialect, skipping (or, under
// CI=true, failing) when PostgreSQL is not there.
func demoSite(tb testing.TB, d store.Dialect) *site {
	tb.Helper()
	if d == store.Postgres {
		storetest.PostgresURL(tb)
	}
	shared.Lock()
	defer shared.Unlock()
	if s, ok := shared.sites[d]; ok {
		return s
	}
	if err, ok := shared.errs[d]; ok {
		tb.Fatalf("demo site on %s: %v", d, err)
	}
	s, err := openSite(d)
	if err != nil {
		shared.errs[d] = err
		tb.Fatalf("demo site on %s: %v", d, err)
	}
	shared.sites[d] = s
	return s
}

func openSite(d store.Dialect) (*site, error) {
	ctx := context.Background()
	db, closeDB, err := storetest.Open(ctx, d)
	if err != nil {
		return nil, err
	}
	shared.closes = append(shared.closes, closeDB)
	if _, err = demo.Load(ctx, db, demo.Options{}); err != nil {
		return nil, err
	}
	if err = db.SetMeta(ctx, &ledger.Meta{Demo: true, Note: demo.Note}); err != nil {
		return nil, err
	}
	// The search pages are tested on SQLite; the index is the same on
	// either database, and building it twice would double the fixture.
	var ix *search.Index
	if d == store.SQLite {
		dir, err := os.MkdirTemp("", "civicledger-web-search-")
		if err != nil {
			return nil, err
		}
		if ix, err = openIndex(ctx, db, filepath.Join(dir, "search")); err != nil {
			return nil, err
		}
		shared.closes = append(shared.closes, func() { ix.Close(); os.RemoveAll(dir) })
	}
	return newSite(ctx, db, ix)
}

// openIndex opens (building or catching up) the search index of db in dir.
func openIndex(ctx context.Context, db *store.DB, dir string) (*search.Index, error) {
	ix, err := search.Open(dir, nil)
	if err != nil {
		return nil, err
	}
	if err := search.NewFollower(ix, db, nil).CatchUp(ctx); err != nil {
		ix.Close()
		return nil, err
	}
	return ix, nil
}

// newSite mounts the pages and the API over db (and ix when not nil).
func newSite(ctx context.Context, db *store.DB, ix *search.Index) (*site, error) {
	s := &site{db: db}
	s.core = &portal.Portal{Reader: db, Meta: db, Publishing: &portal.Publishing{Store: db}}
	if ix != nil {
		s.core.Searcher = ix
	}
	notices, err := s.core.Announcements(ctx, ledger.AnnouncementFilter{Kinds: []ledger.AnnouncementKind{ledger.ApprovalNotice}}, portal.PageArgs{First: ptr(1)})
	if err != nil {
		return nil, err
	}
	if len(notices.Items) > 0 {
		s.notice = notices.Items[0]
		today := s.notice.NoticeStart.Time().Add(12 * time.Hour)
		s.core.Now = func() time.Time { return today }
	}
	// Submissions all come from the test's one address: no rate limits.
	s.core.Participation = &portal.Participation{Store: db, Now: s.core.Now, Limits: portal.Limits{PerClientPerMinute: -1}}
	gql := resolvers.WithLoaders(s.core, api.NewHandler(graph.NewExecutableSchema(resolvers.New(s.core).Config()), api.Config{RateLimit: -1}, nil))
	mux := http.NewServeMux()
	mux.Handle("/graphql", gql)
	mux.Handle("/", web.MustNew(s.core, web.Options{}))
	s.handler = mux
	return s, nil
}

func ptr[T any](v T) *T { return &v }
