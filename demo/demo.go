// Package demo generates the deterministic demo data set of Civic Ledger: the
// seed programme of docs/domain.md (2010–2016, 717 funded projects, about 90
// million yuan awarded, nearly 120 million leveraged, about 100,000 volunteer and 30,000
// expert person-times, nearly 5.2 million beneficiary person-times) with its
// organizations, scorecards, tranches, audits, metrics, announcements,
// reports, case collections and feedback, beside the applications each
// round rejected at screening or review (about as many again, with their
// scorecards and reasons), and loads it through the ledger's write API.
//
// Generation is a pure function of Options: the same options give the same
// records every run. Records are plain ledger records whose IDs are local:
// record i of each Dataset slice has ID i+1, and every reference field holds
// the local ID of the record it points to. Load maps local IDs to the IDs the
// writer returns as it goes.
package demo

import (
	"civicledger/ledger"
)

// Options choose the size and the seed of the data set.
type Options struct {
	// Projects is the number of funded projects; 0 means the seed
	// programme's 717. Every total (budgets, leveraged funds, person-times),
	// the number of undertakers and the rejected applications (about as
	// many again, see application.go) scale in proportion.
	Projects int
	// Seed selects the random stream; the same seed gives the same data.
	Seed uint64
	// ReportsPerProject caps the reports written for each project, the most
	// important kept first (evaluation, mid-term, audit, acceptance,
	// quarterly summaries, corrections). 0 means no cap: about eight per
	// closed project. Round-level reports and case studies are not capped.
	ReportsPerProject int
	// Meta, when set, is written in the first transaction of Load, with
	// the first of the data: a data set is never in the database without
	// the flag that says it is demo data, whatever moment a crash comes.
	Meta *ledger.Meta
}

// DefaultProjects is the number of projects the seed programme bought.
const DefaultProjects = 717

// withDefaults fills in the zero options.
func (o Options) withDefaults() Options {
	if o.Projects <= 0 {
		o.Projects = DefaultProjects
	}
	if o.ReportsPerProject < 0 {
		o.ReportsPerProject = 0
	}
	return o
}

// Dataset is a generated data set. Record i of each slice has local ID i+1;
// references (Project.RoundID, Tranche.ProjectID, Score.IndicatorID,
// Announcement.ProjectIDs, Audit.ReportID, …) hold local IDs. The slices are
// in an order that can be written one after the other.
type Dataset struct {
	Options         Options
	Rounds          []*ledger.Round
	Organizations   []*ledger.Organization
	IndicatorSets   []*ledger.IndicatorSet // indicator IDs are local too, numbered across sets
	Projects        []*ledger.Project      // in their final stage and outcome; the rejected applications last
	StageEvents     []*ledger.StageEvent   // per project, oldest first
	Scorecards      []*ledger.Scorecard
	Tranches        []*ledger.Tranche
	Reports         []*ledger.Report
	Audits          []*ledger.Audit
	Metrics         []*ledger.Metric
	Announcements   []*ledger.Announcement
	CaseCollections []*ledger.CaseCollection
	CaseStudies     []*ledger.CaseStudy
	Feedback        []*ledger.Feedback
}

// Generate builds the whole data set in memory. For very large sizes prefer
// Stream, which hands out the same records in bounded parts.
func Generate(opts Options) *Dataset {
	all := &Dataset{Options: opts.withDefaults()}
	_ = Stream(opts, func(part *Dataset) error {
		all.append(part)
		return nil
	})
	return all
}

// Stream generates the data set in parts of at most about a thousand
// projects each and calls fn with each part in order, stopping at the first
// error fn returns. A part references records of earlier parts by their
// local IDs, which are the same as in Generate's Dataset. The part is not
// used after fn returns.
func Stream(opts Options, fn func(part *Dataset) error) error {
	g := newGenerator(opts.withDefaults())
	return g.run(func(p *Dataset) error {
		g.moderate(p) // participation.go: the comments' moderation and answers
		return fn(p)
	})
}

func (d *Dataset) append(p *Dataset) {
	d.Rounds = append(d.Rounds, p.Rounds...)
	d.Organizations = append(d.Organizations, p.Organizations...)
	d.IndicatorSets = append(d.IndicatorSets, p.IndicatorSets...)
	d.Projects = append(d.Projects, p.Projects...)
	d.StageEvents = append(d.StageEvents, p.StageEvents...)
	d.Scorecards = append(d.Scorecards, p.Scorecards...)
	d.Tranches = append(d.Tranches, p.Tranches...)
	d.Reports = append(d.Reports, p.Reports...)
	d.Audits = append(d.Audits, p.Audits...)
	d.Metrics = append(d.Metrics, p.Metrics...)
	d.Announcements = append(d.Announcements, p.Announcements...)
	d.CaseCollections = append(d.CaseCollections, p.CaseCollections...)
	d.CaseStudies = append(d.CaseStudies, p.CaseStudies...)
	d.Feedback = append(d.Feedback, p.Feedback...)
}

// Totals are the programme's headline figures: the sums of every funded
// project's figures as ledger.DeriveFigures derives them, the rule the store keeps
// project_figures by.
type Totals struct {
	Awarded            ledger.Money
	Leveraged          ledger.Money
	Paid               ledger.Money
	Recovered          ledger.Money
	BeneficiaryVisits  int64
	BeneficiaryPersons int64
	VolunteerVisits    int64
	VolunteerHours     int64
	ExpertVisits       int64
}

// Summary counts the records of a data set, or those Load wrote, with the
// totals they add up to.
type Summary struct {
	Rounds          int
	Organizations   int
	IndicatorSets   int
	Indicators      int
	Projects        int // funded projects: every project not rejected
	Applications    int // every application: the funded projects and the rejected ones
	Rejected        int // applications rejected at screening or review
	StageEvents     int
	Scorecards      int
	Tranches        int
	Reports         int
	Audits          int
	Metrics         int
	Announcements   int
	CaseCollections int
	CaseStudies     int
	Feedback        int
	Verified        int // feedback given with a feedback code: the ratings the figures count
	Terminated      int // projects that ended early
	Completed       int // projects that passed closing
	AuditFindings   int // audits with findings
	Totals          Totals
	// Participation counts the codes, objections and agency ratings Load
	// wrote (participation.go); nil from Summary and when the store takes none.
	Participation *ParticipationCounts
}

// Summary counts d's records and computes its totals by the store's rule.
func (d *Dataset) Summary() *Summary {
	s := &Summary{}
	s.add(d, d.projectFigures())
	return s
}

// projectFigures derives the figures of each project of d, in the order of
// d.Projects. The projects have consecutive local IDs and every metric,
// tranche and audit of d belongs to one of them (each part of Stream keeps
// a project's records together).
func (d *Dataset) projectFigures() []ledger.Figures {
	if len(d.Projects) == 0 {
		return nil
	}
	first := d.Projects[0].ID
	src := make([]ledger.FigureSources, len(d.Projects))
	for i, p := range d.Projects {
		src[i] = ledger.FigureSources{ProjectID: p.ID, CoFunding: p.CoFunding}
	}
	for _, m := range d.Metrics {
		s := &src[m.ProjectID-first]
		s.Metrics = append(s.Metrics, m.Total())
	}
	for _, t := range d.Tranches {
		src[t.ProjectID-first].Paid += t.Amount
	}
	for _, a := range d.Audits {
		s := &src[a.ProjectID-first]
		s.Recovered += a.Recovered
		if a.Result == ledger.AuditFindings {
			s.AuditsWithFindings++
		}
	}
	fs := make([]ledger.Figures, len(d.Projects))
	for i := range src {
		fs[i] = ledger.DeriveFigures(src[i])
	}
	return fs
}

// add counts part p, whose projects' figures are fs.
func (s *Summary) add(p *Dataset, fs []ledger.Figures) {
	s.Rounds += len(p.Rounds)
	s.Organizations += len(p.Organizations)
	s.IndicatorSets += len(p.IndicatorSets)
	for _, set := range p.IndicatorSets {
		s.Indicators += len(set.Indicators)
	}
	s.Applications += len(p.Projects)
	s.StageEvents += len(p.StageEvents)
	s.Scorecards += len(p.Scorecards)
	s.Tranches += len(p.Tranches)
	s.Reports += len(p.Reports)
	s.Audits += len(p.Audits)
	s.Metrics += len(p.Metrics)
	s.Announcements += len(p.Announcements)
	s.CaseCollections += len(p.CaseCollections)
	s.CaseStudies += len(p.CaseStudies)
	s.Feedback += len(p.Feedback)
	for _, f := range p.Feedback {
		if f.Verified {
			s.Verified++
		}
	}
	t := &s.Totals
	for i, pr := range p.Projects {
		if pr.Outcome == ledger.Rejected {
			s.Rejected++
			continue // counts in no total: the totals are the funded projects'
		}
		s.Projects++
		t.Awarded += pr.Awarded
		switch pr.Outcome {
		case ledger.Terminated:
			s.Terminated++
		case ledger.Completed:
			s.Completed++
		}
		f := &fs[i]
		t.Leveraged += f.Leveraged
		t.Paid += f.Paid
		t.Recovered += f.Recovered
		t.BeneficiaryVisits += f.BeneficiaryVisits
		t.BeneficiaryPersons += f.BeneficiaryPersons
		t.VolunteerVisits += f.VolunteerVisits
		t.VolunteerHours += f.VolunteerHours
		t.ExpertVisits += f.ExpertVisits
	}
	for _, a := range p.Audits {
		if a.Result == ledger.AuditFindings {
			s.AuditFindings++
		}
	}
}
