package store

import (
	"context"

	"civicledger/ledger"
)

// Writes of publications: announcements, reports, case collections and case studies.

func (w txWriter) PublishAnnouncement(ctx context.Context, att ledger.Attribution, a *ledger.Announcement) error {
	tx := w.tx
	return tx.apply(ctx, att, change{entity: ledger.EntityAnnouncement, record: a, id: &a.ID, validate: a.Validate,
		orgs:  a.OrgRefs(),
		table: "announcements", cols: []string{"code", "kind", "round_id", "title", "body", "publisher_id", "published_on", "notice_start", "notice_end"},
		args: func() []any {
			return []any{a.Code, string(a.Kind), a.RoundID, a.Title, a.Body, a.PublisherID, string(a.PublishedOn), string(a.NoticeStart), string(a.NoticeEnd)}
		},
		versioned: &a.Versioned,
		duplicate: func() error {
			return ledger.Invalid("announcement.code", "an announcement with code %s already exists", a.Code)
		},
		dangling: func() error { return ledger.Invalid("announcement.round", "round %v does not exist", deref(a.RoundID)) },
		after: func(ctx context.Context, id int64) error {
			for i, pid := range a.ProjectIDs {
				if err := tx.exec(ctx, `INSERT INTO announcement_projects (announcement_id, project_id) VALUES (?, ?)`, id, pid); err != nil {
					if ledger.ErrorCode(err) == ledger.EINVALID {
						return ledger.Invalid("announcement.projects["+itoa(i)+"]", "project %d does not exist", pid)
					}
					if ledger.ErrorCode(err) == ledger.ECONFLICT {
						return ledger.Invalid("announcement.projects["+itoa(i)+"]", "project %d is listed twice", pid)
					}
					return err
				}
			}
			return nil
		},
		searchable: true,
	})
}

func (w txWriter) PublishReport(ctx context.Context, att ledger.Attribution, r *ledger.Report) error {
	return w.tx.apply(ctx, att, change{entity: ledger.EntityReport, record: r, id: &r.ID, validate: r.Validate,
		project: r.ProjectID, projectField: "report.project", orgs: r.OrgRefs(),
		table: "reports", cols: []string{"code", "kind", "title", "body", "author_id", "project_id", "round_id", "published_on"},
		args: func() []any {
			return []any{r.Code, string(r.Kind), r.Title, r.Body, r.AuthorID, r.ProjectID, r.RoundID, string(r.PublishedOn)}
		},
		versioned:  &r.Versioned,
		duplicate:  func() error { return ledger.Invalid("report.code", "a report with code %s already exists", r.Code) },
		dangling:   func() error { return ledger.Invalid("report.round", "round %v does not exist", deref(r.RoundID)) },
		searchable: true,
	})
}

func (w txWriter) CreateCaseCollection(ctx context.Context, att ledger.Attribution, c *ledger.CaseCollection) error {
	return w.tx.apply(ctx, att, change{entity: ledger.EntityCaseCollection, record: c, id: &c.ID, validate: c.Validate,
		table: "case_collections", cols: []string{"year", "title", "intro", "published_on"},
		args:      func() []any { return []any{c.Year, c.Title, c.Intro, string(c.PublishedOn)} },
		versioned: &c.Versioned,
	})
}

func (w txWriter) AddCaseStudy(ctx context.Context, att ledger.Attribution, c *ledger.CaseStudy) error {
	tx := w.tx
	return tx.apply(ctx, att, change{entity: ledger.EntityCaseStudy, record: c, id: &c.ID, validate: c.Validate,
		project: &c.ProjectID, projectField: "caseStudy.project",
		check: func(ctx context.Context) error {
			var n int
			if err := tx.get(ctx, &n, `SELECT COUNT(*) FROM case_collections WHERE id = ?`, c.CollectionID); err != nil {
				return err
			} else if n == 0 {
				return ledger.Invalid("caseStudy.collection", "case collection %d does not exist", c.CollectionID)
			}
			return nil
		},
		table: "case_studies", cols: []string{"collection_id", "project_id", "position", "title", "narrative"},
		args: func() []any { return []any{c.CollectionID, c.ProjectID, c.Position, c.Title, c.Narrative} },
		after: func(ctx context.Context, id int64) error {
			// A report telling the same story leaves the search index (see
			// searchDocWhere): touch it so every node takes it out.
			var dup []int64
			if err := tx.sel(ctx, &dup, `SELECT id FROM reports WHERE kind = 'CASE_STUDY' AND project_id = ? AND title = ?`, c.ProjectID, c.Title); err != nil {
				return err
			}
			for _, rid := range dup {
				if err := tx.touch(ctx, ledger.EntityReport, rid); err != nil {
					return err
				}
			}
			return nil
		},
		versioned:  &c.Versioned,
		searchable: true,
	})
}
