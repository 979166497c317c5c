package portal

import (
	"context"
	"strconv"
	"strings"

	"civicledger/ledger"
	"civicledger/search"
)

// Searcher runs full-text searches (search.Index implements it).
type Searcher interface {
	Search(ctx context.Context, q search.Query) (*search.Result, error)
}

// SearchQuery is the public filter of a search. The GraphQL SearchFilter
// input is bound to it.
type SearchQuery struct {
	Kinds         []ledger.DocKind
	SubKinds      []string // report, announcement or organization kinds
	ServiceAreas  []ledger.ServiceArea
	Years         []int
	Districts     []string
	Organizations []string // names or credit codes
	Stages        []ledger.Stage
}

// SearchPage is one page of search hits with what the search said about
// itself (facets, partial matches, an index still being built).
type SearchPage struct {
	*Page[*search.Hit]
	// Result is the search's answer for the page (nil when the page asked
	// for nothing).
	Result *search.Result
}

// SearchOptions say what a search should work out beside its hits.
type SearchOptions struct {
	// Facets asks for the counts per facet: most of the cost of a broad
	// search, so only when shown.
	Facets bool
	// Suggest asks for "did you mean" suggestions when there are few hits.
	Suggest bool
}

// Search runs a full-text search and pages its hits.
func (p *Portal) Search(ctx context.Context, text string, filter *SearchQuery, sort search.Sort, opts SearchOptions, a PageArgs) (*SearchPage, error) {
	if p.Searcher == nil {
		return nil, ledger.Errorf(ledger.EUNAVAILABLE, "search is not available on this node right now")
	}
	q := search.Query{Text: text, Sort: search.SortRelevance, NoFacets: !opts.Facets, Suggest: opts.Suggest}
	if sort != "" {
		q.Sort = sort
	}
	if filter != nil {
		q.Kinds, q.SubKinds, q.ServiceAreas, q.Years = filter.Kinds, filter.SubKinds, filter.ServiceAreas, filter.Years
		q.Districts, q.Orgs, q.Stages = filter.Districts, filter.Organizations, filter.Stages
	}
	var res *search.Result
	pg, err := Paginate(SearchList, PageArgs{First: a.First, After: a.After}, func(offset, limit int) ([]*search.Hit, int, error) {
		q.Offset, q.Limit = offset, max(limit, 1)
		var err error
		if res, err = p.Searcher.Search(ctx, q); err != nil {
			return nil, 0, err
		}
		out := make([]*search.Hit, len(res.Hits))
		for i := range res.Hits {
			out[i] = &res.Hits[i]
		}
		if limit == 0 {
			out = out[:0]
		}
		return out, int(res.Total), nil
	})
	if err != nil {
		return nil, err
	}
	return &SearchPage{Page: pg, Result: res}, nil
}

// FacetCount is one value of a facet with its label and count.
type FacetCount struct {
	Value string
	Label string
	Count int
}

// Facets are a search's counts per facet, labelled.
type Facets struct {
	Kind, ServiceArea, Year, District, Organization, Stage []FacetCount
}

// LabelFacets labels the facet counts of a search result (empty facets
// for nil). Kinds get their Chinese names (报告, 公告, …), as the pages show
// them; every other value the label of its enum value, or itself.
func LabelFacets(res *search.Result) Facets {
	conv := func(fs []search.FacetCount, label func(string) string) []FacetCount {
		out := make([]FacetCount, len(fs))
		for i, f := range fs {
			out[i] = FacetCount{Value: f.Value, Label: label(f.Value), Count: f.Count}
		}
		return out
	}
	if res == nil {
		return Facets{Kind: []FacetCount{}, ServiceArea: []FacetCount{}, Year: []FacetCount{},
			District: []FacetCount{}, Organization: []FacetCount{}, Stage: []FacetCount{}}
	}
	f := res.Facets
	kind := func(v string) string { return KindLabel(ledger.DocKind(v)) }
	return Facets{Kind: conv(f.Kind, kind), ServiceArea: conv(f.ServiceArea, ledger.Label), Year: conv(f.Year, ledger.Label),
		District: conv(f.District, ledger.Label), Organization: conv(f.OrgName, ledger.Label), Stage: conv(f.Stage, ledger.Label)}
}

// kindLabels are the Chinese names of the kinds of searchable records.
var kindLabels = map[ledger.DocKind]string{
	ledger.DocReport: "报告", ledger.DocAnnouncement: "公告", ledger.DocProject: "项目",
	ledger.DocOrganization: "机构", ledger.DocCaseStudy: "案例", ledger.DocComment: "评价",
}

// KindLabel is the Chinese name of a kind of searchable record, or the kind
// itself when it has none.
func KindLabel(k ledger.DocKind) string {
	if l, ok := kindLabels[k]; ok {
		return l
	}
	return string(k)
}

// SubKind is what kind of report, announcement or organization a search
// record is, or a project's service area.
func SubKind(rec ledger.SearchRecord) string {
	switch v := rec.(type) {
	case *ledger.Report:
		return string(v.Kind)
	case *ledger.Announcement:
		return string(v.Kind)
	case *ledger.Organization:
		return string(v.Kind)
	case *ledger.Project:
		return string(v.ServiceArea)
	case *ledger.CaseStudy:
		return string(ledger.CaseStudyReport)
	}
	return ""
}

// HitRecord loads a search hit's record from the database (the index is
// derived; the database is the truth), batched with the other hits of the
// request. A record deleted since it was indexed is nil.
func (p *Portal) HitRecord(ctx context.Context, h *search.Hit) (ledger.SearchRecord, error) {
	l := p.Loaders(ctx)
	e, id := hitEntity(h)
	var v ledger.SearchRecord
	var err error
	switch e {
	case ledger.EntityReport:
		var x *ledger.Report
		if x, err = l.Report().Load(ctx, id); x != nil {
			v = x
		}
	case ledger.EntityAnnouncement:
		var x *ledger.Announcement
		if x, err = l.Announcement().Load(ctx, id); x != nil {
			v = x
		}
	case ledger.EntityProject:
		var x *ledger.Project
		if x, err = l.Project().Load(ctx, id); x != nil {
			v = x
		}
	case ledger.EntityOrganization:
		var x *ledger.Organization
		if x, err = l.Organization().Load(ctx, id); x != nil {
			v = x
		}
	case ledger.EntityCaseStudy:
		var x *ledger.CaseStudy
		if x, err = l.CaseStudy().Load(ctx, id); x != nil {
			v = x
		}
	}
	return v, err
}

// hitEntity splits a hit key "report:123" into its entity and id.
func hitEntity(h *search.Hit) (ledger.Entity, int64) {
	e, id, _ := strings.Cut(h.Key, ":")
	n, _ := strconv.ParseInt(id, 10, 64)
	return ledger.Entity(e), n
}
