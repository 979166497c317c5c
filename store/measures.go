package store

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"

	"civicledger/ledger"
)

// The figures the statistics sum are defined once, here: the statistics
// queries (over the projects or over stats_rollup), the rollup's columns
// and its upkeep, and the reading into ledger.StatsRow all follow
// statsMeasureList. A new figure is added here (and, when stored, to
// stats_rollup by a migration).

// statsMeasure is one figure the statistics sum.
type statsMeasure struct {
	name string // its alias in statistics queries
	// column is its column in stats_rollup, which holds its sum per row;
	// "" for a count that follows from the rollup's key.
	column string
	// value is what one row adds: over projects aliased proj and their
	// figures aliased figs, the row counting n projects (1 when scanning
	// the projects, p.projects when reading stats_rollup).
	value func(proj, figs, n string) string
	field func(*ledger.StatsRow) *int64 // where it goes in a StatsRow
}

// statsMeasureList lists the measures in the order of their columns.
var statsMeasureList = []statsMeasure{
	{"projects", "projects", func(_, _, n string) string { return n }, func(r *ledger.StatsRow) *int64 { return &r.Projects }},
	stored("awarded", "p", "awarded_fen", func(r *ledger.StatsRow) *int64 { return (*int64)(&r.Awarded) }),
	stored("leveraged", "f", "leveraged_fen", func(r *ledger.StatsRow) *int64 { return (*int64)(&r.Leveraged) }),
	stored("paid", "f", "paid_fen", func(r *ledger.StatsRow) *int64 { return (*int64)(&r.Paid) }),
	stored("recovered", "f", "recovered_fen", func(r *ledger.StatsRow) *int64 { return (*int64)(&r.Recovered) }),
	stored("beneficiaries", "f", "beneficiary_visits", func(r *ledger.StatsRow) *int64 { return &r.Beneficiaries }),
	stored("volunteers", "f", "volunteer_visits", func(r *ledger.StatsRow) *int64 { return &r.Volunteers }),
	stored("experts", "f", "expert_visits", func(r *ledger.StatsRow) *int64 { return &r.Experts }),
	stored("feedback_count", "f", "feedback_count", func(r *ledger.StatsRow) *int64 { return &r.FeedbackCount }),
	stored("feedback_sum", "f", "feedback_sum", func(r *ledger.StatsRow) *int64 { return &r.FeedbackSum }),
	counted("terminated", func(proj, _ string) string { return proj + ".outcome = 'TERMINATED'" },
		func(r *ledger.StatsRow) *int64 { return &r.Terminated }),
	counted("findings", func(_, figs string) string { return figs + ".audit_findings" },
		func(r *ledger.StatsRow) *int64 { return &r.WithAuditFindings }),
}

// stored is a measure summed from a column of projects (table "p") or
// project_figures ("f") that stats_rollup holds under the same name.
func stored(name, table, column string, field func(*ledger.StatsRow) *int64) statsMeasure {
	return statsMeasure{name: name, column: column, field: field, value: func(proj, figs, _ string) string {
		if table == "p" {
			return proj + "." + column
		}
		return figs + "." + column
	}}
}

// counted is a measure that counts the projects meeting cond.
func counted(name string, cond func(proj, figs string) string, field func(*ledger.StatsRow) *int64) statsMeasure {
	return statsMeasure{name: name, field: field, value: func(proj, figs, n string) string {
		return "CASE WHEN " + cond(proj, figs) + " THEN " + n + " ELSE 0 END"
	}}
}

// statsMeasures sums every measure over the rows of projects (alias proj)
// and figures (alias figs), each row counting n projects. Every measure is
// a sum, so the scan and the rollup give the same answer.
func statsMeasures(proj, figs, n string) string {
	sums := make([]string, len(statsMeasureList))
	for i, m := range statsMeasureList {
		sums[i] = "COALESCE(SUM(" + m.value(proj, figs, n) + "), 0) AS " + m.name
	}
	return strings.Join(sums, ", ")
}

// rollupMeasures are stats_rollup's summed columns, in the order of
// contribution.sums.
var rollupMeasures = func() []string {
	var cols []string
	for _, m := range statsMeasureList {
		if m.column != "" {
			cols = append(cols, m.column)
		}
	}
	return cols
}()

// contributionMeasures selects one project's value of each of
// rollupMeasures, over projects p and project_figures f.
func contributionMeasures() string {
	var vals []string
	for _, m := range statsMeasureList {
		if m.column != "" {
			vals = append(vals, m.value("p", "f", "1")+" AS "+m.column)
		}
	}
	return strings.Join(vals, ", ")
}

// addStats adds every measure of o to r.
func addStats(r, o *ledger.StatsRow) {
	for _, m := range statsMeasureList {
		*m.field(r) += *m.field(o)
	}
}

// selStats runs a statistics query whose columns are one per group, then
// statsMeasures, and reads each row into a StatsRow (keyed by groups when
// there are any).
func (db *DB) selStats(ctx context.Context, groups []ledger.StatsGroup, query string, args ...any) ([]*ledger.StatsRow, error) {
	db.reads.Add(1)
	rows, err := db.reader(ctx).QueryxContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []*ledger.StatsRow
	keys := make([]*string, len(groups))
	for rows.Next() {
		r := &ledger.StatsRow{}
		dest := make([]any, 0, len(groups)+len(statsMeasureList))
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		for _, m := range statsMeasureList {
			dest = append(dest, m.field(r))
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, mapError(err)
		}
		if len(groups) > 0 {
			r.Key = make(map[ledger.StatsGroup]string, len(groups))
			for i, g := range groups {
				if keys[i] != nil {
					r.Key[g] = *keys[i]
				}
			}
		}
		out = append(out, r)
	}
	return out, mapError(rows.Err())
}

// selContributions reads contributions (contributionQuery) in the
// transaction.
func (tx *Tx) selContributions(ctx context.Context, query string, args ...any) ([]*contribution, error) {
	st, err := tx.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryxContext(ctx, args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []*contribution
	for rows.Next() {
		c, err := scanContribution(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, mapError(rows.Err())
}

func scanContribution(rows *sqlx.Rows) (*contribution, error) {
	c := &contribution{sums: make([]int64, len(rollupMeasures))}
	k := &c.rollupKey
	dest := []any{&c.ID, &k.RoundID, &k.Year, &k.ServiceArea, &k.District, &k.Stage, &k.Outcome, &k.Findings}
	for i := range c.sums {
		dest = append(dest, &c.sums[i])
	}
	return c, mapError(rows.Scan(dest...))
}
