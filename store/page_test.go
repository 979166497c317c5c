package store_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

// FindProjectsWith reads in one statement what FindProjects and the
// look-ups of undertakers and figures read in three, and the same rows:
// for plain pages, pages ordered by a figure and pages filtered by one.
func TestFindProjectsWithMatchesLookups(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		newFixture(t, db)
		yes := true
		cases := []struct {
			name   string
			filter ledger.ProjectFilter
			order  ledger.ProjectOrder
		}{
			{"by award", ledger.ProjectFilter{}, ledger.ProjectOrder{Field: ledger.OrderByAwarded, Desc: true}},
			{"by beneficiaries", ledger.ProjectFilter{}, ledger.ProjectOrder{Field: ledger.OrderByBeneficiaries}},
			{"one area", ledger.ProjectFilter{ServiceAreas: []ledger.ServiceArea{ledger.ElderlySupport}}, ledger.ProjectOrder{Field: ledger.OrderByCode}},
			{"with findings", ledger.ProjectFilter{HasAuditFindings: &yes, Scope: ledger.ScopeApplications}, ledger.ProjectOrder{Field: ledger.OrderByPaid}},
		}
		for _, c := range cases {
			want, wantN, err := db.FindProjects(ctx, c.filter, c.order, 0, 10)
			must(t, err)
			ids := make([]int64, len(want))
			uids := make([]int64, len(want))
			for i, p := range want {
				ids[i], uids[i] = p.ID, p.UndertakerID
			}
			wantOrgs, err := db.OrganizationsByIDs(ctx, uids)
			must(t, err)
			wantFigs, err := db.FiguresByProjectIDs(ctx, ids)
			must(t, err)
			before := db.ReadStatements()
			ps, orgs, figs, n, err := db.FindProjectsWith(ctx, c.filter, c.order, 0, 10, true, true)
			must(t, err)
			if d := cmp.Diff(want, ps); d != "" || n != wantN {
				t.Fatalf("%s: projects differ (total %d, want %d):\n%s", c.name, n, wantN, d)
			}
			if d := cmp.Diff(wantOrgs, orgs); d != "" {
				t.Fatalf("%s: undertakers differ:\n%s", c.name, d)
			}
			if d := cmp.Diff(wantFigs, figs); d != "" {
				t.Fatalf("%s: figures differ:\n%s", c.name, d)
			}
			if got := db.ReadStatements() - before; got > 2 {
				t.Fatalf("%s: %d statements, want the page (and at most the total's check)", c.name, got)
			}
		}
	})
}
