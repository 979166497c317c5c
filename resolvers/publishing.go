package resolvers

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"civicledger/graph"
	"civicledger/graph/model"
	"civicledger/ledger"
	"civicledger/portal"
)

// Resolvers of the publishing side's types and queries: accounts, tokens,
// the audit log, the corrections register, drafts, and the correction
// marks of projects, reports and announcements.

func (r *Resolver) Account() graph.AccountResolver       { return &accountResolver{r} }
func (r *Resolver) ApiToken() graph.ApiTokenResolver     { return &tokenResolver{r} }
func (r *Resolver) AuditEntry() graph.AuditEntryResolver { return &auditEntryResolver{r} }
func (r *Resolver) Correction() graph.CorrectionResolver { return &correctionResolver{r} }
func (r *Resolver) Draft() graph.DraftResolver           { return &draftResolver{r} }

type accountResolver struct{ *Resolver }
type tokenResolver struct{ *Resolver }
type auditEntryResolver struct{ *Resolver }
type correctionResolver struct{ *Resolver }
type draftResolver struct{ *Resolver }

func (r *accountResolver) Organization(ctx context.Context, obj *ledger.Account) (*ledger.Organization, error) {
	return r.org(ctx, &obj.OrgID)
}

func (r *tokenResolver) ID(ctx context.Context, obj *ledger.Token) (string, error) {
	return strconv.FormatInt(obj.ID, 10), nil
}

func (r *tokenResolver) Kind(ctx context.Context, obj *ledger.Token) (string, error) {
	return string(obj.Kind), nil
}

func (r *auditEntryResolver) ID(ctx context.Context, obj *ledger.AuditEntry) (string, error) {
	return strconv.FormatInt(obj.ID, 10), nil
}

func (r *auditEntryResolver) Organization(ctx context.Context, obj *ledger.AuditEntry) (*ledger.Organization, error) {
	if obj.OrgID == 0 {
		return nil, nil
	}
	return r.org(ctx, &obj.OrgID)
}

func (r *auditEntryResolver) Entity(ctx context.Context, obj *ledger.AuditEntry) (*string, error) {
	if obj.Entity == "" {
		return nil, nil
	}
	s := string(obj.Entity)
	return &s, nil
}

func (r *auditEntryResolver) EntityID(ctx context.Context, obj *ledger.AuditEntry) (*string, error) {
	if obj.EntityID == 0 {
		return nil, nil
	}
	s := strconv.FormatInt(obj.EntityID, 10)
	return &s, nil
}

var recordKinds = map[ledger.Entity]model.CorrectedRecordKind{
	ledger.EntityProject: model.CorrectedRecordKindProject, ledger.EntityReport: model.CorrectedRecordKindReport,
	ledger.EntityAnnouncement: model.CorrectedRecordKindAnnouncement,
}

func (r *correctionResolver) ID(ctx context.Context, obj *ledger.Correction) (string, error) {
	return strconv.FormatInt(obj.ID, 10), nil
}

func (r *correctionResolver) RecordKind(ctx context.Context, obj *ledger.Correction) (model.CorrectedRecordKind, error) {
	return recordKinds[obj.Entity], nil
}

func (r *correctionResolver) RecordCode(ctx context.Context, obj *ledger.Correction) (string, error) {
	switch obj.Entity {
	case ledger.EntityProject:
		ps, err := r.Reader.ProjectsByIDs(ctx, []int64{obj.EntityID})
		if err != nil || len(ps) == 0 || ps[0] == nil {
			return "", err
		}
		return ps[0].Code, nil
	case ledger.EntityReport:
		rs, err := r.Reader.ReportsByIDs(ctx, []int64{obj.EntityID})
		if err != nil || len(rs) == 0 || rs[0] == nil {
			return "", err
		}
		return rs[0].Code, nil
	case ledger.EntityAnnouncement:
		as, err := r.Reader.AnnouncementsByIDs(ctx, []int64{obj.EntityID})
		if err != nil || len(as) == 0 || as[0] == nil {
			return "", err
		}
		return as[0].Code, nil
	}
	return "", nil
}

func (r *correctionResolver) Organization(ctx context.Context, obj *ledger.Correction) (*ledger.Organization, error) {
	if obj.OrgID == 0 {
		return nil, nil
	}
	return r.org(ctx, &obj.OrgID)
}

func (r *correctionResolver) Project(ctx context.Context, obj *ledger.Correction) (*ledger.Project, error) {
	if obj.ProjectID == 0 {
		return nil, nil
	}
	ps, err := r.Reader.ProjectsByIDs(ctx, []int64{obj.ProjectID})
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	return ps[0], nil
}

func draftOf(obj *ledger.Draft) portal.ReportDraft {
	var d portal.ReportDraft
	_ = json.Unmarshal([]byte(obj.Payload), &d)
	return d
}

func (r *draftResolver) ID(ctx context.Context, obj *ledger.Draft) (string, error) {
	return strconv.FormatInt(obj.ID, 10), nil
}

func (r *draftResolver) Kind(ctx context.Context, obj *ledger.Draft) (ledger.ReportKind, error) {
	return draftOf(obj).Report.Kind, nil
}

func (r *draftResolver) ProjectCode(ctx context.Context, obj *ledger.Draft) (*string, error) {
	if c := draftOf(obj).ProjectCode; c != "" {
		return &c, nil
	}
	return nil, nil
}

func (r *draftResolver) Body(ctx context.Context, obj *ledger.Draft) (string, error) {
	return draftOf(obj).Report.Body, nil
}

// correctionMark returns the time and reason of a record's latest correction.
func (r *Resolver) correctionMark(ctx context.Context, e ledger.Entity, id int64) (*ledger.Correction, error) {
	return r.Portal.LatestCorrection(ctx, e, id)
}

func correctedAt(c *ledger.Correction, err error) (*time.Time, error) {
	if c == nil || err != nil {
		return nil, err
	}
	t := c.CorrectedAt
	return &t, nil
}

func correctionReason(c *ledger.Correction, err error) (*string, error) {
	if c == nil || err != nil {
		return nil, err
	}
	s := c.Reason
	return &s, nil
}

func (r *projectResolver) CorrectedAt(ctx context.Context, obj *ledger.Project) (*time.Time, error) {
	return correctedAt(r.correctionMark(ctx, ledger.EntityProject, obj.ID))
}

func (r *projectResolver) CorrectionReason(ctx context.Context, obj *ledger.Project) (*string, error) {
	return correctionReason(r.correctionMark(ctx, ledger.EntityProject, obj.ID))
}

func (r *reportResolver) CorrectedAt(ctx context.Context, obj *ledger.Report) (*time.Time, error) {
	return correctedAt(r.correctionMark(ctx, ledger.EntityReport, obj.ID))
}

func (r *reportResolver) CorrectionReason(ctx context.Context, obj *ledger.Report) (*string, error) {
	return correctionReason(r.correctionMark(ctx, ledger.EntityReport, obj.ID))
}

func (r *reportResolver) Withdrawn(ctx context.Context, obj *ledger.Report) (bool, error) {
	c, err := r.correctionMark(ctx, ledger.EntityReport, obj.ID)
	return c != nil && c.Kind == ledger.KindWithdrawal, err
}

func (r *reportResolver) History(ctx context.Context, obj *ledger.Report) ([]*ledger.Revision, error) {
	return r.Revisions(ctx, ledger.EntityReport, obj.ID)
}

func (r *announcementResolver) CorrectedAt(ctx context.Context, obj *ledger.Announcement) (*time.Time, error) {
	return correctedAt(r.correctionMark(ctx, ledger.EntityAnnouncement, obj.ID))
}

func (r *announcementResolver) CorrectionReason(ctx context.Context, obj *ledger.Announcement) (*string, error) {
	return correctionReason(r.correctionMark(ctx, ledger.EntityAnnouncement, obj.ID))
}

func (r *announcementResolver) Withdrawn(ctx context.Context, obj *ledger.Announcement) (bool, error) {
	c, err := r.correctionMark(ctx, ledger.EntityAnnouncement, obj.ID)
	return c != nil && c.Kind == ledger.KindWithdrawal, err
}

func (r *announcementResolver) History(ctx context.Context, obj *ledger.Announcement) ([]*ledger.Revision, error) {
	return r.Revisions(ctx, ledger.EntityAnnouncement, obj.ID)
}

func (r *queryResolver) Corrections(ctx context.Context, filter *model.CorrectionFilter, first *int, offset *int) (*model.CorrectionConnection, error) {
	var q portal.CorrectionQuery
	if filter != nil {
		q.Organizations, q.Kinds = filter.Organizations, filter.Kinds
		for _, k := range filter.RecordKinds {
			for e, rk := range recordKinds {
				if rk == k {
					q.Entities = append(q.Entities, e)
				}
			}
		}
	}
	n, off := 50, 0
	if first != nil {
		n = *first
	}
	if offset != nil {
		off = *offset
	}
	if n < 0 || n > 100 {
		return nil, ledger.Invalid("first", "first must be 0 to 100")
	}
	if off < 0 {
		return nil, ledger.Invalid("offset", "offset must not be negative")
	}
	cs, total, err := r.Publishing.Corrections(ctx, q, off, n)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		cs = []*ledger.Correction{}
	}
	return &model.CorrectionConnection{Nodes: cs, TotalCount: total}, nil
}

func (r *queryResolver) Viewer(ctx context.Context) (*ledger.Account, error) {
	a := actor(ctx)
	if a.Anonymous() || a.AccountID < 0 {
		return nil, nil
	}
	return r.Publishing.Store.AccountByID(ctx, a.AccountID)
}

func (r *queryResolver) Drafts(ctx context.Context) ([]*ledger.Draft, error) {
	return r.Publishing.Drafts(ctx, actor(ctx))
}

func (r *queryResolver) APITokens(ctx context.Context, login *string) ([]*ledger.Token, error) {
	a := actor(ctx)
	l := a.Login
	if login != nil {
		l = *login
	}
	return r.Publishing.Tokens(ctx, a, l)
}

func (r *queryResolver) AuditLog(ctx context.Context, login *string, actions []string, first *int, offset *int) (*model.AuditEntryConnection, error) {
	n, off := 50, 0
	if first != nil {
		n = *first
	}
	if offset != nil {
		off = *offset
	}
	if n < 0 || n > 100 {
		return nil, ledger.Invalid("first", "first must be 0 to 100")
	}
	es, total, err := r.Publishing.AuditLog(ctx, actor(ctx), ledger.AuditFilter{Login: str(login), Actions: actions}, max(off, 0), n)
	if err != nil {
		return nil, err
	}
	if es == nil {
		es = []*ledger.AuditEntry{}
	}
	return &model.AuditEntryConnection{Nodes: es, TotalCount: total}, nil
}
