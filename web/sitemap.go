package web

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"

	"civicledger/ledger"
	"civicledger/portal"
)

// maxSitemapURLs is the most addresses one sitemap may list.
const maxSitemapURLs = 50000

// sitemap lists the public pages: the fixed ones, then projects,
// announcements, organizations and case collections, up to the sitemap
// format's 50,000 addresses.
func (h *Handler) sitemap(w http.ResponseWriter, r *http.Request) {
	ctx := h.core.WithLoaders(r.Context())
	base := h.base(r)
	type entry struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod,omitempty"`
	}
	var urls []entry
	add := func(p string, d ledger.Date) bool {
		if len(urls) >= maxSitemapURLs {
			return false
		}
		urls = append(urls, entry{Loc: base + p, LastMod: string(d)})
		return true
	}
	for _, p := range []string{"/", "/projects", "/organizations", "/announcements", "/search", "/cases", "/about-data", "/open-data", "/corrections"} {
		add(p, "")
	}
	err := func() error {
		if err := pages(ctx, func(a portal.PageArgs) (*portal.Page[*ledger.Project], error) {
			return h.core.Projects(ctx, ledger.ProjectFilter{}, ledger.ProjectOrder{Field: ledger.OrderByCode}, a, nil)
		}, func(p *ledger.Project) bool { return add("/projects/"+url.PathEscape(p.Code), p.ApprovedOn) }); err != nil {
			return err
		}
		if err := pages(ctx, func(a portal.PageArgs) (*portal.Page[*ledger.Announcement], error) {
			return h.core.Announcements(ctx, ledger.AnnouncementFilter{}, a)
		}, func(x *ledger.Announcement) bool { return add("/announcements/"+url.PathEscape(x.Code), x.PublishedOn) }); err != nil {
			return err
		}
		if err := pages(ctx, func(a portal.PageArgs) (*portal.Page[*ledger.Organization], error) {
			return h.core.Organizations(ctx, nil, a)
		}, func(o *ledger.Organization) bool { return add("/organizations/"+url.PathEscape(o.CreditCode), "") }); err != nil {
			return err
		}
		cs, err := h.core.CaseCollections(ctx, 0)
		for _, c := range cs {
			add("/cases/"+strconv.FormatInt(c.ID, 10), c.PublishedOn)
		}
		return err
	}()
	if err != nil {
		h.errorPage(w, r, h.newView(nil, r), err)
		return
	}
	out, _ := xml.MarshalIndent(struct {
		XMLName xml.Name `xml:"urlset"`
		NS      string   `xml:"xmlns,attr"`
		URLs    []entry  `xml:"url"`
	}{NS: "http://www.sitemaps.org/schemas/sitemap/0.9", URLs: urls}, "", " ")
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
}

// pages walks a list page by page until each returns false or it ends.
func pages[T any](ctx context.Context, fetch func(portal.PageArgs) (*portal.Page[T], error), each func(T) bool) error {
	first := portal.MaxPage
	var after *string
	for {
		pg, err := fetch(portal.PageArgs{First: &first, After: after})
		if err != nil {
			return err
		}
		for _, it := range pg.Items {
			if !each(it) {
				return nil
			}
		}
		if !pg.HasNext || pg.EndCursor == nil || ctx.Err() != nil {
			return ctx.Err()
		}
		after = pg.EndCursor
	}
}
