package store

import (
	"cmp"
	"context"
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

// rollupMeasures are stats_rollup's summed columns, in the order of
// contribution.measures.
var rollupMeasures = []string{"projects", "awarded_fen", "leveraged_fen", "paid_fen", "recovered_fen",
	"beneficiary_visits", "volunteer_visits", "expert_visits", "feedback_count", "feedback_sum"}

// contribution is what one project adds to its rollup row.
type contribution struct {
	ID int64 `db:"id"`
	rollupKey
	Projects      int64 `db:"projects"`
	Awarded       int64 `db:"awarded_fen"`
	Leveraged     int64 `db:"leveraged_fen"`
	Paid          int64 `db:"paid_fen"`
	Recovered     int64 `db:"recovered_fen"`
	Beneficiaries int64 `db:"beneficiary_visits"`
	Volunteers    int64 `db:"volunteer_visits"`
	Experts       int64 `db:"expert_visits"`
	FeedbackCount int64 `db:"feedback_count"`
	FeedbackSum   int64 `db:"feedback_sum"`
}

func (c *contribution) measures() [10]int64 {
	return [10]int64{c.Projects, c.Awarded, c.Leveraged, c.Paid, c.Recovered, c.Beneficiaries, c.Volunteers,
		c.Experts, c.FeedbackCount, c.FeedbackSum}
}

const contributionQuery = `SELECT p.id, p.round_id, p.year, p.service_area, p.district, p.stage, p.outcome,
	f.audit_findings, 1 AS projects, p.awarded_fen, f.leveraged_fen, f.paid_fen, f.recovered_fen,
	f.beneficiary_visits, f.volunteer_visits, f.expert_visits, f.feedback_count, f.feedback_sum
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
	var c contribution
	if err := tx.get(ctx, &c, q, id); err != nil {
		return err
	}
	tx.before[id] = &c
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
	delta := map[rollupKey][10]int64{}
	add := func(c *contribution, sign int64) {
		d := delta[c.rollupKey]
		for i, v := range c.measures() {
			d[i] += sign * v
		}
		delta[c.rollupKey] = d
	}
	for start := 0; start < len(ids); start += 500 {
		var now []contribution
		q, a, err := inQuery(contributionQuery+` WHERE p.id IN (?)`, ids[start:min(start+500, len(ids))])
		if err != nil {
			return err
		}
		if err := tx.sel(ctx, &now, q, a...); err != nil {
			return err
		}
		for i := range now {
			add(&now[i], 1)
		}
	}
	for _, c := range tx.before {
		if c != nil {
			add(c, -1)
		}
	}
	keys := make([]rollupKey, 0, len(delta))
	for k, d := range delta {
		if d != ([10]int64{}) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, rollupKey.compare)
	rows := make([][]any, len(keys))
	for i, k := range keys {
		d := delta[k]
		rows[i] = []any{k.RoundID, k.Year, k.ServiceArea, k.District, k.Stage, k.Outcome, k.Findings,
			d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9]}
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
