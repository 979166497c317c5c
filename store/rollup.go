package store

import (
	"cmp"
	"context"
	"database/sql"
	"reflect"
	"slices"

	"civicledger/ledger"
)

// The stats rollup (table stats_rollup, migration 00002) sums every
// project's figures per combination of round, year, service area, district,
// stage, outcome and audit findings. Statistics that filter and group only
// by those read it instead of scanning every project: at 100,000 projects a
// few thousand rows instead of 100,000, with no cache to go stale under a
// stream of feedback.
//
// Each write transaction keeps it exact. Before a transaction first changes
// a project or its figures it reads (and on PostgreSQL locks) the project's
// current contribution; just before commit it reads the new one and adds
// the difference to the rollup rows, in key order so concurrent
// transactions cannot deadlock on them.

// rollupKey is one row of stats_rollup.
type rollupKey struct {
	RoundID     int64  `db:"round_id"`
	Year        int    `db:"year"`
	ServiceArea string `db:"service_area"`
	District    string `db:"district"`
	Stage       string `db:"stage"`
	Outcome     string `db:"outcome"`
	Findings    bool   `db:"audit_findings"`
}

func (k rollupKey) compare(o rollupKey) int {
	return cmp.Or(cmp.Compare(k.RoundID, o.RoundID), cmp.Compare(k.Year, o.Year),
		cmp.Compare(k.ServiceArea, o.ServiceArea), cmp.Compare(k.District, o.District),
		cmp.Compare(k.Stage, o.Stage), cmp.Compare(k.Outcome, o.Outcome), cmp.Compare(b2i(k.Findings), b2i(o.Findings)))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// contribution is what one project adds to its rollup row: one sum per
// column of rollupMeasures.
type contribution struct {
	ID int64
	rollupKey
	sums []int64
}

// contributionQuery reads contributions (scanContribution), its columns
// in the order of the rollup's key and then of rollupMeasures.
var contributionQuery = `SELECT p.id, p.round_id, p.year, p.service_area, p.district, p.stage, p.outcome,
	f.audit_findings, ` + contributionMeasures() + `
	FROM projects p JOIN project_figures f ON f.project_id = p.id`

// markRollup records project id's contribution as it stands before this
// transaction changes the project or its figures; call it before the
// change. On PostgreSQL it also locks the project and its figures until
// commit, so two transactions changing one project take turns and each
// counts only its own difference. Only the first call per project and
// transaction reads anything.
func (tx *Tx) markRollup(ctx context.Context, id int64) error {
	if _, ok := tx.before[id]; ok {
		return nil
	}
	q := contributionQuery + ` WHERE p.id = ?`
	if tx.db.dialect == Postgres {
		q += ` FOR NO KEY UPDATE` // the strength an UPDATE of non-key columns takes
	}
	cs, err := tx.selContributions(ctx, q, id)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		return mapError(sql.ErrNoRows)
	}
	tx.before[id] = cs[0]
	return nil
}

// markNewProject records that project id did not count before this
// transaction.
func (tx *Tx) markNewProject(id int64) { tx.before[id] = nil }

// flushRollup adds the difference between every marked project's
// contribution now and before to stats_rollup. It runs after the figures
// are recomputed, just before commit.
func (tx *Tx) flushRollup(ctx context.Context) error {
	if len(tx.before) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(tx.before))
	for id := range tx.before {
		ids = append(ids, id)
	}
	delta := map[rollupKey][]int64{}
	add := func(c *contribution, sign int64) {
		d := delta[c.rollupKey]
		if d == nil {
			d = make([]int64, len(rollupMeasures))
			delta[c.rollupKey] = d
		}
		for i, v := range c.sums {
			d[i] += sign * v
		}
	}
	for start := 0; start < len(ids); start += 500 {
		q, a, err := inQuery(contributionQuery+` WHERE p.id IN (?)`, ids[start:min(start+500, len(ids))])
		if err != nil {
			return err
		}
		now, err := tx.selContributions(ctx, q, a...)
		if err != nil {
			return err
		}
		for _, c := range now {
			add(c, 1)
		}
	}
	for _, c := range tx.before {
		if c != nil {
			add(c, -1)
		}
	}
	keys := make([]rollupKey, 0, len(delta))
	for k, d := range delta {
		if slices.ContainsFunc(d, func(v int64) bool { return v != 0 }) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, rollupKey.compare)
	rows := make([][]any, len(keys))
	for i, k := range keys {
		rows[i] = []any{k.RoundID, k.Year, k.ServiceArea, k.District, k.Stage, k.Outcome, k.Findings}
		for _, v := range delta[k] {
			rows[i] = append(rows[i], v)
		}
	}
	cols := append([]string{"round_id", "year", "service_area", "district", "stage", "outcome", "audit_findings"}, rollupMeasures...)
	upsert := ` ON CONFLICT (round_id, year, service_area, district, stage, outcome, audit_findings) DO UPDATE SET `
	for i, m := range rollupMeasures {
		if i > 0 {
			upsert += ", "
		}
		upsert += m + " = stats_rollup." + m + " + excluded." + m
	}
	clear(tx.before)
	return tx.insertRows(ctx, "stats_rollup", cols, rows, upsert)
}

// rollupFilter is the part of a project filter stats_rollup can answer
// (the scope too: funded or rejected is a condition on the outcome, one of
// its keys); anything else (organizations, amounts, dates, codes,
// announcements) needs the projects themselves.
func rollupFilter(f ledger.ProjectFilter) bool {
	f.Scope = ""
	f.Years, f.RoundIDs, f.ServiceAreas, f.Districts, f.Stages, f.Outcomes = nil, nil, nil, nil, nil, nil
	f.HasAuditFindings, f.Terminated = nil, nil
	return reflect.ValueOf(f).IsZero()
}

var rollupGroups = map[ledger.StatsGroup]bool{
	ledger.GroupByYear: true, ledger.GroupByServiceArea: true, ledger.GroupByDistrict: true, ledger.GroupByStage: true,
}

// useRollup says whether stats for filter and groups can be read from
// stats_rollup.
func (db *DB) useRollup(f ledger.ProjectFilter, groups []ledger.StatsGroup) bool {
	if db.noRollup || !rollupFilter(f) {
		return false
	}
	for _, g := range groups {
		if !rollupGroups[g] {
			return false
		}
	}
	return true
}

// SetStatsRollup turns reading statistics from stats_rollup on (the
// default) or off, so tests and benchmarks can compare it with the scan.
// The rollup is kept up to date either way.
func (db *DB) SetStatsRollup(on bool) { db.noRollup = !on }
