package opendata

import (
	"context"
	"net/url"
	"strings"

	"civicledger/ledger"
	"civicledger/portal"
)

// Source reads the rows of the tables: through the application core for the
// filters and the batch loads, and through the ledger's export reader for
// the long lists, a keyset page at a time.
type Source struct {
	Portal *portal.Portal
	Export ledger.ExportReader
	// BaseURL is the portal's public root (e.g. https://gongyi.example.cn),
	// without a trailing slash; permalinks start with it.
	BaseURL string
	// PageSize is the number of records read at a time (500 when zero).
	PageSize int
}

func (s *Source) pageSize() int {
	if s.PageSize > 0 {
		return s.PageSize
	}
	return 500
}

// Permalinks of the records' pages on the portal.
func (s *Source) link(kind, key string) string {
	return strings.TrimSuffix(s.BaseURL, "/") + "/" + kind + "/" + url.PathEscape(key)
}

// ProjectURL is the permalink of a project's page.
func (s *Source) ProjectURL(code string) string { return s.link("projects", code) }

// OrganizationURL is the permalink of an organization's page.
func (s *Source) OrganizationURL(creditCode string) string {
	return s.link("organizations", creditCode)
}

// AnnouncementURL is the permalink of an announcement's page.
func (s *Source) AnnouncementURL(code string) string { return s.link("announcements", code) }

// ReportURL is the permalink of a report's page.
func (s *Source) ReportURL(code string) string { return s.link("reports", code) }

// Request is one download: a table and the filter of its list.
type Request struct {
	Table        *Table
	Project      *portal.ProjectQuery
	OrgKinds     []ledger.OrgKind
	Announcement *portal.AnnouncementQuery
	Report       *portal.ReportQuery
}

// Check turns the request's public filter into the ledger's before any row
// is written, so a refused filter is an error, never a short file.
func (s *Source) check(ctx context.Context, r *Request) (func(emit func([]any) error) error, error) {
	switch r.Table {
	case projectsTable, tranchesTable, metricsTable, satisfactionTable:
		f, err := s.Portal.ProjectFilter(ctx, "", r.Project)
		if err != nil {
			return nil, err
		}
		return func(emit func([]any) error) error { return s.projectRows(ctx, r.Table, f, emit) }, nil
	case organizationsTable:
		for _, k := range r.OrgKinds {
			if !k.Valid() {
				return nil, ledger.Invalid("kind", "organization kind %s is not one of UNDERTAKER, EVALUATOR, AUDITOR, DEPARTMENT", ledger.Excerpt(string(k)))
			}
		}
		return func(emit func([]any) error) error { return s.organizationRows(ctx, r.OrgKinds, emit) }, nil
	case announcementsTable:
		f := s.Portal.AnnouncementFilter(r.Announcement)
		return func(emit func([]any) error) error { return s.announcementRows(ctx, f, emit) }, nil
	case reportsTable:
		f, err := s.Portal.ReportFilter(ctx, "", r.Report)
		if err != nil {
			return nil, err
		}
		return func(emit func([]any) error) error { return s.reportRows(ctx, f, emit) }, nil
	}
	return nil, ledger.Invalid("table", "no such table")
}

// Rows checks r's filter and calls emit with each row of r's table, in
// order, one value per column of the table (nil for an empty cell).
func (s *Source) Rows(ctx context.Context, r *Request, emit func([]any) error) error {
	run, err := s.check(ctx, r)
	if err != nil {
		return err
	}
	return run(emit)
}

// EachProjectPage calls fn with each page of the projects matching f, in
// code order.
func (s *Source) EachProjectPage(ctx context.Context, f ledger.ProjectFilter, fn func([]*ledger.Project) error) error {
	after := ""
	for {
		page, err := s.Export.ProjectsAfter(ctx, f, after, s.pageSize())
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		if err := fn(page); err != nil {
			return err
		}
		if len(page) < s.pageSize() {
			return nil
		}
		after = page[len(page)-1].Code
	}
}

// orgIndex loads the organizations a page of records names, by ID.
func (s *Source) orgIndex(ctx context.Context, ids []int64) (map[int64]*ledger.Organization, error) {
	seen := map[int64]bool{}
	var uniq []int64
	for _, id := range ids {
		if id != 0 && !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	orgs, err := s.Portal.Reader.OrganizationsByIDs(ctx, uniq)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*ledger.Organization, len(orgs))
	for _, o := range orgs {
		if o != nil {
			out[o.ID] = o
		}
	}
	return out, nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// orgCells returns an organization's name and credit code, or two nils.
func orgCells(o *ledger.Organization) []any {
	if o == nil {
		return []any{nil, nil}
	}
	return []any{o.Name, o.CreditCode}
}

func optDate(d ledger.Date) any {
	if d == "" {
		return nil
	}
	return d
}

func optFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// projectRows emits the rows of a project table for the projects of f.
func (s *Source) projectRows(ctx context.Context, t *Table, f ledger.ProjectFilter, emit func([]any) error) error {
	return s.EachProjectPage(ctx, f, func(page []*ledger.Project) error {
		ids := make([]int64, len(page))
		for i, p := range page {
			ids[i] = p.ID
		}
		switch t {
		case projectsTable:
			return s.projectPage(ctx, page, ids, emit)
		case tranchesTable:
			groups, err := s.Portal.Reader.TranchesByProjectIDs(ctx, ids)
			if err != nil {
				return err
			}
			for i, p := range page {
				for _, tr := range groups[i] {
					if err := emit([]any{p.Code, p.Title, string(tr.Kind), ledger.Label(tr.Kind), tr.Amount, optDate(tr.PaidOn), tr.Version, s.ProjectURL(p.Code)}); err != nil {
						return err
					}
				}
			}
		case metricsTable:
			groups, err := s.Portal.Reader.MetricsByProjectIDs(ctx, ids)
			if err != nil {
				return err
			}
			for i, p := range page {
				for _, m := range groups[i] {
					var target, amount any
					if m.Target != nil {
						target = *m.Target
					}
					if m.Kind == ledger.LeveragedFunds {
						amount = ledger.Money(m.Value)
					}
					if err := emit([]any{p.Code, p.Title, string(m.Kind), ledger.Label(m.Kind), optDate(m.PeriodStart), optDate(m.PeriodEnd),
						m.Value, target, amount, string(m.Provenance), ledger.Label(m.Provenance), m.Version, s.ProjectURL(p.Code)}); err != nil {
						return err
					}
				}
			}
		case satisfactionTable:
			figs, err := s.Portal.Reader.FiguresByProjectIDs(ctx, ids)
			if err != nil {
				return err
			}
			for i, p := range page {
				var n int64
				var avg any
				if fg := figs[i]; fg != nil {
					n, avg = fg.FeedbackCount, optFloat(fg.Satisfaction())
				}
				if err := emit([]any{p.Code, p.Title, int64(p.Year), string(p.ServiceArea), p.District, n, avg, s.ProjectURL(p.Code)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (s *Source) projectPage(ctx context.Context, page []*ledger.Project, ids []int64, emit func([]any) error) error {
	figs, err := s.Portal.Reader.FiguresByProjectIDs(ctx, ids)
	if err != nil {
		return err
	}
	var orgIDs []int64
	for _, p := range page {
		orgIDs = append(orgIDs, p.UndertakerID, deref(p.EvaluatorID), deref(p.AuditorID))
	}
	orgs, err := s.orgIndex(ctx, orgIDs)
	if err != nil {
		return err
	}
	row := make([]any, 0, len(projectsTable.Columns))
	for i, p := range page {
		fg := figs[i]
		if fg == nil {
			fg = &ledger.Figures{}
		}
		var outcome any
		if p.Outcome != ledger.Ongoing {
			outcome = string(p.Outcome)
		}
		var outcomeLabel any
		if outcome != nil {
			outcomeLabel = ledger.Label(p.Outcome)
		}
		row = append(row[:0], p.Code, p.Title, int64(p.Year), string(p.ServiceArea), ledger.Label(p.ServiceArea), p.District, p.TargetGroup, p.Summary)
		row = append(row, orgCells(orgs[p.UndertakerID])...)
		row = append(row, orgCells(orgs[deref(p.EvaluatorID)])...)
		row = append(row, orgCells(orgs[deref(p.AuditorID)])...)
		row = append(row, p.Awarded, p.CoFunding, fg.Paid, fg.Recovered, fg.Leveraged, string(p.Stage), ledger.Label(p.Stage), outcome, outcomeLabel,
			optDate(p.AppliedOn), optDate(p.ApprovedOn), fg.BeneficiaryVisits, fg.BeneficiaryPersons, fg.VolunteerVisits, fg.VolunteerHours,
			fg.ExpertVisits, fg.FeedbackCount, optFloat(fg.Satisfaction()), fg.AuditFindings, int64(p.Version), s.ProjectURL(p.Code))
		if err := emit(row); err != nil {
			return err
		}
	}
	return nil
}

// organizationRows emits the organizations of the given kinds.
func (s *Source) organizationRows(ctx context.Context, kinds []ledger.OrgKind, emit func([]any) error) error {
	for offset := 0; ; {
		page, total, err := s.Portal.Reader.FindOrganizations(ctx, kinds, offset, s.pageSize())
		if err != nil {
			return err
		}
		for _, o := range page {
			if err := emit([]any{o.CreditCode, o.Name, string(o.Kind), ledger.Label(o.Kind), o.District, optDate(o.FoundedOn), o.Description,
				int64(o.Version), s.OrganizationURL(o.CreditCode)}); err != nil {
				return err
			}
		}
		offset += len(page)
		if len(page) == 0 || offset >= total {
			return nil
		}
	}
}

// roundYears maps round IDs to their years.
func (s *Source) roundYears(ctx context.Context) (map[int64]int, error) {
	rounds, err := s.Portal.Rounds(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]int, len(rounds))
	for _, r := range rounds {
		out[r.ID] = r.Year
	}
	return out, nil
}

func yearOf(years map[int64]int, id *int64) any {
	if id == nil {
		return nil
	}
	if y, ok := years[*id]; ok {
		return int64(y)
	}
	return nil
}

// announcementRows emits the announcements of f, newest first.
func (s *Source) announcementRows(ctx context.Context, f ledger.AnnouncementFilter, emit func([]any) error) error {
	years, err := s.roundYears(ctx)
	if err != nil {
		return err
	}
	for offset := 0; ; {
		page, total, err := s.Portal.Reader.FindAnnouncements(ctx, f, offset, s.pageSize())
		if err != nil {
			return err
		}
		var ids []int64
		for _, a := range page {
			ids = append(ids, deref(a.PublisherID))
		}
		orgs, err := s.orgIndex(ctx, ids)
		if err != nil {
			return err
		}
		for _, a := range page {
			row := []any{a.Code, string(a.Kind), ledger.Label(a.Kind), a.Title, yearOf(years, a.RoundID)}
			row = append(row, orgCells(orgs[deref(a.PublisherID)])...)
			row = append(row, optDate(a.PublishedOn), optDate(a.NoticeStart), optDate(a.NoticeEnd), a.Body, int64(a.Version), s.AnnouncementURL(a.Code))
			if err := emit(row); err != nil {
				return err
			}
		}
		offset += len(page)
		if len(page) == 0 || offset >= total {
			return nil
		}
	}
}

// reportRows emits the reports of f in publication order (by ID).
func (s *Source) reportRows(ctx context.Context, f ledger.ReportFilter, emit func([]any) error) error {
	years, err := s.roundYears(ctx)
	if err != nil {
		return err
	}
	var after int64
	for {
		page, err := s.Export.ReportsAfter(ctx, f, after, s.pageSize())
		if err != nil {
			return err
		}
		var orgIDs, projIDs []int64
		for _, r := range page {
			orgIDs = append(orgIDs, deref(r.AuthorID))
			if r.ProjectID != nil {
				projIDs = append(projIDs, *r.ProjectID)
			}
		}
		orgs, err := s.orgIndex(ctx, orgIDs)
		if err != nil {
			return err
		}
		projs, err := s.Portal.Reader.ProjectsByIDs(ctx, projIDs)
		if err != nil {
			return err
		}
		codes := make(map[int64]string, len(projs))
		for _, p := range projs {
			if p != nil {
				codes[p.ID] = p.Code
			}
		}
		for _, r := range page {
			var pc any
			if r.ProjectID != nil {
				pc = codes[*r.ProjectID]
			}
			row := []any{r.Code, string(r.Kind), ledger.Label(r.Kind), r.Title, pc}
			row = append(row, orgCells(orgs[deref(r.AuthorID)])...)
			row = append(row, yearOf(years, r.RoundID), optDate(r.PublishedOn), r.Body, int64(r.Version), s.ReportURL(r.Code))
			if err := emit(row); err != nil {
				return err
			}
		}
		if len(page) < s.pageSize() {
			return nil
		}
		after = page[len(page)-1].ID
	}
}
