// Package resolvers implements the GraphQL schema: thin functions from
// arguments to one ledger call to graph types, with per-request dataloaders.
package resolvers

import (
	"context"
	"time"

	"civicledger/graph"
	"civicledger/graph/model"
	"civicledger/ledger"
)

// Resolver is the root of the GraphQL resolvers.
type Resolver struct {
	Reader ledger.Reader
	Meta   ledger.MetaStore
	// Searcher answers search; nil when this node has no search index.
	Searcher Searcher
	// Now returns the current time (for notice periods); time.Now when nil.
	Now func() time.Time
}

// Config returns the gqlgen configuration for the resolvers.
func (r *Resolver) Config() graph.Config { return graph.Config{Resolvers: r} }

func (r *Resolver) today() ledger.Date {
	if r.Now != nil {
		return ledger.DateOf(r.Now())
	}
	return ledger.DateOf(time.Now())
}

func (r *Resolver) Announcement() graph.AnnouncementResolver     { return &announcementResolver{r} }
func (r *Resolver) Audit() graph.AuditResolver                   { return &auditResolver{r} }
func (r *Resolver) CaseCollection() graph.CaseCollectionResolver { return &caseCollectionResolver{r} }
func (r *Resolver) CaseStudy() graph.CaseStudyResolver           { return &caseStudyResolver{r} }
func (r *Resolver) Dataset() graph.DatasetResolver               { return &datasetResolver{r} }
func (r *Resolver) IndicatorSet() graph.IndicatorSetResolver     { return &indicatorSetResolver{r} }
func (r *Resolver) Metric() graph.MetricResolver                 { return &metricResolver{r} }
func (r *Resolver) Organization() graph.OrganizationResolver     { return &organizationResolver{r} }
func (r *Resolver) Project() graph.ProjectResolver               { return &projectResolver{r} }
func (r *Resolver) ProjectFigures() graph.ProjectFiguresResolver { return &figuresResolver{r} }
func (r *Resolver) Query() graph.QueryResolver                   { return &queryResolver{r} }
func (r *Resolver) Report() graph.ReportResolver                 { return &reportResolver{r} }
func (r *Resolver) Round() graph.RoundResolver                   { return &roundResolver{r} }
func (r *Resolver) Scorecard() graph.ScorecardResolver           { return &scorecardResolver{r} }
func (r *Resolver) StageEvent() graph.StageEventResolver         { return &stageEventResolver{r} }
func (r *Resolver) Stats() graph.StatsResolver                   { return &statsResolver{r} }
func (r *Resolver) StatsRow() graph.StatsRowResolver             { return &statsRowResolver{r} }
func (r *Resolver) Tranche() graph.TrancheResolver               { return &trancheResolver{r} }

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

// orgs resolves organizations by the credit codes a filter names. An unknown
// code is an error naming the field, not an empty result that looks like a
// true zero.
func (r *Resolver) orgIDs(ctx context.Context, field string, codes []string) ([]int64, error) {
	if len(codes) == 0 {
		return nil, nil
	}
	orgs, err := r.Reader.OrganizationsByCodes(ctx, codes)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(orgs))
	for i, o := range orgs {
		if o == nil {
			return nil, ledger.Invalid(field, "no organization has credit code %q", codes[i])
		}
		ids[i] = o.ID
	}
	return ids, nil
}

// projectFilter converts the GraphQL filter to the ledger's.
func (r *Resolver) projectFilter(ctx context.Context, f *model.ProjectFilter) (ledger.ProjectFilter, error) {
	var out ledger.ProjectFilter
	if f == nil {
		return out, nil
	}
	out = ledger.ProjectFilter{Years: f.Years, ServiceAreas: f.ServiceAreas, Districts: f.Districts, Stages: f.Stages,
		Outcomes: f.Outcomes, AwardedMin: f.AwardedMin, AwardedMax: f.AwardedMax, HasAuditFindings: f.HasAuditFindings,
		Terminated: f.Terminated, Codes: f.Codes}
	if f.ApprovedFrom != nil {
		out.ApprovedFrom = *f.ApprovedFrom
	}
	if f.ApprovedTo != nil {
		out.ApprovedTo = *f.ApprovedTo
	}
	var err error
	if out.UndertakerIDs, err = r.orgIDs(ctx, "filter.undertakers", f.Undertakers); err != nil {
		return out, err
	}
	if out.EvaluatorIDs, err = r.orgIDs(ctx, "filter.evaluators", f.Evaluators); err != nil {
		return out, err
	}
	if out.AuditorIDs, err = r.orgIDs(ctx, "filter.auditors", f.Auditors); err != nil {
		return out, err
	}
	if out.AnyOrgIDs, err = r.orgIDs(ctx, "filter.organizations", f.Organizations); err != nil {
		return out, err
	}
	return out, nil
}

func projectOrder(o *model.ProjectOrder) ledger.ProjectOrder {
	if o == nil {
		return ledger.ProjectOrder{Field: ledger.OrderByCode}
	}
	return ledger.ProjectOrder{Field: o.Field, Desc: o.Direction != nil && *o.Direction == model.OrderDirectionDesc}
}

// projectConnection pages projects matching filter in order.
func (r *Resolver) projectConnection(ctx context.Context, f ledger.ProjectFilter, o ledger.ProjectOrder, a pageArgs) (*model.ProjectConnection, error) {
	items, w, total, pi, err := paginate(a, func(offset, limit int) ([]*ledger.Project, int, error) {
		return r.Reader.FindProjects(ctx, f, o, offset, limit)
	})
	if err != nil {
		return nil, err
	}
	if err := r.prefetchProjects(ctx, items); err != nil {
		return nil, err
	}
	c := &model.ProjectConnection{Nodes: items, PageInfo: pi, TotalCount: total, Edges: make([]*model.ProjectEdge, len(items))}
	for i, p := range items {
		c.Edges[i] = &model.ProjectEdge{Cursor: encodeCursor(w.offset + i), Node: p}
	}
	return c, nil
}

func (r *Resolver) reportConnection(ctx context.Context, f ledger.ReportFilter, a pageArgs) (*model.ReportConnection, error) {
	items, w, total, pi, err := paginate(a, func(offset, limit int) ([]*ledger.Report, int, error) {
		return r.Reader.FindReports(ctx, f, offset, limit)
	})
	if err != nil {
		return nil, err
	}
	c := &model.ReportConnection{Nodes: items, PageInfo: pi, TotalCount: total, Edges: make([]*model.ReportEdge, len(items))}
	for i, p := range items {
		c.Edges[i] = &model.ReportEdge{Cursor: encodeCursor(w.offset + i), Node: p}
	}
	return c, nil
}

func (r *Resolver) org(ctx context.Context, id *int64) (*ledger.Organization, error) {
	if id == nil {
		return nil, nil
	}
	return r.loaders(ctx).Organization.Load(ctx, *id)
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
