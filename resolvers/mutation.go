package resolvers

import (
	"context"
	"errors"
	"strconv"
	"time"

	"civicledger/graph"
	"civicledger/graph/model"
	"civicledger/ledger"
	"civicledger/portal"
)

// The mutations: each converts its input, makes one call of the core's
// Publishing (which asks the policy first), and shapes the payload. A
// refused input (BAD_USER_INPUT, CONFLICT) is the payload's userErrors; a
// caller who is not signed in (UNAUTHENTICATED), not allowed (FORBIDDEN)
// or anything else is a top-level error, as with Shopify's and GitHub's
// APIs (docs/mutations.md).

func (r *Resolver) Mutation() graph.MutationResolver { return &mutationResolver{r} }

type mutationResolver struct{ *Resolver }

// userErrors splits a use case's error into the payload's userErrors and
// the top-level error.
func userErrors(err error) ([]*model.UserError, error) {
	if err == nil {
		return []*model.UserError{}, nil
	}
	var le *ledger.Error
	if errors.As(err, &le) && (le.Code == ledger.EINVALID || le.Code == ledger.ECONFLICT) {
		ue := &model.UserError{Message: le.Message, Code: le.Code}
		if le.Field != "" {
			f := le.Field
			ue.Field = &f
		}
		return []*model.UserError{ue}, nil
	}
	return nil, err
}

func actor(ctx context.Context) ledger.Actor { return ledger.ActorFrom(ctx) }

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func date(p *ledger.Date) ledger.Date {
	if p == nil {
		return ""
	}
	return *p
}

func integer(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func document(d *model.DocumentInput) ledger.Report {
	if d == nil {
		return ledger.Report{}
	}
	return ledger.Report{Code: d.Code, Title: d.Title, Body: d.Body, PublishedOn: date(d.PublishedOn)}
}

func metricValues(ms []*model.MetricValueInput) []portal.MetricValue {
	out := make([]portal.MetricValue, len(ms))
	for i, m := range ms {
		out[i] = portal.MetricValue{Kind: m.Kind, Value: m.Value, Target: m.Target}
	}
	return out
}

// numericID reads an ID given as a number or as the global ID of typ.
func numericID(field, typ, id string) (int64, error) {
	if t, key, ok := parseGlobalID(id); ok && t == typ {
		id = key
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, ledger.Invalid(field, "%s is not the ID of a %s", ledger.Excerpt(id), typ)
	}
	return n, nil
}

func projectPayload(p *ledger.Project, err error) (*model.ProjectPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if len(ue) > 0 {
		p = nil
	}
	return &model.ProjectPayload{Project: p, UserErrors: ue}, nil
}

func reportPayload(rep *ledger.Report, err error) (*model.ReportPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if len(ue) > 0 {
		rep = nil
	}
	return &model.ReportPayload{Report: rep, UserErrors: ue}, nil
}

func announcementPayload(a *ledger.Announcement, err error) (*model.AnnouncementPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if len(ue) > 0 {
		a = nil
	}
	return &model.AnnouncementPayload{Announcement: a, UserErrors: ue}, nil
}

func (r *mutationResolver) SignIn(ctx context.Context, input model.SignInInput) (*model.SignInPayload, error) {
	secret, tok, err := r.Publishing.SignIn(ctx, input.Login, input.Password, ledger.ClientFrom(ctx))
	if ledger.ErrorCode(err) == ledger.EUNAUTHENTICATED {
		// A wrong login or password is the sender's input, not a missing credential.
		return &model.SignInPayload{UserErrors: []*model.UserError{{Message: ledger.ErrorMessage(err), Code: ledger.EUNAUTHENTICATED}}}, nil
	}
	if err != nil {
		return nil, err
	}
	acct, err := r.Publishing.Store.AccountByID(ctx, tok.AccountID)
	if err != nil {
		return nil, err
	}
	return &model.SignInPayload{Token: &secret, ExpiresAt: &tok.ExpiresAt, Account: acct, UserErrors: []*model.UserError{}}, nil
}

func (r *mutationResolver) CreateAPIToken(ctx context.Context, input model.CreateAPITokenInput) (*model.CreateAPITokenPayload, error) {
	a := actor(ctx)
	secret, tok, err := r.Publishing.CreateToken(ctx, a, a.Login, input.Name, time.Duration(input.ExpiresInDays)*24*time.Hour)
	ue, err := userErrors(err)
	if err != nil || len(ue) > 0 {
		return &model.CreateAPITokenPayload{UserErrors: ue}, err
	}
	return &model.CreateAPITokenPayload{Secret: &secret, Token: tok, UserErrors: ue}, nil
}

func (r *mutationResolver) RevokeAPIToken(ctx context.Context, input model.RevokeAPITokenInput) (*model.RevokeAPITokenPayload, error) {
	id, err := numericID("id", "ApiToken", input.ID)
	if err == nil {
		err = r.Publishing.RevokeToken(ctx, actor(ctx), id)
	}
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		err = ledger.Invalid("id", "%s", ledger.ErrorMessage(err))
	}
	ue, err := userErrors(err)
	if err != nil || len(ue) > 0 {
		return &model.RevokeAPITokenPayload{UserErrors: ue}, err
	}
	return &model.RevokeAPITokenPayload{RevokedTokenID: &input.ID, UserErrors: ue}, nil
}

func (r *mutationResolver) RegisterOrganization(ctx context.Context, input model.RegisterOrganizationInput) (*model.OrganizationPayload, error) {
	o := &ledger.Organization{CreditCode: input.CreditCode, Name: input.Name, Kind: input.Kind, District: str(input.District),
		Description: str(input.Description), FoundedOn: date(input.FoundedOn)}
	o, err := r.Publishing.RegisterOrganization(ctx, actor(ctx), o)
	ue, err := userErrors(err)
	if err != nil || len(ue) > 0 {
		return &model.OrganizationPayload{UserErrors: ue}, err
	}
	return &model.OrganizationPayload{Organization: o, UserErrors: ue}, nil
}

func (r *mutationResolver) OpenRound(ctx context.Context, input model.OpenRoundInput) (*model.OpenRoundPayload, error) {
	in := &portal.OpenRoundInput{
		Round: ledger.Round{Year: input.Year, Title: input.Title, Budget: input.Budget, Description: str(input.Description),
			OpensOn: date(input.OpensOn), ClosesOn: date(input.ClosesOn)},
	}
	if n := input.Notice; n != nil {
		in.Notice = ledger.Announcement{Code: n.Code, Title: n.Title, Body: str(n.Body), PublishedOn: n.PublishedOn}
	}
	round, notice, err := r.Publishing.OpenRound(ctx, actor(ctx), in)
	ue, err := userErrors(err)
	if err != nil || len(ue) > 0 {
		return &model.OpenRoundPayload{UserErrors: ue}, err
	}
	return &model.OpenRoundPayload{Round: round, Notice: notice, UserErrors: ue}, nil
}

func (r *mutationResolver) PublishIndicatorSet(ctx context.Context, input model.PublishIndicatorSetInput) (*model.IndicatorSetPayload, error) {
	s := &ledger.IndicatorSet{Kind: input.Kind, Name: input.Name, Edition: str(input.Edition), PublishedOn: date(input.PublishedOn)}
	for _, in := range input.Indicators {
		s.Indicators = append(s.Indicators, ledger.Indicator{Name: in.Name, Guidance: str(in.Guidance), Weight: in.Weight, MaxScore: in.MaxScore})
	}
	s, err := r.Publishing.PublishIndicatorSet(ctx, actor(ctx), s)
	ue, err := userErrors(err)
	if err != nil || len(ue) > 0 {
		return &model.IndicatorSetPayload{UserErrors: ue}, err
	}
	return &model.IndicatorSetPayload{IndicatorSet: s, UserErrors: ue}, nil
}

func (r *mutationResolver) RegisterApplication(ctx context.Context, input model.RegisterApplicationInput) (*model.ProjectPayload, error) {
	in := &portal.ApplicationInput{RoundYear: input.RoundYear, UndertakerCode: str(input.UndertakerCode),
		Project: ledger.Project{Code: input.Code, Title: input.Title, ServiceArea: input.ServiceArea, District: input.District,
			TargetGroup: str(input.TargetGroup), Summary: str(input.Summary), Awarded: input.Requested, AppliedOn: date(input.AppliedOn)}}
	return projectPayload(r.Publishing.RegisterApplication(ctx, actor(ctx), in))
}

func (r *mutationResolver) AssignAgencies(ctx context.Context, input model.AssignAgenciesInput) (*model.ProjectPayload, error) {
	return projectPayload(r.Publishing.AssignAgencies(ctx, actor(ctx), input.ProjectCode, str(input.EvaluatorCode), str(input.AuditorCode)))
}

func (r *mutationResolver) RecordReview(ctx context.Context, input model.RecordReviewInput) (*model.ScorecardPayload, error) {
	setID, err := numericID("indicatorSetId", "IndicatorSet", input.IndicatorSetID)
	var card *ledger.Scorecard
	if err == nil {
		in := &portal.ScorecardInput{ProjectCode: input.ProjectCode, IndicatorSetID: setID, ReviewedOn: input.ReviewedOn,
			Comment: str(input.Comment), ReviewerCode: str(input.ReviewerCode), CorrectionsRequired: str(input.CorrectionsRequired)}
		for _, s := range input.Scores {
			in.Scores = append(in.Scores, portal.PositionScore{Position: s.Position, Value: s.Value})
		}
		card, err = r.Publishing.RecordReview(ctx, actor(ctx), in)
	}
	ue, err := userErrors(err)
	if err != nil || len(ue) > 0 {
		return &model.ScorecardPayload{UserErrors: ue}, err
	}
	p, err := r.Publishing.Store.Project(ctx, input.ProjectCode)
	return &model.ScorecardPayload{Scorecard: card, Project: p, UserErrors: ue}, err
}

func (r *mutationResolver) DecideApproval(ctx context.Context, input model.DecideApprovalInput) (*model.ProjectPayload, error) {
	in := &portal.DecisionInput{ProjectCode: input.ProjectCode, Approve: input.Approve, Reason: str(input.Reason), DecidedOn: date(input.DecidedOn)}
	if input.Awarded != nil {
		in.Awarded = *input.Awarded
	}
	return projectPayload(r.Publishing.DecideApproval(ctx, actor(ctx), in))
}

func noticeInput(input model.PublishNoticeInput) *portal.NoticeInput {
	return &portal.NoticeInput{RoundYear: integer(input.RoundYear), ProjectCodes: input.ProjectCodes,
		Announcement: ledger.Announcement{Code: input.Code, Title: input.Title, Body: str(input.Body), PublishedOn: input.PublishedOn,
			NoticeStart: date(input.NoticeStart), NoticeEnd: date(input.NoticeEnd)}}
}

func (r *mutationResolver) PublishApprovalNotice(ctx context.Context, input model.PublishNoticeInput) (*model.AnnouncementPayload, error) {
	return announcementPayload(r.Publishing.PublishApprovalNotice(ctx, actor(ctx), noticeInput(input)))
}

func (r *mutationResolver) PublishResultAnnouncement(ctx context.Context, input model.PublishNoticeInput) (*model.AnnouncementPayload, error) {
	return announcementPayload(r.Publishing.PublishResults(ctx, actor(ctx), noticeInput(input)))
}

func (r *mutationResolver) RecordAgreement(ctx context.Context, input model.RecordAgreementInput) (*model.ProjectPayload, error) {
	in := &portal.AgreementInput{ProjectCode: input.ProjectCode, SignedOn: input.SignedOn, Report: document(input.Agreement)}
	if input.CoFunding != nil {
		in.CoFunding = *input.CoFunding
	}
	return projectPayload(r.Publishing.RecordAgreement(ctx, actor(ctx), in))
}

func (r *mutationResolver) RecordTranche(ctx context.Context, input model.RecordTrancheInput) (*model.TranchePayload, error) {
	t, err := r.Publishing.RecordTranche(ctx, actor(ctx), &portal.TrancheInput{ProjectCode: input.ProjectCode, Kind: input.Kind,
		Amount: input.Amount, PaidOn: input.PaidOn})
	ue, err := userErrors(err)
	if err != nil || len(ue) > 0 {
		return &model.TranchePayload{UserErrors: ue}, err
	}
	p, err := r.Publishing.Store.Project(ctx, input.ProjectCode)
	return &model.TranchePayload{Tranche: t, Project: p, UserErrors: ue}, err
}

func (r *mutationResolver) SubmitQuarterlyReport(ctx context.Context, input model.SubmitQuarterlyReportInput) (*model.ReportPayload, error) {
	return reportPayload(r.Publishing.SubmitQuarterly(ctx, actor(ctx), &portal.QuarterlyInput{ProjectCode: input.ProjectCode,
		Report: document(input.Report), PeriodStart: input.PeriodStart, PeriodEnd: input.PeriodEnd, Metrics: metricValues(input.Metrics)}))
}

func (r *mutationResolver) VerifyMetrics(ctx context.Context, input model.VerifyMetricsInput) (*model.ProjectPayload, error) {
	return projectPayload(r.Publishing.VerifyMetrics(ctx, actor(ctx), &portal.VerifyInput{ProjectCode: input.ProjectCode,
		PeriodStart: input.PeriodStart, PeriodEnd: input.PeriodEnd, Metrics: metricValues(input.Metrics)}))
}

func (r *mutationResolver) RecordAudit(ctx context.Context, input model.RecordAuditInput) (*model.AuditPayload, error) {
	in := &portal.AuditInput{ProjectCode: input.ProjectCode, AuditedOn: input.AuditedOn, Result: input.Result, Findings: str(input.Findings),
		Spent: input.Spent, Recovered: input.Recovered}
	if input.Report != nil {
		rep := document(input.Report)
		in.Report = &rep
	}
	a, err := r.Publishing.RecordAudit(ctx, actor(ctx), in)
	ue, err := userErrors(err)
	if err != nil || len(ue) > 0 {
		return &model.AuditPayload{UserErrors: ue}, err
	}
	p, err := r.Publishing.Store.Project(ctx, input.ProjectCode)
	return &model.AuditPayload{Audit: a, Project: p, UserErrors: ue}, err
}

func (r *mutationResolver) RecordAcceptance(ctx context.Context, input model.RecordAcceptanceInput) (*model.ProjectPayload, error) {
	return projectPayload(r.Publishing.RecordAcceptance(ctx, actor(ctx), &portal.AcceptanceInput{ProjectCode: input.ProjectCode,
		AcceptedOn: input.AcceptedOn, Report: document(input.Report)}))
}

func (r *mutationResolver) TerminateProject(ctx context.Context, input model.TerminateProjectInput) (*model.ProjectPayload, error) {
	return projectPayload(r.Publishing.Terminate(ctx, actor(ctx), input.ProjectCode, input.Reason, date(input.TerminatedOn)))
}

func (r *mutationResolver) CreateCaseCollection(ctx context.Context, input model.CreateCaseCollectionInput) (*model.CaseCollectionPayload, error) {
	c, err := r.Publishing.CreateCaseCollection(ctx, actor(ctx), &ledger.CaseCollection{Year: input.Year, Title: input.Title,
		Intro: str(input.Intro), PublishedOn: input.PublishedOn})
	ue, err := userErrors(err)
	if err != nil || len(ue) > 0 {
		return &model.CaseCollectionPayload{UserErrors: ue}, err
	}
	return &model.CaseCollectionPayload{CaseCollection: c, UserErrors: ue}, nil
}

func (r *mutationResolver) AddCaseStudy(ctx context.Context, input model.AddCaseStudyInput) (*model.CaseStudyPayload, error) {
	id, err := numericID("collectionId", "CaseCollection", input.CollectionID)
	var c *ledger.CaseStudy
	if err == nil {
		c, err = r.Publishing.AddCaseStudy(ctx, actor(ctx), id, input.ProjectCode,
			&ledger.CaseStudy{Title: input.Title, Narrative: input.Narrative, Position: integer(input.Position)})
	}
	ue, err := userErrors(err)
	if err != nil || len(ue) > 0 {
		return &model.CaseStudyPayload{UserErrors: ue}, err
	}
	return &model.CaseStudyPayload{CaseStudy: c, UserErrors: ue}, nil
}

func (r *mutationResolver) CorrectProject(ctx context.Context, input model.CorrectProjectInput) (*model.ProjectPayload, error) {
	return projectPayload(r.Publishing.CorrectProject(ctx, actor(ctx), &portal.ProjectCorrection{Code: input.Code,
		Version: integer(input.Version), Reason: input.Reason, Title: input.Title, Summary: input.Summary, TargetGroup: input.TargetGroup,
		District: input.District, ServiceArea: input.ServiceArea, Awarded: input.Awarded, CoFunding: input.CoFunding}))
}

func docCorrection(input model.CorrectDocumentInput) *portal.DocumentCorrection {
	return &portal.DocumentCorrection{Code: input.Code, Version: integer(input.Version), Reason: input.Reason, Title: input.Title,
		Body: input.Body, NoticeEnd: input.NoticeEnd}
}

func (r *mutationResolver) CorrectReport(ctx context.Context, input model.CorrectDocumentInput) (*model.ReportPayload, error) {
	return reportPayload(r.Publishing.CorrectReport(ctx, actor(ctx), docCorrection(input)))
}

func (r *mutationResolver) WithdrawReport(ctx context.Context, input model.WithdrawInput) (*model.ReportPayload, error) {
	return reportPayload(r.Publishing.WithdrawReport(ctx, actor(ctx), &portal.DocumentCorrection{Code: input.Code, Reason: input.Reason}))
}

func (r *mutationResolver) CorrectAnnouncement(ctx context.Context, input model.CorrectDocumentInput) (*model.AnnouncementPayload, error) {
	return announcementPayload(r.Publishing.CorrectAnnouncement(ctx, actor(ctx), docCorrection(input)))
}

func (r *mutationResolver) WithdrawAnnouncement(ctx context.Context, input model.WithdrawInput) (*model.AnnouncementPayload, error) {
	return announcementPayload(r.Publishing.WithdrawAnnouncement(ctx, actor(ctx), &portal.DocumentCorrection{Code: input.Code, Reason: input.Reason}))
}

func (r *mutationResolver) SaveReportDraft(ctx context.Context, input model.SaveReportDraftInput) (*model.DraftPayload, error) {
	in := &portal.ReportDraft{ProjectCode: str(input.ProjectCode), Report: ledger.Report{Kind: input.Kind, Code: input.Code,
		Title: input.Title, Body: input.Body, PublishedOn: date(input.PublishedOn)}}
	var err error
	if input.ID != nil {
		in.ID, err = numericID("id", "Draft", *input.ID)
	}
	var d *ledger.Draft
	if err == nil {
		d, err = r.Publishing.SaveReportDraft(ctx, actor(ctx), in)
	}
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		err = ledger.Invalid("id", "%s", ledger.ErrorMessage(err))
	}
	ue, err := userErrors(err)
	if err != nil || len(ue) > 0 {
		return &model.DraftPayload{UserErrors: ue}, err
	}
	return &model.DraftPayload{Draft: d, UserErrors: ue}, nil
}

func (r *mutationResolver) PublishReportDraft(ctx context.Context, input model.PublishReportDraftInput) (*model.ReportPayload, error) {
	id, err := numericID("id", "Draft", input.ID)
	if err != nil {
		return reportPayload(nil, err)
	}
	return reportPayload(r.Publishing.PublishReportDraft(ctx, actor(ctx), id))
}
