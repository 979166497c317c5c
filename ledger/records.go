package ledger

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Versioned is embedded in every published record: its version (1 when first
// published, +1 per correction) and the attribution of the version shown.
// Earlier versions live in the revision history, never overwritten.
type Versioned struct {
	Version    int       `db:"version" json:"version"`
	RecordedBy string    `db:"recorded_by" json:"recordedBy"`
	RecordedAs Role      `db:"recorded_role" json:"recordedRole"`
	RecordedAt time.Time `db:"recorded_at" json:"recordedAt"`
}

// Round is one year's funding round (资助批次) of the programme.
type Round struct {
	ID          int64  `db:"id" json:"id"`
	Year        int    `db:"year" json:"year"`
	Title       string `db:"title" json:"title"`
	Budget      Money  `db:"budget_fen" json:"budgetFen"`
	Description string `db:"description" json:"description"`
	OpensOn     Date   `db:"opens_on" json:"opensOn"`
	ClosesOn    Date   `db:"closes_on" json:"closesOn"`
	Versioned
}

// Validate checks a round before it is written.
func (r *Round) Validate() error {
	if r.Year < 2000 || r.Year > 2100 {
		return Invalid("round.year", "year %d is outside 2000–2100", r.Year)
	}
	if err := requireText("round.title", r.Title, 200); err != nil {
		return err
	}
	if r.Budget < 0 {
		return Invalid("round.budget", "budget must not be negative, got %s", r.Budget)
	}
	if err := optionalDate("round.opensOn", r.OpensOn); err != nil {
		return err
	}
	return optionalDate("round.closesOn", r.ClosesOn)
}

// Organization is a party of the programme: an undertaking social
// organization, a third-party agency or a government department.
type Organization struct {
	ID          int64   `db:"id" json:"id"`
	CreditCode  string  `db:"credit_code" json:"creditCode"`
	Name        string  `db:"name" json:"name"`
	Kind        OrgKind `db:"kind" json:"kind"`
	District    string  `db:"district" json:"district"`
	Description string  `db:"description" json:"description"`
	FoundedOn   Date    `db:"founded_on" json:"foundedOn"`
	Versioned
	// Abridged is set on an organization read for a list that did not ask
	// for its description and founding date, which are then empty, as is
	// the attribution of its version (Versioned); a door that shows them
	// reads the organization again (see Project.Abridged).
	Abridged bool `db:"-" json:"-"`
}

// Validate checks an organization before it is written.
func (o *Organization) Validate() error {
	if err := ValidateCreditCode("organization.creditCode", o.CreditCode); err != nil {
		return err
	}
	if err := requireText("organization.name", o.Name, 200); err != nil {
		return err
	}
	if !o.Kind.Valid() {
		return Invalid("organization.kind", "kind %q is not one of UNDERTAKER, EVALUATOR, AUDITOR, DEPARTMENT", o.Kind)
	}
	return optionalDate("organization.foundedOn", o.FoundedOn)
}

// Project is one purchased service project (购买服务项目).
type Project struct {
	ID           int64       `db:"id" json:"id"`
	Code         string      `db:"code" json:"code"`
	RoundID      int64       `db:"round_id" json:"roundId"`
	Year         int         `db:"year" json:"year"`
	Title        string      `db:"title" json:"title"`
	ServiceArea  ServiceArea `db:"service_area" json:"serviceArea"`
	District     string      `db:"district" json:"district"`
	TargetGroup  string      `db:"target_group" json:"targetGroup"`
	Summary      string      `db:"summary" json:"summary"`
	UndertakerID int64       `db:"undertaker_id" json:"undertakerId"`
	EvaluatorID  *int64      `db:"evaluator_id" json:"evaluatorId"`
	AuditorID    *int64      `db:"auditor_id" json:"auditorId"`
	Awarded      Money       `db:"awarded_fen" json:"awardedFen"`
	CoFunding    Money       `db:"cofunding_fen" json:"cofundingFen"` // co-funding committed in the agreement
	Stage        Stage       `db:"stage" json:"stage"`
	Outcome      Outcome     `db:"outcome" json:"outcome"`
	AppliedOn    Date        `db:"applied_on" json:"appliedOn"`
	ApprovedOn   Date        `db:"approved_on" json:"approvedOn"` // "" until approved
	Versioned
	// Abridged is set on a project read for a list that did not ask for its
	// long texts (summary, target group), which are then empty, as are
	// RecordedBy, RecordedAs and RecordedAt (Version is kept): a page of 50
	// read without them is half the bytes to read, decode and collect. A
	// door that shows them reads the project again when it meets an
	// abridged one (another part of the same request may).
	Abridged bool `db:"-" json:"-"`
}

// Validate checks a project's own fields before it is written. References to
// other records are checked by the store inside the write's transaction.
func (p *Project) Validate() error {
	if err := requireText("project.code", p.Code, 40); err != nil {
		return err
	}
	if strings.ContainsAny(p.Code, " \t\n/?#") {
		return Invalid("project.code", "code %q must not contain spaces, slashes, ? or #", p.Code)
	}
	if err := requireText("project.title", p.Title, 200); err != nil {
		return err
	}
	if !p.ServiceArea.Valid() {
		return Invalid("project.serviceArea", "service area %q is not one of ELDERLY_SUPPORT, DISABILITY_SUPPORT, POVERTY_RELIEF, COMMUNITY_WELFARE", p.ServiceArea)
	}
	if err := requireText("project.district", p.District, 40); err != nil {
		return err
	}
	if p.UndertakerID == 0 {
		return Invalid("project.undertaker", "a project needs its undertaking organization")
	}
	if p.Awarded < 0 {
		return Invalid("project.awarded", "awarded amount must not be negative, got %s", p.Awarded)
	}
	if p.CoFunding < 0 {
		return Invalid("project.coFunding", "co-funding must not be negative, got %s", p.CoFunding)
	}
	if !p.Stage.Valid() {
		return Invalid("project.stage", "stage %q is not one of SOLICITATION, APPROVAL, EXECUTION, CLOSING", p.Stage)
	}
	if !p.Outcome.Valid() {
		return Invalid("project.outcome", "outcome %q is not one of REJECTED, TERMINATED, COMPLETED", p.Outcome)
	}
	if err := checkOutcome("project.outcome", p.Stage, p.Outcome); err != nil {
		return err
	}
	if err := optionalDate("project.appliedOn", p.AppliedOn); err != nil {
		return err
	}
	return optionalDate("project.approvedOn", p.ApprovedOn)
}

// StageEvent is one dated entry of a project's stage history: it entered a
// stage, or ended with an outcome, for a stated reason.
type StageEvent struct {
	ID         int64   `db:"id" json:"id"`
	ProjectID  int64   `db:"project_id" json:"projectId"`
	Stage      Stage   `db:"stage" json:"stage"`
	Outcome    Outcome `db:"outcome" json:"outcome"`
	OccurredOn Date    `db:"occurred_on" json:"occurredOn"`
	Reason     string  `db:"reason" json:"reason"`
	Versioned
}

// Validate checks a stage event. Rejection and termination need a reason.
func (e *StageEvent) Validate() error {
	if !e.Stage.Valid() {
		return Invalid("stageEvent.stage", "stage %q is not a known stage", e.Stage)
	}
	if !e.Outcome.Valid() {
		return Invalid("stageEvent.outcome", "outcome %q is not a known outcome", e.Outcome)
	}
	if err := requireDate("stageEvent.occurredOn", e.OccurredOn); err != nil {
		return err
	}
	if (e.Outcome == Rejected || e.Outcome == Terminated) && strings.TrimSpace(e.Reason) == "" {
		return Invalid("stageEvent.reason", "a %s project must carry the reason", strings.ToLower(string(e.Outcome)))
	}
	return nil
}

// CheckStageChange refuses a stage event that does not follow the
// lifecycle from where project p stands: stages run forward (solicitation,
// approval, execution, closing; one may be skipped, none revisited), a
// project ends only where it can (rejected at screening or review, i.e.
// in solicitation or approval; terminated in execution; completed at
// closing), and an ended project changes no more. Repeating the current
// stage and outcome records a dated event without a change.
func CheckStageChange(p *Project, e *StageEvent) error {
	if e.Stage == p.Stage && e.Outcome == p.Outcome {
		return nil
	}
	if p.Outcome != Ongoing {
		return Invalid("stageEvent.stage", "project %s has already ended (%s)", p.Code, Label(p.Outcome))
	}
	if slices.Index(Stages, e.Stage) < slices.Index(Stages, p.Stage) {
		return Invalid("stageEvent.stage", "project %s is in %s and cannot go back to %s", p.Code, Label(p.Stage), Label(e.Stage))
	}
	return checkOutcome("stageEvent.outcome", e.Stage, e.Outcome)
}

// ApplyStageEvent moves project p as stage event e records, once
// CheckStageChange allows it: to e's stage and outcome, and on entering
// execution (the agreement is signed and the first tranche paid) it takes
// e's date as its approval date when it has none. It reports whether p
// changed: an event repeating the current stage and outcome is only dated.
// p is left as it was when the change is refused.
func ApplyStageEvent(p *Project, e *StageEvent) (changed bool, err error) {
	if err := CheckStageChange(p, e); err != nil {
		return false, err
	}
	if e.Stage == p.Stage && e.Outcome == p.Outcome {
		return false, nil
	}
	p.Stage, p.Outcome = e.Stage, e.Outcome
	if e.Stage == Execution && p.ApprovedOn == "" {
		p.ApprovedOn = e.OccurredOn
	}
	return true, nil
}

// CheckCorrection refuses correcting project cur (as stored) into p: a
// project's code is its public key and never changes, and a correction
// made to an earlier version than cur's is an ECONFLICT, since applying it
// would silently undo whatever changed since (Version 0 means the caller
// did not say which version it corrected). The attribution is checked by
// Attribution.ValidateCorrection, p's own fields by p.Validate.
func CheckCorrection(cur, p *Project) error {
	if p.Code != cur.Code {
		return Invalid("project.code", "a project's code cannot be changed")
	}
	if p.Version != 0 && p.Version != cur.Version {
		return &Error{Code: ECONFLICT, Field: "project.version", Message: fmt.Sprintf(
			"project %s is now at version %d, but this correction was made to version %d; reload it and correct again",
			cur.Code, cur.Version, p.Version)}
	}
	return nil
}

// checkOutcome refuses an outcome reached in a stage where a project cannot
// end that way.
func checkOutcome(field string, st Stage, o Outcome) error {
	switch o {
	case Rejected:
		if st != Solicitation && st != Approval {
			return Invalid(field, "a project is rejected at screening or review (%s or %s), not in %s",
				Label(Solicitation), Label(Approval), Label(st))
		}
	case Terminated:
		if st != Execution {
			return Invalid(field, "a project is terminated during %s, not in %s", Label(Execution), Label(st))
		}
	case Completed:
		if st != Closing {
			return Invalid(field, "a project is completed at %s, not in %s", Label(Closing), Label(st))
		}
	}
	return nil
}

// IndicatorSet is a published, versioned set of review indicators for one
// kind of review (立项评审指标, 中期评审指标, …). Indicator sets are data, not prose.
type IndicatorSet struct {
	ID          int64       `db:"id" json:"id"`
	Kind        ReviewKind  `db:"kind" json:"kind"`
	Name        string      `db:"name" json:"name"`
	Edition     string      `db:"edition" json:"edition"` // e.g. "2014版"
	PublishedOn Date        `db:"published_on" json:"publishedOn"`
	Indicators  []Indicator `db:"-" json:"indicators"`
	Versioned
}

// Indicator is one criterion of an indicator set. Weight is in percent of the
// whole review (the weights of a set add to 100); MaxScore bounds the score.
type Indicator struct {
	ID       int64   `db:"id" json:"id"`
	SetID    int64   `db:"set_id" json:"setId"`
	Position int     `db:"position" json:"position"`
	Name     string  `db:"name" json:"name"`
	Guidance string  `db:"guidance" json:"guidance"`
	Weight   float64 `db:"weight" json:"weight"`
	MaxScore float64 `db:"max_score" json:"maxScore"`
}

// Validate checks an indicator set: a known kind, named indicators with
// positive maxima and weights that add to 100.
func (s *IndicatorSet) Validate() error {
	if !s.Kind.Valid() {
		return Invalid("indicatorSet.kind", "review kind %q is not known", s.Kind)
	}
	if err := requireText("indicatorSet.name", s.Name, 200); err != nil {
		return err
	}
	if len(s.Indicators) == 0 {
		return Invalid("indicatorSet.indicators", "an indicator set needs at least one indicator")
	}
	total := 0.0
	for i, in := range s.Indicators {
		f := "indicatorSet.indicators[" + itoa(i) + "]"
		if err := requireText(f+".name", in.Name, 200); err != nil {
			return err
		}
		if in.MaxScore <= 0 {
			return Invalid(f+".maxScore", "maximum score must be positive")
		}
		if in.Weight <= 0 {
			return Invalid(f+".weight", "weight must be positive")
		}
		total += in.Weight
	}
	if total < 99.999 || total > 100.001 {
		return Invalid("indicatorSet.indicators", "weights must add up to 100, they add up to %.2f", total)
	}
	return nil
}

// Scorecard is one review of one project against an indicator set, by a
// reviewing organization. Its weighted total is computed from the scores,
// never entered by hand.
type Scorecard struct {
	ID         int64      `db:"id" json:"id"`
	ProjectID  int64      `db:"project_id" json:"projectId"`
	SetID      int64      `db:"set_id" json:"setId"`
	Kind       ReviewKind `db:"kind" json:"kind"`
	ReviewerID *int64     `db:"reviewer_id" json:"reviewerId"`
	ReviewedOn Date       `db:"reviewed_on" json:"reviewedOn"`
	Comment    string     `db:"comment" json:"comment"`
	Passed     bool       `db:"passed" json:"passed"`
	Scores     []Score    `db:"-" json:"scores"`
	Versioned
}

// Score is the score one scorecard gives one indicator.
type Score struct {
	ScorecardID int64   `db:"scorecard_id" json:"scorecardId"`
	IndicatorID int64   `db:"indicator_id" json:"indicatorId"`
	Value       float64 `db:"value" json:"value"`
}

// WeightedTotal computes a scorecard's total on a 0–100 scale: the sum over
// indicators of score / maximum × weight, rounded to two decimals.
// Indicators without a score count as zero.
func WeightedTotal(indicators []Indicator, scores []Score) float64 {
	byID := make(map[int64]float64, len(scores))
	for _, s := range scores {
		byID[s.IndicatorID] = s.Value
	}
	total := 0.0
	for _, in := range indicators {
		if in.MaxScore > 0 {
			total += byID[in.ID] / in.MaxScore * in.Weight
		}
	}
	return float64(int64(total*100+0.5)) / 100
}

// CheckScores refuses a scorecard whose scores name an indicator outside its
// set, are negative or pass the indicator's maximum.
func CheckScores(indicators []Indicator, scores []Score) error {
	byID := make(map[int64]Indicator, len(indicators))
	for _, in := range indicators {
		byID[in.ID] = in
	}
	seen := map[int64]bool{}
	for i, s := range scores {
		f := "scorecard.scores[" + itoa(i) + "].value"
		in, ok := byID[s.IndicatorID]
		if !ok {
			return Invalid("scorecard.scores["+itoa(i)+"].indicator", "indicator %d is not part of this scorecard's indicator set", s.IndicatorID)
		}
		if seen[s.IndicatorID] {
			return Invalid("scorecard.scores["+itoa(i)+"].indicator", "indicator %q is scored twice", in.Name)
		}
		seen[s.IndicatorID] = true
		if s.Value < 0 {
			return Invalid(f, "score for %q must not be negative", in.Name)
		}
		if s.Value > in.MaxScore {
			return Invalid(f, "score %.2f for %q is above the indicator's maximum of %.2f", s.Value, in.Name, in.MaxScore)
		}
	}
	return nil
}

// PassMark is the weighted total (on the 0–100 scale of WeightedTotal) a
// review must reach to pass.
const PassMark = 60.0

// PassesReview reports whether a weighted total reaches the pass mark.
func PassesReview(total float64) bool { return total >= PassMark }

// Grade is the grade of a closing evaluation (验收评估等级) that the result
// announcement publishes with each project's score.
type Grade string

// Grades, best first.
const (
	GradeExcellent Grade = "EXCELLENT" // 优秀: 90 and above
	GradeGood      Grade = "GOOD"      // 良好: 80 and above
	GradePass      Grade = "PASS"      // 合格: the pass mark and above
	GradeFail      Grade = "FAIL"      // 不合格: below the pass mark
)

// GradeOf returns the grade of a closing review's weighted total.
func GradeOf(total float64) Grade {
	switch {
	case total >= 90:
		return GradeExcellent
	case total >= 80:
		return GradeGood
	case PassesReview(total):
		return GradePass
	}
	return GradeFail
}

// CheckScorecard checks scorecard s against its indicator set, whose
// Indicators must be filled in, and returns its weighted total: a
// scorecard without a kind takes the set's, one with another kind is
// refused, the review date must be a date when given, and the scores must
// pass CheckScores. It fills in s.Kind.
func CheckScorecard(s *Scorecard, set *IndicatorSet) (total float64, err error) {
	if s.Kind == "" {
		s.Kind = set.Kind
	}
	if s.Kind != set.Kind {
		return 0, Invalid("scorecard.kind", "a %s scorecard cannot use a %s indicator set", Label(s.Kind), Label(set.Kind))
	}
	if err := optionalDate("scorecard.reviewedOn", s.ReviewedOn); err != nil {
		return 0, err
	}
	if err := CheckScores(set.Indicators, s.Scores); err != nil {
		return 0, err
	}
	return WeightedTotal(set.Indicators, s.Scores), nil
}

// Tranche is one payment of a project's award (资金拨付).
type Tranche struct {
	ID        int64       `db:"id" json:"id"`
	ProjectID int64       `db:"project_id" json:"projectId"`
	Kind      TrancheKind `db:"kind" json:"kind"`
	Amount    Money       `db:"amount_fen" json:"amountFen"`
	PaidOn    Date        `db:"paid_on" json:"paidOn"`
	Versioned
}

// TrancheSchedule splits an award into the programme's three tranches
// (资金拨付): half when the agreement is signed, 30% after a passed mid-term
// review, the rest on acceptance; the first two rounded to whole yuan, so
// the three always add up to the award.
func TrancheSchedule(award Money) (first, second, final Money) {
	first = (award / 2).RoundYuan()
	second = (award/10*3 + award%10*3/10).RoundYuan() // award×3/10 without overflow
	return first, second, award - first - second
}

// CheckTranche refuses a tranche that is not positive or that passes what is
// left of the award after the tranches already paid.
func CheckTranche(t *Tranche, awarded, paid Money) error {
	if !t.Kind.Valid() {
		return Invalid("tranche.kind", "tranche kind %q is not one of FIRST, SECOND, FINAL", t.Kind)
	}
	if t.Amount <= 0 {
		return Invalid("tranche.amount", "amount must be positive, got %s", t.Amount)
	}
	if err := requireDate("tranche.paidOn", t.PaidOn); err != nil {
		return err
	}
	if left := awarded - paid; t.Amount > left {
		return Invalid("tranche.amount", "amount %s yuan is more than the %s yuan left of the award (%s awarded, %s already paid)", t.Amount, left, awarded, paid)
	}
	return nil
}

// CheckPayment refuses tranche t of project p, which has already been
// paid the earlier tranches: each kind of tranche (first, second, final) is
// paid once, and CheckTranche holds against what the earlier ones left of
// the award.
func CheckPayment(p *Project, t *Tranche, earlier []Tranche) error {
	var paid Money
	for _, e := range earlier {
		if e.Kind == t.Kind {
			return Invalid("tranche.kind", "project %s already has its %s", p.Code, Label(t.Kind))
		}
		paid += e.Amount
	}
	return CheckTranche(t, p.Awarded, paid)
}

// Audit is the financial audit of a project: its result, findings, what was
// spent and the unspent balance recovered (结余资金收回).
type Audit struct {
	ID        int64       `db:"id" json:"id"`
	ProjectID int64       `db:"project_id" json:"projectId"`
	AuditorID *int64      `db:"auditor_id" json:"auditorId"`
	AuditedOn Date        `db:"audited_on" json:"auditedOn"`
	Result    AuditResult `db:"result" json:"result"`
	Findings  string      `db:"findings" json:"findings"`
	Spent     Money       `db:"spent_fen" json:"spentFen"`
	Recovered Money       `db:"recovered_fen" json:"recoveredFen"`
	ReportID  *int64      `db:"report_id" json:"reportId"`
	Versioned
}

// Validate checks an audit.
func (a *Audit) Validate() error {
	if err := requireDate("audit.auditedOn", a.AuditedOn); err != nil {
		return err
	}
	if !a.Result.Valid() {
		return Invalid("audit.result", "result %q is not one of CLEAN, FINDINGS", a.Result)
	}
	if a.Result == AuditFindings && strings.TrimSpace(a.Findings) == "" {
		return Invalid("audit.findings", "an audit with findings must state them")
	}
	if a.Spent < 0 {
		return Invalid("audit.spent", "spent amount must not be negative, got %s", a.Spent)
	}
	if a.Recovered < 0 {
		return Invalid("audit.recovered", "recovered balance must not be negative, got %s", a.Recovered)
	}
	return nil
}

// Metric is one outcome figure of a project over a period, with the target
// the agreement set (if any) and who stands behind it. LeveragedFunds values
// are in fen.
type Metric struct {
	ID          int64      `db:"id" json:"id"`
	ProjectID   int64      `db:"project_id" json:"projectId"`
	Kind        MetricKind `db:"kind" json:"kind"`
	PeriodStart Date       `db:"period_start" json:"periodStart"`
	PeriodEnd   Date       `db:"period_end" json:"periodEnd"`
	Value       int64      `db:"value" json:"value"`
	Target      *int64     `db:"target" json:"target"`
	Provenance  Provenance `db:"provenance" json:"provenance"`
	Versioned
}

// Validate checks a metric.
func (m *Metric) Validate() error {
	if !m.Kind.Valid() {
		return Invalid("metric.kind", "metric kind %q is not known", m.Kind)
	}
	if err := requireDate("metric.periodStart", m.PeriodStart); err != nil {
		return err
	}
	if err := requireDate("metric.periodEnd", m.PeriodEnd); err != nil {
		return err
	}
	if m.PeriodEnd < m.PeriodStart {
		return Invalid("metric.periodEnd", "period ends (%s) before it starts (%s)", m.PeriodEnd, m.PeriodStart)
	}
	if m.Value < 0 {
		return Invalid("metric.value", "value must not be negative, got %d", m.Value)
	}
	if m.Target != nil && *m.Target < 0 {
		return Invalid("metric.target", "target must not be negative, got %d", *m.Target)
	}
	if !m.Provenance.Valid() {
		return Invalid("metric.provenance", "provenance %q is not one of SELF_REPORTED, VERIFIED", m.Provenance)
	}
	return nil
}

// Announcement is a public announcement (公告/公示). An approval notice has a
// notice period during which the public may object.
type Announcement struct {
	ID          int64            `db:"id" json:"id"`
	Code        string           `db:"code" json:"code"`
	Kind        AnnouncementKind `db:"kind" json:"kind"`
	RoundID     *int64           `db:"round_id" json:"roundId"`
	Title       string           `db:"title" json:"title"`
	Body        string           `db:"body" json:"body"`
	PublisherID *int64           `db:"publisher_id" json:"publisherId"`
	PublishedOn Date             `db:"published_on" json:"publishedOn"`
	NoticeStart Date             `db:"notice_start" json:"noticeStart"`
	NoticeEnd   Date             `db:"notice_end" json:"noticeEnd"`
	ProjectIDs  []int64          `db:"-" json:"projectIds"`
	Versioned
}

// Validate checks an announcement: its code, kind, title and date, the
// notice period of an approval notice, and that no project is listed twice.
func (a *Announcement) Validate() error {
	if err := requireText("announcement.code", a.Code, 60); err != nil {
		return err
	}
	if !a.Kind.Valid() {
		return Invalid("announcement.kind", "announcement kind %q is not known", a.Kind)
	}
	if err := requireText("announcement.title", a.Title, 300); err != nil {
		return err
	}
	if err := requireDate("announcement.publishedOn", a.PublishedOn); err != nil {
		return err
	}
	if a.Kind == ApprovalNotice {
		if err := requireDate("announcement.noticeStart", a.NoticeStart); err != nil {
			return err
		}
		if err := requireDate("announcement.noticeEnd", a.NoticeEnd); err != nil {
			return err
		}
		if a.NoticeEnd < a.NoticeStart {
			return Invalid("announcement.noticeEnd", "notice period ends before it starts")
		}
	}
	listed := make(map[int64]bool, len(a.ProjectIDs))
	for i, id := range a.ProjectIDs {
		if listed[id] {
			return Invalid("announcement.projects["+itoa(i)+"]", "project %d is listed twice", id)
		}
		listed[id] = true
	}
	return nil
}

// NoticeOpen reports whether the announcement's notice period includes day.
func (a *Announcement) NoticeOpen(day Date) bool {
	return a.NoticeStart != "" && a.NoticeStart <= day && day <= a.NoticeEnd
}

// Report is a published report or document with its full text.
type Report struct {
	ID          int64      `db:"id" json:"id"`
	Code        string     `db:"code" json:"code"`
	Kind        ReportKind `db:"kind" json:"kind"`
	Title       string     `db:"title" json:"title"`
	Body        string     `db:"body" json:"body"`
	AuthorID    *int64     `db:"author_id" json:"authorId"`
	ProjectID   *int64     `db:"project_id" json:"projectId"`
	RoundID     *int64     `db:"round_id" json:"roundId"`
	PublishedOn Date       `db:"published_on" json:"publishedOn"`
	Versioned
}

// Validate checks a report.
func (r *Report) Validate() error {
	if err := requireText("report.code", r.Code, 60); err != nil {
		return err
	}
	if !r.Kind.Valid() {
		return Invalid("report.kind", "report kind %q is not known", r.Kind)
	}
	if err := requireText("report.title", r.Title, 300); err != nil {
		return err
	}
	if strings.TrimSpace(r.Body) == "" {
		return Invalid("report.body", "a report needs its full text")
	}
	return requireDate("report.publishedOn", r.PublishedOn)
}

// CaseCollection is a yearly collection of case studies (项目案例集).
type CaseCollection struct {
	ID          int64  `db:"id" json:"id"`
	Year        int    `db:"year" json:"year"`
	Title       string `db:"title" json:"title"`
	Intro       string `db:"intro" json:"intro"`
	PublishedOn Date   `db:"published_on" json:"publishedOn"`
	Versioned
}

// Validate checks a case collection.
func (c *CaseCollection) Validate() error {
	if c.Year < 2000 || c.Year > 2100 {
		return Invalid("caseCollection.year", "year %d is outside 2000–2100", c.Year)
	}
	if err := requireText("caseCollection.title", c.Title, 200); err != nil {
		return err
	}
	return requireDate("caseCollection.publishedOn", c.PublishedOn)
}

// CaseStudy is one project's narrative in a case collection.
type CaseStudy struct {
	ID           int64  `db:"id" json:"id"`
	CollectionID int64  `db:"collection_id" json:"collectionId"`
	ProjectID    int64  `db:"project_id" json:"projectId"`
	Position     int    `db:"position" json:"position"`
	Title        string `db:"title" json:"title"`
	Narrative    string `db:"narrative" json:"narrative"`
	Versioned
}

// Validate checks a case study.
func (c *CaseStudy) Validate() error {
	if err := requireText("caseStudy.title", c.Title, 200); err != nil {
		return err
	}
	if strings.TrimSpace(c.Narrative) == "" {
		return Invalid("caseStudy.narrative", "a case study needs its narrative")
	}
	return nil
}

// Feedback is one service recipient's satisfaction feedback on a project
// (满意度反馈): an overall rating of 1 (very dissatisfied) to 5 (very
// satisfied), optional ratings of the dimensions the evaluator asks about,
// and an optional comment. Feedback given with a valid feedback code is
// verified and its ratings count in the published figures at once; without
// a code it is an unverified public comment, kept apart and never counted.
// A comment is public only once a moderator approves it, and then only as
// PublicComment (personal data masked).
type Feedback struct {
	ID             int64           `db:"id" json:"id"`
	ProjectID      int64           `db:"project_id" json:"projectId"`
	Rating         int             `db:"rating" json:"rating"` // overall
	ServiceQuality *int            `db:"service_quality" json:"serviceQuality,omitempty"`
	StaffAttitude  *int            `db:"staff_attitude" json:"staffAttitude,omitempty"`
	LifeEffect     *int            `db:"life_effect" json:"lifeEffect,omitempty"`
	Comment        string          `db:"comment" json:"-"`              // as submitted: moderators only
	PublicComment  string          `db:"comment_public" json:"comment"` // masked
	Respondent     Respondent      `db:"respondent" json:"respondent"`
	Verified       bool            `db:"verified" json:"verified"`
	SubmittedAt    time.Time       `db:"submitted_at" json:"submittedAt"`
	Moderation     ModerationState `db:"moderation" json:"moderation"`
	ModerationNote string          `db:"moderation_reason" json:"moderationReason,omitempty"`
	ModeratedAt    *time.Time      `db:"moderated_at" json:"moderatedAt,omitempty"`
	Answer         string          `db:"answer" json:"answer,omitempty"` // the undertaker's public answer
	AnsweredAt     *time.Time      `db:"answered_at" json:"answeredAt,omitempty"`
	// Set on submission, never shown.
	CodeHash   string `db:"-" json:"-"` // the feedback code's hash when one was given
	ClientHash string `db:"client_hash" json:"-"`
	// The retry key a client sent; a second submission with it returns the
	// first instead of counting twice.
	IdempotencyKey string `db:"-" json:"-"`
}

func requireText(field, s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return Invalid(field, "must not be empty")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return Invalid(field, "is %d characters, at most %d allowed", n, max)
	}
	return nil
}

func requireDate(field string, d Date) error {
	if d == "" {
		return Invalid(field, "date is required")
	}
	return optionalDate(field, d)
}

func optionalDate(field string, d Date) error {
	if d != "" && !d.Valid() {
		return Invalid(field, "%q is not a valid YYYY-MM-DD date", d)
	}
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }
