// Package resolvers implements the GraphQL schema: thin converters from
// arguments to one call of the application core (package portal) to graph
// types. Filters, paging, batch loading, statistics ordering and labels are
// the core's, so the pages and exports answer exactly as the API does.
package resolvers

import (
	"context"
	"net/http"

	"civicledger/graph"
	"civicledger/graph/model"
	"civicledger/ledger"
	"civicledger/portal"
)

// Resolver is the root of the GraphQL resolvers.
type Resolver struct {
	*portal.Portal
	// The resolvers of the types of a page's every row, made once: the
	// generated code asks for them at every field.
	project *projectResolver
	figures *figuresResolver
}

// New returns the resolvers over the application core p.
func New(p *portal.Portal) *Resolver {
	r := &Resolver{Portal: p}
	r.project, r.figures = &projectResolver{r}, &figuresResolver{r}
	return r
}

// Config returns the gqlgen configuration for the resolvers.
func (r *Resolver) Config() graph.Config { return graph.Config{Resolvers: r} }

// WithLoaders is HTTP middleware giving each request its own batch loaders.
func WithLoaders(p *portal.Portal, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		next.ServeHTTP(w, req.WithContext(p.WithLoaders(req.Context())))
	})
}

// pageArgs converts a connection's Relay arguments.
func pageArgs(first *int, after *string, last *int, before *string) portal.PageArgs {
	return portal.PageArgs{First: first, After: after, Last: last, Before: before}
}

// pageInfo converts a page's position.
func pageInfo[T any](p *portal.Page[T]) *model.PageInfo {
	return &model.PageInfo{HasPreviousPage: p.HasPrevious, HasNextPage: p.HasNext, StartCursor: p.StartCursor, EndCursor: p.EndCursor}
}

func (r *Resolver) Announcement() graph.AnnouncementResolver     { return &announcementResolver{r} }
func (r *Resolver) Audit() graph.AuditResolver                   { return &auditResolver{r} }
func (r *Resolver) CaseCollection() graph.CaseCollectionResolver { return &caseCollectionResolver{r} }
func (r *Resolver) CaseStudy() graph.CaseStudyResolver           { return &caseStudyResolver{r} }
func (r *Resolver) Dataset() graph.DatasetResolver               { return &datasetResolver{r} }
func (r *Resolver) IndicatorSet() graph.IndicatorSetResolver     { return &indicatorSetResolver{r} }
func (r *Resolver) Metric() graph.MetricResolver                 { return &metricResolver{r} }
func (r *Resolver) Organization() graph.OrganizationResolver     { return &organizationResolver{r} }
func (r *Resolver) Project() graph.ProjectResolver {
	if r.project != nil {
		return r.project
	}
	return &projectResolver{r}
}
func (r *Resolver) ProjectFigures() graph.ProjectFiguresResolver {
	if r.figures != nil {
		return r.figures
	}
	return &figuresResolver{r}
}
func (r *Resolver) Query() graph.QueryResolver           { return &queryResolver{r} }
func (r *Resolver) Report() graph.ReportResolver         { return &reportResolver{r} }
func (r *Resolver) Round() graph.RoundResolver           { return &roundResolver{r} }
func (r *Resolver) Scorecard() graph.ScorecardResolver   { return &scorecardResolver{r} }
func (r *Resolver) StageEvent() graph.StageEventResolver { return &stageEventResolver{r} }
func (r *Resolver) Stats() graph.StatsResolver           { return &statsResolver{r} }
func (r *Resolver) StatsRow() graph.StatsRowResolver     { return &statsRowResolver{r} }
func (r *Resolver) Tranche() graph.TrancheResolver       { return &trancheResolver{r} }

type (
	announcementResolver   struct{ *Resolver }
	auditResolver          struct{ *Resolver }
	caseCollectionResolver struct{ *Resolver }
	caseStudyResolver      struct{ *Resolver }
	datasetResolver        struct{ *Resolver }
	indicatorSetResolver   struct{ *Resolver }
	metricResolver         struct{ *Resolver }
	organizationResolver   struct{ *Resolver }
	projectResolver        struct{ *Resolver }
	figuresResolver        struct{ *Resolver }
	queryResolver          struct{ *Resolver }
	reportResolver         struct{ *Resolver }
	roundResolver          struct{ *Resolver }
	scorecardResolver      struct{ *Resolver }
	stageEventResolver     struct{ *Resolver }
	statsResolver          struct{ *Resolver }
	statsRowResolver       struct{ *Resolver }
	trancheResolver        struct{ *Resolver }
)

func projectOrder(o *model.ProjectOrder) ledger.ProjectOrder {
	if o == nil {
		return ledger.ProjectOrder{Field: ledger.OrderByCode}
	}
	return ledger.ProjectOrder{Field: o.Field, Desc: o.Direction != nil && *o.Direction == model.OrderDirectionDesc}
}

// projectConnection converts a page of projects.
func projectConnection(pg *portal.Page[*ledger.Project]) *model.ProjectConnection {
	c := &model.ProjectConnection{Nodes: pg.Items, PageInfo: pageInfo(pg), TotalCount: pg.Total, Edges: make([]*model.ProjectEdge, len(pg.Items))}
	for i, p := range pg.Items {
		c.Edges[i] = &model.ProjectEdge{Cursor: pg.Cursor(i), Node: p}
	}
	return c
}

// reportConnection converts a page of reports.
func reportConnection(pg *portal.Page[*ledger.Report]) *model.ReportConnection {
	c := &model.ReportConnection{Nodes: pg.Items, PageInfo: pageInfo(pg), TotalCount: pg.Total, Edges: make([]*model.ReportEdge, len(pg.Items))}
	for i, p := range pg.Items {
		c.Edges[i] = &model.ReportEdge{Cursor: pg.Cursor(i), Node: p}
	}
	return c
}

// prefetched returns p after loading what the query selects below the
// current field (portal.Prefetch): a Project's loader fields run inline
// (resolvers/internal/gqlgen), so they must find their answers cached
// rather than wait for a batch one after another.
func (r *Resolver) prefetched(ctx context.Context, p *ledger.Project, err error) (*ledger.Project, error) {
	if err != nil || p == nil {
		return p, err
	}
	return p, r.Prefetch(ctx, []*ledger.Project{p}, requestedFields(ctx))
}

func (r *Resolver) org(ctx context.Context, id *int64) (*ledger.Organization, error) {
	if id == nil {
		return nil, nil
	}
	return r.Loaders(ctx).Organization().Load(ctx, *id)
}

func outcome(o ledger.Outcome) *ledger.Outcome {
	if o == ledger.Ongoing {
		return nil
	}
	return &o
}

func outcomeLabel(o ledger.Outcome) *string {
	if o == ledger.Ongoing {
		return nil
	}
	l := ledger.Label(o)
	return &l
}

func ratio(a, b ledger.Money) *string {
	if b == 0 {
		return nil
	}
	s := ledger.Ratio(a, b)
	return &s
}
