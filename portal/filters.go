package portal

import (
	"context"

	"civicledger/ledger"
)

// ProjectQuery is the public filter of projects, as every door takes it:
// organizations by their unified social credit codes, projects by code.
// The GraphQL ProjectFilter input is bound to it.
type ProjectQuery struct {
	// Scope chooses funded projects (nil or FUNDED, the default), every
	// application (APPLICATIONS) or the rejected ones (REJECTED).
	Scope            *ledger.ProjectScope
	Years            []int
	ServiceAreas     []ledger.ServiceArea
	Districts        []string
	Stages           []ledger.Stage
	Outcomes         []ledger.Outcome
	Undertakers      []string // credit codes
	Evaluators       []string // credit codes
	Auditors         []string // credit codes
	Organizations    []string // credit codes, in any role
	AwardedMin       *ledger.Money
	AwardedMax       *ledger.Money
	ApprovedFrom     *ledger.Date
	ApprovedTo       *ledger.Date
	HasAuditFindings *bool
	Terminated       *bool
	Codes            []string
}

// ScopeOrDefault is the scope q selects: FUNDED unless it says otherwise.
func (q *ProjectQuery) ScopeOrDefault() ledger.ProjectScope {
	if q == nil || q.Scope == nil {
		return ledger.ScopeFunded
	}
	return q.Scope.Effective()
}

// ProjectFilter turns a public project query into the ledger's filter. An
// unknown credit code is refused with an error naming its field (under
// prefix, e.g. "filter"), not answered with an empty list that would look
// like a true zero.
func (p *Portal) ProjectFilter(ctx context.Context, prefix string, q *ProjectQuery) (ledger.ProjectFilter, error) {
	var out ledger.ProjectFilter
	if q == nil {
		return out, nil
	}
	out = ledger.ProjectFilter{Years: q.Years, ServiceAreas: q.ServiceAreas, Districts: q.Districts, Stages: q.Stages,
		Outcomes: q.Outcomes, AwardedMin: q.AwardedMin, AwardedMax: q.AwardedMax, HasAuditFindings: q.HasAuditFindings,
		Terminated: q.Terminated, Codes: q.Codes}
	if q.ApprovedFrom != nil {
		out.ApprovedFrom = *q.ApprovedFrom
	}
	if q.ApprovedTo != nil {
		out.ApprovedTo = *q.ApprovedTo
	}
	if q.Scope != nil {
		out.Scope = *q.Scope
	}
	if err := out.CheckScope(prefix); err != nil {
		return out, err
	}
	var err error
	for _, c := range []struct {
		field string
		codes []string
		ids   *[]int64
	}{
		{"undertakers", q.Undertakers, &out.UndertakerIDs},
		{"evaluators", q.Evaluators, &out.EvaluatorIDs},
		{"auditors", q.Auditors, &out.AuditorIDs},
		{"organizations", q.Organizations, &out.AnyOrgIDs},
	} {
		if *c.ids, err = p.OrgIDs(ctx, field(prefix, c.field), c.codes); err != nil {
			return out, err
		}
	}
	return out, nil
}

func field(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// OrgIDs resolves organizations by credit code; an unknown code is an
// error naming field.
func (p *Portal) OrgIDs(ctx context.Context, field string, codes []string) ([]int64, error) {
	if len(codes) == 0 {
		return nil, nil
	}
	orgs, err := p.Reader.OrganizationsByCodes(ctx, codes)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(orgs))
	for i, o := range orgs {
		if o == nil {
			return nil, ledger.Invalid(field, "no organization has credit code %q", codes[i])
		}
		ids[i] = o.ID
	}
	return ids, nil
}

// ReportQuery is the public filter of reports. The GraphQL ReportFilter
// input is bound to it.
type ReportQuery struct {
	Kinds         []ledger.ReportKind
	Project       *string // project code
	Organization  *string // author's credit code
	Years         []int
	PublishedFrom *ledger.Date
	PublishedTo   *ledger.Date
}

// ReportFilter turns a public report query into the ledger's filter; an
// unknown project code or credit code is refused naming its field.
func (p *Portal) ReportFilter(ctx context.Context, prefix string, q *ReportQuery) (ledger.ReportFilter, error) {
	var f ledger.ReportFilter
	if q == nil {
		return f, nil
	}
	f = ledger.ReportFilter{Kinds: q.Kinds, Years: q.Years}
	if q.PublishedFrom != nil {
		f.PublishedFrom = *q.PublishedFrom
	}
	if q.PublishedTo != nil {
		f.PublishedTo = *q.PublishedTo
	}
	if q.Project != nil {
		pr, err := p.Project(ctx, *q.Project)
		if err != nil {
			return f, err
		}
		if pr == nil {
			return f, ledger.Invalid(field(prefix, "project"), "no project has code %q", *q.Project)
		}
		f.ProjectIDs = []int64{pr.ID}
	}
	if q.Organization != nil {
		ids, err := p.OrgIDs(ctx, field(prefix, "organization"), []string{*q.Organization})
		if err != nil {
			return f, err
		}
		f.AuthorIDs = ids
	}
	return f, nil
}

// AnnouncementQuery is the public filter of announcements. The GraphQL
// AnnouncementFilter input is bound to it.
type AnnouncementQuery struct {
	Kinds         []ledger.AnnouncementKind
	Years         []int
	PublishedFrom *ledger.Date
	PublishedTo   *ledger.Date
	// NoticeOpen selects notices whose objection period is open today
	// (true) or closed (false).
	NoticeOpen *bool
	// Districts and ServiceAreas select announcements listing a project
	// of one of the districts or service areas (the feeds use them).
	Districts    []string
	ServiceAreas []ledger.ServiceArea
}

// AnnouncementFilter turns a public announcement query into the ledger's
// filter, "today" being the portal's date.
func (p *Portal) AnnouncementFilter(q *AnnouncementQuery) ledger.AnnouncementFilter {
	var f ledger.AnnouncementFilter
	if q == nil {
		return f
	}
	f = ledger.AnnouncementFilter{Kinds: q.Kinds, Years: q.Years, NoticeOpen: q.NoticeOpen, NoticeOpenOn: p.Today(),
		Districts: q.Districts, ServiceAreas: q.ServiceAreas}
	if q.PublishedFrom != nil {
		f.PublishedFrom = *q.PublishedFrom
	}
	if q.PublishedTo != nil {
		f.PublishedTo = *q.PublishedTo
	}
	return f
}
