package portal

import (
	"context"

	"civicledger/ledger"
)

// projectPageReader is a Reader that reads a page of projects together
// with their undertakers and figures in one statement (store.DB does).
type projectPageReader interface {
	FindProjectsWith(ctx context.Context, f ledger.ProjectFilter, o ledger.ProjectOrder, offset, limit int,
		undertakers, figures, abridged bool) ([]*ledger.Project, []*ledger.Organization, []*ledger.Figures, int, error)
}

// Abridge in a Want says that it names every field the door will read:
// the long texts it does not name (a project's summary and target group,
// an organization's description and founding date) may be left out of the
// page, whose records are then marked Abridged. GraphQL knows exactly what
// a query selects and says so; a page template does not.
const Abridge = "-abridge"

// abridged reports whether a page for want may leave the long texts out.
func abridged(want Want) bool {
	return abridgedOrganization(want) && !want["summary"] && !want["targetGroup"]
}

// abridgedOrganization reports whether an organization read for want may
// leave its long texts out (a project's undertaker read with the project).
func abridgedOrganization(want Want) bool {
	return want[Abridge] && !want["description"] && !want["foundedOn"]
}

// Projects returns a page of the projects matching f in order o, with what
// want asks of each project batch-loaded (see Prefetch). The undertakers
// and figures of a list come with the page itself where the Reader can
// read them so (projectPageReader).
func (p *Portal) Projects(ctx context.Context, f ledger.ProjectFilter, o ledger.ProjectOrder, a PageArgs, want Want) (*Page[*ledger.Project], error) {
	fetch := func(offset, limit int) ([]*ledger.Project, int, error) {
		return p.Reader.FindProjects(ctx, f, o, offset, limit)
	}
	undertakers, figures, abridge := want["undertaker"], want["figures"] || want["satisfaction"], abridged(want)
	if r, ok := p.Reader.(projectPageReader); ok && (undertakers || figures || abridge) {
		fetch = func(offset, limit int) ([]*ledger.Project, int, error) {
			ps, orgs, figs, n, err := r.FindProjectsWith(ctx, f, o, offset, limit, undertakers, figures, abridge)
			if err != nil {
				return nil, 0, err
			}
			l := p.Loaders(ctx)
			for _, o := range orgs {
				l.primeOrganization(o)
			}
			for _, fg := range figs {
				l.primeFigures(fg.ProjectID, fg)
			}
			return ps, n, nil
		}
	}
	pg, err := Paginate(ProjectList, a, fetch)
	if err != nil {
		return nil, err
	}
	return pg, p.Prefetch(ctx, pg.Items, want)
}

// OrganizationProjects returns a page of an organization's projects in a
// role (any role when role is nil).
func (p *Portal) OrganizationProjects(ctx context.Context, o *ledger.Organization, role *ledger.OrgKind, order ledger.ProjectOrder, a PageArgs, want Want) (*Page[*ledger.Project], error) {
	var f ledger.ProjectFilter
	switch {
	case role == nil:
		f.AnyOrgIDs = []int64{o.ID}
	case *role == ledger.Undertaker:
		f.UndertakerIDs = []int64{o.ID}
	case *role == ledger.Evaluator:
		f.EvaluatorIDs = []int64{o.ID}
	case *role == ledger.Auditor:
		f.AuditorIDs = []int64{o.ID}
	default:
		return nil, ledger.Invalid("role", "projects are linked to undertakers, evaluators and auditors, not to %s", *role)
	}
	return p.Projects(ctx, f, order, a, want)
}

// Organizations returns a page of organizations of the given kinds.
func (p *Portal) Organizations(ctx context.Context, kinds []ledger.OrgKind, a PageArgs) (*Page[*ledger.Organization], error) {
	return Paginate(OrganizationList, a, func(offset, limit int) ([]*ledger.Organization, int, error) {
		return p.Reader.FindOrganizations(ctx, kinds, offset, limit)
	})
}

// Announcements returns a page of announcements, newest first.
func (p *Portal) Announcements(ctx context.Context, f ledger.AnnouncementFilter, a PageArgs) (*Page[*ledger.Announcement], error) {
	return Paginate(AnnouncementList, a, func(offset, limit int) ([]*ledger.Announcement, int, error) {
		return p.Reader.FindAnnouncements(ctx, f, offset, limit)
	})
}

// Reports returns a page of reports, newest first.
func (p *Portal) Reports(ctx context.Context, f ledger.ReportFilter, a PageArgs) (*Page[*ledger.Report], error) {
	return Paginate(ReportList, a, func(offset, limit int) ([]*ledger.Report, int, error) {
		return p.Reader.FindReports(ctx, f, offset, limit)
	})
}

// WholeProject returns pr, or, when pr was read abridged (see Abridge), the
// project read again with its long texts.
func (p *Portal) WholeProject(ctx context.Context, pr *ledger.Project) (*ledger.Project, error) {
	return whole(ctx, pr, pr.Abridged, pr.ID, p.Reader.ProjectsByIDs)
}

// WholeOrganization is WholeProject for an organization.
func (p *Portal) WholeOrganization(ctx context.Context, o *ledger.Organization) (*ledger.Organization, error) {
	return whole(ctx, o, o.Abridged, o.ID, p.Reader.OrganizationsByIDs)
}

func whole[T any](ctx context.Context, v *T, abridged bool, id int64, read func(context.Context, []int64) ([]*T, error)) (*T, error) {
	if !abridged {
		return v, nil
	}
	w, err := first(read(ctx, []int64{id}))
	if err != nil || w == nil {
		return v, err
	}
	return w, nil
}
