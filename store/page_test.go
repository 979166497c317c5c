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
			ps, orgs, figs, n, err := db.FindProjectsWith(ctx, c.filter, c.order, 0, 10, true, true, false)
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

// ProjectWith reads in one statement what Project and the look-ups of its
// undertaker, figures and round read in four, and the same rows.
func TestProjectWithMatchesLookups(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := newFixture(t, db)
		want, err := db.Project(ctx, fx.p1.Code)
		must(t, err)
		orgs, err := db.OrganizationsByIDs(ctx, []int64{want.UndertakerID})
		must(t, err)
		figs, err := db.FiguresByProjectIDs(ctx, []int64{want.ID})
		must(t, err)
		rounds, err := db.RoundsByIDs(ctx, []int64{want.RoundID})
		must(t, err)
		before := db.ReadStatements()
		p, o, f, r, err := db.ProjectWith(ctx, fx.p1.Code, true, true, true, false)
		must(t, err)
		if got := db.ReadStatements() - before; got != 1 {
			t.Fatalf("%d statements, want 1", got)
		}
		for name, d := range map[string]string{"project": cmp.Diff(want, p), "undertaker": cmp.Diff(orgs[0], o),
			"figures": cmp.Diff(figs[0], f), "round": cmp.Diff(rounds[0], r)} {
			if d != "" {
				t.Fatalf("%s differs:\n%s", name, d)
			}
		}
		p, o, f, r, err = db.ProjectWith(ctx, fx.p1.Code, false, true, false, false)
		must(t, err)
		if d := cmp.Diff(want, p); d != "" || o != nil || r != nil || cmp.Diff(figs[0], f) != "" {
			t.Fatalf("figures only: project diff %s, undertaker %v, round %v, figures %+v", d, o, r, f)
		}
		if _, _, _, _, err := db.ProjectWith(ctx, "FC1999-NONE-0000", true, true, true, false); ledger.ErrorCode(err) != ledger.ENOTFOUND {
			t.Fatalf("a missing code: %v, want not found", err)
		}
	})
}
