package demo

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"civicledger/ledger"
)

// fakeLedger is an in-memory ledger.Publisher that checks what Load writes:
// each record validates and every reference names an existing record of the
// right kind. Its IDs come from one counter starting far from 1, so a local
// ID passed where a real one belongs is caught.
type fakeLedger struct {
	next        int64
	txs         int
	rounds      map[int64]bool
	orgs        map[int64]ledger.OrgKind
	sets        map[int64]*ledger.IndicatorSet
	projects    map[int64]*ledger.Project
	paid        map[int64]ledger.Money
	reports     map[int64]ledger.ReportKind
	collections map[int64]bool
	counts      map[string]int
	awarded     ledger.Money
	total       ledger.Money
}

func newFakeLedger() *fakeLedger {
	return &fakeLedger{next: 1_000_000, rounds: map[int64]bool{}, orgs: map[int64]ledger.OrgKind{},
		sets: map[int64]*ledger.IndicatorSet{}, projects: map[int64]*ledger.Project{}, paid: map[int64]ledger.Money{},
		reports: map[int64]ledger.ReportKind{}, collections: map[int64]bool{}, counts: map[string]int{}}
}

func (f *fakeLedger) id(kind string) int64 { f.next++; f.counts[kind]++; return f.next }

func (f *fakeLedger) InTx(ctx context.Context, fn func(w ledger.Writer) error) error {
	f.txs++
	return fn(f)
}

// SetMeta records the data set's flag; it must come before any data.
func (f *fakeLedger) SetMeta(ctx context.Context, m *ledger.Meta) error {
	if f.next != 1_000_000 {
		return errors.New("the demo flag was written after the data")
	}
	f.counts["meta"]++
	return nil
}

func (f *fakeLedger) org(id *int64, kind ledger.OrgKind) error {
	if id == nil {
		return nil
	}
	if k, ok := f.orgs[*id]; !ok || (kind != "" && k != kind) {
		return fmt.Errorf("organization %d is not a known %s", *id, kind)
	}
	return nil
}

func (f *fakeLedger) project(id int64) error {
	if f.projects[id] == nil {
		return fmt.Errorf("project %d does not exist", id)
	}
	return nil
}

func (f *fakeLedger) CreateRound(_ context.Context, _ ledger.Attribution, r *ledger.Round) error {
	if err := r.Validate(); err != nil {
		return err
	}
	r.ID = f.id("round")
	f.rounds[r.ID] = true
	return nil
}

func (f *fakeLedger) CreateOrganization(_ context.Context, _ ledger.Attribution, o *ledger.Organization) error {
	if err := o.Validate(); err != nil {
		return err
	}
	o.ID = f.id("organization")
	f.orgs[o.ID] = o.Kind
	return nil
}

func (f *fakeLedger) CreateProject(_ context.Context, att ledger.Attribution, p *ledger.Project) error {
	if err := att.Validate(); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if !f.rounds[p.RoundID] {
		return fmt.Errorf("project %s: round %d does not exist", p.Code, p.RoundID)
	}
	for _, e := range []error{f.org(&p.UndertakerID, ledger.Undertaker), f.org(p.EvaluatorID, ledger.Evaluator), f.org(p.AuditorID, ledger.Auditor)} {
		if e != nil {
			return fmt.Errorf("project %s: %w", p.Code, e)
		}
	}
	p.ID = f.id("project")
	cp := *p
	f.projects[p.ID] = &cp
	f.awarded += p.Awarded
	return nil
}

func (f *fakeLedger) RecordStageEvent(_ context.Context, _ ledger.Attribution, e *ledger.StageEvent) error {
	if err := e.Validate(); err != nil {
		return err
	}
	p := f.projects[e.ProjectID]
	if p == nil {
		return fmt.Errorf("stage event: project %d does not exist", e.ProjectID)
	}
	if p.Outcome != ledger.Ongoing && (e.Stage != p.Stage || e.Outcome != p.Outcome) {
		return fmt.Errorf("project %s has already ended", p.Code)
	}
	p.Stage, p.Outcome = e.Stage, e.Outcome
	e.ID = f.id("stage event")
	return nil
}

func (f *fakeLedger) CreateIndicatorSet(_ context.Context, _ ledger.Attribution, s *ledger.IndicatorSet) error {
	if err := s.Validate(); err != nil {
		return err
	}
	s.ID = f.id("indicator set")
	for i := range s.Indicators {
		s.Indicators[i].ID, s.Indicators[i].SetID = f.id("indicator"), s.ID
	}
	cp := *s
	cp.Indicators = append([]ledger.Indicator(nil), s.Indicators...)
	f.sets[s.ID] = &cp
	return nil
}

func (f *fakeLedger) RecordScorecard(_ context.Context, _ ledger.Attribution, s *ledger.Scorecard) error {
	set := f.sets[s.SetID]
	if set == nil || set.Kind != s.Kind {
		return fmt.Errorf("scorecard: indicator set %d of kind %s does not exist", s.SetID, s.Kind)
	}
	if err := f.project(s.ProjectID); err != nil {
		return err
	}
	if err := f.org(s.ReviewerID, ledger.Evaluator); err != nil {
		return err
	}
	if err := ledger.CheckScores(set.Indicators, s.Scores); err != nil {
		return err
	}
	s.ID = f.id("scorecard")
	return nil
}

func (f *fakeLedger) RecordTranche(_ context.Context, _ ledger.Attribution, t *ledger.Tranche) error {
	p := f.projects[t.ProjectID]
	if p == nil {
		return fmt.Errorf("tranche: project %d does not exist", t.ProjectID)
	}
	if err := ledger.CheckTranche(t, p.Awarded, f.paid[p.ID]); err != nil {
		return err
	}
	f.paid[p.ID] += t.Amount
	f.total += t.Amount
	t.ID = f.id("tranche")
	return nil
}

func (f *fakeLedger) RecordAudit(_ context.Context, _ ledger.Attribution, a *ledger.Audit) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if err := f.project(a.ProjectID); err != nil {
		return err
	}
	if err := f.org(a.AuditorID, ledger.Auditor); err != nil {
		return err
	}
	if a.ReportID != nil && f.reports[*a.ReportID] != ledger.AuditReport {
		return fmt.Errorf("audit links report %d, not an audit report", *a.ReportID)
	}
	a.ID = f.id("audit")
	return nil
}

func (f *fakeLedger) RecordMetric(_ context.Context, _ ledger.Attribution, m *ledger.Metric) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if err := f.project(m.ProjectID); err != nil {
		return err
	}
	m.ID = f.id("metric")
	return nil
}

func (f *fakeLedger) PublishAnnouncement(_ context.Context, _ ledger.Attribution, a *ledger.Announcement) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if a.RoundID != nil && !f.rounds[*a.RoundID] {
		return fmt.Errorf("announcement %s: round %d does not exist", a.Code, *a.RoundID)
	}
	if err := f.org(a.PublisherID, ledger.Department); err != nil {
		return err
	}
	for _, id := range a.ProjectIDs {
		if err := f.project(id); err != nil {
			return fmt.Errorf("announcement %s: %w", a.Code, err)
		}
	}
	a.ID = f.id("announcement")
	return nil
}

func (f *fakeLedger) PublishReport(_ context.Context, _ ledger.Attribution, r *ledger.Report) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := f.org(r.AuthorID, ""); err != nil {
		return err
	}
	if r.ProjectID != nil {
		if err := f.project(*r.ProjectID); err != nil {
			return err
		}
	}
	if r.RoundID != nil && !f.rounds[*r.RoundID] {
		return fmt.Errorf("report %s: round %d does not exist", r.Code, *r.RoundID)
	}
	r.ID = f.id("report")
	f.reports[r.ID] = r.Kind
	return nil
}

func (f *fakeLedger) CreateCaseCollection(_ context.Context, _ ledger.Attribution, c *ledger.CaseCollection) error {
	if err := c.Validate(); err != nil {
		return err
	}
	c.ID = f.id("case collection")
	f.collections[c.ID] = true
	return nil
}

func (f *fakeLedger) AddCaseStudy(_ context.Context, _ ledger.Attribution, c *ledger.CaseStudy) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if !f.collections[c.CollectionID] {
		return fmt.Errorf("case study: collection %d does not exist", c.CollectionID)
	}
	if err := f.project(c.ProjectID); err != nil {
		return err
	}
	c.ID = f.id("case study")
	return nil
}

func (f *fakeLedger) RecordFeedback(_ context.Context, fb *ledger.Feedback) error {
	if err := fb.Validate(); err != nil {
		return err
	}
	if err := f.project(fb.ProjectID); err != nil {
		return err
	}
	fb.ID = f.id("feedback")
	return nil
}

func (f *fakeLedger) CorrectProject(context.Context, ledger.Attribution, *ledger.Project) error {
	return fmt.Errorf("the demo loader never corrects a project")
}

// TestLoadThroughFakeLedger loads a data set large enough for several
// transactions through a checking fake, so local IDs never leak into writes.
func TestLoadThroughFakeLedger(t *testing.T) {
	opts := Options{Projects: txProjects + 300, ReportsPerProject: 1, Meta: &ledger.Meta{Demo: true, Note: Note}}
	if testing.Short() {
		opts.Projects = DefaultProjects
	}
	f := newFakeLedger()
	sum, err := Load(context.Background(), f, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := Generate(opts).Summary()
	if *sum != *want {
		t.Errorf("Load reports %+v,\nthe data set has %+v", *sum, *want)
	}
	if f.counts["project"] != want.Applications || f.counts["report"] != want.Reports || f.counts["metric"] != want.Metrics ||
		f.counts["feedback"] != want.Feedback || f.awarded != want.Totals.Awarded || f.total != want.Totals.Paid {
		t.Errorf("fake ledger got %v, awarded %s, paid %s; want %+v", f.counts, f.awarded, f.total, *want)
	}
	if f.counts["meta"] != 1 {
		t.Errorf("the demo flag was written %d times, want once, in the first transaction", f.counts["meta"])
	}
	if wantTx := (want.Applications + txProjects - 1) / txProjects; f.txs != wantTx {
		t.Errorf("%d transactions, want %d", f.txs, wantTx)
	}
	ended := 0
	for _, p := range f.projects {
		if p.Outcome != ledger.Ongoing {
			ended++
		}
	}
	if ended != want.Completed+want.Terminated+want.Rejected {
		t.Errorf("%d projects ended in the ledger, want %d", ended, want.Completed+want.Terminated+want.Rejected)
	}
}
