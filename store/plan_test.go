package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"civicledger/ledger"
)

// Lists and counts of the default scope (funded projects) walk the partial
// indexes of migration 00007, which hold no rejected application; without
// them a count of one service area reads every application of the area
// from the table (ten times the time at the demo size). SQLite's planner
// needs no statistics to choose them, so its plans are checked here.
func TestFundedListsUseFundedIndexes(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct {
		name   string
		filter ledger.ProjectFilter
		query  string // %s is the WHERE clause
		index  string
	}{
		{"count of an area", ledger.ProjectFilter{ServiceAreas: []ledger.ServiceArea{ledger.ServiceArea("ELDERLY_SUPPORT")}},
			"SELECT count(*) FROM projects p WHERE %s", "projects_funded_area_awarded"},
		{"page of an area by award", ledger.ProjectFilter{ServiceAreas: []ledger.ServiceArea{ledger.ServiceArea("ELDERLY_SUPPORT")}},
			"SELECT p.* FROM projects p WHERE %s ORDER BY p.awarded_fen DESC, p.code DESC LIMIT 50", "projects_funded_area_awarded"},
		{"page by code", ledger.ProjectFilter{},
			"SELECT p.* FROM projects p WHERE %s ORDER BY p.code LIMIT 20", "projects_funded_code"},
		{"page by award", ledger.ProjectFilter{},
			"SELECT p.* FROM projects p WHERE %s ORDER BY p.awarded_fen DESC, p.code DESC LIMIT 20", "projects_funded_awarded"},
		{"count of a year", ledger.ProjectFilter{Years: []int{2023}},
			"SELECT count(*) FROM projects p WHERE %s", "projects_funded_year"},
	} {
		where, args := projectWhere(tc.filter)
		q, a, err := inQuery("EXPLAIN QUERY PLAN "+strings.Replace(tc.query, "%s", where, 1), args...)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.read.QueryxContext(ctx, db.q(q), a...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "\n"), tc.index) {
			t.Errorf("%s: plan %q does not use %s", tc.name, plan, tc.index)
		}
	}
}

// One project's published comments walk the index of that project and
// state (migration 00022), not every approved comment of the programme.
func TestProjectCommentsUseTheirIndex(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.read.QueryxContext(ctx, `EXPLAIN QUERY PLAN SELECT id FROM feedback
		WHERE project_id IN (7) AND moderation IN ('APPROVED') ORDER BY submitted_at DESC, id DESC LIMIT 20`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if !strings.Contains(strings.Join(plan, "\n"), "feedback_project_moderation") {
		t.Errorf("plan %q does not use feedback_project_moderation", plan)
	}
}

// A migration whose number is lower than one the database has already
// applied (another area's range landed first) is applied late, not
// refused: here a database missing 00007 but holding every later one.
func TestMigrationOutOfOrderIsApplied(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "order.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DELETE FROM goose_db_version WHERE version_id = 7`,
		`DROP INDEX projects_funded_area_awarded`, `DROP INDEX projects_funded_awarded`,
		`DROP INDEX projects_funded_code`, `DROP INDEX projects_funded_year`,
	} {
		if _, err := db.write.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopening a database that lacks migration 7: %v", err)
	}
	defer db.Close()
	var n int
	if err := db.read.GetContext(ctx, &n, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'projects_funded_code'`); err != nil || n != 1 {
		t.Fatalf("migration 7 not applied late: %d, %v", n, err)
	}
}
