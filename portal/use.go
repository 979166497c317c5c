package portal

import (
	"context"
	"fmt"
	"strings"

	"civicledger/ledger"
)

// The use cases of the programme's lifecycle. Each one, whichever door
// calls it:
//
//  1. asks ledger.Authorize whether the actor may take its action on the
//     record (for a project's record, after reading the project, since its
//     undertaker and agencies decide "own"); a refusal returns before
//     anything is read further or written;
//  2. checks the programme's rules that need the ledger (ledger/programme.go);
//  3. makes its writes and its audit entry in one transaction (Publisher.InTx):
//     all of them commit, or none.
//
// Inputs name records by their public keys (project code, credit code,
// round year); errors name the input field they refuse.

// unavailable is the error of a portal without a publishing side.
var unavailable = &ledger.Error{Code: ledger.EUNAVAILABLE, Message: "this portal does not accept writes"}

// begin authorizes act by actor on the project with a code ("" for a
// record of the whole programme) and returns the project and the role.
// An anonymous actor is refused before the project is even looked up.
func (p *Publishing) begin(ctx context.Context, actor ledger.Actor, act ledger.Action, code string) (*ledger.Project, ledger.Role, error) {
	if p == nil || p.Store == nil {
		return nil, "", unavailable
	}
	if actor.Anonymous() || code == "" {
		role, err := ledger.Authorize(actor, act, nil)
		if err != nil || code == "" {
			return nil, role, err
		}
	}
	pr, err := p.Store.Project(ctx, code)
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		// Out-of-scope roles learn nothing about which codes exist.
		if _, aerr := ledger.Authorize(actor, act, &ledger.Project{Code: code}); ledger.ErrorCode(aerr) == ledger.EFORBIDDEN {
			return nil, "", aerr
		}
		return nil, "", ledger.Invalid("projectCode", "project %s does not exist", ledger.Excerpt(code))
	} else if err != nil {
		return nil, "", err
	}
	role, err := ledger.Authorize(actor, act, pr)
	return pr, role, err
}

// commit runs the writes of one use case with its audit entry in one transaction.
func (p *Publishing) commit(ctx context.Context, entry *ledger.AuditEntry, fn func(w ledger.Writer) (ledger.Entity, int64, error)) error {
	return p.Store.InTx(ctx, func(w ledger.Writer) error {
		entity, id, err := fn(w)
		if err != nil {
			return err
		}
		entry.Entity, entry.EntityID = entity, id
		return w.AppendAudit(ctx, entry)
	})
}

// orgID returns the ID of the organization with a credit code, refusing
// an unknown one by field; "" gives nil.
func (p *Publishing) orgID(ctx context.Context, field, code string) (*int64, error) {
	if strings.TrimSpace(code) == "" {
		return nil, nil
	}
	os, err := p.Store.OrganizationsByCodes(ctx, []string{strings.TrimSpace(code)})
	if err != nil {
		return nil, err
	}
	if len(os) == 0 || os[0] == nil {
		return nil, ledger.Invalid(field, "no organization has credit code %s", ledger.Excerpt(code))
	}
	return &os[0].ID, nil
}

// roundID returns the ID of the round of a year (0 gives nil).
func (p *Publishing) roundID(ctx context.Context, field string, year int) (*int64, error) {
	if year == 0 {
		return nil, nil
	}
	r, err := p.Store.RoundByYear(ctx, year)
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return nil, ledger.Invalid(field, "there is no round of %d", year)
	} else if err != nil {
		return nil, err
	}
	return &r.ID, nil
}

// projectIDs returns the IDs of projects by code, refusing an unknown one by its index.
func (p *Publishing) projectIDs(ctx context.Context, field string, codes []string) ([]int64, []*ledger.Project, error) {
	ps, err := p.Store.ProjectsByCodes(ctx, codes)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(codes))
	for i, code := range codes {
		if i >= len(ps) || ps[i] == nil {
			return nil, nil, ledger.Invalid(fmt.Sprintf("%s[%d]", field, i), "project %s does not exist", ledger.Excerpt(code))
		}
		ids[i] = ps[i].ID
	}
	return ids, ps, nil
}

func ownOrg(a ledger.Actor) *int64 {
	if a.OrgID == 0 {
		return nil
	}
	id := a.OrgID
	return &id
}

// RegisterOrganization registers a party of the programme.
func (p *Publishing) RegisterOrganization(ctx context.Context, actor ledger.Actor, o *ledger.Organization) (*ledger.Organization, error) {
	_, role, err := p.begin(ctx, actor, ledger.ActRegisterOrg, "")
	if err != nil {
		return nil, err
	}
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActRegisterOrg, "", 0, "organization "+o.CreditCode+" "+o.Name),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			return ledger.EntityOrganization, o.ID, w.CreateOrganization(ctx, actor.Attribution(role, ""), o)
		})
	return o, err
}

// OpenRoundInput opens a funding round and publishes its solicitation notice.
type OpenRoundInput struct {
	Round  ledger.Round
	Notice ledger.Announcement // kind SOLICITATION_NOTICE is set; Code and Title required
}

// OpenRound opens a round and publishes its solicitation notice (项目征集通知) together.
func (p *Publishing) OpenRound(ctx context.Context, actor ledger.Actor, in *OpenRoundInput) (*ledger.Round, *ledger.Announcement, error) {
	_, role, err := p.begin(ctx, actor, ledger.ActOpenRound, "")
	if err != nil {
		return nil, nil, err
	}
	r, n := &in.Round, &in.Notice
	n.Kind = ledger.SolicitationNotice
	n.PublisherID = ownOrg(actor)
	att := actor.Attribution(role, "")
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActOpenRound, "", 0, fmt.Sprintf("round %d opened; notice %s", r.Year, n.Code)),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			if err := w.CreateRound(ctx, att, r); err != nil {
				return "", 0, err
			}
			n.RoundID = &r.ID
			if err := w.PublishAnnouncement(ctx, att, n); err != nil {
				return "", 0, err
			}
			return ledger.EntityRound, r.ID, nil
		})
	return r, n, err
}

// PublishIndicatorSet publishes an indicator set the reviews score against.
func (p *Publishing) PublishIndicatorSet(ctx context.Context, actor ledger.Actor, s *ledger.IndicatorSet) (*ledger.IndicatorSet, error) {
	_, role, err := p.begin(ctx, actor, ledger.ActPublishIndicatorSet, "")
	if err != nil {
		return nil, err
	}
	if s.PublishedOn == "" {
		s.PublishedOn = ledger.DateOf(p.now())
	}
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActPublishIndicatorSet, "", 0, "indicator set "+s.Name),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			return ledger.EntityIndicatorSet, s.ID, w.CreateIndicatorSet(ctx, actor.Attribution(role, ""), s)
		})
	return s, err
}

// ApplicationInput registers an application: a project in solicitation.
type ApplicationInput struct {
	Project        ledger.Project // Code, Title, ServiceArea, District, TargetGroup, Summary, Awarded (the amount applied for), AppliedOn
	RoundYear      int
	UndertakerCode string // the undertaker's credit code; an undertaker's own organization when ""
}

// RegisterApplication registers an application (项目申报) of an undertaker.
func (p *Publishing) RegisterApplication(ctx context.Context, actor ledger.Actor, in *ApplicationInput) (*ledger.Project, error) {
	if _, _, err := p.begin(ctx, actor, ledger.ActRegisterApplication, ""); ledger.ErrorCode(err) == ledger.EUNAUTHENTICATED || err == unavailable {
		return nil, err
	}
	pr := &in.Project
	pr.ID, pr.Stage, pr.Outcome, pr.ApprovedOn, pr.EvaluatorID, pr.AuditorID = 0, ledger.Solicitation, ledger.Ongoing, "", nil, nil
	if in.UndertakerCode == "" && actor.Has(ledger.RoleUndertaker) {
		pr.UndertakerID = actor.OrgID
	} else {
		id, err := p.orgID(ctx, "undertakerCode", in.UndertakerCode)
		if err != nil {
			return nil, err
		}
		if id == nil {
			return nil, ledger.Invalid("undertakerCode", "name the undertaking organization by its credit code")
		}
		pr.UndertakerID = *id
	}
	role, err := ledger.Authorize(actor, ledger.ActRegisterApplication, pr)
	if err != nil {
		return nil, err
	}
	rid, err := p.roundID(ctx, "roundYear", in.RoundYear)
	if err != nil {
		return nil, err
	}
	if rid == nil {
		return nil, ledger.Invalid("roundYear", "an application belongs to a round")
	}
	pr.RoundID = *rid
	if pr.AppliedOn == "" {
		pr.AppliedOn = ledger.DateOf(p.now())
	}
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActRegisterApplication, "", 0, "application "+pr.Code),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			return ledger.EntityProject, pr.ID, w.CreateProject(ctx, actor.Attribution(role, ""), pr)
		})
	return pr, err
}

// AssignAgencies assigns a project's third-party evaluation and audit
// agencies (a new version of the project); "" leaves one as it is.
func (p *Publishing) AssignAgencies(ctx context.Context, actor ledger.Actor, code, evaluatorCode, auditorCode string) (*ledger.Project, error) {
	pr, role, err := p.begin(ctx, actor, ledger.ActAssignAgencies, code)
	if err != nil {
		return nil, err
	}
	ev, err := p.orgID(ctx, "evaluatorCode", evaluatorCode)
	if err != nil {
		return nil, err
	}
	au, err := p.orgID(ctx, "auditorCode", auditorCode)
	if err != nil {
		return nil, err
	}
	if ev != nil {
		pr.EvaluatorID = ev
	}
	if au != nil {
		pr.AuditorID = au
	}
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActAssignAgencies, "", 0, "agencies of "+pr.Code),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			return ledger.EntityProject, pr.ID, w.CorrectProject(ctx, actor.Attribution(role, "agencies assigned"), pr)
		})
	return pr, err
}

// ScorecardInput records a review of a project against a published indicator set.
type ScorecardInput struct {
	ProjectCode    string
	IndicatorSetID int64
	ReviewedOn     ledger.Date
	Comment        string
	Scores         []PositionScore
	// ReviewerCode is the reviewing organization's credit code; the
	// actor's own organization when "".
	ReviewerCode string
	// CorrectionsRequired (mid-term review): the corrections (整改) asked
	// of the undertaker, published with the review.
	CorrectionsRequired string
}

// PositionScore is the score of the indicator at a position of its set (from 1).
type PositionScore struct {
	Position int
	Value    float64
}

// reviewActions is the action of each kind of review.
var reviewActions = map[ledger.ReviewKind]ledger.Action{
	ledger.InitialScreening: ledger.ActRecordScreening, ledger.ApprovalReview: ledger.ActRecordScreening,
	ledger.MidtermReview: ledger.ActRecordMidterm, ledger.ClosingReview: ledger.ActRecordClosingReview,
}

// RecordReview records a scorecard (initial screening, approval review,
// mid-term or closing review, by the indicator set's kind). Its total is
// weighted from the scores and it passes at the pass mark. A closing
// review moves a project in execution to closing; a failed screening or
// review leaves the decision to DecideApproval.
func (p *Publishing) RecordReview(ctx context.Context, actor ledger.Actor, in *ScorecardInput) (*ledger.Scorecard, error) {
	if actor.Anonymous() {
		_, err := ledger.Authorize(actor, ledger.ActRecordScreening, nil)
		return nil, err
	}
	sets, err := p.Store.IndicatorSetsByIDs(ctx, []int64{in.IndicatorSetID})
	if err != nil {
		return nil, err
	}
	if len(sets) == 0 || sets[0] == nil {
		return nil, ledger.Invalid("indicatorSetId", "indicator set %d does not exist", in.IndicatorSetID)
	}
	set := sets[0]
	act := reviewActions[set.Kind]
	pr, role, err := p.begin(ctx, actor, act, in.ProjectCode)
	if err != nil {
		return nil, err
	}
	if set.PublishedOn == "" || set.PublishedOn > ledger.DateOf(p.now()) {
		return nil, ledger.Invalid("indicatorSetId", "indicator set %d is not published yet", set.ID)
	}
	reviewer, err := p.orgID(ctx, "reviewerCode", in.ReviewerCode)
	if err != nil {
		return nil, err
	}
	if reviewer == nil {
		reviewer = ownOrg(actor)
	}
	comment := in.Comment
	if strings.TrimSpace(in.CorrectionsRequired) != "" {
		comment = strings.TrimSpace(comment + "\n整改要求 Corrections required: " + in.CorrectionsRequired)
	}
	scores := make([]ledger.Score, len(in.Scores))
	for i, ps := range in.Scores {
		if ps.Position < 1 || ps.Position > len(set.Indicators) {
			return nil, ledger.Invalid(fmt.Sprintf("scores[%d].position", i), "indicator set %d has indicators 1 to %d, not %d", set.ID, len(set.Indicators), ps.Position)
		}
		scores[i] = ledger.Score{IndicatorID: set.Indicators[ps.Position-1].ID, Value: ps.Value}
	}
	s := &ledger.Scorecard{ProjectID: pr.ID, SetID: set.ID, Kind: set.Kind, ReviewerID: reviewer, ReviewedOn: in.ReviewedOn,
		Comment: comment, Scores: scores}
	total, err := ledger.CheckScorecard(s, set)
	if err != nil {
		return nil, err
	}
	s.Passed = ledger.PassesReview(total)
	att := actor.Attribution(role, "")
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, act, "", 0, fmt.Sprintf("%s of %s: %.2f", set.Kind, pr.Code, total)),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			if err := w.RecordScorecard(ctx, att, s); err != nil {
				return "", 0, err
			}
			if set.Kind == ledger.ClosingReview && pr.Stage == ledger.Execution && pr.Outcome == ledger.Ongoing {
				on := in.ReviewedOn
				if on == "" {
					on = ledger.DateOf(p.now())
				}
				if err := w.RecordStageEvent(ctx, att, &ledger.StageEvent{ProjectID: pr.ID, Stage: ledger.Closing, OccurredOn: on,
					Reason: "closing review"}); err != nil {
					return "", 0, err
				}
			}
			return ledger.EntityScorecard, s.ID, nil
		})
	return s, err
}

// DecisionInput approves or rejects an application.
type DecisionInput struct {
	ProjectCode string
	Approve     bool
	Reason      string       // required to reject
	DecidedOn   ledger.Date  // today when ""
	Awarded     ledger.Money // the award when approving; the amount applied for when 0
}

// DecideApproval approves an application (it needs a passed approval
// review; the project enters approval with its award) or rejects it with
// a reason (at screening or review).
func (p *Publishing) DecideApproval(ctx context.Context, actor ledger.Actor, in *DecisionInput) (*ledger.Project, error) {
	pr, role, err := p.begin(ctx, actor, ledger.ActDecideApproval, in.ProjectCode)
	if err != nil {
		return nil, err
	}
	on := in.DecidedOn
	if on == "" {
		on = ledger.DateOf(p.now())
	}
	e := &ledger.StageEvent{ProjectID: pr.ID, Stage: ledger.Approval, OccurredOn: on, Reason: strings.TrimSpace(in.Reason)}
	if in.Approve {
		cards, err := p.Store.ScorecardsByProjectIDs(ctx, []int64{pr.ID})
		if err != nil {
			return nil, err
		}
		if err := ledger.CheckApproval(pr, cards[0]); err != nil {
			return nil, err
		}
		if in.Awarded < 0 {
			return nil, ledger.Invalid("awarded", "the award must not be negative")
		}
		if e.Reason == "" {
			e.Reason = "approved"
		}
	} else {
		if e.Reason == "" {
			return nil, ledger.Invalid("reason", "a rejection must carry its reason")
		}
		e.Stage, e.Outcome = pr.Stage, ledger.Rejected
	}
	if err := ledger.CheckStageChange(pr, e); err != nil {
		return nil, err
	}
	att := actor.Attribution(role, "")
	verb := "rejected"
	if in.Approve {
		verb = "approved"
	}
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActDecideApproval, "", 0, pr.Code+" "+verb+": "+e.Reason),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			if in.Approve && in.Awarded > 0 && in.Awarded != pr.Awarded {
				pr.Awarded = in.Awarded
				if err := w.CorrectProject(ctx, actor.Attribution(role, "award decided at approval"), pr); err != nil {
					return "", 0, err
				}
			}
			if err := w.RecordStageEvent(ctx, att, e); err != nil {
				return "", 0, err
			}
			return ledger.EntityStageEvent, e.ID, nil
		})
	if err != nil {
		return nil, err
	}
	return p.Store.Project(ctx, pr.Code)
}

// NoticeInput publishes a notice listing projects: the approval public
// notice (立项公示, with its notice period) or the result announcement
// (验收评估结果公告).
type NoticeInput struct {
	Announcement ledger.Announcement // Code, Title, Body, PublishedOn, NoticeStart, NoticeEnd
	RoundYear    int
	ProjectCodes []string
}

// PublishApprovalNotice publishes the approval public notice of approved
// projects, with the notice period in which the public may object.
func (p *Publishing) PublishApprovalNotice(ctx context.Context, actor ledger.Actor, in *NoticeInput) (*ledger.Announcement, error) {
	return p.publishNotice(ctx, actor, ledger.ActPublishApproval, ledger.ApprovalNotice, in, func(i int, pr *ledger.Project) error {
		if pr.Stage != ledger.Approval || pr.Outcome != ledger.Ongoing {
			return ledger.Invalid(fmt.Sprintf("projectCodes[%d]", i), "project %s is not approved (it is in %s %s)", pr.Code, ledger.Label(pr.Stage), ledger.Label(pr.Outcome))
		}
		return nil
	})
}

// PublishResults publishes the result announcement of projects that have ended.
func (p *Publishing) PublishResults(ctx context.Context, actor ledger.Actor, in *NoticeInput) (*ledger.Announcement, error) {
	return p.publishNotice(ctx, actor, ledger.ActPublishResults, ledger.ClosingResults, in, func(i int, pr *ledger.Project) error {
		if pr.Outcome != ledger.Completed && pr.Outcome != ledger.Terminated {
			return ledger.Invalid(fmt.Sprintf("projectCodes[%d]", i), "project %s has not been accepted or terminated yet", pr.Code)
		}
		return nil
	})
}

func (p *Publishing) publishNotice(ctx context.Context, actor ledger.Actor, act ledger.Action, kind ledger.AnnouncementKind,
	in *NoticeInput, check func(int, *ledger.Project) error) (*ledger.Announcement, error) {
	_, role, err := p.begin(ctx, actor, act, "")
	if err != nil {
		return nil, err
	}
	a := &in.Announcement
	a.Kind, a.PublisherID = kind, ownOrg(actor)
	if a.RoundID, err = p.roundID(ctx, "roundYear", in.RoundYear); err != nil {
		return nil, err
	}
	if len(in.ProjectCodes) == 0 {
		return nil, ledger.Invalid("projectCodes", "a notice lists at least one project")
	}
	ids, ps, err := p.projectIDs(ctx, "projectCodes", in.ProjectCodes)
	if err != nil {
		return nil, err
	}
	for i, pr := range ps {
		if err := check(i, pr); err != nil {
			return nil, err
		}
	}
	a.ProjectIDs = ids
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, act, "", 0, string(kind)+" "+a.Code),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			return ledger.EntityAnnouncement, a.ID, w.PublishAnnouncement(ctx, actor.Attribution(role, ""), a)
		})
	return a, err
}

// AgreementInput records the signed agreement (项目协议书).
type AgreementInput struct {
	ProjectCode string
	SignedOn    ledger.Date
	CoFunding   ledger.Money // co-funding the undertaker commits
	Report      ledger.Report
}

// RecordAgreement records the agreement once the approval notice period
// has ended: its text as an AGREEMENT report, the committed co-funding,
// and the project enters execution.
func (p *Publishing) RecordAgreement(ctx context.Context, actor ledger.Actor, in *AgreementInput) (*ledger.Project, error) {
	pr, role, err := p.begin(ctx, actor, ledger.ActRecordAgreement, in.ProjectCode)
	if err != nil {
		return nil, err
	}
	if !in.SignedOn.Valid() {
		return nil, ledger.Invalid("signedOn", "the date the agreement was signed is required (YYYY-MM-DD)")
	}
	notices, err := p.Store.AnnouncementsByProjectIDs(ctx, []int64{pr.ID})
	if err != nil {
		return nil, err
	}
	if err := ledger.CheckAgreement(pr, in.SignedOn, notices[0]); err != nil {
		return nil, err
	}
	e := &ledger.StageEvent{ProjectID: pr.ID, Stage: ledger.Execution, OccurredOn: in.SignedOn, Reason: "agreement signed"}
	if err := ledger.CheckStageChange(pr, e); err != nil {
		return nil, err
	}
	if in.CoFunding < 0 {
		return nil, ledger.Invalid("coFunding", "co-funding must not be negative")
	}
	r := &in.Report
	r.Kind, r.ProjectID, r.AuthorID = ledger.Agreement, &pr.ID, ownOrg(actor)
	if r.PublishedOn == "" {
		r.PublishedOn = in.SignedOn
	}
	att := actor.Attribution(role, "")
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActRecordAgreement, "", 0, "agreement of "+pr.Code),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			if in.CoFunding != pr.CoFunding {
				pr.CoFunding = in.CoFunding
				if err := w.CorrectProject(ctx, actor.Attribution(role, "co-funding agreed"), pr); err != nil {
					return "", 0, err
				}
			}
			if err := w.PublishReport(ctx, att, r); err != nil {
				return "", 0, err
			}
			if err := w.RecordStageEvent(ctx, att, e); err != nil {
				return "", 0, err
			}
			return ledger.EntityReport, r.ID, nil
		})
	if err != nil {
		return nil, err
	}
	return p.Store.Project(ctx, pr.Code)
}

// TrancheInput records a payment of a project's award.
type TrancheInput struct {
	ProjectCode string
	Kind        ledger.TrancheKind
	Amount      ledger.Money
	PaidOn      ledger.Date
}

// RecordTranche records a tranche the schedule allows (CheckTrancheDue)
// and the award can bear (the store's CheckPayment).
func (p *Publishing) RecordTranche(ctx context.Context, actor ledger.Actor, in *TrancheInput) (*ledger.Tranche, error) {
	pr, role, err := p.begin(ctx, actor, ledger.ActRecordTranche, in.ProjectCode)
	if err != nil {
		return nil, err
	}
	cards, err := p.Store.ScorecardsByProjectIDs(ctx, []int64{pr.ID})
	if err != nil {
		return nil, err
	}
	if err := ledger.CheckTrancheDue(pr, in.Kind, ledger.MidtermPassed(cards[0])); err != nil {
		return nil, err
	}
	t := &ledger.Tranche{ProjectID: pr.ID, Kind: in.Kind, Amount: in.Amount, PaidOn: in.PaidOn}
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActRecordTranche, "", 0, fmt.Sprintf("%s tranche of %s: %s yuan", in.Kind, pr.Code, in.Amount)),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			return ledger.EntityTranche, t.ID, w.RecordTranche(ctx, actor.Attribution(role, ""), t)
		})
	return t, err
}

// MetricValue is one figure of a period.
type MetricValue struct {
	Kind   ledger.MetricKind
	Value  int64
	Target *int64
}

// QuarterlyInput publishes a quarterly report (季度工作总结和计划表) with
// the figures of its period, self-reported by the undertaker.
type QuarterlyInput struct {
	ProjectCode string
	Report      ledger.Report // Code, Title, Body, PublishedOn
	PeriodStart ledger.Date
	PeriodEnd   ledger.Date
	Metrics     []MetricValue
}

// SubmitQuarterly publishes a quarterly report and its self-reported
// metrics, which stay self-reported until an evaluator verifies them.
func (p *Publishing) SubmitQuarterly(ctx context.Context, actor ledger.Actor, in *QuarterlyInput) (*ledger.Report, error) {
	pr, role, err := p.begin(ctx, actor, ledger.ActSubmitQuarterly, in.ProjectCode)
	if err != nil {
		return nil, err
	}
	if (pr.Stage != ledger.Execution && pr.Stage != ledger.Closing) || pr.Outcome != ledger.Ongoing {
		return nil, ledger.Invalid("projectCode", "project %s is not being executed (it is in %s %s)", pr.Code, ledger.Label(pr.Stage), ledger.Label(pr.Outcome))
	}
	r := &in.Report
	r.Kind, r.ProjectID, r.AuthorID = ledger.QuarterlySummary, &pr.ID, ownOrg(actor)
	if r.PublishedOn == "" {
		r.PublishedOn = ledger.DateOf(p.now())
	}
	att := actor.Attribution(role, "")
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActSubmitQuarterly, "", 0, "quarterly report "+r.Code+" of "+pr.Code),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			if err := w.PublishReport(ctx, att, r); err != nil {
				return "", 0, err
			}
			if err := p.recordMetrics(ctx, w, att, pr, in.PeriodStart, in.PeriodEnd, in.Metrics, ledger.SelfReported); err != nil {
				return "", 0, err
			}
			return ledger.EntityReport, r.ID, nil
		})
	return r, err
}

func (p *Publishing) recordMetrics(ctx context.Context, w ledger.Writer, att ledger.Attribution, pr *ledger.Project,
	start, end ledger.Date, ms []MetricValue, prov ledger.Provenance) error {
	for i, mv := range ms {
		m := &ledger.Metric{ProjectID: pr.ID, Kind: mv.Kind, PeriodStart: start, PeriodEnd: end, Value: mv.Value, Target: mv.Target, Provenance: prov}
		if err := w.RecordMetric(ctx, att, m); err != nil {
			return ledger.InField(fmt.Sprintf("metrics[%d]", i), err)
		}
	}
	return nil
}

// VerifyInput records the verified figures of a period.
type VerifyInput struct {
	ProjectCode string
	PeriodStart ledger.Date
	PeriodEnd   ledger.Date
	Metrics     []MetricValue
}

// VerifyMetrics records figures an evaluator verified; the project's
// totals then use the verified figures of each kind.
func (p *Publishing) VerifyMetrics(ctx context.Context, actor ledger.Actor, in *VerifyInput) (*ledger.Project, error) {
	pr, role, err := p.begin(ctx, actor, ledger.ActVerifyMetrics, in.ProjectCode)
	if err != nil {
		return nil, err
	}
	if len(in.Metrics) == 0 {
		return nil, ledger.Invalid("metrics", "give at least one verified figure")
	}
	att := actor.Attribution(role, "")
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActVerifyMetrics, "", 0, fmt.Sprintf("%d verified figures of %s", len(in.Metrics), pr.Code)),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			return ledger.EntityProject, pr.ID, p.recordMetrics(ctx, w, att, pr, in.PeriodStart, in.PeriodEnd, in.Metrics, ledger.Verified)
		})
	return pr, err
}

// AuditInput records the financial audit of a project.
type AuditInput struct {
	ProjectCode string
	AuditedOn   ledger.Date
	Result      ledger.AuditResult
	Findings    string
	Spent       ledger.Money
	Recovered   ledger.Money
	Report      *ledger.Report // the audit report (财务审计报告), optional
}

// RecordAudit records the audit by the project's audit agency, with its report.
func (p *Publishing) RecordAudit(ctx context.Context, actor ledger.Actor, in *AuditInput) (*ledger.Audit, error) {
	pr, role, err := p.begin(ctx, actor, ledger.ActRecordAudit, in.ProjectCode)
	if err != nil {
		return nil, err
	}
	if pr.Stage != ledger.Execution && pr.Stage != ledger.Closing {
		return nil, ledger.Invalid("projectCode", "project %s is audited in execution or closing, not in %s", pr.Code, ledger.Label(pr.Stage))
	}
	a := &ledger.Audit{ProjectID: pr.ID, AuditorID: pr.AuditorID, AuditedOn: in.AuditedOn, Result: in.Result, Findings: in.Findings,
		Spent: in.Spent, Recovered: in.Recovered}
	if role == ledger.RoleAuditor {
		a.AuditorID = ownOrg(actor)
	}
	att := actor.Attribution(role, "")
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActRecordAudit, "", 0, fmt.Sprintf("audit of %s: %s", pr.Code, in.Result)),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			if r := in.Report; r != nil {
				r.Kind, r.ProjectID, r.AuthorID = ledger.AuditReport, &pr.ID, ownOrg(actor)
				if r.PublishedOn == "" {
					r.PublishedOn = in.AuditedOn
				}
				if err := w.PublishReport(ctx, att, r); err != nil {
					return "", 0, ledger.InField("report", err)
				}
				a.ReportID = &r.ID
			}
			return ledger.EntityAudit, a.ID, w.RecordAudit(ctx, att, a)
		})
	return a, err
}

// AcceptanceInput records the acceptance (项目验收) that completes a project.
type AcceptanceInput struct {
	ProjectCode string
	AcceptedOn  ledger.Date
	Report      ledger.Report // the acceptance report (项目验收报告)
}

// RecordAcceptance completes a project in closing: it must have been
// audited, with the unspent balance recovered (CheckClosing).
func (p *Publishing) RecordAcceptance(ctx context.Context, actor ledger.Actor, in *AcceptanceInput) (*ledger.Project, error) {
	pr, role, err := p.begin(ctx, actor, ledger.ActRecordAcceptance, in.ProjectCode)
	if err != nil {
		return nil, err
	}
	audits, err := p.Store.AuditsByProjectIDs(ctx, []int64{pr.ID})
	if err != nil {
		return nil, err
	}
	figs, err := p.Store.FiguresByProjectIDs(ctx, []int64{pr.ID})
	if err != nil {
		return nil, err
	}
	var paid ledger.Money
	if len(figs) > 0 && figs[0] != nil {
		paid = figs[0].Paid
	}
	if err := ledger.CheckClosing(pr, paid, audits[0]); err != nil {
		return nil, err
	}
	e := &ledger.StageEvent{ProjectID: pr.ID, Stage: ledger.Closing, Outcome: ledger.Completed, OccurredOn: in.AcceptedOn, Reason: "accepted"}
	if err := e.Validate(); err != nil {
		return nil, ledger.Invalid("acceptedOn", "%s", ledger.ErrorMessage(err))
	}
	if err := ledger.CheckStageChange(pr, e); err != nil {
		return nil, err
	}
	r := &in.Report
	r.Kind, r.ProjectID, r.AuthorID = ledger.AcceptanceReport, &pr.ID, ownOrg(actor)
	if r.PublishedOn == "" {
		r.PublishedOn = in.AcceptedOn
	}
	att := actor.Attribution(role, "")
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActRecordAcceptance, "", 0, "acceptance of "+pr.Code),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			if err := w.PublishReport(ctx, att, r); err != nil {
				return "", 0, ledger.InField("report", err)
			}
			if err := w.RecordStageEvent(ctx, att, e); err != nil {
				return "", 0, err
			}
			return ledger.EntityStageEvent, e.ID, nil
		})
	if err != nil {
		return nil, err
	}
	return p.Store.Project(ctx, pr.Code)
}

// Terminate ends a project in execution, with its reason.
func (p *Publishing) Terminate(ctx context.Context, actor ledger.Actor, code, reason string, on ledger.Date) (*ledger.Project, error) {
	pr, role, err := p.begin(ctx, actor, ledger.ActTerminate, code)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, ledger.Invalid("reason", "a termination must carry its reason")
	}
	if on == "" {
		on = ledger.DateOf(p.now())
	}
	e := &ledger.StageEvent{ProjectID: pr.ID, Stage: ledger.Execution, Outcome: ledger.Terminated, OccurredOn: on, Reason: strings.TrimSpace(reason)}
	if err := ledger.CheckStageChange(pr, e); err != nil {
		return nil, err
	}
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActTerminate, "", 0, pr.Code+" terminated: "+reason),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			return ledger.EntityStageEvent, e.ID, w.RecordStageEvent(ctx, actor.Attribution(role, ""), e)
		})
	if err != nil {
		return nil, err
	}
	return p.Store.Project(ctx, pr.Code)
}

// CreateCaseCollection publishes a case collection (项目案例集).
func (p *Publishing) CreateCaseCollection(ctx context.Context, actor ledger.Actor, c *ledger.CaseCollection) (*ledger.CaseCollection, error) {
	_, role, err := p.begin(ctx, actor, ledger.ActBuildCases, "")
	if err != nil {
		return nil, err
	}
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActBuildCases, "", 0, "case collection "+c.Title),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			return ledger.EntityCaseCollection, c.ID, w.CreateCaseCollection(ctx, actor.Attribution(role, ""), c)
		})
	return c, err
}

// AddCaseStudy adds a project's case study to a collection.
func (p *Publishing) AddCaseStudy(ctx context.Context, actor ledger.Actor, collectionID int64, code string, c *ledger.CaseStudy) (*ledger.CaseStudy, error) {
	if _, _, err := p.begin(ctx, actor, ledger.ActBuildCases, ""); err != nil {
		return nil, err
	}
	pr, role, err := p.begin(ctx, actor, ledger.ActBuildCases, code)
	if err != nil {
		return nil, err
	}
	c.CollectionID, c.ProjectID = collectionID, pr.ID
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActBuildCases, "", 0, "case study of "+pr.Code),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			return ledger.EntityCaseStudy, c.ID, w.AddCaseStudy(ctx, actor.Attribution(role, ""), c)
		})
	return c, err
}
