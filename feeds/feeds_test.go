package feeds_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"

	"civicledger/demo"
	"civicledger/feeds"
	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/search"
	"civicledger/store"
	"civicledger/store/storetest"
)

// The demo data set per dialect, with its search index, shared by the tests.
var shared = struct {
	sync.Mutex
	fx     map[store.Dialect]*fixture
	errs   map[store.Dialect]error
	closes []func()
}{fx: map[store.Dialect]*fixture{}, errs: map[store.Dialect]error{}}

type fixture struct {
	db  *store.DB
	ix  *search.Index
	fol *search.Follower
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, c := range shared.closes {
		c()
	}
	os.Exit(code)
}

func demoFixture(t testing.TB, d store.Dialect) *fixture {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if fx, ok := shared.fx[d]; ok {
		return fx
	}
	if err, ok := shared.errs[d]; ok {
		storetest.Skip(t, err)
	}
	ctx := context.Background()
	fx := &fixture{}
	db, closeDB, err := storetest.Open(ctx, d)
	if err == nil {
		shared.closes = append(shared.closes, closeDB)
		fx.db = db
		_, err = demo.Load(ctx, db, demo.Options{Projects: 150, Meta: &ledger.Meta{Demo: true, Note: demo.Note}})
	}
	if err == nil {
		dir, _ := os.MkdirTemp("", "civicledger-feeds-")
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		if fx.ix, err = search.Open(dir, log); err == nil {
			shared.closes = append(shared.closes, func() { fx.ix.Close(); os.RemoveAll(dir) })
			fx.fol = search.NewFollower(fx.ix, db, log)
			err = fx.fol.CatchUp(ctx)
		}
	}
	if err != nil {
		shared.errs[d] = err
		storetest.Skip(t, err)
	}
	shared.fx[d] = fx
	return fx
}

// env is one test's portal and feed server over a dialect's demo data.
type env struct {
	t    *testing.T
	fx   *fixture
	core *portal.Portal
	srv  *httptest.Server
}

func eachDialect(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			fx := demoFixture(t, d)
			core := &portal.Portal{Reader: fx.db, Meta: fx.db, Searcher: fx.ix}
			mux := http.NewServeMux()
			(&feeds.Feeds{Portal: core, Corrections: fx.db, BaseURL: "https://gongyi.example.org"}).Register(mux)
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			fn(t, &env{t: t, fx: fx, core: core, srv: srv})
		})
	}
}

// get fetches a path and returns the answer.
func (e *env) get(path string, header ...string) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// feed fetches a feed and parses it with gofeed.
func (e *env) feed(path string) *gofeed.Feed {
	e.t.Helper()
	res := e.get(path)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		e.t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		e.t.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	f, err := gofeed.NewParser().ParseString(string(body))
	if err != nil {
		e.t.Fatalf("GET %s: the feed does not parse: %v\n%s", path, err, body)
	}
	if f.FeedType != "atom" {
		e.t.Fatalf("GET %s: feed type %q", path, f.FeedType)
	}
	for _, it := range f.Items {
		if !strings.HasPrefix(it.GUID, "tag:gongyi.example.org,2026:") || it.UpdatedParsed == nil || it.Title == "" {
			e.t.Fatalf("GET %s: entry without tag id, updated time or title: %+v", path, it)
		}
	}
	return f
}

// keys are the specific parts of a feed's entry ids ("announcement/A-1").
func keys(f *gofeed.Feed) []string {
	out := make([]string, len(f.Items))
	for i, it := range f.Items {
		_, out[i], _ = strings.Cut(it.GUID, ",2026:")
	}
	return out
}

func announcementKeys(as []*ledger.Announcement) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = "announcement/" + url.PathEscape(a.Code)
	}
	return out
}

// newestAnnouncements lists, independently of the feed's SQL, the newest n
// announcements listing a project that keep says to keep.
func newestAnnouncements(t *testing.T, e *env, keep func(*ledger.Project) bool, n int) []*ledger.Announcement {
	t.Helper()
	ctx := context.Background()
	ps, _, err := e.fx.db.FindProjects(ctx, ledger.ProjectFilter{Scope: ledger.ScopeApplications}, ledger.ProjectOrder{}, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, p := range ps {
		if keep(p) {
			ids = append(ids, p.ID)
		}
	}
	lists, err := e.fx.db.AnnouncementsByProjectIDs(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]*ledger.Announcement{}
	for _, l := range lists {
		for _, a := range l {
			seen[a.ID] = a
		}
	}
	var all []*ledger.Announcement
	for _, a := range seen {
		all = append(all, a)
	}
	slices.SortFunc(all, func(a, b *ledger.Announcement) int {
		if c := strings.Compare(string(b.PublishedOn), string(a.PublishedOn)); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	return all[:min(n, len(all))]
}

func TestAnnouncementFeeds(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		all, total, err := e.fx.db.FindAnnouncements(ctx, ledger.AnnouncementFilter{}, 0, feeds.DefaultLimit)
		if err != nil {
			t.Fatal(err)
		}
		f := e.feed("/feeds/announcements.atom")
		if got, want := keys(f), announcementKeys(all); !slices.Equal(got, want) || total == 0 {
			t.Fatalf("all announcements: got %v, want %v (of %d)", got, want, total)
		}
		it := f.Items[0]
		if it.Link != "https://gongyi.example.org/announcements/"+url.PathEscape(all[0].Code) || it.PublishedParsed == nil {
			t.Fatalf("entry link and dates: %+v", it)
		}
		// The GraphQL link, read with gofeed's Atom parser (its generic
		// items keep only the alternate links).
		res := e.get("/feeds/announcements.atom")
		af, err := (&atom.Parser{}).Parse(res.Body)
		res.Body.Close()
		if err != nil || len(af.Entries) != len(f.Items) || len(af.Entries[0].Links) != 2 {
			t.Fatalf("atom parse: %v", err)
		}
		l := af.Entries[0].Links[1]
		gq, _ := url.Parse(l.Href)
		if l.Rel != "related" || l.Type != "application/json" || gq.Path != "/graphql" ||
			!strings.Contains(gq.Query().Get("query"), `announcement(code: "`+all[0].Code+`")`) {
			t.Fatalf("GraphQL link %+v", l)
		}

		// Per kind: exactly the newest of that kind.
		for _, k := range []ledger.AnnouncementKind{ledger.ApprovalNotice, ledger.ClosingResults} {
			want, _, err := e.fx.db.FindAnnouncements(ctx, ledger.AnnouncementFilter{}, 0, 100000)
			if err != nil {
				t.Fatal(err)
			}
			want = slices.DeleteFunc(want, func(a *ledger.Announcement) bool { return a.Kind != k })
			want = want[:min(len(want), feeds.DefaultLimit)]
			got := keys(e.feed("/feeds/announcements.atom?kinds=" + string(k)))
			if len(want) == 0 || !slices.Equal(got, announcementKeys(want)) {
				t.Fatalf("kind %s: got %v, want %v", k, got, announcementKeys(want))
			}
		}

		// Per district and per service area: the newest announcements
		// listing a project of it, worked out from the projects.
		p, err := e.fx.db.Project(ctx, firstProjectCode(t, e))
		if err != nil {
			t.Fatal(err)
		}
		want := newestAnnouncements(t, e, func(q *ledger.Project) bool { return q.District == p.District }, feeds.DefaultLimit)
		got := keys(e.feed("/feeds/announcements.atom?districts=" + url.QueryEscape(p.District)))
		if len(want) == 0 || !slices.Equal(got, announcementKeys(want)) {
			t.Fatalf("district %s: got %v, want %v", p.District, got, announcementKeys(want))
		}
		want = newestAnnouncements(t, e, func(q *ledger.Project) bool { return q.ServiceArea == ledger.DisabilitySupport }, feeds.DefaultLimit)
		got = keys(e.feed("/feeds/announcements.atom?serviceAreas=DISABILITY_SUPPORT"))
		if len(want) == 0 || !slices.Equal(got, announcementKeys(want)) {
			t.Fatalf("service area: got %v, want %v", got, announcementKeys(want))
		}

		// Refusals name the parameter.
		for path, field := range map[string]string{"/feeds/announcements.atom?kinds=NOPE": "kinds",
			"/feeds/announcements.atom?serviceAreas=x": "serviceAreas", "/feeds/announcements.atom?color=red": "color"} {
			res := e.get(path)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 400 || !strings.Contains(string(body), field) {
				t.Fatalf("%s: %d %s", path, res.StatusCode, body)
			}
		}
	})
}

// firstProjectCode is the code of a funded demo project with reports.
func firstProjectCode(t *testing.T, e *env) string {
	t.Helper()
	rs, _, err := e.fx.db.FindReports(context.Background(), ledger.ReportFilter{Kinds: []ledger.ReportKind{ledger.AuditReport}}, 0, 1)
	if err != nil || len(rs) == 0 || rs[0].ProjectID == nil {
		t.Fatalf("no audit report with a project: %v", err)
	}
	ps, err := e.fx.db.ProjectsByIDs(context.Background(), []int64{*rs[0].ProjectID})
	if err != nil {
		t.Fatal(err)
	}
	return ps[0].Code
}

func TestProjectFeed(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		code := firstProjectCode(t, e)
		p, _ := e.fx.db.Project(ctx, code)
		f := e.feed("/feeds/projects/" + url.PathEscape(code) + ".atom")
		got := keys(f)
		var want []string
		rs, _ := e.fx.db.ReportsByProjectIDs(ctx, []int64{p.ID})
		for _, r := range rs[0] {
			want = append(want, "report/"+url.PathEscape(r.Code))
		}
		as, _ := e.fx.db.AnnouncementsByProjectIDs(ctx, []int64{p.ID})
		want = append(want, announcementKeys(as[0])...)
		evs, _ := e.fx.db.StageEventsByProjectIDs(ctx, []int64{p.ID})
		stages := 0
		for _, k := range got {
			if strings.HasPrefix(k, "project/"+url.PathEscape(code)+"/stage/") {
				stages++
			}
		}
		if len(got) > feeds.DefaultLimit || stages != len(evs[0]) || len(rs[0]) == 0 || len(as[0]) == 0 {
			t.Fatalf("stage entries %d of %d; %d entries", stages, len(evs[0]), len(got))
		}
		for _, k := range want {
			if !slices.Contains(got, k) {
				t.Fatalf("project feed lacks %s: %v", k, got)
			}
		}
		if len(got) != len(want)+stages {
			t.Fatalf("project feed has %d entries, want %d", len(got), len(want)+stages)
		}
		if res := e.get("/feeds/projects/NO-SUCH.atom"); res.StatusCode != 404 {
			t.Fatalf("unknown project: %d", res.StatusCode)
		}
	})
}

func TestOrganizationFeed(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p, _ := e.fx.db.Project(ctx, firstProjectCode(t, e))
		orgs, _ := e.fx.db.OrganizationsByIDs(ctx, []int64{p.UndertakerID})
		o := orgs[0]
		got := keys(e.feed("/feeds/organizations/" + o.CreditCode + ".atom"))
		// Every entry is a report or announcement of one of its projects,
		// or a report it wrote; its projects' reports are all there.
		ps, _, _ := e.fx.db.FindProjects(ctx, ledger.ProjectFilter{Scope: ledger.ScopeApplications, AnyOrgIDs: []int64{o.ID}}, ledger.ProjectOrder{}, 0, 1000)
		allowed := map[string]bool{}
		var ids []int64
		for _, q := range ps {
			ids = append(ids, q.ID)
		}
		rs, _ := e.fx.db.ReportsByProjectIDs(ctx, ids)
		as, _ := e.fx.db.AnnouncementsByProjectIDs(ctx, ids)
		var reports []string
		for i := range ids {
			for _, r := range rs[i] {
				allowed["report/"+r.Code] = true
				reports = append(reports, "report/"+r.Code)
			}
			for _, a := range as[i] {
				allowed["announcement/"+a.Code] = true
			}
		}
		own, _, _ := e.fx.db.FindReports(ctx, ledger.ReportFilter{AuthorIDs: []int64{o.ID}}, 0, 1000)
		for _, r := range own {
			allowed["report/"+r.Code] = true
		}
		if len(got) == 0 {
			t.Fatal("empty organization feed")
		}
		for _, k := range got {
			if !allowed[k] {
				t.Fatalf("entry %s is not the organization's", k)
			}
		}
		if len(got) < feeds.DefaultLimit {
			for _, k := range reports {
				if !slices.Contains(got, k) {
					t.Fatalf("organization feed lacks %s", k)
				}
			}
		}
		if res := e.get("/feeds/organizations/000000000000000000.atom"); res.StatusCode != 404 {
			t.Fatalf("unknown organization: %d", res.StatusCode)
		}
	})
}

func TestSearchFeed(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		// Filters only: reports of elderly-support projects of 2015.
		f := e.feed("/feeds/search.atom?kinds=REPORT&serviceAreas=ELDERLY_SUPPORT&years=2015")
		got := keys(f)
		if len(got) == 0 {
			t.Fatal("no entries")
		}
		var codes []string
		for _, k := range got {
			c, ok := strings.CutPrefix(k, "report/")
			if !ok {
				t.Fatalf("entry %s is not a report", k)
			}
			codes = append(codes, c)
		}
		rs, _ := e.fx.db.ReportsByCodes(ctx, codes)
		prev := ledger.Date("9999-12-31")
		for _, r := range rs {
			ps, _ := e.fx.db.ProjectsByIDs(ctx, []int64{*r.ProjectID})
			if ps[0].ServiceArea != ledger.ElderlySupport || r.PublishedOn.Year() != 2015 || r.PublishedOn > prev {
				t.Fatalf("report %s (%s, %s) does not match the filter or is out of order", r.Code, ps[0].ServiceArea, r.PublishedOn)
			}
			prev = r.PublishedOn
		}
		// The same search through the core gives the same records.
		text, q, err := portal.ParseSearchParams(url.Values{"kinds": {"REPORT"}, "serviceAreas": {"ELDERLY_SUPPORT"}, "years": {"2015"}})
		if err != nil {
			t.Fatal(err)
		}
		n := feeds.DefaultLimit
		pg, err := e.core.Search(ctx, text, q, search.SortDateDesc, portal.SearchOptions{}, portal.PageArgs{First: &n})
		if err != nil || len(pg.Items) != len(got) {
			t.Fatalf("core search: %v, %d hits, feed %d", err, len(pg.Items), len(got))
		}
		for i, h := range pg.Items {
			if got[i] != "report/"+h.Code {
				t.Fatalf("entry %d: %s, core %s", i, got[i], h.Code)
			}
		}
		// With text: every entry mentions it.
		f = e.feed("/feeds/search.atom?q=" + url.QueryEscape("老年") + "&kinds=PROJECT")
		if len(f.Items) == 0 {
			t.Fatal("no project mentions 老年")
		}
		for _, it := range f.Items {
			if !strings.HasPrefix(it.Link, "https://gongyi.example.org/projects/") {
				t.Fatalf("project entry links to %s", it.Link)
			}
		}
		res := e.get("/feeds/search.atom?stages=NOPE")
		if body, _ := io.ReadAll(res.Body); res.StatusCode != 400 || !strings.Contains(string(body), "stages") {
			t.Fatalf("bad stage: %d %s", res.StatusCode, body)
		}
	})
}

// TestCorrectionsFeed: corrections and withdrawals written as the
// publishing use cases write them (the new version and its line of the
// register in one transaction) appear in the register's feed, newest first,
// named by the record's code and version, and the feed narrows by kind of
// record and of line.
func TestCorrectionsFeed(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		before := keys(e.feed("/feeds/corrections.atom"))
		p, _ := e.fx.db.Project(ctx, firstProjectCode(t, e))
		rs, _ := e.fx.db.ReportsByProjectIDs(ctx, []int64{p.ID})
		r := rs[0][0]
		att := ledger.Attribution{Actor: "feeds-test", Role: ledger.RoleBureau, Reason: "项目名称录入有误"}
		err := e.fx.db.InTx(ctx, func(w ledger.Writer) error {
			p.Title += "（更正）"
			if err := w.CorrectProject(ctx, att, p); err != nil {
				return err
			}
			return w.RecordCorrection(ctx, &ledger.Correction{Entity: ledger.EntityProject, EntityID: p.ID, Version: p.Version,
				Kind: ledger.KindCorrection, Reason: att.Reason, ProjectID: p.ID, Login: "feeds-test", Role: ledger.RoleBureau})
		})
		if err != nil {
			t.Fatal(err)
		}
		att.Reason = "报告误发，撤回"
		err = e.fx.db.InTx(ctx, func(w ledger.Writer) error {
			r.Title = ledger.WithdrawnTitle(r.Title)
			r.Body = ledger.WithdrawnBody(r.PublishedOn, att.Reason)
			if err := w.CorrectReport(ctx, att, r); err != nil {
				return err
			}
			return w.RecordCorrection(ctx, &ledger.Correction{Entity: ledger.EntityReport, EntityID: r.ID, Version: r.Version,
				Kind: ledger.KindWithdrawal, Reason: att.Reason, ProjectID: p.ID, Login: "feeds-test", Role: ledger.RoleBureau})
		})
		if err != nil {
			t.Fatal(err)
		}
		pkey := "correction/project/" + url.PathEscape(p.Code) + "/v" + itoa(int64(p.Version))
		rkey := "correction/report/" + url.PathEscape(r.Code) + "/v" + itoa(int64(r.Version))
		f := e.feed("/feeds/corrections.atom")
		if got := keys(f); len(got) != min(len(before)+2, feeds.DefaultLimit) || got[0] != rkey || got[1] != pkey {
			t.Fatalf("corrections: got %v, want %s and %s first", got, rkey, pkey)
		}
		if it := f.Items[0]; it.Link != "https://gongyi.example.org/reports/"+url.PathEscape(r.Code) ||
			!strings.Contains(it.Description, "报告误发") || !strings.HasPrefix(it.Title, "撤回：") {
			t.Fatalf("withdrawal entry: %+v", it)
		}
		if it := f.Items[1]; it.Link != "https://gongyi.example.org/projects/"+url.PathEscape(p.Code) ||
			!strings.Contains(it.Description, "项目名称录入有误") || !strings.HasPrefix(it.Title, "更正：") {
			t.Fatalf("correction entry: %+v", it)
		}
		for path, want := range map[string]string{"/feeds/corrections.atom?entity=report": rkey,
			"/feeds/corrections.atom?kinds=CORRECTION": pkey, "/feeds/corrections.atom?entity=project&kinds=CORRECTION": pkey} {
			got := keys(e.feed(path))
			if len(got) == 0 || got[0] != want || slices.Contains(got, map[string]string{rkey: pkey, pkey: rkey}[want]) {
				t.Fatalf("%s: %v", path, got)
			}
		}
		res := e.get("/feeds/corrections.atom?kinds=EDIT")
		if body, _ := io.ReadAll(res.Body); res.StatusCode != 400 || !strings.Contains(string(body), "kinds") {
			t.Fatalf("bad kind: %d %s", res.StatusCode, body)
		}
	})
}

func TestFeedValidators(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		res := e.get("/feeds/announcements.atom?kinds=APPROVAL_NOTICE")
		res.Body.Close()
		etag, lm := res.Header.Get("ETag"), res.Header.Get("Last-Modified")
		if etag == "" || lm == "" || res.Header.Get("Cache-Control") != "public, max-age=300" {
			t.Fatalf("validators: %v", res.Header)
		}
		if res := e.get("/feeds/announcements.atom?kinds=APPROVAL_NOTICE", "If-None-Match", etag); res.StatusCode != 304 {
			t.Fatalf("If-None-Match: %d", res.StatusCode)
		}
		if res := e.get("/feeds/announcements.atom?kinds=APPROVAL_NOTICE", "If-Modified-Since", lm); res.StatusCode != 304 {
			t.Fatalf("If-Modified-Since: %d", res.StatusCode)
		}
		if res := e.get("/feeds/announcements.atom?kinds=CLOSING_RESULTS", "If-None-Match", etag); res.StatusCode != 200 {
			t.Fatalf("another feed with the ETag: %d", res.StatusCode)
		}
	})
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// BenchmarkFeeds measures building and writing feeds over the demo data
// on SQLite: the busiest announcement filter and a project's feed.
func BenchmarkFeeds(b *testing.B) {
	fx := demoFixture(b, store.SQLite)
	core := &portal.Portal{Reader: fx.db, Meta: fx.db, Searcher: fx.ix}
	mux := http.NewServeMux()
	(&feeds.Feeds{Portal: core, Corrections: fx.db, BaseURL: "https://gongyi.example.org"}).Register(mux)
	ps, _, _ := fx.db.FindProjects(context.Background(), ledger.ProjectFilter{}, ledger.ProjectOrder{}, 0, 1)
	for name, path := range map[string]string{
		"district": "/feeds/announcements.atom?districts=" + url.QueryEscape(ps[0].District),
		"project":  "/feeds/projects/" + ps[0].Code + ".atom",
		"search":   "/feeds/search.atom?kinds=REPORT&serviceAreas=ELDERLY_SUPPORT",
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				mux.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
				if w.Code != 200 {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
