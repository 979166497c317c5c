package resolvers

import (
	"context"
	"net/http"
	"time"

	"github.com/vikstrous/dataloadgen"

	"civicledger/ledger"
)

// Loaders batch the look-ups of one request: every key asked for in the same
// tick becomes one store call, so a page of 100 projects costs the same
// number of SQL statements as a page of 5.
type Loaders struct {
	Round        *dataloadgen.Loader[int64, *ledger.Round]
	Organization *dataloadgen.Loader[int64, *ledger.Organization]
	Project      *dataloadgen.Loader[int64, *ledger.Project]
	Figures      *dataloadgen.Loader[int64, *ledger.Figures]
	Timeline     *dataloadgen.Loader[int64, []*ledger.StageEvent]
	Tranches     *dataloadgen.Loader[int64, []*ledger.Tranche]
	Metrics      *dataloadgen.Loader[int64, []*ledger.Metric]
	Audits       *dataloadgen.Loader[int64, []*ledger.Audit]
	Scorecards   *dataloadgen.Loader[int64, []*ledger.Scorecard]
	IndicatorSet *dataloadgen.Loader[int64, *ledger.IndicatorSet]
	ProjectAnns  *dataloadgen.Loader[int64, []*ledger.Announcement]
	ProjectReps  *dataloadgen.Loader[int64, []*ledger.Report]
	Report       *dataloadgen.Loader[int64, *ledger.Report]
	ProjectCases *dataloadgen.Loader[int64, []*ledger.CaseStudy]
	Collection   *dataloadgen.Loader[int64, *ledger.CaseCollection]
	Cases        *dataloadgen.Loader[int64, []*ledger.CaseStudy]
}

// fetcher adapts a store method returning results in key order to a
// dataloadgen batch function.
func fetcher[V any](fn func(ctx context.Context, ids []int64) ([]V, error)) func(context.Context, []int64) ([]V, []error) {
	return func(ctx context.Context, ids []int64) ([]V, []error) {
		vs, err := fn(ctx, ids)
		if err != nil {
			return nil, []error{err}
		}
		return vs, nil
	}
}

// NewLoaders returns fresh loaders for one request.
func NewLoaders(r ledger.Reader) *Loaders {
	o := []dataloadgen.Option{dataloadgen.WithWait(time.Millisecond), dataloadgen.WithBatchCapacity(500)}
	return &Loaders{
		Round:        dataloadgen.NewLoader(fetcher(r.RoundsByIDs), o...),
		Organization: dataloadgen.NewLoader(fetcher(r.OrganizationsByIDs), o...),
		Project:      dataloadgen.NewLoader(fetcher(r.ProjectsByIDs), o...),
		Figures:      dataloadgen.NewLoader(fetcher(r.FiguresByProjectIDs), o...),
		Timeline:     dataloadgen.NewLoader(fetcher(r.StageEventsByProjectIDs), o...),
		Tranches:     dataloadgen.NewLoader(fetcher(r.TranchesByProjectIDs), o...),
		Metrics:      dataloadgen.NewLoader(fetcher(r.MetricsByProjectIDs), o...),
		Audits:       dataloadgen.NewLoader(fetcher(r.AuditsByProjectIDs), o...),
		Scorecards:   dataloadgen.NewLoader(fetcher(r.ScorecardsByProjectIDs), o...),
		IndicatorSet: dataloadgen.NewLoader(fetcher(r.IndicatorSetsByIDs), o...),
		ProjectAnns:  dataloadgen.NewLoader(fetcher(r.AnnouncementsByProjectIDs), o...),
		ProjectReps:  dataloadgen.NewLoader(fetcher(r.ReportsByProjectIDs), o...),
		Report:       dataloadgen.NewLoader(fetcher(r.ReportsByIDs), o...),
		ProjectCases: dataloadgen.NewLoader(fetcher(r.CaseStudiesByProjectIDs), o...),
		Collection:   dataloadgen.NewLoader(fetcher(r.CaseCollectionsByIDs), o...),
		Cases:        dataloadgen.NewLoader(fetcher(r.CaseStudiesByCollectionIDs), o...),
	}
}

type loadersKey struct{}

// WithLoaders is HTTP middleware giving each request its own loaders.
func WithLoaders(r ledger.Reader, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := context.WithValue(req.Context(), loadersKey{}, NewLoaders(r))
		next.ServeHTTP(w, req.WithContext(ctx))
	})
}

// ContextWithLoaders returns ctx carrying fresh loaders (tests, benchmarks).
func ContextWithLoaders(ctx context.Context, r ledger.Reader) context.Context {
	return context.WithValue(ctx, loadersKey{}, NewLoaders(r))
}

// loaders returns the request's loaders, or fresh ones when the request has
// none (so a resolver never fails for want of middleware).
func (r *Resolver) loaders(ctx context.Context) *Loaders {
	if l, ok := ctx.Value(loadersKey{}).(*Loaders); ok {
		return l
	}
	return NewLoaders(r.Reader)
}
