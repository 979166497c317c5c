// Package feeds serves the portal's Atom feeds: announcements (all, or of
// some kinds, districts or service areas), one project, one organization,
// any saved search, and the corrections register. It is a door over the
// application core (package portal) and the ledger's reader interfaces;
// the XML is written by github.com/gorilla/feeds.
//
//	GET /feeds/announcements.atom[?kinds=…&districts=…&serviceAreas=…]
//	GET /feeds/projects/{code}.atom
//	GET /feeds/organizations/{creditCode}.atom
//	GET /feeds/search.atom?q=…&kinds=…&serviceAreas=…&years=…&districts=…&organizations=…&stages=…
//	GET /feeds/corrections.atom[?entity=project]
//
// Each entry has a stable id (a tag: URI from the record's kind and public
// code; a case study, which has no code, by its number),
// its updated time (the recording time of the record's current version),
// its published date, a link to the record's canonical page
// (/projects/{code}, /announcements/{code}, /reports/{code},
// /organizations/{creditCode}) and a link to the same record in the
// GraphQL API. Answers carry an ETag and Last-Modified and are cached
// publicly for five minutes; a conditional request is answered 304.
package feeds

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	gfeeds "github.com/gorilla/feeds"

	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/search"
)

// DefaultLimit is the number of entries a feed holds.
const DefaultLimit = 50

// TagDate is the date part of every tag: URI the portal mints. It never
// changes: together with the public host it makes the ids stable.
const TagDate = "2026"

// Feeds serves the Atom feeds.
type Feeds struct {
	// Portal is the application core the feeds read through.
	Portal *portal.Portal
	// Corrections reads the corrections register (the store implements it).
	Corrections ledger.CorrectionReader
	// BaseURL is the portal's public address, e.g. https://gongyi.example.org,
	// used for links and, by its host, for entry ids. Empty: the host the
	// request was sent to, over http.
	BaseURL string
	// Limit is the number of entries per feed (DefaultLimit when 0).
	Limit int
	// Log receives internal errors (never a query string).
	Log *slog.Logger
}

// Register adds the feeds' routes to mux.
func (f *Feeds) Register(mux *http.ServeMux) {
	mux.Handle("GET /feeds/announcements.atom", f.serve(f.announcements))
	mux.Handle("GET /feeds/projects/{file}", f.serve(f.project))
	mux.Handle("GET /feeds/organizations/{file}", f.serve(f.organization))
	mux.Handle("GET /feeds/search.atom", f.serve(f.search))
	mux.Handle("GET /feeds/corrections.atom", f.serve(f.corrections))
}

// feed is one feed before it is written as Atom.
type feed struct {
	title    string
	subtitle string
	entries  []*entry
}

// entry is one entry of a feed.
type entry struct {
	key       string    // kind/code: the specific part of its tag: URI
	title     string    //
	summary   string    // plain text
	updated   time.Time // the current version's recording time
	published ledger.Date
	page      string // canonical page path, "" when the record has none
	api       string // a GraphQL query for the record
}

// site is where links point and what ids are minted from, for one request.
type site struct {
	base      string // scheme://host, no trailing slash
	authority string // host without port, for tag: URIs
}

func (f *Feeds) site(r *http.Request) site {
	base := strings.TrimSuffix(f.BaseURL, "/")
	if base == "" {
		base = "http://" + r.Host
	}
	u, err := url.Parse(base)
	host := r.Host
	if err == nil && u.Host != "" {
		host = u.Host
	}
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	return site{base: base, authority: strings.ToLower(host)}
}

// tag is the tag: URI of a key on this site.
func (s site) tag(key string) string { return "tag:" + s.authority + "," + TagDate + ":" + key }

// graphqlURL is the GET URL of a GraphQL query on this site.
func (s site) graphqlURL(query string) string {
	return s.base + "/graphql?query=" + url.QueryEscape(query)
}

func (f *Feeds) limit() int {
	if f.Limit > 0 {
		return f.Limit
	}
	return DefaultLimit
}

// serve runs a feed's builder and writes its answer with its validators.
func (f *Feeds) serve(build func(r *http.Request) (*feed, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fd, err := build(r)
		if err != nil {
			f.writeError(w, err)
			return
		}
		s := f.site(r)
		self := s.base + r.URL.EscapedPath() + canonicalQuery(r.URL.Query())
		var updated time.Time
		for _, e := range fd.entries {
			if e.updated.After(updated) {
				updated = e.updated
			}
		}
		if updated.IsZero() {
			updated = time.Date(2010, 1, 1, 0, 0, 0, 0, ledger.Shanghai) // the programme's first year
		}
		atom := &gfeeds.AtomFeed{Xmlns: "http://www.w3.org/2005/Atom", Title: fd.title, Subtitle: fd.subtitle,
			Id: s.tag("feed" + r.URL.EscapedPath() + canonicalQuery(r.URL.Query())), Updated: rfc3339(updated),
			Link:   &gfeeds.AtomLink{Href: self, Rel: "self", Type: "application/atom+xml"},
			Author: &gfeeds.AtomAuthor{AtomPerson: gfeeds.AtomPerson{Name: "公益金阳光公示平台", Uri: s.base + "/"}}}
		for _, e := range fd.entries {
			ae := &gfeeds.AtomEntry{Title: e.title, Id: s.tag(e.key), Updated: rfc3339(e.updated)}
			if e.published != "" {
				ae.Published = rfc3339(e.published.Time())
			}
			if e.summary != "" {
				ae.Summary = &gfeeds.AtomSummary{Type: "text", Content: e.summary}
			}
			if e.page != "" {
				ae.Links = append(ae.Links, gfeeds.AtomLink{Href: s.base + e.page, Rel: "alternate", Type: "text/html"})
			}
			if e.api != "" {
				ae.Links = append(ae.Links, gfeeds.AtomLink{Href: s.graphqlURL(e.api), Rel: "related", Type: "application/json"})
			}
			atom.Entries = append(atom.Entries, ae)
		}
		var buf bytes.Buffer
		if err := gfeeds.WriteXML(atom, &buf); err != nil {
			f.writeError(w, err)
			return
		}
		sum := sha256.Sum256(buf.Bytes())
		h := w.Header()
		h.Set("Content-Type", "application/atom+xml; charset=utf-8")
		h.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("Access-Control-Allow-Origin", "*")
		// ServeContent answers If-None-Match and If-Modified-Since with 304.
		http.ServeContent(w, r, "", updated.Truncate(time.Second), bytes.NewReader(buf.Bytes()))
	})
}

// canonicalQuery is a query string with its parameters sorted ("" when
// empty), so one feed has one id however its URL orders them.
func canonicalQuery(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// rfc3339 writes an instant in the programme's time zone (+08:00).
func rfc3339(t time.Time) string { return t.In(ledger.Shanghai).Format(time.RFC3339) }

// writeError answers a refused request with its message (400 naming the
// parameter, 404), and any other error as an internal error, logged.
func (f *Feeds) writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	msg := "internal error"
	switch ledger.ErrorCode(err) {
	case ledger.EINVALID:
		status, msg = http.StatusBadRequest, ledger.ErrorMessage(err)
	case ledger.ENOTFOUND:
		status, msg = http.StatusNotFound, ledger.ErrorMessage(err)
	case ledger.EUNAVAILABLE:
		status, msg = http.StatusServiceUnavailable, ledger.ErrorMessage(err)
	default:
		if f.Log != nil {
			f.Log.Error("feed failed", "err", err)
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}

// allowParams refuses a query string parameter not in names.
func allowParams(v url.Values, names ...string) error {
	for name := range v {
		if !slices.Contains(names, name) {
			return ledger.Invalid(name, "unknown parameter %s (use %s)", ledger.Excerpt(name), strings.Join(names, ", "))
		}
	}
	return nil
}

// list reads a repeated or comma-separated parameter.
func list(v url.Values, name string) []string {
	var out []string
	for _, raw := range v[name] {
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// fileCode reads {code}.atom from a path's last segment.
func fileCode(r *http.Request, field string) (string, error) {
	code, ok := strings.CutSuffix(r.PathValue("file"), ".atom")
	if !ok || code == "" {
		return "", ledger.Errorf(ledger.ENOTFOUND, "feeds end in .atom: /feeds/…/{%s}.atom", field)
	}
	return code, nil
}

// summary shortens a body to a plain-text summary.
func summary(s string) string {
	const max = 280
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// The entries of each kind of record.

func announcementEntry(a *ledger.Announcement) *entry {
	return &entry{key: "announcement/" + url.PathEscape(a.Code), title: "【" + ledger.Label(a.Kind) + "】" + a.Title,
		summary: summary(a.Body), updated: a.RecordedAt, published: a.PublishedOn,
		page: "/announcements/" + url.PathEscape(a.Code),
		api:  "{ announcement(code: " + quote(a.Code) + ") { code kind kindLabel title publishedOn noticeStart noticeEnd body } }"}
}

func reportEntry(r *ledger.Report) *entry {
	return &entry{key: "report/" + url.PathEscape(r.Code), title: "【" + ledger.Label(r.Kind) + "】" + r.Title,
		summary: summary(r.Body), updated: r.RecordedAt, published: r.PublishedOn,
		page: "/reports/" + url.PathEscape(r.Code),
		api:  "{ report(code: " + quote(r.Code) + ") { code kind kindLabel title publishedOn body } }"}
}

func projectAPI(code string) string {
	return "{ project(code: " + quote(code) + ") { code title stage stageLabel outcome awarded history { version reason recordedAt } } }"
}

func projectEntry(p *ledger.Project) *entry {
	return &entry{key: "project/" + url.PathEscape(p.Code), title: "【" + ledger.Label(p.ServiceArea) + "】" + p.Title,
		summary: summary(p.Summary), updated: p.RecordedAt, published: p.ApprovedOn,
		page: "/projects/" + url.PathEscape(p.Code), api: projectAPI(p.Code)}
}

func organizationEntry(o *ledger.Organization) *entry {
	return &entry{key: "organization/" + url.PathEscape(o.CreditCode), title: "【" + ledger.Label(o.Kind) + "】" + o.Name,
		summary: summary(o.Description), updated: o.RecordedAt, published: o.FoundedOn,
		page: "/organizations/" + url.PathEscape(o.CreditCode),
		api:  "{ organization(creditCode: " + quote(o.CreditCode) + ") { creditCode name kind kindLabel district } }"}
}

func stageEntry(p *ledger.Project, e *ledger.StageEvent) *entry {
	title := p.Title + "：" + ledger.Label(e.Stage)
	if e.Outcome != "" {
		title += "（" + ledger.Label(e.Outcome) + "）"
	}
	return &entry{key: "project/" + url.PathEscape(p.Code) + "/stage/" + string(e.Stage) + "/" + string(e.OccurredOn) + "/" + string(e.Outcome),
		title: title, summary: summary(e.Reason), updated: e.RecordedAt, published: e.OccurredOn,
		page: "/projects/" + url.PathEscape(p.Code), api: projectAPI(p.Code)}
}

// sortEntries orders entries newest first (published date, then recording
// time, then key), drops repeated keys and keeps the first n.
func sortEntries(es []*entry, n int) []*entry {
	slices.SortStableFunc(es, func(a, b *entry) int {
		if c := strings.Compare(string(b.published), string(a.published)); c != 0 {
			return c
		}
		if c := b.updated.Compare(a.updated); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	es = slices.CompactFunc(es, func(a, b *entry) bool { return a.key == b.key })
	if len(es) > n {
		es = es[:n]
	}
	return es
}

// The feeds.

func (f *Feeds) announcements(r *http.Request) (*feed, error) {
	v := r.URL.Query()
	if err := allowParams(v, "kinds", "districts", "serviceAreas"); err != nil {
		return nil, err
	}
	q := &portal.AnnouncementQuery{Districts: list(v, "districts")}
	var parts []string
	for _, s := range list(v, "kinds") {
		k := ledger.AnnouncementKind(s)
		if !k.Valid() {
			return nil, ledger.Invalid("kinds", "unknown announcement kind %s", ledger.Excerpt(s))
		}
		q.Kinds = append(q.Kinds, k)
		parts = append(parts, ledger.Label(k))
	}
	for _, s := range list(v, "serviceAreas") {
		a := ledger.ServiceArea(s)
		if !a.Valid() {
			return nil, ledger.Invalid("serviceAreas", "unknown service area %s", ledger.Excerpt(s))
		}
		q.ServiceAreas = append(q.ServiceAreas, a)
		parts = append(parts, ledger.Label(a))
	}
	parts = append(parts, q.Districts...)
	n := f.limit()
	pg, err := f.Portal.Announcements(r.Context(), f.Portal.AnnouncementFilter(q), portal.PageArgs{First: &n})
	if err != nil {
		return nil, err
	}
	fd := &feed{title: "公告", subtitle: "公益金阳光公示平台的公告与公示，最新在前"}
	if len(parts) > 0 {
		fd.title += "：" + strings.Join(parts, "、")
	}
	for _, a := range pg.Items {
		fd.entries = append(fd.entries, announcementEntry(a))
	}
	return fd, nil
}

func (f *Feeds) project(r *http.Request) (*feed, error) {
	if err := allowParams(r.URL.Query()); err != nil {
		return nil, err
	}
	code, err := fileCode(r, "code")
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	p, err := f.Portal.Project(ctx, code)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, ledger.Errorf(ledger.ENOTFOUND, "no project has code %s", ledger.Excerpt(code))
	}
	es, err := f.projectEntries(ctx, []*ledger.Project{p}, true)
	if err != nil {
		return nil, err
	}
	return &feed{title: "项目 " + p.Code + "：" + p.Title, subtitle: "项目的阶段变化、公告与报告，最新在前",
		entries: sortEntries(es, f.limit())}, nil
}

// projectEntries are what happened to projects: each project's stage
// history (when stages is set), the announcements listing it and its
// reports.
func (f *Feeds) projectEntries(ctx context.Context, ps []*ledger.Project, stages bool) ([]*entry, error) {
	rd := f.Portal.Reader
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	var es []*entry
	if stages {
		evs, err := rd.StageEventsByProjectIDs(ctx, ids)
		if err != nil {
			return nil, err
		}
		for i, p := range ps {
			for _, e := range evs[i] {
				es = append(es, stageEntry(p, e))
			}
		}
	}
	anns, err := rd.AnnouncementsByProjectIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, as := range anns {
		for _, a := range as {
			es = append(es, announcementEntry(a))
		}
	}
	reps, err := rd.ReportsByProjectIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, rs := range reps {
		for _, r := range rs {
			es = append(es, reportEntry(r))
		}
	}
	return es, nil
}

// orgProjects bounds the projects an organization's feed looks at: its
// most recently approved ones.
const orgProjects = 200

func (f *Feeds) organization(r *http.Request) (*feed, error) {
	if err := allowParams(r.URL.Query()); err != nil {
		return nil, err
	}
	code, err := fileCode(r, "creditCode")
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	o, err := f.Portal.Organization(ctx, code)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, ledger.Errorf(ledger.ENOTFOUND, "no organization has credit code %s", ledger.Excerpt(code))
	}
	ps, _, err := f.Portal.Reader.FindProjects(ctx, ledger.ProjectFilter{Scope: ledger.ScopeApplications, AnyOrgIDs: []int64{o.ID}},
		ledger.ProjectOrder{Field: ledger.OrderByApprovedOn, Desc: true}, 0, orgProjects)
	if err != nil {
		return nil, err
	}
	es, err := f.projectEntries(ctx, ps, false)
	if err != nil {
		return nil, err
	}
	reps, _, err := f.Portal.Reader.FindReports(ctx, ledger.ReportFilter{AuthorIDs: []int64{o.ID}}, 0, f.limit())
	if err != nil {
		return nil, err
	}
	for _, rp := range reps {
		es = append(es, reportEntry(rp))
	}
	return &feed{title: "机构 " + o.Name, subtitle: "机构撰写的报告，及其承接、评估或审计的项目的公告与报告，最新在前",
		entries: sortEntries(es, f.limit())}, nil
}

func (f *Feeds) search(r *http.Request) (*feed, error) {
	text, q, err := portal.ParseSearchParams(r.URL.Query())
	if err != nil {
		return nil, err
	}
	es, err := searchEntries(r.Context(), f.Portal, text, q, f.limit())
	if err != nil {
		return nil, err
	}
	title := "搜索"
	if text != "" {
		title += "：" + text
	}
	return &feed{title: title, subtitle: "保存的搜索，最新在前", entries: es}, nil
}

// searchEntries runs a saved search, newest first, and returns its hits
// as feed entries (keys as in every other feed).
func searchEntries(ctx context.Context, p *portal.Portal, text string, q *portal.SearchQuery, n int) ([]*entry, error) {
	pg, err := p.Search(ctx, text, q, search.SortDateDesc, portal.SearchOptions{}, portal.PageArgs{First: &n})
	if err != nil {
		return nil, err
	}
	return hitEntries(ctx, p.Reader, pg.Items)
}

// hitEntries turns search hits into entries, loading each record (a batch
// per kind) for its current version.
func hitEntries(ctx context.Context, rd ledger.Reader, hits []*search.Hit) ([]*entry, error) {
	codes := map[ledger.DocKind][]string{}
	var caseIDs []int64
	for _, h := range hits {
		if h.Kind == ledger.DocCaseStudy {
			if id, ok := keyID(h.Key); ok {
				caseIDs = append(caseIDs, id)
			}
			continue
		}
		codes[h.Kind] = append(codes[h.Kind], h.Code)
	}
	byKey := map[string]*entry{}
	if as, err := rd.AnnouncementsByCodes(ctx, codes[ledger.DocAnnouncement]); err != nil {
		return nil, err
	} else {
		for _, a := range as {
			if a != nil {
				byKey["ANNOUNCEMENT:"+a.Code] = announcementEntry(a)
			}
		}
	}
	if rs, err := rd.ReportsByCodes(ctx, codes[ledger.DocReport]); err != nil {
		return nil, err
	} else {
		for _, x := range rs {
			if x != nil {
				byKey["REPORT:"+x.Code] = reportEntry(x)
			}
		}
	}
	if ps, err := rd.ProjectsByCodes(ctx, codes[ledger.DocProject]); err != nil {
		return nil, err
	} else {
		for _, x := range ps {
			if x != nil {
				byKey["PROJECT:"+x.Code] = projectEntry(x)
			}
		}
	}
	if os, err := rd.OrganizationsByCodes(ctx, codes[ledger.DocOrganization]); err != nil {
		return nil, err
	} else {
		for _, x := range os {
			if x != nil {
				byKey["ORGANIZATION:"+x.CreditCode] = organizationEntry(x)
			}
		}
	}
	if len(caseIDs) > 0 {
		cs, err := rd.CaseStudiesByIDs(ctx, caseIDs)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if c != nil {
				byKey["CASE_STUDY:"+itoa(c.ID)] = caseStudyEntry(c, hits)
			}
		}
	}
	var es []*entry
	for _, h := range hits {
		k := string(h.Kind) + ":" + h.Code
		if h.Kind == ledger.DocCaseStudy {
			id, _ := keyID(h.Key)
			k = "CASE_STUDY:" + itoa(id)
		}
		if e := byKey[k]; e != nil {
			es = append(es, e)
		}
	}
	return es, nil
}

func caseStudyEntry(c *ledger.CaseStudy, hits []*search.Hit) *entry {
	var code string
	var date ledger.Date
	for _, h := range hits {
		if h.Kind == ledger.DocCaseStudy && h.Key == "case_study:"+itoa(c.ID) {
			code, date = h.ProjectCode, h.Date
		}
	}
	return &entry{key: "case_study/" + itoa(c.ID), title: "【案例】" + c.Title, summary: summary(c.Narrative),
		updated: c.RecordedAt, published: date, page: "/projects/" + url.PathEscape(code), api: projectAPI(code)}
}
