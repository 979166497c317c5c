package portal

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"civicledger/ledger"
)

// Corrections, withdrawals, the corrections register and drafts.

// ProjectCorrection is a correction of a project's published fields.
type ProjectCorrection struct {
	Code    string
	Version int // the version corrected; 0 for "the current one"
	Reason  string
	// The fields to correct; nil leaves one as it is.
	Title, Summary, TargetGroup, District *string
	ServiceArea                           *ledger.ServiceArea
	Awarded, CoFunding                    *ledger.Money
}

// CorrectProject publishes a corrected version of a project, with its reason,
// and lists it in the corrections register.
func (p *Publishing) CorrectProject(ctx context.Context, actor ledger.Actor, in *ProjectCorrection) (*ledger.Project, error) {
	pr, role, err := p.begin(ctx, actor, ledger.ActCorrect, in.Code)
	if err != nil {
		return nil, err
	}
	if err := ledger.CheckReason(in.Reason); err != nil {
		return nil, err
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&pr.Title, in.Title)
	set(&pr.Summary, in.Summary)
	set(&pr.TargetGroup, in.TargetGroup)
	set(&pr.District, in.District)
	if in.ServiceArea != nil {
		pr.ServiceArea = *in.ServiceArea
	}
	if in.Awarded != nil || in.CoFunding != nil {
		if role != ledger.RoleBureau && role != ledger.RoleFinance {
			return nil, ledger.Errorf(ledger.EFORBIDDEN, "only the bureau or finance may correct a project's money")
		}
		if in.Awarded != nil {
			pr.Awarded = *in.Awarded
		}
		if in.CoFunding != nil {
			pr.CoFunding = *in.CoFunding
		}
	}
	if in.Version != 0 {
		pr.Version = in.Version
	}
	reason := strings.TrimSpace(in.Reason)
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, ledger.ActCorrect, "", 0, "correction of project "+pr.Code+": "+reason),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			if err := w.CorrectProject(ctx, actor.Attribution(role, reason), pr); err != nil {
				return "", 0, err
			}
			return ledger.EntityProject, pr.ID, w.RecordCorrection(ctx, p.correction(actor, role, ledger.KindCorrection,
				ledger.EntityProject, pr.ID, pr.Version, pr.ID, reason))
		})
	return pr, err
}

func (p *Publishing) correction(actor ledger.Actor, role ledger.Role, kind ledger.CorrectionKind, e ledger.Entity, id int64, version int, project int64, reason string) *ledger.Correction {
	return &ledger.Correction{Entity: e, EntityID: id, Version: version, Kind: kind, Reason: reason, OrgID: actor.OrgID,
		ProjectID: project, Login: actor.Login, Role: role}
}

// DocumentCorrection corrects or withdraws a published report or announcement.
type DocumentCorrection struct {
	Code    string
	Version int // the version corrected; 0 for the current one
	Reason  string
	Title   *string
	Body    *string
	// NoticeEnd corrects an announcement's notice period end (an
	// extension of the period the public may object in).
	NoticeEnd *ledger.Date
}

// reportFor authorizes act on a report: the bureau on any; a role scoped
// to projects on the reports of its projects that its own organization wrote.
func (p *Publishing) reportFor(ctx context.Context, actor ledger.Actor, act ledger.Action, code string) (*ledger.Report, ledger.Role, error) {
	if _, _, err := p.begin(ctx, actor, act, ""); ledger.ErrorCode(err) == ledger.EUNAUTHENTICATED || err == unavailable {
		return nil, "", err
	}
	rs, err := p.Store.ReportsByCodes(ctx, []string{code})
	if err != nil {
		return nil, "", err
	}
	if len(rs) == 0 || rs[0] == nil {
		return nil, "", ledger.Invalid("code", "no report has code %s", ledger.Excerpt(code))
	}
	r := rs[0]
	var pr *ledger.Project
	if r.ProjectID != nil {
		ps, err := p.Store.ProjectsByIDs(ctx, []int64{*r.ProjectID})
		if err != nil {
			return nil, "", err
		}
		pr = ps[0]
	}
	role, err := ledger.Authorize(actor, act, pr)
	if err != nil {
		return nil, "", err
	}
	if role != ledger.RoleBureau && (r.AuthorID == nil || *r.AuthorID != actor.OrgID) {
		return nil, "", ledger.Errorf(ledger.EFORBIDDEN, "report %s was written by another organization; only it or the bureau may correct it", r.Code)
	}
	return r, role, nil
}

// CorrectReport publishes a corrected version of a report with its reason.
func (p *Publishing) CorrectReport(ctx context.Context, actor ledger.Actor, in *DocumentCorrection) (*ledger.Report, error) {
	return p.changeReport(ctx, actor, ledger.ActCorrect, ledger.KindCorrection, in)
}

// WithdrawReport publishes the version of a report that withdraws it, with its reason.
func (p *Publishing) WithdrawReport(ctx context.Context, actor ledger.Actor, in *DocumentCorrection) (*ledger.Report, error) {
	return p.changeReport(ctx, actor, ledger.ActWithdraw, ledger.KindWithdrawal, in)
}

func (p *Publishing) changeReport(ctx context.Context, actor ledger.Actor, act ledger.Action, kind ledger.CorrectionKind, in *DocumentCorrection) (*ledger.Report, error) {
	r, role, err := p.reportFor(ctx, actor, act, in.Code)
	if err != nil {
		return nil, err
	}
	if err := ledger.CheckReason(in.Reason); err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(in.Reason)
	if kind == ledger.KindWithdrawal {
		r.Title, r.Body = ledger.WithdrawnTitle(r.Title), ledger.WithdrawnBody(ledger.DateOf(p.now()), reason)
	} else {
		if in.Title != nil {
			r.Title = *in.Title
		}
		if in.Body != nil {
			r.Body = *in.Body
		}
	}
	r.Version = in.Version
	var project int64
	if r.ProjectID != nil {
		project = *r.ProjectID
	}
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, act, "", 0, string(kind)+" of report "+r.Code+": "+reason),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			if err := w.CorrectReport(ctx, actor.Attribution(role, reason), r); err != nil {
				return "", 0, err
			}
			return ledger.EntityReport, r.ID, w.RecordCorrection(ctx, p.correction(actor, role, kind, ledger.EntityReport, r.ID, r.Version, project, reason))
		})
	return r, err
}

// CorrectAnnouncement publishes a corrected version of an announcement (bureau).
func (p *Publishing) CorrectAnnouncement(ctx context.Context, actor ledger.Actor, in *DocumentCorrection) (*ledger.Announcement, error) {
	return p.changeAnnouncement(ctx, actor, ledger.ActCorrect, ledger.KindCorrection, in)
}

// WithdrawAnnouncement publishes the version of an announcement that withdraws it (bureau).
func (p *Publishing) WithdrawAnnouncement(ctx context.Context, actor ledger.Actor, in *DocumentCorrection) (*ledger.Announcement, error) {
	return p.changeAnnouncement(ctx, actor, ledger.ActWithdraw, ledger.KindWithdrawal, in)
}

func (p *Publishing) changeAnnouncement(ctx context.Context, actor ledger.Actor, act ledger.Action, kind ledger.CorrectionKind, in *DocumentCorrection) (*ledger.Announcement, error) {
	// Announcements are the bureau's: a programme-wide record.
	_, role, err := p.begin(ctx, actor, act, "")
	if err != nil {
		return nil, err
	}
	if role != ledger.RoleBureau {
		return nil, ledger.Errorf(ledger.EFORBIDDEN, "announcements are corrected by the bureau")
	}
	as, err := p.Store.AnnouncementsByCodes(ctx, []string{in.Code})
	if err != nil {
		return nil, err
	}
	if len(as) == 0 || as[0] == nil {
		return nil, ledger.Invalid("code", "no announcement has code %s", ledger.Excerpt(in.Code))
	}
	a := as[0]
	if err := ledger.CheckReason(in.Reason); err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(in.Reason)
	if kind == ledger.KindWithdrawal {
		a.Title, a.Body = ledger.WithdrawnTitle(a.Title), ledger.WithdrawnBody(ledger.DateOf(p.now()), reason)
	} else {
		if in.Title != nil {
			a.Title = *in.Title
		}
		if in.Body != nil {
			a.Body = *in.Body
		}
		if in.NoticeEnd != nil {
			a.NoticeEnd = *in.NoticeEnd
		}
	}
	a.Version = in.Version
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, act, "", 0, string(kind)+" of announcement "+a.Code+": "+reason),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			if err := w.CorrectAnnouncement(ctx, actor.Attribution(role, reason), a); err != nil {
				return "", 0, err
			}
			return ledger.EntityAnnouncement, a.ID, w.RecordCorrection(ctx, p.correction(actor, role, kind, ledger.EntityAnnouncement, a.ID, a.Version, 0, reason))
		})
	return a, err
}

// CorrectionQuery filters the public corrections register by public keys.
type CorrectionQuery struct {
	Organizations []string // credit codes of the correcting organizations
	Entities      []ledger.Entity
	Kinds         []ledger.CorrectionKind
}

// Corrections returns a page of the public corrections register, newest first.
func (p *Publishing) Corrections(ctx context.Context, q CorrectionQuery, offset, limit int) ([]*ledger.Correction, int, error) {
	if p == nil || p.Store == nil {
		return nil, 0, nil
	}
	f := ledger.CorrectionFilter{Entities: q.Entities, Kinds: q.Kinds}
	if len(q.Organizations) > 0 {
		os, err := p.Store.OrganizationsByCodes(ctx, q.Organizations)
		if err != nil {
			return nil, 0, err
		}
		for _, o := range os {
			if o != nil {
				f.OrgIDs = append(f.OrgIDs, o.ID)
			}
		}
		if len(f.OrgIDs) == 0 {
			return nil, 0, nil
		}
	}
	return p.Store.Corrections(ctx, f, offset, limit)
}

// lazyCorrections holds a request's loaders of the latest correction of
// records, one per kind of record, made when first asked for.
type lazyCorrections struct {
	mu       sync.Mutex
	byEntity map[ledger.Entity]*dataloadgen.Loader[int64, *ledger.Correction]
}

func (l *lazyCorrections) loader(e ledger.Entity, r ledger.CorrectionReader) *dataloadgen.Loader[int64, *ledger.Correction] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ld, ok := l.byEntity[e]; ok {
		return ld
	}
	if l.byEntity == nil {
		l.byEntity = map[ledger.Entity]*dataloadgen.Loader[int64, *ledger.Correction]{}
	}
	ld := dataloadgen.NewLoader(fetcher(func(ctx context.Context, ids []int64) ([]*ledger.Correction, error) {
		return r.LatestCorrections(ctx, e, ids)
	}), dataloadgen.WithWait(time.Millisecond), dataloadgen.WithBatchCapacity(500))
	l.byEntity[e] = ld
	return ld
}

// LatestCorrection returns the newest correction of a record, or nil,
// batched per request: a page of records costs one statement.
func (p *Portal) LatestCorrection(ctx context.Context, e ledger.Entity, id int64) (*ledger.Correction, error) {
	if p.Publishing == nil || p.Publishing.Store == nil {
		return nil, nil
	}
	return p.Loaders(ctx).corrections.loader(e, p.Publishing.Store).Load(ctx, id)
}

// ReportDraft is a report prepared before publication.
type ReportDraft struct {
	ID          int64 // 0 for a new draft
	ProjectCode string
	Report      ledger.Report // Code, Kind, Title, Body, PublishedOn
}

// draftAction is the action that publishes a report of a kind.
func draftAction(k ledger.ReportKind) ledger.Action {
	switch k {
	case ledger.QuarterlySummary:
		return ledger.ActSubmitQuarterly
	case ledger.MidtermReport:
		return ledger.ActRecordMidterm
	case ledger.EvaluationReport, ledger.AcceptanceReport:
		return ledger.ActRecordClosingReview
	case ledger.AuditReport:
		return ledger.ActRecordAudit
	}
	return ledger.ActOpenRound // the bureau's documents
}

// SaveReportDraft saves a draft of a report that the actor may publish;
// only accounts of its organization see it.
func (p *Publishing) SaveReportDraft(ctx context.Context, actor ledger.Actor, in *ReportDraft) (*ledger.Draft, error) {
	if !in.Report.Kind.Valid() {
		if _, _, err := p.begin(ctx, actor, ledger.ActOpenRound, ""); ledger.ErrorCode(err) == ledger.EUNAUTHENTICATED {
			return nil, err
		}
		return nil, ledger.Invalid("kind", "report kind %q is not known", in.Report.Kind)
	}
	if _, _, err := p.begin(ctx, actor, draftAction(in.Report.Kind), in.ProjectCode); err != nil {
		return nil, err
	}
	if actor.OrgID == 0 {
		return nil, ledger.Errorf(ledger.EFORBIDDEN, "drafts belong to an organization; this account has none")
	}
	payload, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	d := &ledger.Draft{ID: in.ID, Kind: ledger.EntityReport, Code: in.Report.Code, Title: in.Report.Title, Payload: string(payload),
		OrgID: actor.OrgID, AccountID: actor.AccountID}
	return d, p.Store.SaveDraft(ctx, d)
}

// Drafts returns the drafts of the actor's organization.
func (p *Publishing) Drafts(ctx context.Context, actor ledger.Actor) ([]*ledger.Draft, error) {
	if actor.Anonymous() {
		_, err := ledger.Authorize(actor, ledger.ActOpenRound, nil)
		return nil, err
	}
	return p.Store.Drafts(ctx, actor.OrgID)
}

// PublishReportDraft publishes a draft of the actor's organization as a
// report, through the same policy as any publication, and marks it published.
func (p *Publishing) PublishReportDraft(ctx context.Context, actor ledger.Actor, id int64) (*ledger.Report, error) {
	var in ReportDraft
	d, err := p.unpublishedDraft(ctx, actor, ledger.ActOpenRound, id, ledger.EntityReport, "a report", &in)
	if err != nil {
		return nil, err
	}
	pr, role, err := p.begin(ctx, actor, draftAction(in.Report.Kind), in.ProjectCode)
	if err != nil {
		return nil, err
	}
	if in.Report.Kind == ledger.QuarterlySummary && pr != nil {
		if err := checkExecuting(pr); err != nil {
			return nil, err
		}
	}
	r := &in.Report
	r.ID, r.AuthorID, r.ProjectID = 0, ownOrg(actor), nil
	if pr != nil {
		r.ProjectID = &pr.ID
	}
	if r.PublishedOn == "" {
		r.PublishedOn = ledger.DateOf(p.now())
	}
	err = p.commit(ctx, ledger.AuditEntryOf(actor, role, draftAction(r.Kind), "", 0, "report "+r.Code+" published from draft"),
		func(w ledger.Writer) (ledger.Entity, int64, error) {
			return ledger.EntityReport, r.ID, w.PublishReport(ctx, actor.Attribution(role, ""), r)
		})
	if err != nil {
		return nil, err
	}
	return r, p.Store.MarkDraftPublished(ctx, actor.OrgID, d.ID, r.ID)
}

// AnnouncementDraft is an approval notice or result announcement prepared
// before publication.
type AnnouncementDraft struct {
	ID     int64
	Notice NoticeInput // Announcement.Kind is APPROVAL_NOTICE or CLOSING_RESULTS
}

// announcementDraftAction is the action publishing a draft of kind k, or "" for a kind no draft may have.
func announcementDraftAction(k ledger.AnnouncementKind) ledger.Action {
	switch k {
	case ledger.ApprovalNotice:
		return ledger.ActPublishApproval
	case ledger.ClosingResults:
		return ledger.ActPublishResults
	}
	return ""
}

// SaveAnnouncementDraft saves a draft approval notice or result
// announcement; only accounts of the actor's organization see it.
func (p *Publishing) SaveAnnouncementDraft(ctx context.Context, actor ledger.Actor, in *AnnouncementDraft) (*ledger.Draft, error) {
	act := announcementDraftAction(in.Notice.Announcement.Kind)
	if act == "" {
		if _, _, err := p.begin(ctx, actor, ledger.ActPublishApproval, ""); err != nil {
			return nil, err
		}
		return nil, ledger.Invalid("kind", "drafts are kept for APPROVAL_NOTICE and CLOSING_RESULTS; a solicitation notice is published with its round")
	}
	if _, _, err := p.begin(ctx, actor, act, ""); err != nil {
		return nil, err
	}
	if actor.OrgID == 0 {
		return nil, ledger.Errorf(ledger.EFORBIDDEN, "drafts belong to an organization; this account has none")
	}
	payload, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	a := in.Notice.Announcement
	d := &ledger.Draft{ID: in.ID, Kind: ledger.EntityAnnouncement, Code: a.Code, Title: a.Title, Payload: string(payload),
		OrgID: actor.OrgID, AccountID: actor.AccountID}
	return d, p.Store.SaveDraft(ctx, d)
}

// PublishAnnouncementDraft publishes a draft announcement of the actor's
// organization with the use case that publishes its kind, and marks it.
func (p *Publishing) PublishAnnouncementDraft(ctx context.Context, actor ledger.Actor, id int64) (*ledger.Announcement, error) {
	var in AnnouncementDraft
	d, err := p.unpublishedDraft(ctx, actor, ledger.ActPublishApproval, id, ledger.EntityAnnouncement, "an announcement", &in)
	if err != nil {
		return nil, err
	}
	in.Notice.Announcement.ID = 0
	var a *ledger.Announcement
	switch in.Notice.Announcement.Kind {
	case ledger.ApprovalNotice:
		a, err = p.PublishApprovalNotice(ctx, actor, &in.Notice)
	case ledger.ClosingResults:
		a, err = p.PublishResults(ctx, actor, &in.Notice)
	default:
		return nil, ledger.Invalid("id", "draft %d is of kind %s, which is not published from drafts", id, in.Notice.Announcement.Kind)
	}
	if err != nil {
		return nil, err
	}
	return a, p.Store.MarkDraftPublished(ctx, actor.OrgID, d.ID, a.ID)
}

// unpublishedDraft reads draft id of the actor's organization, of kind
// (named what in errors), not yet published, and decodes its payload into
// in. An anonymous caller is refused as act refuses it.
func (p *Publishing) unpublishedDraft(ctx context.Context, actor ledger.Actor, act ledger.Action, id int64, kind ledger.Entity, what string, in any) (*ledger.Draft, error) {
	if actor.Anonymous() {
		_, err := ledger.Authorize(actor, act, nil)
		return nil, err
	}
	d, err := p.Store.Draft(ctx, actor.OrgID, id)
	if err != nil {
		return nil, ledger.InField("id", err)
	}
	if d.Kind != kind {
		return nil, ledger.Invalid("id", "draft %d is not %s", id, what)
	}
	if d.PublishedAt != nil {
		return nil, ledger.Invalid("id", "draft %d was published already (%s %s)", id, strings.TrimPrefix(strings.TrimPrefix(what, "an "), "a "), d.Code)
	}
	if err := json.Unmarshal([]byte(d.Payload), in); err != nil {
		return nil, err
	}
	return d, nil
}
