package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/store"
)

// get serves one request through the site and returns the answer.
func (s *site) get(t testing.TB, path string, cookies ...*http.Cookie) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	return rec.Result()
}

// page fetches a page, checks its status and parses it.
func (s *site) page(t testing.TB, path string, status int, cookies ...*http.Cookie) (*html.Node, *http.Response, []byte) {
	t.Helper()
	resp := s.get(t, path, cookies...)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d: %.300s", path, resp.StatusCode, status, body)
	}
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc, resp, body
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// find returns every element under n for which match holds.
func find(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func tag(name string, attrs ...string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		if n.Data != name {
			return false
		}
		for i := 0; i+1 < len(attrs); i += 2 {
			if attr(n, attrs[i]) != attrs[i+1] {
				return false
			}
		}
		return true
	}
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// pageTypes returns one address of every page type of the demo data.
func pageTypes(t testing.TB, s *site) map[string]string {
	t.Helper()
	ctx := s.core.WithLoaders(context.Background())
	ps, err := s.core.Projects(ctx, ledger.ProjectFilter{Outcomes: []ledger.Outcome{ledger.Completed}}, ledger.ProjectOrder{Field: ledger.OrderByCode}, portal.PageArgs{First: ptr(1)}, nil)
	if err != nil || len(ps.Items) == 0 {
		t.Fatal("no completed project", err)
	}
	p := ps.Items[0]
	org, err := s.core.Loaders(ctx).Organization().Load(ctx, p.UndertakerID)
	if err != nil {
		t.Fatal(err)
	}
	reps, err := s.core.Reports(ctx, ledger.ReportFilter{ProjectIDs: []int64{p.ID}}, portal.PageArgs{First: ptr(1)})
	if err != nil || len(reps.Items) == 0 {
		t.Fatal("no report", err)
	}
	cs, err := s.core.CaseCollections(ctx, 0)
	if err != nil || len(cs) == 0 {
		t.Fatal("no case collection", err)
	}
	return map[string]string{
		"home":          "/",
		"projects":      "/projects",
		"project":       "/projects/" + p.Code,
		"organizations": "/organizations",
		"organization":  "/organizations/" + org.CreditCode,
		"announcements": "/announcements",
		"announcement":  "/announcements/" + s.notice.Code,
		"report":        "/reports/" + reps.Items[0].Code,
		"search":        "/search?q=" + url.QueryEscape("长者食堂"),
		"cases":         "/cases",
		"collection":    "/cases/" + itoa(cs[0].ID),
		"about":         "/about-data",
		"opendata":      "/open-data",
		"corrections":   "/corrections",
		"notfound":      "/no-such-page",
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestEveryPageType: each page type answers in the site's design with its
// security headers, its lang attribute, a title, a description, a
// canonical address and Open Graph tags, the data set's note, and
// stylesheets and scripts only from this site.
func TestEveryPageType(t *testing.T) {
	s := demoSite(t, store.SQLite)
	for name, path := range pageTypes(t, s) {
		t.Run(name, func(t *testing.T) {
			status := http.StatusOK
			if name == "notfound" {
				status = http.StatusNotFound
			}
			doc, resp, _ := s.page(t, path, status)
			h := resp.Header
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe") {
				t.Errorf("CSP allows unsafe code: %q", csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Errorf("headers: %v", h)
			}
			if hs := find(doc, tag("html", "lang", "zh-CN")); len(hs) != 1 {
				t.Error("no <html lang=zh-CN>")
			}
			if ts := find(doc, tag("title")); len(ts) != 1 || text(ts[0]) == "" {
				t.Error("no title")
			}
			for _, m := range [][2]string{{"name", "description"}, {"property", "og:title"}, {"property", "og:description"}, {"property", "og:url"}} {
				if ms := find(doc, tag("meta", m[0], m[1])); len(ms) != 1 || attr(ms[0], "content") == "" {
					t.Errorf("no %s meta", m[1])
				}
			}
			if cs := find(doc, tag("link", "rel", "canonical")); len(cs) != 1 || !strings.HasPrefix(attr(cs[0], "href"), "http://example.com/") {
				t.Error("no canonical link")
			}
			if ns := find(doc, tag("p", "id", "dataset-note")); len(ns) != 1 || !strings.Contains(text(ns[0]), "演示数据") {
				t.Error("no data set note")
			}
			if ms := find(doc, tag("main", "id", "main")); len(ms) != 1 {
				t.Error("no <main> landmark")
			}
			if hs := find(doc, tag("h1")); len(hs) != 1 {
				t.Errorf("%d h1 elements", len(hs))
			}
			for _, n := range find(doc, func(n *html.Node) bool { return n.Data == "script" || n.Data == "link" || n.Data == "img" }) {
				src := attr(n, "src") + attr(n, "href")
				if n.Data == "script" && src == "" {
					t.Error("inline script")
				}
				if (n.Data == "script" || attr(n, "rel") == "stylesheet" || n.Data == "img") && !strings.HasPrefix(src, "/") {
					t.Errorf("%s from elsewhere: %q", n.Data, src)
				}
			}
		})
	}
}

// TestPagesShowTheAPIsLists: a filtered project list and an organization's
// page count what the API counts for the same filter.
func TestPagesShowTheAPIsLists(t *testing.T) {
	s := demoSite(t, store.SQLite)
	var out struct {
		Projects struct{ TotalCount int }
	}
	gql(t, s, `{ projects(filter: {serviceAreas: [ELDERLY_SUPPORT], years: [2014]}) { totalCount } }`, &out)
	doc, _, _ := s.page(t, "/projects?area=ELDERLY_SUPPORT&year=2014&order=AWARDED", http.StatusOK)
	cards := find(doc, tag("li", "class", "card"))
	if out.Projects.TotalCount == 0 || len(cards) != min(out.Projects.TotalCount, portal.DefaultPage) {
		t.Errorf("%d cards on the page, API total %d", len(cards), out.Projects.TotalCount)
	}
	paging := find(doc, tag("nav", "class", "paging"))
	if len(paging) == 0 || !strings.Contains(text(paging[0]), strconv.Itoa(out.Projects.TotalCount)) {
		t.Errorf("paging does not say the API's total %d", out.Projects.TotalCount)
	}
	// Ordered by award, largest first, as the API orders them.
	var ordered struct {
		Projects struct{ Nodes []struct{ Code string } }
	}
	gql(t, s, `{ projects(first: 20, filter: {serviceAreas: [ELDERLY_SUPPORT], years: [2014]}, orderBy: {field: AWARDED, direction: DESC}) { nodes { code } } }`, &ordered)
	for i, c := range cards {
		links := find(c, tag("a"))
		if i < len(ordered.Projects.Nodes) && (len(links) == 0 || attr(links[0], "href") != "/projects/"+ordered.Projects.Nodes[i].Code) {
			t.Errorf("card %d is not the API's project %s", i, ordered.Projects.Nodes[i].Code)
		}
	}
	// The next page continues where this one ended.
	next := find(doc, tag("a", "rel", "next"))
	if out.Projects.TotalCount > portal.DefaultPage && len(next) == 0 {
		t.Fatal("no next page link")
	}
}

// TestEnglishAndElderlyMode: ?lang=en serves English and remembers it; the
// switches set their cookies and come back to the page; the elderly mode
// marks the body; a switch never sends the visitor to another site.
func TestEnglishAndElderlyMode(t *testing.T) {
	s := demoSite(t, store.SQLite)
	doc, resp, _ := s.page(t, "/projects?lang=en", http.StatusOK)
	if len(find(doc, tag("html", "lang", "en"))) != 1 {
		t.Error("?lang=en: not an English page")
	}
	var remembered bool
	for _, c := range resp.Cookies() {
		remembered = remembered || c.Name == "lang" && c.Value == "en"
	}
	if !remembered {
		t.Error("?lang=en not remembered in a cookie")
	}
	doc, _, _ = s.page(t, "/", http.StatusOK, &http.Cookie{Name: "lang", Value: "en"}, &http.Cookie{Name: "care", Value: "1"})
	if len(find(doc, tag("html", "lang", "en"))) != 1 || len(find(doc, tag("html", "class", "care"))) != 1 {
		t.Error("cookies lang=en care=1 not honoured")
	}
	for back, want := range map[string]string{"/projects?year=2014": "/projects?year=2014", "//evil.example/": "/", "https://evil.example/": "/", "/x?lang=zh": "/x"} {
		resp := s.get(t, "/prefs?care=1&lang=en&back="+url.QueryEscape(back))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("back %q: %d to %q, want %q", back, resp.StatusCode, resp.Header.Get("Location"), want)
		}
		if len(resp.Cookies()) != 2 {
			t.Errorf("back %q: cookies %v", back, resp.Cookies())
		}
	}
}

// TestErrorPages: unknown pages and records are 404 in the site's design;
// a filter that does not parse is 400 naming the parameter.
func TestErrorPages(t *testing.T) {
	s := demoSite(t, store.SQLite)
	for _, path := range []string{"/no-such-page", "/projects/NO-SUCH", "/organizations/NO-SUCH", "/announcements/NO-SUCH", "/reports/NO-SUCH", "/cases/999999", "/charts/nope.svg", "/static/style.000000000000.css"} {
		doc, _, _ := s.page(t, path, http.StatusNotFound)
		if len(find(doc, tag("nav"))) == 0 {
			t.Errorf("%s: 404 page without the site's navigation", path)
		}
	}
	for path, field := range map[string]string{"/projects?year=abc": "year", "/projects?area=SPACE": "area", "/projects?order=COLOUR": "order",
		"/projects?undertaker=91110000000000000X": "undertakers", "/projects?after=bogus": "after", "/announcements?kind=X": "kind"} {
		doc, _, _ := s.page(t, path, http.StatusBadRequest)
		msg := find(doc, tag("p", "id", "error-message"))
		if len(msg) != 1 || !strings.HasPrefix(text(msg[0]), field) {
			t.Errorf("%s: message does not name %s", path, field)
		}
	}
}

// TestStaticAssets: stylesheets and scripts are served under fingerprinted
// names for a year; an old fingerprint is not found.
func TestStaticAssets(t *testing.T) {
	s := demoSite(t, store.SQLite)
	doc, _, _ := s.page(t, "/about-data", http.StatusOK)
	links := find(doc, tag("link", "rel", "stylesheet"))
	if len(links) != 1 {
		t.Fatal("no stylesheet")
	}
	href := attr(links[0], "href")
	resp := s.get(t, href)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || resp.Header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("%s: %d %v", href, resp.StatusCode, resp.Header)
	}
	if !strings.Contains(href, "style.") || strings.Count(href, ".") != 2 {
		t.Errorf("stylesheet %q has no fingerprint", href)
	}
}

// TestOpenNoticeAndQR: an approval notice open on the site's date says so
// with the days left, and carries a QR code of its own address.
func TestOpenNoticeAndQR(t *testing.T) {
	s := demoSite(t, store.SQLite)
	doc, _, _ := s.page(t, "/announcements/"+s.notice.Code, http.StatusOK)
	st := find(doc, tag("p", "id", "notice-status"))
	if len(st) != 1 || !strings.Contains(text(st[0]), "正在公示") {
		t.Fatal("open notice not shown as open")
	}
	imgs := find(doc, func(n *html.Node) bool { return n.Data == "img" && strings.HasPrefix(attr(n, "src"), "/qr/") })
	if len(imgs) != 1 {
		t.Fatal("no QR code")
	}
	resp := s.get(t, attr(imgs[0], "src"))
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !bytes.HasPrefix(body, []byte("<svg")) {
		t.Errorf("QR: %d %s", resp.StatusCode, body[:min(len(body), 80)])
	}
	home, _, _ := s.page(t, "/", http.StatusOK)
	if len(find(home, tag("a", "href", "/announcements/"+s.notice.Code))) == 0 {
		t.Error("the open notice is not on the home page")
	}
}

// TestSearchPage: hits show highlighted passages; a facet is a link that
// filters the search, and the filtered count is the facet's count.
func TestSearchPage(t *testing.T) {
	s := demoSite(t, store.SQLite)
	doc, _, _ := s.page(t, "/search?q="+url.QueryEscape("长者食堂"), http.StatusOK)
	hits := find(doc, tag("li", "class", "card hit"))
	if len(hits) == 0 || len(find(doc, tag("mark"))) == 0 {
		t.Fatalf("%d hits, no highlights", len(hits))
	}
	facets := find(doc, func(n *html.Node) bool { return n.Data == "a" && strings.Contains(attr(n, "href"), "kind=") })
	if len(facets) == 0 {
		t.Fatal("no kind facet")
	}
	want := text(facets[0].NextSibling)
	doc, _, _ = s.page(t, attr(facets[0], "href"), http.StatusOK)
	found := find(doc, tag("section", "class", "hits"))
	if len(found) != 1 || !strings.Contains(text(found[0]), strings.Trim(want, "()")) {
		t.Errorf("filtered by facet: want %s hits", want)
	}
}

// TestSitemap lists every funded project's page.
func TestSitemap(t *testing.T) {
	s := demoSite(t, store.SQLite)
	resp := s.get(t, "/sitemap.xml")
	body, _ := io.ReadAll(resp.Body)
	total, _, err := s.core.Stats(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(body, []byte("/projects/")); resp.StatusCode != 200 || int64(n) != total.Projects {
		t.Errorf("sitemap: %d, %d project pages, want %d", resp.StatusCode, n, total.Projects)
	}
}

// gql runs a query on the site's own GraphQL handler.
func gql(t testing.TB, s *site, query string, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	var r struct {
		Data   json.RawMessage
		Errors []any
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || len(r.Errors) > 0 {
		t.Fatalf("graphql %d: %s", rec.Code, rec.Body.String())
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatal(err)
	}
}
