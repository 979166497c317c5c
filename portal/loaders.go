package portal

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vikstrous/dataloadgen"
	"golang.org/x/sync/errgroup"

	"civicledger/ledger"
)

// Loaders batch the look-ups of one request: every key asked for in the same
// tick becomes one store call, so a page of 100 projects costs the same
// number of SQL statements as a page of 5.
type Loaders struct {
	r            ledger.Reader
	mu           sync.Mutex // makes the loaders, each on its first use
	round        lazy[*ledger.Round]
	organization lazy[*ledger.Organization]
	project      lazy[*ledger.Project]
	figures      lazy[*ledger.Figures]
	timeline     lazy[[]*ledger.StageEvent]
	tranches     lazy[[]*ledger.Tranche]
	metrics      lazy[[]*ledger.Metric]
	audits       lazy[[]*ledger.Audit]
	scorecards   lazy[[]*ledger.Scorecard]
	indicatorSet lazy[*ledger.IndicatorSet]
	projectAnns  lazy[[]*ledger.Announcement]
	projectReps  lazy[[]*ledger.Report]
	report       lazy[*ledger.Report]
	projectCases lazy[[]*ledger.CaseStudy]
	collection   lazy[*ledger.CaseCollection]
	cases        lazy[[]*ledger.CaseStudy]
	announcement lazy[*ledger.Announcement]
	caseStudy    lazy[*ledger.CaseStudy]

	// corrections are made on first use only (corrections.go), so a
	// request that asks for no correction marks pays nothing for them.
	corrections lazyCorrections

	// known are the organizations, figures and rounds primed from a
	// page's or a project's own statement, which Prefetch need not read.
	known struct {
		sync.Mutex
		orgs, figures, rounds map[int64]bool
	}
}

// primeOrganization, primeFigures and primeRound cache what a page's own
// statement read, and note it for Prefetch.
func (l *Loaders) primeOrganization(o *ledger.Organization) {
	l.Organization().Prime(o.ID, o)
	l.note(&l.known.orgs, o.ID)
}

func (l *Loaders) primeFigures(projectID int64, f *ledger.Figures) {
	l.Figures().Prime(projectID, f)
	l.note(&l.known.figures, projectID)
}

func (l *Loaders) primeRound(r *ledger.Round) {
	l.Round().Prime(r.ID, r)
	l.note(&l.known.rounds, r.ID)
}

func (l *Loaders) note(m *map[int64]bool, id int64) {
	l.known.Lock()
	defer l.known.Unlock()
	if *m == nil {
		*m = map[int64]bool{}
	}
	(*m)[id] = true
}

// unknown returns ids without repeats and without those in *known, and
// notes them in *known: they are about to be read and primed.
func (l *Loaders) unknown(known *map[int64]bool, ids []int64) []int64 {
	l.known.Lock()
	defer l.known.Unlock()
	if *known == nil {
		*known = map[int64]bool{}
	}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !(*known)[id] {
			(*known)[id] = true
			out = append(out, id)
		}
	}
	return out
}

// prefetch reads the values of ids in one store call and primes l with
// them. (A loader's LoadAll would batch them too, but by time: a page's
// keys added more slowly than the loader's wait, on a busy machine, went
// out in two statements.)
func prefetch[V any](ctx context.Context, l *dataloadgen.Loader[int64, V], fetch func(context.Context, []int64) ([]V, error), ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	vs, err := fetch(ctx, ids)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if i < len(vs) {
			l.Prime(id, vs[i])
		}
	}
	return nil
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

// NewLoaders returns fresh loaders for one request. Each loader is made on
// its first use: a request uses a few of the eighteen, and making them all
// cost every GraphQL request 3.5 KB and 70 allocations.
func NewLoaders(r ledger.Reader) *Loaders { return &Loaders{r: r} }

// fetch is a store method returning results in key order.
type fetch[V any] func(ctx context.Context, ids []int64) ([]V, error)

// lazy is a loader made on first use.
type lazy[V any] struct {
	p atomic.Pointer[dataloadgen.Loader[int64, V]]
}

func (z *lazy[V]) get(mu *sync.Mutex, f func() fetch[V]) *dataloadgen.Loader[int64, V] {
	if l := z.p.Load(); l != nil {
		return l
	}
	mu.Lock()
	defer mu.Unlock()
	if l := z.p.Load(); l != nil {
		return l
	}
	l := dataloadgen.NewLoader(fetcher(f()), dataloadgen.WithWait(time.Millisecond), dataloadgen.WithBatchCapacity(500))
	z.p.Store(l)
	return l
}

func (l *Loaders) Round() *dataloadgen.Loader[int64, *ledger.Round] {
	return l.round.get(&l.mu, func() fetch[*ledger.Round] { return l.r.RoundsByIDs })
}

func (l *Loaders) Organization() *dataloadgen.Loader[int64, *ledger.Organization] {
	return l.organization.get(&l.mu, func() fetch[*ledger.Organization] { return l.r.OrganizationsByIDs })
}

func (l *Loaders) Project() *dataloadgen.Loader[int64, *ledger.Project] {
	return l.project.get(&l.mu, func() fetch[*ledger.Project] { return l.r.ProjectsByIDs })
}

func (l *Loaders) Figures() *dataloadgen.Loader[int64, *ledger.Figures] {
	return l.figures.get(&l.mu, func() fetch[*ledger.Figures] { return l.r.FiguresByProjectIDs })
}

func (l *Loaders) Timeline() *dataloadgen.Loader[int64, []*ledger.StageEvent] {
	return l.timeline.get(&l.mu, func() fetch[[]*ledger.StageEvent] { return l.r.StageEventsByProjectIDs })
}

func (l *Loaders) Tranches() *dataloadgen.Loader[int64, []*ledger.Tranche] {
	return l.tranches.get(&l.mu, func() fetch[[]*ledger.Tranche] { return l.r.TranchesByProjectIDs })
}

func (l *Loaders) Metrics() *dataloadgen.Loader[int64, []*ledger.Metric] {
	return l.metrics.get(&l.mu, func() fetch[[]*ledger.Metric] { return l.r.MetricsByProjectIDs })
}

func (l *Loaders) Audits() *dataloadgen.Loader[int64, []*ledger.Audit] {
	return l.audits.get(&l.mu, func() fetch[[]*ledger.Audit] { return l.r.AuditsByProjectIDs })
}

func (l *Loaders) Scorecards() *dataloadgen.Loader[int64, []*ledger.Scorecard] {
	return l.scorecards.get(&l.mu, func() fetch[[]*ledger.Scorecard] { return l.r.ScorecardsByProjectIDs })
}

func (l *Loaders) IndicatorSet() *dataloadgen.Loader[int64, *ledger.IndicatorSet] {
	return l.indicatorSet.get(&l.mu, func() fetch[*ledger.IndicatorSet] { return l.r.IndicatorSetsByIDs })
}

func (l *Loaders) ProjectAnns() *dataloadgen.Loader[int64, []*ledger.Announcement] {
	return l.projectAnns.get(&l.mu, func() fetch[[]*ledger.Announcement] { return l.r.AnnouncementsByProjectIDs })
}

func (l *Loaders) ProjectReps() *dataloadgen.Loader[int64, []*ledger.Report] {
	return l.projectReps.get(&l.mu, func() fetch[[]*ledger.Report] { return l.r.ReportsByProjectIDs })
}

func (l *Loaders) Report() *dataloadgen.Loader[int64, *ledger.Report] {
	return l.report.get(&l.mu, func() fetch[*ledger.Report] { return l.r.ReportsByIDs })
}

func (l *Loaders) ProjectCases() *dataloadgen.Loader[int64, []*ledger.CaseStudy] {
	return l.projectCases.get(&l.mu, func() fetch[[]*ledger.CaseStudy] { return l.r.CaseStudiesByProjectIDs })
}

func (l *Loaders) Collection() *dataloadgen.Loader[int64, *ledger.CaseCollection] {
	return l.collection.get(&l.mu, func() fetch[*ledger.CaseCollection] { return l.r.CaseCollectionsByIDs })
}

func (l *Loaders) Cases() *dataloadgen.Loader[int64, []*ledger.CaseStudy] {
	return l.cases.get(&l.mu, func() fetch[[]*ledger.CaseStudy] { return l.r.CaseStudiesByCollectionIDs })
}

func (l *Loaders) Announcement() *dataloadgen.Loader[int64, *ledger.Announcement] {
	return l.announcement.get(&l.mu, func() fetch[*ledger.Announcement] { return l.r.AnnouncementsByIDs })
}

func (l *Loaders) CaseStudy() *dataloadgen.Loader[int64, *ledger.CaseStudy] {
	return l.caseStudy.get(&l.mu, func() fetch[*ledger.CaseStudy] { return l.r.CaseStudiesByIDs })
}

type loadersKey struct{}

// WithLoaders returns ctx carrying fresh loaders over p's ledger: one set
// per request, so batches never mix requests and nothing is cached longer
// than a request.
func (p *Portal) WithLoaders(ctx context.Context) context.Context {
	return context.WithValue(ctx, loadersKey{}, NewLoaders(p.Reader))
}

// Loaders returns the request's loaders, or fresh ones when ctx has none
// (so a caller never fails for want of WithLoaders).
func (p *Portal) Loaders(ctx context.Context) *Loaders {
	if l, ok := ctx.Value(loadersKey{}).(*Loaders); ok {
		return l
	}
	return NewLoaders(p.Reader)
}

// Want names what a door will ask of each record of a page: the names of
// the fields selected below it (GraphQL) or shown (a page), such as
// "undertaker", "figures" or "metrics".
type Want map[string]bool

// Prefetch loads, in one batch per kind, what want asks of a page of
// projects, so that the look-ups that follow (GraphQL field resolvers
// running concurrently, a template) find it cached: the number of
// statements is then fixed by the question's shape, never by the page size
// or by scheduling.
func (p *Portal) Prefetch(ctx context.Context, ps []*ledger.Project, want Want) error {
	if len(ps) == 0 {
		return nil
	}
	l := p.Loaders(ctx)
	ids := make([]int64, len(ps))
	var orgs, rounds, figures []int64
	for i, p := range ps {
		ids[i] = p.ID
		l.Project().Prime(p.ID, p)
		if want["round"] {
			rounds = append(rounds, p.RoundID)
		}
		if want["undertaker"] {
			orgs = append(orgs, p.UndertakerID)
		}
		if want["evaluator"] && p.EvaluatorID != nil {
			orgs = append(orgs, *p.EvaluatorID)
		}
		if want["auditor"] && p.AuditorID != nil {
			orgs = append(orgs, *p.AuditorID)
		}
	}
	r := p.Reader
	orgs, rounds = l.unknown(&l.known.orgs, orgs), l.unknown(&l.known.rounds, rounds)
	if want["figures"] || want["satisfaction"] {
		figures = l.unknown(&l.known.figures, ids)
	}
	var g errgroup.Group
	load := func(on bool, fn func() error) {
		if on {
			g.Go(fn)
		}
	}
	load(len(orgs) > 0, func() error { return prefetch(ctx, l.Organization(), r.OrganizationsByIDs, orgs) })
	load(len(rounds) > 0, func() error { return prefetch(ctx, l.Round(), r.RoundsByIDs, rounds) })
	load(len(figures) > 0, func() error { return prefetch(ctx, l.Figures(), r.FiguresByProjectIDs, figures) })
	load(want["metrics"], func() error { return prefetch(ctx, l.Metrics(), r.MetricsByProjectIDs, ids) })
	load(want["timeline"], func() error { return prefetch(ctx, l.Timeline(), r.StageEventsByProjectIDs, ids) })
	load(want["tranches"], func() error { return prefetch(ctx, l.Tranches(), r.TranchesByProjectIDs, ids) })
	load(want["audits"], func() error { return prefetch(ctx, l.Audits(), r.AuditsByProjectIDs, ids) })
	load(want["scorecards"], func() error { return prefetch(ctx, l.Scorecards(), r.ScorecardsByProjectIDs, ids) })
	load(want["announcements"], func() error { return prefetch(ctx, l.ProjectAnns(), r.AnnouncementsByProjectIDs, ids) })
	load(want["reports"], func() error { return prefetch(ctx, l.ProjectReps(), r.ReportsByProjectIDs, ids) })
	load(want["caseStudies"], func() error { return prefetch(ctx, l.ProjectCases(), r.CaseStudiesByProjectIDs, ids) })
	return g.Wait()
}
