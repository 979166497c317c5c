package resolvers

import (
	"context"
	"strconv"
	"strings"

	"civicledger/graph"
	"civicledger/graph/model"
	"civicledger/ledger"
	"civicledger/search"
)

// Searcher runs full-text searches (search.Index implements it).
type Searcher interface {
	Search(ctx context.Context, q search.Query) (*search.Result, error)
}

func (r *queryResolver) Search(ctx context.Context, text string, filter *model.SearchFilter, orderBy *model.SearchOrder, first *int, after *string) (*model.SearchConnection, error) {
	if r.Searcher == nil {
		return nil, ledger.Errorf(ledger.EUNAVAILABLE, "search is not available on this node right now")
	}
	// Counting facets is most of the cost of a broad search: only when asked.
	fields := requestedFields(ctx)
	q := search.Query{Text: text, Sort: search.SortRelevance, NoFacets: !fields["facets"], Suggest: fields["suggestions"]}
	if orderBy != nil {
		q.Sort = search.Sort(*orderBy)
	}
	if filter != nil {
		q.Kinds, q.SubKinds, q.ServiceAreas, q.Years = filter.Kinds, filter.SubKinds, filter.ServiceAreas, filter.Years
		q.Districts, q.Orgs, q.Stages = filter.Districts, filter.Organizations, filter.Stages
	}
	var res *search.Result
	hits, w, total, pi, err := paginate(pageArgs{first: first, after: after}, func(offset, limit int) ([]*search.Hit, int, error) {
		q.Offset, q.Limit = offset, limit
		if limit == 0 {
			q.Limit = 1
		}
		var err error
		res, err = r.Searcher.Search(ctx, q)
		if err != nil {
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
	c := &model.SearchConnection{Nodes: hits, PageInfo: pi, TotalCount: total, Edges: make([]*model.SearchEdge, len(hits)),
		Facets: facets(res), PartialWordMatch: res != nil && res.Fallback, Expansions: []*search.Expansion{}, Suggestions: []string{}}
	if res != nil {
		for i := range res.Expansions {
			c.Expansions = append(c.Expansions, &res.Expansions[i])
		}
		c.Suggestions = append(c.Suggestions, res.Suggestions...)
	}
	for i, h := range hits {
		c.Edges[i] = &model.SearchEdge{Cursor: encodeCursor(w.offset + i), Node: h}
	}
	return c, nil
}

func facets(res *search.Result) *model.SearchFacets {
	conv := func(fs []search.FacetCount) []*model.FacetCount {
		out := make([]*model.FacetCount, len(fs))
		for i, f := range fs {
			out[i] = &model.FacetCount{Value: f.Value, Label: ledger.Label(f.Value), Count: f.Count}
		}
		return out
	}
	if res == nil {
		return &model.SearchFacets{Kind: []*model.FacetCount{}, ServiceArea: []*model.FacetCount{}, Year: []*model.FacetCount{},
			District: []*model.FacetCount{}, Organization: []*model.FacetCount{}, Stage: []*model.FacetCount{}}
	}
	f := res.Facets
	return &model.SearchFacets{Kind: conv(f.Kind), ServiceArea: conv(f.ServiceArea), Year: conv(f.Year),
		District: conv(f.District), Organization: conv(f.OrgName), Stage: conv(f.Stage)}
}

// SearchHit returns the resolver of search hits.
func (r *Resolver) SearchHit() graph.SearchHitResolver { return &searchHitResolver{r} }

type searchHitResolver struct{ *Resolver }

// hitEntity splits a hit key "report:123" into its entity and id.
func hitEntity(h *search.Hit) (string, int64) {
	e, id, _ := strings.Cut(h.Key, ":")
	n, _ := strconv.ParseInt(id, 10, 64)
	return e, n
}

func (r *searchHitResolver) KindLabel(ctx context.Context, obj *search.Hit) (string, error) {
	return kindLabels[obj.Kind], nil
}

var kindLabels = map[ledger.DocKind]string{
	ledger.DocReport: "报告", ledger.DocAnnouncement: "公告", ledger.DocProject: "项目",
	ledger.DocOrganization: "机构", ledger.DocCaseStudy: "案例",
}

func (r *searchHitResolver) SubKind(ctx context.Context, obj *search.Hit) (string, error) {
	rec, err := r.Record(ctx, obj)
	if err != nil {
		return "", err
	}
	switch v := rec.(type) {
	case *ledger.Report:
		return string(v.Kind), nil
	case *ledger.Announcement:
		return string(v.Kind), nil
	case *ledger.Organization:
		return string(v.Kind), nil
	case *ledger.Project:
		return string(v.ServiceArea), nil
	case *ledger.CaseStudy:
		return string(ledger.CaseStudyReport), nil
	}
	return "", nil
}

func (r *searchHitResolver) SubKindLabel(ctx context.Context, obj *search.Hit) (string, error) {
	s, err := r.SubKind(ctx, obj)
	return ledger.Label(s), err
}

func (r *searchHitResolver) ProjectCode(ctx context.Context, obj *search.Hit) (*string, error) {
	if obj.ProjectCode == "" {
		return nil, nil
	}
	return &obj.ProjectCode, nil
}

// Record loads the hit's record from the database (the index is derived;
// the database is the truth), batched with the other hits of the page.
func (r *searchHitResolver) Record(ctx context.Context, obj *search.Hit) (ledger.SearchRecord, error) {
	l := r.loaders(ctx)
	e, id := hitEntity(obj)
	var v ledger.SearchRecord
	var err error
	switch e {
	case "report":
		var x *ledger.Report
		if x, err = l.Report.Load(ctx, id); x != nil {
			v = x
		}
	case "announcement":
		var x *ledger.Announcement
		if x, err = l.Announcement.Load(ctx, id); x != nil {
			v = x
		}
	case "project":
		var x *ledger.Project
		if x, err = l.Project.Load(ctx, id); x != nil {
			v = x
		}
	case "organization":
		var x *ledger.Organization
		if x, err = l.Organization.Load(ctx, id); x != nil {
			v = x
		}
	case "case_study":
		var x *ledger.CaseStudy
		if x, err = l.CaseStudy.Load(ctx, id); x != nil {
			v = x
		}
	}
	return v, err
}
