package store_test

import (
	"context"
	"strings"
	"testing"

	"civicledger/demo"
	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

// PostgreSQL plans a prepared statement with "LIMIT $n" for an unknown
// number of rows, a plan far worse than the one for 50 (a hash join over
// every project's figures), so it plans such a page statement anew at each
// execution: 0.8 ms of the 1.7 ms a page of 50 cost it at 100,000
// projects (issue 9). With the limit written into the statement, the
// statement's generic plan is good and PostgreSQL switches to it after its
// first five executions in a session.
func TestPageStatementIsPlannedOnce(t *testing.T) {
	url := storetest.PostgresSchema(t)
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := demo.Load(ctx, db, demo.Options{Projects: 400}); err != nil {
		t.Fatal(err)
	}
	db.OneReadConnection()
	filter := ledger.ProjectFilter{ServiceAreas: []ledger.ServiceArea{"ELDERLY_SUPPORT"}, Scope: ledger.ScopeApplications}
	order := ledger.ProjectOrder{Field: ledger.OrderByAwarded, Desc: true}
	const runs = 12
	for range runs {
		ps, _, _, _, err := db.FindProjectsWith(ctx, filter, order, 0, 50, true, true, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 50 {
			t.Fatalf("a page of %d projects, want 50", len(ps))
		}
	}
	generic, custom, texts, err := db.PlanCounts(ctx, "page_id")
	if err != nil {
		t.Fatal(err)
	}
	// At this size PostgreSQL may find even the plan for an unknown limit
	// good enough, so the statement's text is checked too.
	if len(texts) != 1 || !strings.Contains(texts[0], "LIMIT 50)") {
		t.Fatalf("the page statements prepared: %q; want one, with its limit written in", texts)
	}
	if generic+custom != runs || custom > 5 {
		t.Fatalf("the page statement ran %d times with a generic plan and was planned anew %d times; want at most 5 new plans of %d runs",
			generic, custom, runs)
	}
}
