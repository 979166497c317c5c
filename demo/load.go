package demo

import (
	"context"
	"fmt"

	"civicledger/ledger"
)

// Attribution is who the demo data is written as.
var Attribution = ledger.Attribution{Actor: "demo-loader", Role: ledger.RoleSystem}

// txProjects is about how many projects' records one transaction carries.
// The default data set (717 projects) loads in a single transaction.
const txProjects = 5000

// Load generates the data set for opts and writes it through pub, in one
// transaction per about 5,000 projects (a single one at the default size),
// mapping local IDs to the IDs the writer returns. It returns what was
// written. On error the transaction in progress is rolled back; earlier
// transactions of a large data set stay committed.
func Load(ctx context.Context, pub ledger.Publisher, opts Options) (*Summary, error) {
	ids := &idMap{}
	total := &Summary{}
	var pending []*Dataset
	var pendingSum Summary
	n := 0
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := pub.InTx(ctx, func(w ledger.Writer) error {
			if opts.Meta != nil && total.Applications == 0 {
				if err := w.SetMeta(ctx, opts.Meta); err != nil {
					return err
				}
			}
			for _, p := range pending {
				if err := ids.write(ctx, w, p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		total.merge(&pendingSum)
		pending, pendingSum, n = nil, Summary{}, 0
		return nil
	}
	plan := newParticipationPlan()
	err := Stream(opts, func(p *Dataset) error {
		pendingSum.add(p, p.projectFigures()) // before writing replaces local IDs
		plan.add(p)
		pending = append(pending, p)
		n += len(p.Projects)
		if n >= txProjects {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if w, ok := pub.(participationLoader); ok && err == nil {
		total.Participation, err = loadParticipation(ctx, w, newGenerator(opts.withDefaults()), plan)
	}
	if err != nil {
		return total, fmt.Errorf("demo: loading the demo data: %w", err)
	}
	return total, nil
}

// merge adds the counts and totals of o to s.
func (s *Summary) merge(o *Summary) {
	s.Rounds += o.Rounds
	s.Organizations += o.Organizations
	s.IndicatorSets += o.IndicatorSets
	s.Indicators += o.Indicators
	s.Projects += o.Projects
	s.Applications += o.Applications
	s.Rejected += o.Rejected
	s.StageEvents += o.StageEvents
	s.Scorecards += o.Scorecards
	s.Tranches += o.Tranches
	s.Reports += o.Reports
	s.Audits += o.Audits
	s.Metrics += o.Metrics
	s.Announcements += o.Announcements
	s.CaseCollections += o.CaseCollections
	s.CaseStudies += o.CaseStudies
	s.Feedback += o.Feedback
	s.Verified += o.Verified
	s.Terminated += o.Terminated
	s.Completed += o.Completed
	s.AuditFindings += o.AuditFindings
	t, u := &s.Totals, &o.Totals
	t.Awarded += u.Awarded
	t.Leveraged += u.Leveraged
	t.Paid += u.Paid
	t.Recovered += u.Recovered
	t.BeneficiaryVisits += u.BeneficiaryVisits
	t.BeneficiaryPersons += u.BeneficiaryPersons
	t.VolunteerVisits += u.VolunteerVisits
	t.VolunteerHours += u.VolunteerHours
	t.ExpertVisits += u.ExpertVisits
}

// idMap maps local IDs (index+1) to the IDs the writer returned.
type idMap struct {
	rounds, orgs, sets, indicators, projects, reports, collections []int64
}

// lookup maps a local ID through m; local IDs are 1-based and written in order.
func lookup(m []int64, local int64, what string) (int64, error) {
	if local < 1 || local > int64(len(m)) {
		return 0, fmt.Errorf("demo: %s %d referenced before it was written", what, local)
	}
	return m[local-1], nil
}

func lookupPtr(m []int64, local *int64, what string) (*int64, error) {
	if local == nil {
		return nil, nil
	}
	id, err := lookup(m, *local, what)
	return &id, err
}

// write writes one part through w, replacing local IDs with real ones.
func (m *idMap) write(ctx context.Context, w ledger.Writer, d *Dataset) error {
	att := Attribution
	var err error
	for _, r := range d.Rounds {
		r.ID = 0
		if err := w.CreateRound(ctx, att, r); err != nil {
			return err
		}
		m.rounds = append(m.rounds, r.ID)
	}
	for _, o := range d.Organizations {
		o.ID = 0
		if err := w.CreateOrganization(ctx, att, o); err != nil {
			return err
		}
		m.orgs = append(m.orgs, o.ID)
	}
	for _, s := range d.IndicatorSets {
		s.ID = 0
		for i := range s.Indicators {
			s.Indicators[i].ID, s.Indicators[i].SetID = 0, 0
		}
		if err := w.CreateIndicatorSet(ctx, att, s); err != nil {
			return err
		}
		m.sets = append(m.sets, s.ID)
		for _, in := range s.Indicators {
			m.indicators = append(m.indicators, in.ID)
		}
	}
	for _, p := range d.Projects {
		p.ID = 0
		if p.RoundID, err = lookup(m.rounds, p.RoundID, "round"); err != nil {
			return err
		}
		if p.UndertakerID, err = lookup(m.orgs, p.UndertakerID, "organization"); err != nil {
			return err
		}
		if p.EvaluatorID, err = lookupPtr(m.orgs, p.EvaluatorID, "organization"); err != nil {
			return err
		}
		if p.AuditorID, err = lookupPtr(m.orgs, p.AuditorID, "organization"); err != nil {
			return err
		}
		// The project starts where its history starts; the stage events
		// below move it to its final stage and outcome.
		p.Stage, p.Outcome = ledger.Solicitation, ledger.Ongoing
		if err := w.CreateProject(ctx, att, p); err != nil {
			return fmt.Errorf("project %s: %w", p.Code, err)
		}
		m.projects = append(m.projects, p.ID)
	}
	for _, e := range d.StageEvents {
		e.ID = 0
		if e.ProjectID, err = lookup(m.projects, e.ProjectID, "project"); err != nil {
			return err
		}
		if err := w.RecordStageEvent(ctx, att, e); err != nil {
			return err
		}
	}
	for _, s := range d.Scorecards {
		s.ID = 0
		if s.ProjectID, err = lookup(m.projects, s.ProjectID, "project"); err != nil {
			return err
		}
		if s.SetID, err = lookup(m.sets, s.SetID, "indicator set"); err != nil {
			return err
		}
		if s.ReviewerID, err = lookupPtr(m.orgs, s.ReviewerID, "organization"); err != nil {
			return err
		}
		for i := range s.Scores {
			if s.Scores[i].IndicatorID, err = lookup(m.indicators, s.Scores[i].IndicatorID, "indicator"); err != nil {
				return err
			}
		}
		if err := w.RecordScorecard(ctx, att, s); err != nil {
			return err
		}
	}
	for _, t := range d.Tranches {
		t.ID = 0
		if t.ProjectID, err = lookup(m.projects, t.ProjectID, "project"); err != nil {
			return err
		}
		if err := w.RecordTranche(ctx, att, t); err != nil {
			return err
		}
	}
	for _, r := range d.Reports {
		r.ID = 0
		if r.AuthorID, err = lookupPtr(m.orgs, r.AuthorID, "organization"); err != nil {
			return err
		}
		if r.ProjectID, err = lookupPtr(m.projects, r.ProjectID, "project"); err != nil {
			return err
		}
		if r.RoundID, err = lookupPtr(m.rounds, r.RoundID, "round"); err != nil {
			return err
		}
		if err := w.PublishReport(ctx, att, r); err != nil {
			return fmt.Errorf("report %s: %w", r.Code, err)
		}
		m.reports = append(m.reports, r.ID)
	}
	for _, a := range d.Audits {
		a.ID = 0
		if a.ProjectID, err = lookup(m.projects, a.ProjectID, "project"); err != nil {
			return err
		}
		if a.AuditorID, err = lookupPtr(m.orgs, a.AuditorID, "organization"); err != nil {
			return err
		}
		if a.ReportID, err = lookupPtr(m.reports, a.ReportID, "report"); err != nil {
			return err
		}
		if err := w.RecordAudit(ctx, att, a); err != nil {
			return err
		}
	}
	for _, x := range d.Metrics {
		x.ID = 0
		if x.ProjectID, err = lookup(m.projects, x.ProjectID, "project"); err != nil {
			return err
		}
		if err := w.RecordMetric(ctx, att, x); err != nil {
			return err
		}
	}
	for _, a := range d.Announcements {
		a.ID = 0
		if a.RoundID, err = lookupPtr(m.rounds, a.RoundID, "round"); err != nil {
			return err
		}
		if a.PublisherID, err = lookupPtr(m.orgs, a.PublisherID, "organization"); err != nil {
			return err
		}
		for i := range a.ProjectIDs {
			if a.ProjectIDs[i], err = lookup(m.projects, a.ProjectIDs[i], "project"); err != nil {
				return err
			}
		}
		if err := w.PublishAnnouncement(ctx, att, a); err != nil {
			return fmt.Errorf("announcement %s: %w", a.Code, err)
		}
	}
	for _, c := range d.CaseCollections {
		c.ID = 0
		if err := w.CreateCaseCollection(ctx, att, c); err != nil {
			return err
		}
		m.collections = append(m.collections, c.ID)
	}
	for _, c := range d.CaseStudies {
		c.ID = 0
		if c.CollectionID, err = lookup(m.collections, c.CollectionID, "case collection"); err != nil {
			return err
		}
		if c.ProjectID, err = lookup(m.projects, c.ProjectID, "project"); err != nil {
			return err
		}
		if err := w.AddCaseStudy(ctx, att, c); err != nil {
			return err
		}
	}
	for _, f := range d.Feedback {
		f.ID = 0
		if f.ProjectID, err = lookup(m.projects, f.ProjectID, "project"); err != nil {
			return err
		}
		if err := w.RecordFeedback(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// Note is what the portal says about the demo data set, on every page and
// in the API's dataset.note.
const Note = "演示数据：本站数据为按案例研究总量生成的演示数据，并非真实记录。Demo data generated to match the case study's totals; not real records."
