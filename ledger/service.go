package ledger

import (
	"context"
	"slices"
	"time"
)

// ProjectFilter selects projects. The zero value selects every funded
// project (Scope FUNDED): the programme's "projects purchased", whose totals
// are its headline figures; Scope widens it to every application or narrows
// it to the rejected ones. The same filter drives the project list, stats
// and exports, so a total can always be checked by paging the list.
type ProjectFilter struct {
	Scope            ProjectScope // "" is ScopeFunded
	Years            []int
	RoundIDs         []int64
	ServiceAreas     []ServiceArea
	Districts        []string
	Stages           []Stage
	Outcomes         []Outcome // Ongoing ("") selects projects still under way
	UndertakerIDs    []int64
	EvaluatorIDs     []int64
	AuditorIDs       []int64
	AnyOrgIDs        []int64 // projects where the organization plays any role
	AwardedMin       *Money
	AwardedMax       *Money
	ApprovedFrom     Date // inclusive
	ApprovedTo       Date // inclusive
	HasAuditFindings *bool
	Terminated       *bool
	Codes            []string
	AnnouncementID   int64 // projects listed by this announcement
}

// ProjectScope says which projects a filter counts: the funded projects,
// every application, or the rejected applications. A project is funded
// unless it was rejected (outcome REJECTED) at the initial screening or the
// approval review: approved, in execution or closing, completed or
// terminated. An application still being screened or reviewed counts as
// funded until it is rejected; the programme publishes its applications
// once the round's approval is decided, so its lists hold none.
type ProjectScope string

// The project scopes.
const (
	ScopeFunded       ProjectScope = "FUNDED"       // every project not rejected (the default)
	ScopeApplications ProjectScope = "APPLICATIONS" // every application, funded or rejected
	ScopeRejected     ProjectScope = "REJECTED"     // applications rejected at screening or review
)

// ProjectScopes lists the scopes, the default first.
var ProjectScopes = []ProjectScope{ScopeFunded, ScopeApplications, ScopeRejected}

// Valid reports whether s is a known scope ("" included, the default).
func (s ProjectScope) Valid() bool { return s == "" || oneOf(s, ProjectScopes) }

// Effective returns s with "" read as ScopeFunded.
func (s ProjectScope) Effective() ProjectScope {
	if s == "" {
		return ScopeFunded
	}
	return s
}

// Admits reports whether a project with outcome o is in scope s.
func (s ProjectScope) Admits(o Outcome) bool {
	switch s.Effective() {
	case ScopeFunded:
		return o != Rejected
	case ScopeRejected:
		return o == Rejected
	}
	return true
}

// CheckScope refuses an unknown scope, and outcomes the scope excludes:
// asking for REJECTED outcomes among funded projects, or for other outcomes
// among the rejected applications, would answer an empty list that looks
// like a true zero. prefix names the filter in the error's field (e.g.
// "filter" gives "filter.scope" and "filter.outcomes").
func (f *ProjectFilter) CheckScope(prefix string) error {
	if prefix != "" {
		prefix += "."
	}
	if !f.Scope.Valid() {
		return Invalid(prefix+"scope", "scope %q is not one of FUNDED, APPLICATIONS, REJECTED", f.Scope)
	}
	for _, o := range f.Outcomes {
		if f.Scope.Admits(o) {
			continue
		}
		if o == Rejected {
			return Invalid(prefix+"outcomes", "rejected applications are not funded projects: ask with scope REJECTED or APPLICATIONS")
		}
		return Invalid(prefix+"outcomes", "scope REJECTED holds only rejected applications, not outcome %q: ask with scope APPLICATIONS", o)
	}
	return nil
}

// AnnouncementFilter selects announcements; the zero value selects all.
type AnnouncementFilter struct {
	Kinds         []AnnouncementKind
	Years         []int
	RoundIDs      []int64
	PublishedFrom Date
	PublishedTo   Date
	NoticeOpenOn  Date  // with NoticeOpen: the day the notice period is judged on
	NoticeOpen    *bool // true: notice period includes NoticeOpenOn; false: has none or it does not
}

// ReportFilter selects reports; the zero value selects all.
type ReportFilter struct {
	Kinds         []ReportKind
	ProjectIDs    []int64
	AuthorIDs     []int64
	Years         []int
	PublishedFrom Date
	PublishedTo   Date
}

// ReviewAverage is the average weighted total of a set of scorecards.
type ReviewAverage struct {
	Kind       ReviewKind `db:"kind"`
	Scorecards int64      `db:"n"`
	Average    float64    `db:"average"`
}

// ProjectOrderField is a field the project list can be ordered by.
type ProjectOrderField string

// Project orders.
const (
	OrderByCode          ProjectOrderField = "CODE"
	OrderByAwarded       ProjectOrderField = "AWARDED"
	OrderByApprovedOn    ProjectOrderField = "APPROVED_ON"
	OrderByBeneficiaries ProjectOrderField = "BENEFICIARIES"
	OrderBySatisfaction  ProjectOrderField = "SATISFACTION"
	OrderByPaid          ProjectOrderField = "PAID"
)

// ProjectOrder orders the project list; ties are broken by code.
type ProjectOrder struct {
	Field ProjectOrderField
	Desc  bool
}

// Figures is the derived roll-up of one project's outcome and money figures,
// kept by the store in the same transaction as each write it depends on.
// For each metric kind, verified rows are used when the project has any, else the
// undertaker's own; leveraged funds fall back to the agreed co-funding.
type Figures struct {
	ProjectID          int64 `db:"project_id" json:"projectId"`
	BeneficiaryVisits  int64 `db:"beneficiary_visits" json:"beneficiaryVisits"`
	BeneficiaryPersons int64 `db:"beneficiary_persons" json:"beneficiaryPersons"`
	VolunteerVisits    int64 `db:"volunteer_visits" json:"volunteerVisits"`
	VolunteerHours     int64 `db:"volunteer_hours" json:"volunteerHours"`
	ExpertVisits       int64 `db:"expert_visits" json:"expertVisits"`
	Leveraged          Money `db:"leveraged_fen" json:"leveragedFen"`
	Paid               Money `db:"paid_fen" json:"paidFen"`
	Recovered          Money `db:"recovered_fen" json:"recoveredFen"`
	AuditFindings      bool  `db:"audit_findings" json:"auditFindings"`
	FeedbackCount      int64 `db:"feedback_count" json:"feedbackCount"`
	FeedbackSum        int64 `db:"feedback_sum" json:"feedbackSum"`
}

// Satisfaction returns the average verified rating (1–5), or nil below
// MinPublishedResponses ratings, so that no single rating can be read off.
func (f *Figures) Satisfaction() *float64 {
	if f == nil || f.FeedbackCount < MinPublishedResponses {
		return nil
	}
	v := float64(f.FeedbackSum) / float64(f.FeedbackCount)
	v = float64(int64(v*100+0.5)) / 100
	return &v
}

// StatsGroup is a dimension stats can group by.
type StatsGroup string

// Stats groupings.
const (
	GroupByYear        StatsGroup = "YEAR"
	GroupByServiceArea StatsGroup = "SERVICE_AREA"
	GroupByDistrict    StatsGroup = "DISTRICT"
	GroupByUndertaker  StatsGroup = "UNDERTAKER"
	GroupByEvaluator   StatsGroup = "EVALUATOR"
	GroupByStage       StatsGroup = "STAGE"
)

// StatsGroups lists the groupings stats know, in display order.
var StatsGroups = []StatsGroup{GroupByYear, GroupByServiceArea, GroupByDistrict, GroupByUndertaker, GroupByEvaluator, GroupByStage}

// Valid reports whether g is a known grouping.
func (g StatsGroup) Valid() bool { return slices.Contains(StatsGroups, g) }

// CheckStatsGroups refuses a list of groupings with an unknown or repeated
// grouping; as each is known and appears once, at most every grouping.
func CheckStatsGroups(groups []StatsGroup) error {
	for i, g := range groups {
		if !g.Valid() {
			return Invalid("groupBy", "unknown grouping %s", Excerpt(string(g)))
		}
		if slices.Contains(groups[:i], g) {
			return Invalid("groupBy", "grouping %s is given twice", g)
		}
	}
	return nil
}

// StatsRow is one group of stats, or the total when Key is empty.
type StatsRow struct {
	Key               map[StatsGroup]string // group value per grouping ("" in a total)
	Projects          int64
	Awarded           Money
	Leveraged         Money
	Paid              Money
	Recovered         Money
	Beneficiaries     int64
	Volunteers        int64
	Experts           int64
	FeedbackCount     int64
	FeedbackSum       int64
	Terminated        int64
	WithAuditFindings int64
}

// Satisfaction is the average verified rating over the group, nil below
// MinPublishedResponses ratings.
func (r *StatsRow) Satisfaction() *float64 {
	f := Figures{FeedbackCount: r.FeedbackCount, FeedbackSum: r.FeedbackSum}
	return f.Satisfaction()
}

// Totals are the programme totals with docs/domain.md's headline figures.
type Totals = StatsRow

// RoundReader reads funding rounds.
type RoundReader interface {
	// Rounds returns every funding round, by year.
	Rounds(ctx context.Context) ([]*Round, error)
	// RoundsByIDs returns rounds in the order of ids.
	RoundsByIDs(ctx context.Context, ids []int64) ([]*Round, error)
	// RoundByYear returns the round of a year (ENOTFOUND).
	RoundByYear(ctx context.Context, year int) (*Round, error)
}

// OrganizationReader reads organizations.
type OrganizationReader interface {
	// Organization returns the organization with a credit code (ENOTFOUND).
	Organization(ctx context.Context, creditCode string) (*Organization, error)
	// OrganizationsByIDs returns organizations in the order of ids.
	OrganizationsByIDs(ctx context.Context, ids []int64) ([]*Organization, error)
	// OrganizationsByCodes returns organizations in the order of credit codes.
	OrganizationsByCodes(ctx context.Context, codes []string) ([]*Organization, error)
	// FindOrganizations returns organizations of the given kinds (all when
	// empty), ordered by name code, with the total count.
	FindOrganizations(ctx context.Context, kinds []OrgKind, offset, limit int) ([]*Organization, int, error)
}

// ProjectReader reads projects and what belongs to each: figures, stage history, tranches, metrics, audits.
type ProjectReader interface {
	// FindProjects returns a page of projects matching filter in order, and the
	// total number matching.
	FindProjects(ctx context.Context, filter ProjectFilter, order ProjectOrder, offset, limit int) ([]*Project, int, error)
	// Project returns the project with a code (ENOTFOUND).
	Project(ctx context.Context, code string) (*Project, error)
	// ProjectsByIDs returns projects in the order of ids.
	ProjectsByIDs(ctx context.Context, ids []int64) ([]*Project, error)
	// ProjectsByCodes returns projects in the order of codes.
	ProjectsByCodes(ctx context.Context, codes []string) ([]*Project, error)
	// FiguresByProjectIDs returns each project's figures in the order of ids.
	FiguresByProjectIDs(ctx context.Context, ids []int64) ([]*Figures, error)
	// StageEventsByProjectIDs returns each project's stage history, oldest first.
	StageEventsByProjectIDs(ctx context.Context, ids []int64) ([][]*StageEvent, error)
	// TranchesByProjectIDs returns each project's tranches in payment order.
	TranchesByProjectIDs(ctx context.Context, ids []int64) ([][]*Tranche, error)
	// MetricsByProjectIDs returns each project's metrics by kind and period.
	MetricsByProjectIDs(ctx context.Context, ids []int64) ([][]*Metric, error)
	// AuditsByProjectIDs returns each project's audits, oldest first.
	AuditsByProjectIDs(ctx context.Context, ids []int64) ([][]*Audit, error)
}

// ReviewReader reads indicator sets, scorecards and review averages.
type ReviewReader interface {
	// ScorecardsByProjectIDs returns each project's scorecards with scores.
	ScorecardsByProjectIDs(ctx context.Context, ids []int64) ([][]*Scorecard, error)
	// IndicatorSetsByIDs returns indicator sets with their indicators.
	IndicatorSetsByIDs(ctx context.Context, ids []int64) ([]*IndicatorSet, error)
	// IndicatorSets returns the indicator sets (of one kind when given) with indicators.
	IndicatorSets(ctx context.Context, kind ReviewKind) ([]*IndicatorSet, error)
	// ReviewAverages returns average weighted totals per review kind of the
	// scorecards of an undertaker's projects (kind Undertaker) or given by a
	// reviewer (any other kind).
	ReviewAverages(ctx context.Context, orgID int64, kind OrgKind) ([]*ReviewAverage, error)
}

// StatsReader reads statistics of projects.
type StatsReader interface {
	// Stats returns the total of the projects matching filter and, when
	// groups are given, one row per combination of group values.
	Stats(ctx context.Context, filter ProjectFilter, groups []StatsGroup) (total *StatsRow, rows []*StatsRow, err error)
}

// PublicationReader reads announcements and reports.
type PublicationReader interface {
	// FindAnnouncements returns a page of announcements, newest first, and the total.
	FindAnnouncements(ctx context.Context, filter AnnouncementFilter, offset, limit int) ([]*Announcement, int, error)
	// AnnouncementsByCodes returns announcements in the order of codes.
	AnnouncementsByCodes(ctx context.Context, codes []string) ([]*Announcement, error)
	// AnnouncementsByIDs returns announcements in the order of ids.
	AnnouncementsByIDs(ctx context.Context, ids []int64) ([]*Announcement, error)
	// AnnouncementsByProjectIDs returns the announcements listing each project.
	AnnouncementsByProjectIDs(ctx context.Context, ids []int64) ([][]*Announcement, error)
	// FindReports returns a page of reports, newest first, and the total.
	FindReports(ctx context.Context, filter ReportFilter, offset, limit int) ([]*Report, int, error)
	// ReportsByCodes returns reports in the order of codes.
	ReportsByCodes(ctx context.Context, codes []string) ([]*Report, error)
	// ReportsByIDs returns reports in the order of ids.
	ReportsByIDs(ctx context.Context, ids []int64) ([]*Report, error)
	// ReportsByProjectIDs returns each project's reports, oldest first.
	ReportsByProjectIDs(ctx context.Context, ids []int64) ([][]*Report, error)
}

// CaseReader reads case collections and case studies.
type CaseReader interface {
	// CaseCollections returns case collections (of one year when year > 0), newest first.
	CaseCollections(ctx context.Context, year int) ([]*CaseCollection, error)
	// CaseCollectionsByIDs returns case collections in the order of ids.
	CaseCollectionsByIDs(ctx context.Context, ids []int64) ([]*CaseCollection, error)
	// CaseStudiesByCollectionIDs returns each collection's case studies in order.
	CaseStudiesByCollectionIDs(ctx context.Context, ids []int64) ([][]*CaseStudy, error)
	// CaseStudiesByIDs returns case studies in the order of ids.
	CaseStudiesByIDs(ctx context.Context, ids []int64) ([]*CaseStudy, error)
	// CaseStudiesByProjectIDs returns the case studies featuring each project.
	CaseStudiesByProjectIDs(ctx context.Context, ids []int64) ([][]*CaseStudy, error)
}

// HistoryReader reads the version history of records.
type HistoryReader interface {
	// Revisions returns the version history of one record, oldest first.
	Revisions(ctx context.Context, entity Entity, id int64) ([]*Revision, error)
}

// Reader reads the whole ledger: every area's reader. The store implements
// it; a caller that needs one area asks for that area's interface.
type Reader interface {
	RoundReader
	OrganizationReader
	ProjectReader
	ReviewReader
	StatsReader
	PublicationReader
	CaseReader
	HistoryReader
}

// RegistryWriter registers funding rounds and organizations.
type RegistryWriter interface {
	CreateRound(ctx context.Context, att Attribution, r *Round) error
	CreateOrganization(ctx context.Context, att Attribution, o *Organization) error
}

// ProjectWriter writes projects: applications, stage changes and corrections.
type ProjectWriter interface {
	CreateProject(ctx context.Context, att Attribution, p *Project) error
	// RecordStageEvent appends to a project's stage history and moves the
	// project to the event's stage and outcome (a new version of the project).
	RecordStageEvent(ctx context.Context, att Attribution, e *StageEvent) error
	// CorrectProject publishes a new version of a project with a reason
	// (att.Reason is required); the earlier version stays in its history.
	CorrectProject(ctx context.Context, att Attribution, p *Project) error
}

// ReviewWriter writes indicator sets and review scorecards.
type ReviewWriter interface {
	CreateIndicatorSet(ctx context.Context, att Attribution, s *IndicatorSet) error
	// RecordScorecard refuses a score above an indicator's maximum.
	RecordScorecard(ctx context.Context, att Attribution, s *Scorecard) error
}

// MoneyWriter records the money trail: tranches and audits.
type MoneyWriter interface {
	// RecordTranche refuses a tranche larger than what is left of the award.
	RecordTranche(ctx context.Context, att Attribution, t *Tranche) error
	RecordAudit(ctx context.Context, att Attribution, a *Audit) error
}

// OutcomeWriter records outcomes: metrics and satisfaction feedback.
type OutcomeWriter interface {
	RecordMetric(ctx context.Context, att Attribution, m *Metric) error
	RecordFeedback(ctx context.Context, f *Feedback) error
}

// PublicationWriter publishes announcements, reports and case collections.
type PublicationWriter interface {
	PublishAnnouncement(ctx context.Context, att Attribution, a *Announcement) error
	PublishReport(ctx context.Context, att Attribution, r *Report) error
	CreateCaseCollection(ctx context.Context, att Attribution, c *CaseCollection) error
	AddCaseStudy(ctx context.Context, att Attribution, c *CaseStudy) error
}

// AuditWriter appends to the audit log. Through Publisher.InTx the entry
// commits with the writes it describes, or not at all.
type AuditWriter interface {
	AppendAudit(ctx context.Context, e *AuditEntry) error
}

// MetaWriter records what the data set is.
type MetaWriter interface {
	// SetMeta records what the portal says about its data (demo or real),
	// in the same transaction as the writes around it.
	SetMeta(ctx context.Context, m *Meta) error
}

// Writer writes the ledger: every area's writer. Each write validates its
// record, is attributed, keeps the record's history and refuses with a
// field-named error. The store implements it, one transaction per call
// (or per Publisher.InTx).
type Writer interface {
	RegistryWriter
	ProjectWriter
	ReviewWriter
	MoneyWriter
	OutcomeWriter
	PublicationWriter
	MetaWriter
	AuditWriter
	CorrectionWriter
}

// Publisher runs writes one by one or together in a single transaction.
type Publisher interface {
	Writer
	// InTx runs fn with a Writer whose writes commit together when fn
	// returns nil and are all rolled back otherwise.
	InTx(ctx context.Context, fn func(w Writer) error) error
}

// Meta is what the portal says about its own data.
type Meta struct {
	Demo     bool   // the data is the generated demo data set
	Note     string // a plain sentence for the API and pages
	LoadedAt time.Time
}

// MetaStore keeps facts about the data set.
type MetaStore interface {
	Meta(ctx context.Context) (*Meta, error)
	SetMeta(ctx context.Context, m *Meta) error
}

type bulkKey struct{}

// WithBulk marks ctx as the context of an operation that will read much
// (a query dearer than the API's cheap limit): stores run its reads on
// connections of their own, so it never takes the ones cheap reads need.
func WithBulk(ctx context.Context) context.Context { return context.WithValue(ctx, bulkKey{}, true) }

// IsBulk reports whether ctx was marked by WithBulk.
func IsBulk(ctx context.Context) bool { b, _ := ctx.Value(bulkKey{}).(bool); return b }
