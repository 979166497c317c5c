package resolvers

import (
	"context"

	"civicledger/graph"
	"civicledger/graph/model"
	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/search"
)

func (r *queryResolver) Search(ctx context.Context, text string, filter *portal.SearchQuery, orderBy *model.SearchOrder, first *int, after *string) (*model.SearchConnection, error) {
	var sort search.Sort
	if orderBy != nil {
		sort = search.Sort(*orderBy)
	}
	fields := requestedFields(ctx)
	pg, err := r.Portal.Search(ctx, text, filter, sort, portal.SearchOptions{Facets: fields["facets"], Suggest: fields["suggestions"]},
		portal.PageArgs{First: first, After: after})
	if err != nil {
		return nil, err
	}
	res := pg.Result
	c := &model.SearchConnection{Nodes: pg.Items, PageInfo: pageInfo(pg.Page), TotalCount: pg.Total,
		Edges: make([]*model.SearchEdge, len(pg.Items)), Facets: facets(portal.LabelFacets(res)),
		PartialWordMatch: res != nil && res.Fallback, Indexing: res != nil && res.Indexing,
		Expansions: []*search.Expansion{}, Suggestions: []string{}}
	if res != nil {
		for i := range res.Expansions {
			c.Expansions = append(c.Expansions, &res.Expansions[i])
		}
		c.Suggestions = append(c.Suggestions, res.Suggestions...)
	}
	for i, h := range pg.Items {
		c.Edges[i] = &model.SearchEdge{Cursor: pg.Cursor(i), Node: h}
	}
	return c, nil
}

func facets(f portal.Facets) *model.SearchFacets {
	conv := func(fs []portal.FacetCount) []*model.FacetCount {
		out := make([]*model.FacetCount, len(fs))
		for i, f := range fs {
			out[i] = &model.FacetCount{Value: f.Value, Label: f.Label, Count: f.Count}
		}
		return out
	}
	return &model.SearchFacets{Kind: conv(f.Kind), ServiceArea: conv(f.ServiceArea), Year: conv(f.Year),
		District: conv(f.District), Organization: conv(f.Organization), Stage: conv(f.Stage)}
}

// SearchHit returns the resolver of search hits.
func (r *Resolver) SearchHit() graph.SearchHitResolver { return &searchHitResolver{r} }

type searchHitResolver struct{ *Resolver }

func (r *searchHitResolver) KindLabel(ctx context.Context, obj *search.Hit) (string, error) {
	return portal.KindLabel(obj.Kind), nil
}

func (r *searchHitResolver) SubKind(ctx context.Context, obj *search.Hit) (string, error) {
	rec, err := r.Record(ctx, obj)
	if err != nil {
		return "", err
	}
	return portal.SubKind(rec), nil
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

// Record loads the hit's record, batched with the other hits of the page.
func (r *searchHitResolver) Record(ctx context.Context, obj *search.Hit) (ledger.SearchRecord, error) {
	rec, err := r.HitRecord(ctx, obj)
	if p, ok := rec.(*ledger.Project); ok && err == nil {
		_, err = r.prefetched(ctx, p, nil)
	}
	return rec, err
}
