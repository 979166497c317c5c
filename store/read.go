package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"civicledger/ledger"
)

// Reads. Methods named …ByIDs / …ByProjectIDs return results in the order of
// their keys (nil or empty for missing keys) so dataloaders can use them as
// they are; each is one SQL statement whatever the number of keys.

// byIDs orders rows fetched with IN (...) as ids, nil where missing.
func byIDs[T any](ids []int64, rows []T, key func(*T) int64) []*T {
	idx := make(map[int64]*T, len(rows))
	for i := range rows {
		idx[key(&rows[i])] = &rows[i]
	}
	out := make([]*T, len(ids))
	for i, id := range ids {
		out[i] = idx[id]
	}
	return out
}

// groupByIDs groups rows fetched with IN (...) by key, in the order of ids.
func groupByIDs[T any](ids []int64, rows []T, key func(*T) int64) [][]*T {
	idx := make(map[int64][]*T, len(ids))
	for i := range rows {
		k := key(&rows[i])
		idx[k] = append(idx[k], &rows[i])
	}
	out := make([][]*T, len(ids))
	for i, id := range ids {
		out[i] = idx[id]
	}
	return out
}

// Rounds implements ledger.Reader.
func (db *DB) Rounds(ctx context.Context) ([]*ledger.Round, error) {
	var rows []*ledger.Round
	return rows, db.sel(ctx, &rows, `SELECT * FROM rounds ORDER BY year`)
}

// RoundsByIDs implements ledger.Reader.
func (db *DB) RoundsByIDs(ctx context.Context, ids []int64) ([]*ledger.Round, error) {
	return loadByIDs(ctx, db, `SELECT * FROM rounds WHERE id IN (?)`, ids, func(r *ledger.Round) int64 { return r.ID })
}

// Organization implements ledger.Reader.
func (db *DB) Organization(ctx context.Context, creditCode string) (*ledger.Organization, error) {
	var o ledger.Organization
	if err := db.get(ctx, &o, `SELECT * FROM organizations WHERE credit_code = ?`, strings.ToUpper(strings.TrimSpace(creditCode))); err != nil {
		if ledger.ErrorCode(err) == ledger.ENOTFOUND {
			return nil, ledger.NotFound("organization", creditCode)
		}
		return nil, err
	}
	return &o, nil
}

// OrganizationsByIDs implements ledger.Reader.
func (db *DB) OrganizationsByIDs(ctx context.Context, ids []int64) ([]*ledger.Organization, error) {
	return loadByIDs(ctx, db, `SELECT * FROM organizations WHERE id IN (?)`, ids, func(o *ledger.Organization) int64 { return o.ID })
}

// FindOrganizations implements ledger.Reader.
func (db *DB) FindOrganizations(ctx context.Context, kinds []ledger.OrgKind, offset, limit int) ([]*ledger.Organization, int, error) {
	l := listing{cols: "o.*", from: " FROM organizations o WHERE 1 = 1", order: "o.credit_code"}
	if len(kinds) > 0 {
		l.from, l.args = " FROM organizations o WHERE o.kind IN (?)", []any{kinds}
	}
	return findPage[ledger.Organization](ctx, db, l, offset, limit)
}

// Project implements ledger.Reader.
func (db *DB) Project(ctx context.Context, code string) (*ledger.Project, error) {
	var p ledger.Project
	if err := db.get(ctx, &p, `SELECT * FROM projects WHERE code = ?`, strings.TrimSpace(code)); err != nil {
		if ledger.ErrorCode(err) == ledger.ENOTFOUND {
			return nil, ledger.NotFound("project", code)
		}
		return nil, err
	}
	return &p, nil
}

// ProjectsByIDs implements ledger.Reader.
func (db *DB) ProjectsByIDs(ctx context.Context, ids []int64) ([]*ledger.Project, error) {
	return loadByIDs(ctx, db, `SELECT * FROM projects WHERE id IN (?)`, ids, func(p *ledger.Project) int64 { return p.ID })
}

// FiguresByProjectIDs implements ledger.Reader.
func (db *DB) FiguresByProjectIDs(ctx context.Context, ids []int64) ([]*ledger.Figures, error) {
	return loadByIDs(ctx, db, `SELECT * FROM project_figures WHERE project_id IN (?)`, ids, func(f *ledger.Figures) int64 { return f.ProjectID })
}

// StageEventsByProjectIDs implements ledger.Reader.
func (db *DB) StageEventsByProjectIDs(ctx context.Context, ids []int64) ([][]*ledger.StageEvent, error) {
	return loadGroups(ctx, db, `SELECT * FROM stage_events WHERE project_id IN (?) ORDER BY occurred_on, id`, ids, func(e *ledger.StageEvent) int64 { return e.ProjectID })
}

// TranchesByProjectIDs implements ledger.Reader.
func (db *DB) TranchesByProjectIDs(ctx context.Context, ids []int64) ([][]*ledger.Tranche, error) {
	return loadGroups(ctx, db, `SELECT * FROM tranches WHERE project_id IN (?) ORDER BY paid_on, id`, ids, func(t *ledger.Tranche) int64 { return t.ProjectID })
}

// MetricsByProjectIDs implements ledger.Reader. Lists of metrics are long
// (a project reports each kind every quarter), so it reads the figures
// without their attribution columns; a metric's history is in revisions.
func (db *DB) MetricsByProjectIDs(ctx context.Context, ids []int64) ([][]*ledger.Metric, error) {
	return loadGroups(ctx, db, `SELECT id, project_id, kind, period_start, period_end, value, target, provenance, version
		FROM metrics WHERE project_id IN (?) ORDER BY project_id, kind, period_start, id`, ids, func(m *ledger.Metric) int64 { return m.ProjectID })
}

// AuditsByProjectIDs implements ledger.Reader.
func (db *DB) AuditsByProjectIDs(ctx context.Context, ids []int64) ([][]*ledger.Audit, error) {
	return loadGroups(ctx, db, `SELECT * FROM audits WHERE project_id IN (?) ORDER BY audited_on, id`, ids, func(a *ledger.Audit) int64 { return a.ProjectID })
}

// ScorecardsByProjectIDs implements ledger.Reader. Scores come in a second
// statement, so the whole call is two statements for any number of projects.
func (db *DB) ScorecardsByProjectIDs(ctx context.Context, ids []int64) ([][]*ledger.Scorecard, error) {
	var rows []struct {
		ledger.Scorecard
		Total float64 `db:"total"`
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if err := db.selIn(ctx, &rows, `SELECT * FROM scorecards WHERE project_id IN (?) ORDER BY reviewed_on, id`, ids); err != nil {
		return nil, err
	}
	cards := make([]ledger.Scorecard, len(rows))
	cardIDs := make([]int64, len(rows))
	for i := range rows {
		cards[i], cardIDs[i] = rows[i].Scorecard, rows[i].ID
	}
	if len(cardIDs) > 0 {
		var scores []ledger.Score
		if err := db.selIn(ctx, &scores, `SELECT * FROM scores WHERE scorecard_id IN (?)`, cardIDs); err != nil {
			return nil, err
		}
		pos := make(map[int64]int, len(cards))
		for i := range cards {
			pos[cards[i].ID] = i
		}
		for _, s := range scores {
			c := &cards[pos[s.ScorecardID]]
			c.Scores = append(c.Scores, s)
		}
	}
	return groupByIDs(ids, cards, func(s *ledger.Scorecard) int64 { return s.ProjectID }), nil
}

// IndicatorSetsByIDs implements ledger.Reader.
func (db *DB) IndicatorSetsByIDs(ctx context.Context, ids []int64) ([]*ledger.IndicatorSet, error) {
	var sets []ledger.IndicatorSet
	if len(ids) == 0 {
		return nil, nil
	}
	if err := db.selIn(ctx, &sets, `SELECT * FROM indicator_sets WHERE id IN (?)`, ids); err != nil {
		return nil, err
	}
	var ins []ledger.Indicator
	if err := db.selIn(ctx, &ins, `SELECT * FROM indicators WHERE set_id IN (?) ORDER BY set_id, position`, ids); err != nil {
		return nil, err
	}
	out := byIDs(ids, sets, func(s *ledger.IndicatorSet) int64 { return s.ID })
	bySet := map[int64]*ledger.IndicatorSet{}
	for _, s := range out {
		if s != nil {
			bySet[s.ID] = s
		}
	}
	for _, in := range ins {
		if s := bySet[in.SetID]; s != nil {
			s.Indicators = append(s.Indicators, in)
		}
	}
	return out, nil
}

// Revisions implements ledger.Reader.
func (db *DB) Revisions(ctx context.Context, entity ledger.Entity, id int64) ([]*ledger.Revision, error) {
	var rows []*ledger.Revision
	return rows, db.sel(ctx, &rows, `SELECT entity, entity_id, version, snapshot, actor, role, reason, recorded_at
		FROM revisions WHERE entity = ? AND entity_id = ? ORDER BY version`, entity, id)
}

// projectWhere turns a filter into a WHERE clause over projects p joined
// with project_figures f. The API, pages and exports share it, so the list
// and its totals can never disagree.
func projectWhere(f ledger.ProjectFilter) (string, []any) {
	w, a, _ := projectWhereFigures(f, "f")
	return w, a
}

// projectWhereFigures is projectWhere that also says whether the clause
// needs project_figures joined; figures is the alias it is joined under
// (stats_rollup, which has both tables' columns, is p and figures).
func projectWhereFigures(f ledger.ProjectFilter, figures string) (string, []any, bool) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) { conds = append(conds, cond); args = append(args, a...) }
	switch f.Scope.Effective() {
	case ledger.ScopeFunded:
		add("p.outcome <> 'REJECTED'")
	case ledger.ScopeRejected:
		add("p.outcome = 'REJECTED'")
	}
	if len(f.Years) > 0 {
		add("p.year IN (?)", f.Years)
	}
	if len(f.RoundIDs) > 0 {
		add("p.round_id IN (?)", f.RoundIDs)
	}
	if len(f.ServiceAreas) > 0 {
		add("p.service_area IN (?)", strs(f.ServiceAreas))
	}
	if len(f.Districts) > 0 {
		add("p.district IN (?)", f.Districts)
	}
	if len(f.Stages) > 0 {
		add("p.stage IN (?)", strs(f.Stages))
	}
	if len(f.Outcomes) > 0 {
		add("p.outcome IN (?)", strs(f.Outcomes))
	}
	if len(f.UndertakerIDs) > 0 {
		add("p.undertaker_id IN (?)", f.UndertakerIDs)
	}
	if len(f.EvaluatorIDs) > 0 {
		add("p.evaluator_id IN (?)", f.EvaluatorIDs)
	}
	if len(f.AuditorIDs) > 0 {
		add("p.auditor_id IN (?)", f.AuditorIDs)
	}
	if len(f.AnyOrgIDs) > 0 {
		add("(p.undertaker_id IN (?) OR p.evaluator_id IN (?) OR p.auditor_id IN (?))", f.AnyOrgIDs, f.AnyOrgIDs, f.AnyOrgIDs)
	}
	if len(f.Codes) > 0 {
		add("p.code IN (?)", f.Codes)
	}
	if f.AnnouncementID != 0 {
		add("p.id IN (SELECT project_id FROM announcement_projects WHERE announcement_id = ?)", f.AnnouncementID)
	}
	if f.AwardedMin != nil {
		add("p.awarded_fen >= ?", int64(*f.AwardedMin))
	}
	if f.AwardedMax != nil {
		add("p.awarded_fen <= ?", int64(*f.AwardedMax))
	}
	if f.ApprovedFrom != "" {
		add("p.approved_on <> '' AND p.approved_on >= ?", string(f.ApprovedFrom))
	}
	if f.ApprovedTo != "" {
		add("p.approved_on <> '' AND p.approved_on <= ?", string(f.ApprovedTo))
	}
	needsFigures := false
	if f.HasAuditFindings != nil {
		add(figures+".audit_findings = ?", *f.HasAuditFindings)
		needsFigures = true
	}
	if f.Terminated != nil {
		if *f.Terminated {
			add("p.outcome = 'TERMINATED'")
		} else {
			add("p.outcome <> 'TERMINATED'")
		}
	}
	if len(conds) == 0 {
		return "1 = 1", nil, false
	}
	return strings.Join(conds, " AND "), args, needsFigures
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func inQuery(q string, args ...any) (string, []any, error) {
	if len(args) == 0 {
		return q, nil, nil
	}
	return readIn(q, args...)
}

var orderExprs = map[ledger.ProjectOrderField]string{
	ledger.OrderByCode:          "p.code",
	ledger.OrderByAwarded:       "p.awarded_fen",
	ledger.OrderByApprovedOn:    "p.approved_on",
	ledger.OrderByBeneficiaries: "f.beneficiary_visits",
	ledger.OrderByPaid:          "f.paid_fen",
	ledger.OrderBySatisfaction:  "(CASE WHEN f.feedback_count >= 5 THEN f.feedback_sum * 1.0 / f.feedback_count ELSE -1 END)",
}

// FindProjects implements ledger.Reader: one statement for the page and one
// for the total.
func (db *DB) FindProjects(ctx context.Context, filter ledger.ProjectFilter, order ledger.ProjectOrder, offset, limit int) ([]*ledger.Project, int, error) {
	return findPage[ledger.Project](ctx, db, db.projectListing(filter, order), offset, limit)
}

// projectListing is the listing of the projects matching filter in order.
func (db *DB) projectListing(filter ledger.ProjectFilter, order ledger.ProjectOrder) listing {
	where, args, needsFigures := projectWhereFigures(filter, "f")
	expr, ok := orderExprs[order.Field]
	if !ok {
		expr = "p.code"
	}
	dir := " ASC"
	if order.Desc {
		dir = " DESC"
	}
	l := listing{cols: "p.*", from: ` FROM projects p WHERE ` + where, args: args, order: expr + dir, cache: []any{"count", filter}}
	if expr != "p.code" {
		l.order += ", p.code" + dir
	}
	if needsFigures {
		l.from = ` FROM projects p JOIN project_figures f ON f.project_id = p.id WHERE ` + where
	} else if strings.Contains(expr, "f.") {
		l.pageFrom = ` FROM projects p JOIN project_figures f ON f.project_id = p.id WHERE ` + where
		if db.dialect == SQLite && reflect.ValueOf(filter).IsZero() {
			// All projects ordered by a figure: walk the figure's index.
			// SQLite's planner would rather sort every project (72 ms
			// instead of 12 at 100,000); CROSS JOIN fixes the join order.
			l.pageFrom = ` FROM project_figures f CROSS JOIN projects p ON p.id = f.project_id WHERE ` + where
		}
	}
	return l
}

// pageRow is a project of a page read with its undertaker (columns
// "u.…") and figures ("f.…") by FindProjectsWith: projectRow without the
// round, 576 bytes a row instead of 768.
type pageRow struct {
	ledger.Project
	U ledger.Organization `db:"u"`
	F ledger.Figures      `db:"f"`
}

// projectRow is a project read with its undertaker (columns "u.…"),
// figures ("f.…") and round ("r.…") by ProjectWith.
type projectRow struct {
	ledger.Project
	U ledger.Organization `db:"u"`
	F ledger.Figures      `db:"f"`
	R ledger.Round        `db:"r"`
}

// joinedCols appends to cols the columns of table under alias, named
// "alias.column" for projectRow.
func (db *DB) joinedCols(ctx context.Context, cols *strings.Builder, table, alias string) error {
	return db.joinedColsOmitting(ctx, cols, table, alias, nil)
}

// The columns an abridged page leaves out (their fields stay empty): the
// long texts, and the attribution of the version shown, which no field of
// a page shows (a project's version number is kept: it is a field). A page
// of 50 is then half the bytes to send, decode and collect, and on
// PostgreSQL a row fits lib/pq's 512-byte buffer instead of a copy of its
// own.
var (
	abridgedProject = map[string]bool{"summary": true, "target_group": true,
		"recorded_by": true, "recorded_role": true, "recorded_at": true}
	abridgedOrganization = map[string]bool{"description": true, "founded_on": true,
		"version": true, "recorded_by": true, "recorded_role": true, "recorded_at": true}
)

// omitIf returns omit for an abridged read, and no columns to omit for
// another.
func omitIf(abridged bool, omit map[string]bool) map[string]bool {
	if abridged {
		return omit
	}
	return nil
}

// joinedColsOmitting is joinedCols without the columns in omit.
func (db *DB) joinedColsOmitting(ctx context.Context, cols *strings.Builder, table, alias string, omit map[string]bool) error {
	cs, err := db.columns(ctx, table)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if omit[c] {
			continue
		}
		cols.WriteString(`, ` + alias + `.` + c + ` AS "` + alias + `.` + c + `"`)
	}
	return nil
}

// listCols writes table's columns under alias, by their own names, but
// those in omit.
func (db *DB) listCols(ctx context.Context, cols *strings.Builder, table, alias string, omit map[string]bool) error {
	cs, err := db.columns(ctx, table)
	if err != nil {
		return err
	}
	sep := ""
	for _, c := range cs {
		if omit[c] {
			continue
		}
		cols.WriteString(sep + alias + `.` + c)
		sep = ", "
	}
	return nil
}

// ProjectWith is Project that also reads, in the same statement, the
// project's undertaker, figures and round, each when asked: one project
// with what its page shows in one statement instead of four. With
// abridged, the undertaker is read without the columns of
// abridgedOrganization and marked Abridged (see FindProjectsWith).
func (db *DB) ProjectWith(ctx context.Context, code string, undertaker, figures, round, abridged bool) (*ledger.Project, *ledger.Organization, *ledger.Figures, *ledger.Round, error) {
	abridged = abridged && undertaker
	key := [4]bool{undertaker, figures, round, abridged}
	var query string
	if v, ok := db.projectWith.Load(key); ok {
		query = v.(string)
	} else {
		var cols strings.Builder
		cols.WriteString("p.*")
		from := ` FROM projects p`
		join := func(on bool, table, alias, cond string, omit map[string]bool) error {
			if !on {
				return nil
			}
			from += ` JOIN ` + table + ` ` + alias + ` ON ` + cond
			return db.joinedColsOmitting(ctx, &cols, table, alias, omit)
		}
		if err := errors.Join(join(undertaker, "organizations", "u", "u.id = p.undertaker_id", omitIf(abridged, abridgedOrganization)),
			join(figures, "project_figures", "f", "f.project_id = p.id", nil),
			join(round, "rounds", "r", "r.id = p.round_id", nil)); err != nil {
			return nil, nil, nil, nil, err
		}
		query = `SELECT ` + cols.String() + from + ` WHERE p.code = ?`
		db.projectWith.Store(key, query)
	}
	var rows []*projectRow
	if err := selRows(ctx, db, &rows, query, strings.TrimSpace(code)); err != nil {
		return nil, nil, nil, nil, err
	}
	if len(rows) == 0 {
		return nil, nil, nil, nil, ledger.NotFound("project", code)
	}
	row := rows[0]
	var o *ledger.Organization
	var f *ledger.Figures
	var r *ledger.Round
	if undertaker {
		o = &row.U
		o.Abridged = abridged
	}
	if figures {
		f = &row.F
	}
	if round {
		r = &row.R
	}
	return &row.Project, o, f, r, nil
}

// FindProjectsWith is FindProjects that also reads, in the page's own
// statement, each project's undertaker (when undertakers is set) and
// figures (when figures is set): a page with what a list shows in one
// statement instead of three. The organizations and figures are in the
// order of the projects.
//
// With abridged, the columns of abridgedProject and abridgedOrganization
// are left out (their fields stay empty) and the records marked Abridged.
func (db *DB) FindProjectsWith(ctx context.Context, filter ledger.ProjectFilter, order ledger.ProjectOrder, offset, limit int,
	undertakers, figures, abridged bool) ([]*ledger.Project, []*ledger.Organization, []*ledger.Figures, int, error) {
	l := db.projectListing(filter, order)
	if !undertakers && !figures && !abridged {
		ps, n, err := findPage[ledger.Project](ctx, db, l, offset, limit)
		return ps, nil, nil, n, err
	}
	from := l.from
	if l.pageFrom != "" {
		from = l.pageFrom
	}
	if !strings.HasPrefix(from, " FROM projects p ") && !strings.HasPrefix(from, " FROM project_figures f CROSS JOIN projects p ") {
		return nil, nil, nil, 0, fmt.Errorf("store: a project listing of another shape: %q", from)
	}
	// The page's projects are chosen first, then joined (listing.joinPage).
	key := [4]bool{undertakers, figures, abridged, strings.Contains(l.order, "f.")}
	if v, ok := db.pageCols.Load(key); ok {
		pc := v.([2]string)
		l.cols, l.joinPage = pc[0], pc[1]
		return db.readPage(ctx, l, offset, limit, undertakers, figures, abridged)
	}
	var cols strings.Builder
	if abridged {
		if err := db.listCols(ctx, &cols, "projects", "p", abridgedProject); err != nil {
			return nil, nil, nil, 0, err
		}
	} else {
		cols.WriteString("p.*")
	}
	join := ""
	if undertakers {
		if err := db.joinedColsOmitting(ctx, &cols, "organizations", "u", omitIf(abridged, abridgedOrganization)); err != nil {
			return nil, nil, nil, 0, err
		}
		join += ` JOIN organizations u ON u.id = p.undertaker_id`
	}
	// Every project has its figures row (the writes keep it), and an order
	// by a figure names f: the figures are joined whenever either needs it.
	if figures || strings.Contains(l.order, "f.") {
		if figures {
			if err := db.joinedCols(ctx, &cols, "project_figures", "f"); err != nil {
				return nil, nil, nil, 0, err
			}
		}
		join += ` JOIN project_figures f ON f.project_id = p.id`
	}
	l.cols, l.joinPage = cols.String(), join
	db.pageCols.Store(key, [2]string{l.cols, l.joinPage})
	return db.readPage(ctx, l, offset, limit, undertakers, figures, abridged)
}

// readPage reads a page of projects with its joined columns.
func (db *DB) readPage(ctx context.Context, l listing, offset, limit int, undertakers, figures, abridged bool) ([]*ledger.Project, []*ledger.Organization, []*ledger.Figures, int, error) {
	rows, total, err := findPage[pageRow](ctx, db, l, offset, limit)
	if err != nil {
		return nil, nil, nil, 0, err
	}
	ps := make([]*ledger.Project, len(rows))
	var orgs []*ledger.Organization
	var figs []*ledger.Figures
	for i, r := range rows {
		ps[i] = &r.Project
		r.Project.Abridged = abridged
		r.U.Abridged = abridged
		if undertakers {
			orgs = append(orgs, &r.U)
		}
		if figures {
			figs = append(figs, &r.F)
		}
	}
	return ps, orgs, figs, total, nil
}

// columns returns the column names of table, read once.
func (db *DB) columns(ctx context.Context, table string) ([]string, error) {
	if v, ok := db.tableColumns.Load(table); ok {
		return v.([]string), nil
	}
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT * FROM `+table+` WHERE 1 = 0`)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, mapError(err)
	}
	db.tableColumns.Store(table, cols)
	return cols, nil
}

var groupExprs = map[ledger.StatsGroup]string{
	ledger.GroupByYear:        "p.year",
	ledger.GroupByServiceArea: "p.service_area",
	ledger.GroupByDistrict:    "p.district",
	ledger.GroupByUndertaker:  "p.undertaker_id",
	ledger.GroupByEvaluator:   "COALESCE(p.evaluator_id, 0)",
	ledger.GroupByStage:       "p.stage",
}

// Stats implements ledger.Reader: one statement for the total and one for
// the groups.
func (db *DB) Stats(ctx context.Context, filter ledger.ProjectFilter, groups []ledger.StatsGroup) (*ledger.StatsRow, []*ledger.StatsRow, error) {
	type result struct {
		total *ledger.StatsRow
		rows  []*ledger.StatsRow
	}
	r, err := cachedAggregate(ctx, db, func() (result, error) {
		t, rows, err := db.stats(ctx, filter, groups)
		return result{t, rows}, err
	}, func(r result) int64 { return statsRowBytes * int64(1+len(r.rows)) }, "stats", filter, groups)
	return r.total, r.rows, err
}

// statsRowBytes estimates the memory of one StatsRow with its key.
const statsRowBytes = 320

func (db *DB) stats(ctx context.Context, filter ledger.ProjectFilter, groups []ledger.StatsGroup) (*ledger.StatsRow, []*ledger.StatsRow, error) {
	where, args, _ := projectWhereFigures(filter, "f")
	measures := statsMeasures("p", "f", "1")
	from := ` FROM projects p JOIN project_figures f ON f.project_id = p.id WHERE ` + where
	having := ""
	if db.useRollup(filter, groups) {
		// stats_rollup has both tables' columns and counts its projects.
		where, args, _ = projectWhereFigures(filter, "p")
		measures = statsMeasures("p", "p", "p.projects")
		from = ` FROM stats_rollup p WHERE ` + where
		// A combination whose projects all moved on keeps a row of zeros.
		having = ` HAVING SUM(p.projects) > 0`
	}
	if len(groups) == 0 {
		q, a, err := inQuery(`SELECT `+measures+from, args...)
		if err != nil {
			return nil, nil, err
		}
		t, err := db.selStats(ctx, nil, q, a...)
		if err != nil {
			return nil, nil, err
		}
		return t[0], nil, nil
	}
	if err := ledger.CheckStatsGroups(groups); err != nil {
		return nil, nil, err
	}
	var sel, grp []string
	for i, g := range groups {
		expr := groupExprs[g]
		sel = append(sel, "CAST("+expr+" AS TEXT) AS g"+strconv.Itoa(i))
		if db.dialect == SQLite && g == ledger.GroupByUndertaker {
			// Unary + keeps SQLite from grouping along the undertaker
			// index, which reads the projects one random page at a time:
			// at 100,000 projects and 27,000 undertakers 5× slower than
			// reading the table in order and sorting the groups. (For
			// the few groups of year or area the index is faster.)
			expr = "+" + expr
		}
		grp = append(grp, expr)
	}
	q, a, err := inQuery(`SELECT `+strings.Join(sel, ", ")+", "+measures+from+` GROUP BY `+strings.Join(grp, ", ")+having+
		` ORDER BY `+strings.Join(grp, ", "), args...)
	if err != nil {
		return nil, nil, err
	}
	rows, err := db.selStats(ctx, groups, q, a...)
	if err != nil {
		return nil, nil, err
	}
	// The total is the sum of the groups: every measure is a count or a sum,
	// and the groups partition the matching projects. One scan, not two.
	total := &ledger.StatsRow{}
	for _, r := range rows {
		addStats(total, r)
	}
	if rows == nil {
		rows = []*ledger.StatsRow{}
	}
	return total, rows, nil
}

// listing is a list read a page at a time with its total: the rows
// FROM … WHERE … (from, over args) in order, and how many there are.
type listing struct {
	cols     string // the selected columns ("p.*")
	from     string // " FROM … WHERE …" of the count, and of the page unless pageFrom is set
	pageFrom string // of the page, when its order needs a join the count does not
	args     []any  // of from's placeholders; a slice fills an IN (?)
	order    string // ORDER BY of the page, ending in a unique column so pages do not overlap
	cache    []any  // when set, the key under which the total is kept in the aggregate cache
	// joinPage, when set, joins the page's rows to other tables (" JOIN
	// organizations u ON …") after the page is chosen: the page's project
	// IDs are ordered and cut first, then only those rows are read and
	// joined. Joining first would read and join every matching project
	// before the sort (an approval notice of 22,222 projects: 52 ms instead
	// of 12).
	joinPage string
}

// findPage reads the page of l from offset (at most limit rows, never
// nil) and the total: two statements, one when the page is past the end.
func findPage[T any](ctx context.Context, db *DB, l listing, offset, limit int) ([]*T, int, error) {
	count := func() (int, error) {
		var n int
		q, a, err := inQuery(`SELECT COUNT(*)`+l.from, l.args...)
		if err != nil {
			return 0, err
		}
		return n, db.get(ctx, &n, q, a...)
	}
	total := func() (int, error) {
		if l.cache != nil {
			return cachedAggregate(ctx, db, count, func(int) int64 { return 8 }, l.cache...)
		}
		return count()
	}
	rows := []*T{}
	if limit <= 0 || offset > 0 {
		// A later page may be past the end: the total first, then the
		// page only when there is one.
		n, err := total()
		if err != nil || limit <= 0 || offset >= n {
			return rows, n, err
		}
		return rows, n, findRows(ctx, db, l, offset, limit, &rows)
	}
	// The first page: its total (a cached count, whose currency is one
	// more read) and its rows are read at once, on two connections, one
	// round trip of latency instead of two.
	var n int
	var g errgroup.Group
	g.Go(func() (err error) {
		n, err = total()
		return err
	})
	g.Go(func() error { return findRows(ctx, db, l, offset, limit, &rows) })
	if err := g.Wait(); err != nil {
		return nil, 0, err
	}
	return rows, n, nil
}

// findRows reads the rows of one page of l.
func findRows[T any](ctx context.Context, db *DB, l listing, offset, limit int, rows *[]*T) error {
	from := l.from
	if l.pageFrom != "" {
		from = l.pageFrom
	}
	// The limit is written into the statement, and so is a zero offset:
	// PostgreSQL plans a prepared statement with "LIMIT $n" for an unknown
	// number of rows (a hash join over every project for a page of 50), so
	// it plans such a statement anew at each execution (0.8 ms of a 1.7 ms
	// page at 100,000 projects); with the limit known its generic plan is
	// the good one, planned once per connection. A later page's offset
	// stays a parameter (one statement for every offset).
	args := l.args[:len(l.args):len(l.args)]
	limitOffset := ` LIMIT ` + strconv.Itoa(limit)
	if offset > 0 {
		limitOffset += ` OFFSET ?`
		args = append(args, offset)
	}
	page := `SELECT ` + l.cols + from + ` ORDER BY ` + l.order + limitOffset
	if l.joinPage != "" {
		page = `SELECT ` + l.cols + ` FROM (SELECT p.id AS page_id` + from + ` ORDER BY ` + l.order + limitOffset + `) page
			JOIN projects p ON p.id = page.page_id` + l.joinPage + ` ORDER BY ` + l.order
	}
	q, a, err := readIn(page, args...)
	if err != nil {
		return err
	}
	return selRows(ctx, db, rows, q, a...)
}

// loadByIDs runs query (with one IN (?) for ids) and returns the rows in
// the order of ids, nil where missing: one statement for any number of ids.
func loadByIDs[T any](ctx context.Context, db *DB, query string, ids []int64, key func(*T) int64) ([]*T, error) {
	var rows []T
	if len(ids) == 0 {
		return nil, nil
	}
	if err := db.selIn(ctx, &rows, query, ids); err != nil {
		return nil, err
	}
	return byIDs(ids, rows, key), nil
}

// loadGroups runs query (with one IN (?) for ids) and groups the rows by
// key in the order of ids.
func loadGroups[T any](ctx context.Context, db *DB, query string, ids []int64, key func(*T) int64) ([][]*T, error) {
	var rows []T
	if len(ids) == 0 {
		return nil, nil
	}
	if err := db.selIn(ctx, &rows, query, ids); err != nil {
		return nil, err
	}
	return groupByIDs(ids, rows, key), nil
}

// loadByCodes is loadByIDs keyed by public codes.
func loadByCodes[T any](ctx context.Context, db *DB, query string, codes []string, key func(*T) string) ([]*T, error) {
	var rows []T
	if len(codes) == 0 {
		return nil, nil
	}
	if err := db.selIn(ctx, &rows, query, codes); err != nil {
		return nil, err
	}
	return byCodes(codes, rows, key), nil
}
