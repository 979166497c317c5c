package store

import (
	"context"
	"strings"

	"civicledger/ledger"
)

// Reads of rounds by year, records by public code, announcements, reports,
// case collections, indicator sets and review averages.

// RoundByYear implements ledger.Reader.
func (db *DB) RoundByYear(ctx context.Context, year int) (*ledger.Round, error) {
	var r ledger.Round
	if err := db.get(ctx, &r, `SELECT * FROM rounds WHERE year = ?`, year); err != nil {
		if ledger.ErrorCode(err) == ledger.ENOTFOUND {
			return nil, ledger.NotFound("round", year)
		}
		return nil, err
	}
	return &r, nil
}

// byCodes orders rows fetched with IN (...) as codes, nil where missing.
func byCodes[T any](codes []string, rows []T, key func(*T) string) []*T {
	idx := make(map[string]*T, len(rows))
	for i := range rows {
		idx[key(&rows[i])] = &rows[i]
	}
	out := make([]*T, len(codes))
	for i, c := range codes {
		out[i] = idx[c]
	}
	return out
}

// OrganizationsByCodes implements ledger.Reader.
func (db *DB) OrganizationsByCodes(ctx context.Context, codes []string) ([]*ledger.Organization, error) {
	return loadByCodes(ctx, db, `SELECT * FROM organizations WHERE credit_code IN (?)`, codes, func(o *ledger.Organization) string { return o.CreditCode })
}

// ProjectsByCodes implements ledger.Reader.
func (db *DB) ProjectsByCodes(ctx context.Context, codes []string) ([]*ledger.Project, error) {
	return loadByCodes(ctx, db, `SELECT * FROM projects WHERE code IN (?)`, codes, func(p *ledger.Project) string { return p.Code })
}

// conds collects the conditions of a WHERE clause and their arguments.
type conds struct {
	list []string
	args []any
}

func (c *conds) add(cond string, a ...any) {
	c.list = append(c.list, cond)
	c.args = append(c.args, a...)
}

// published adds the conditions on a publication date column: in one of
// years, and from and to (inclusive) when set.
func (c *conds) published(col string, years []int, from, to ledger.Date) {
	if len(years) > 0 {
		cond, yargs := publishedInYears(col, years)
		c.add(cond, yargs...)
	}
	if from != "" {
		c.add(col+" >= ?", string(from))
	}
	if to != "" {
		c.add(col+" <= ?", string(to))
	}
}

// where is the clause joining the conditions, "1 = 1" when there are none.
func (c *conds) where() (string, []any) {
	if len(c.list) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(c.list, " AND "), c.args
}

func announcementWhere(f ledger.AnnouncementFilter) (string, []any) {
	var c conds
	if len(f.Kinds) > 0 {
		c.add("a.kind IN (?)", strs(f.Kinds))
	}
	if len(f.RoundIDs) > 0 {
		c.add("a.round_id IN (?)", f.RoundIDs)
	}
	c.published("a.published_on", f.Years, f.PublishedFrom, f.PublishedTo)
	if f.NoticeOpen != nil {
		day := string(f.NoticeOpenOn)
		if *f.NoticeOpen {
			c.add("a.notice_start <> '' AND a.notice_start <= ? AND a.notice_end >= ?", day, day)
		} else {
			c.add("NOT (a.notice_start <> '' AND a.notice_start <= ? AND a.notice_end >= ?)", day, day)
		}
	}
	if len(f.Districts) > 0 {
		c.add("EXISTS (SELECT 1 FROM announcement_projects ap JOIN projects p ON p.id = ap.project_id WHERE ap.announcement_id = a.id AND p.district IN (?))", f.Districts)
	}
	if len(f.ServiceAreas) > 0 {
		c.add("EXISTS (SELECT 1 FROM announcement_projects ap JOIN projects p ON p.id = ap.project_id WHERE ap.announcement_id = a.id AND p.service_area IN (?))", strs(f.ServiceAreas))
	}
	return c.where()
}

// FindAnnouncements implements ledger.Reader.
func (db *DB) FindAnnouncements(ctx context.Context, f ledger.AnnouncementFilter, offset, limit int) ([]*ledger.Announcement, int, error) {
	where, args := announcementWhere(f)
	return findPage[ledger.Announcement](ctx, db, listing{cols: "a.*", from: ` FROM announcements a WHERE ` + where, args: args,
		order: "a.published_on DESC, a.id DESC"}, offset, limit)
}

// AnnouncementsByCodes implements ledger.Reader.
func (db *DB) AnnouncementsByCodes(ctx context.Context, codes []string) ([]*ledger.Announcement, error) {
	return loadByCodes(ctx, db, `SELECT * FROM announcements WHERE code IN (?)`, codes, func(a *ledger.Announcement) string { return a.Code })
}

// AnnouncementsByProjectIDs implements ledger.Reader.
func (db *DB) AnnouncementsByProjectIDs(ctx context.Context, ids []int64) ([][]*ledger.Announcement, error) {
	var rows []struct {
		ledger.Announcement
		PID int64 `db:"pid"`
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if err := db.selIn(ctx, &rows, `SELECT a.*, ap.project_id AS pid FROM announcement_projects ap
		JOIN announcements a ON a.id = ap.announcement_id WHERE ap.project_id IN (?) ORDER BY a.published_on, a.id`, ids); err != nil {
		return nil, err
	}
	idx := make(map[int64][]*ledger.Announcement, len(ids))
	for i := range rows {
		idx[rows[i].PID] = append(idx[rows[i].PID], &rows[i].Announcement)
	}
	out := make([][]*ledger.Announcement, len(ids))
	for i, id := range ids {
		out[i] = idx[id]
	}
	return out, nil
}

func reportWhere(f ledger.ReportFilter) (string, []any) {
	var c conds
	if len(f.Kinds) > 0 {
		c.add("r.kind IN (?)", strs(f.Kinds))
	}
	if len(f.ProjectIDs) > 0 {
		c.add("r.project_id IN (?)", f.ProjectIDs)
	}
	if len(f.AuthorIDs) > 0 {
		c.add("r.author_id IN (?)", f.AuthorIDs)
	}
	c.published("r.published_on", f.Years, f.PublishedFrom, f.PublishedTo)
	return c.where()
}

// FindReports implements ledger.Reader.
func (db *DB) FindReports(ctx context.Context, f ledger.ReportFilter, offset, limit int) ([]*ledger.Report, int, error) {
	where, args := reportWhere(f)
	return findPage[ledger.Report](ctx, db, listing{cols: "r.*", from: ` FROM reports r WHERE ` + where, args: args,
		order: "r.published_on DESC, r.id DESC"}, offset, limit)
}

// ReportsByCodes implements ledger.Reader.
func (db *DB) ReportsByCodes(ctx context.Context, codes []string) ([]*ledger.Report, error) {
	return loadByCodes(ctx, db, `SELECT * FROM reports WHERE code IN (?)`, codes, func(r *ledger.Report) string { return r.Code })
}

// ReportsByIDs implements ledger.Reader.
func (db *DB) ReportsByIDs(ctx context.Context, ids []int64) ([]*ledger.Report, error) {
	return loadByIDs(ctx, db, `SELECT * FROM reports WHERE id IN (?)`, ids, func(r *ledger.Report) int64 { return r.ID })
}

// ReportsByProjectIDs implements ledger.Reader.
func (db *DB) ReportsByProjectIDs(ctx context.Context, ids []int64) ([][]*ledger.Report, error) {
	return loadGroups(ctx, db, `SELECT * FROM reports WHERE project_id IN (?) ORDER BY published_on, id`, ids, func(r *ledger.Report) int64 { return *r.ProjectID })
}

// CaseCollections implements ledger.Reader.
func (db *DB) CaseCollections(ctx context.Context, year int) ([]*ledger.CaseCollection, error) {
	rows := []*ledger.CaseCollection{}
	if year > 0 {
		return rows, db.sel(ctx, &rows, `SELECT * FROM case_collections WHERE year = ? ORDER BY id DESC`, year)
	}
	return rows, db.sel(ctx, &rows, `SELECT * FROM case_collections ORDER BY year DESC, id DESC`)
}

// CaseCollectionsByIDs implements ledger.Reader.
func (db *DB) CaseCollectionsByIDs(ctx context.Context, ids []int64) ([]*ledger.CaseCollection, error) {
	return loadByIDs(ctx, db, `SELECT * FROM case_collections WHERE id IN (?)`, ids, func(c *ledger.CaseCollection) int64 { return c.ID })
}

// CaseStudiesByCollectionIDs implements ledger.Reader.
func (db *DB) CaseStudiesByCollectionIDs(ctx context.Context, ids []int64) ([][]*ledger.CaseStudy, error) {
	return loadGroups(ctx, db, `SELECT * FROM case_studies WHERE collection_id IN (?) ORDER BY position, id`, ids, func(c *ledger.CaseStudy) int64 { return c.CollectionID })
}

// CaseStudiesByProjectIDs implements ledger.Reader.
func (db *DB) CaseStudiesByProjectIDs(ctx context.Context, ids []int64) ([][]*ledger.CaseStudy, error) {
	return loadGroups(ctx, db, `SELECT * FROM case_studies WHERE project_id IN (?) ORDER BY id`, ids, func(c *ledger.CaseStudy) int64 { return c.ProjectID })
}

// IndicatorSets implements ledger.Reader.
func (db *DB) IndicatorSets(ctx context.Context, kind ledger.ReviewKind) ([]*ledger.IndicatorSet, error) {
	var ids []int64
	var err error
	if kind != "" {
		err = db.sel(ctx, &ids, `SELECT id FROM indicator_sets WHERE kind = ? ORDER BY id`, string(kind))
	} else {
		err = db.sel(ctx, &ids, `SELECT id FROM indicator_sets ORDER BY id`)
	}
	if err != nil {
		return nil, err
	}
	return db.IndicatorSetsByIDs(ctx, ids)
}

// ReviewAverages implements ledger.Reader.
// An evaluator reviews a quarter of all projects at 100,000 projects, so
// its averages are an aggregate, cached like the statistics.
func (db *DB) ReviewAverages(ctx context.Context, orgID int64, kind ledger.OrgKind) ([]*ledger.ReviewAverage, error) {
	return cachedAggregate(ctx, db, func() ([]*ledger.ReviewAverage, error) {
		return db.reviewAverages(ctx, orgID, kind)
	}, func(r []*ledger.ReviewAverage) int64 { return 64 * int64(1+len(r)) }, "reviewAverages", orgID, kind)
}

func (db *DB) reviewAverages(ctx context.Context, orgID int64, kind ledger.OrgKind) ([]*ledger.ReviewAverage, error) {
	rows := []*ledger.ReviewAverage{}
	if kind == ledger.Undertaker {
		return rows, db.sel(ctx, &rows, `SELECT s.kind, COUNT(*) AS n, ROUND(AVG(s.total) * 100) / 100.0 AS average
			FROM scorecards s JOIN projects p ON p.id = s.project_id WHERE p.undertaker_id = ? GROUP BY s.kind ORDER BY s.kind`, orgID)
	}
	return rows, db.sel(ctx, &rows, `SELECT s.kind, COUNT(*) AS n, ROUND(AVG(s.total) * 100) / 100.0 AS average
		FROM scorecards s WHERE s.reviewer_id = ? GROUP BY s.kind ORDER BY s.kind`, orgID)
}

// AnnouncementsByIDs implements ledger.Reader.
func (db *DB) AnnouncementsByIDs(ctx context.Context, ids []int64) ([]*ledger.Announcement, error) {
	return loadByIDs(ctx, db, `SELECT * FROM announcements WHERE id IN (?)`, ids, func(a *ledger.Announcement) int64 { return a.ID })
}

// CaseStudiesByIDs implements ledger.Reader.
func (db *DB) CaseStudiesByIDs(ctx context.Context, ids []int64) ([]*ledger.CaseStudy, error) {
	return loadByIDs(ctx, db, `SELECT * FROM case_studies WHERE id IN (?)`, ids, func(c *ledger.CaseStudy) int64 { return c.ID })
}

// publishedInYears is a condition that a date column falls in one of years.
func publishedInYears(col string, years []int) (string, []any) {
	ors := make([]string, len(years))
	args := make([]any, len(years))
	for i, y := range years {
		ors[i] = col + " LIKE ?"
		args[i] = itoa(y) + "-%"
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}
