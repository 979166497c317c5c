package store_test

import (
	"context"
	"testing"

	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

// A correction of a project's co-funding recomputes its leveraged funds
// (which fall back to the co-funding) and the rollup; one that leaves the
// co-funding as it was changes neither.
func TestCorrectionRecomputesFiguresOfCoFunding(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		leveraged := func() (ledger.Money, ledger.Money) {
			t.Helper()
			figs, err := db.FiguresByProjectIDs(ctx, []int64{f.p1.ID})
			must(t, err)
			total, _, err := db.Stats(ctx, ledger.ProjectFilter{Codes: []string{f.p1.Code}}, nil)
			must(t, err)
			return figs[0].Leveraged, total.Leveraged
		}
		fix := ledger.Attribution{Actor: "test", Role: ledger.RoleBureau, Reason: "更正"}
		p, err := db.Project(ctx, f.p1.Code)
		must(t, err)
		p.CoFunding = ledger.Yuan(123_456)
		must(t, db.CorrectProject(ctx, fix, p))
		if own, rolled := leveraged(); own != ledger.Yuan(123_456) || rolled != own {
			t.Fatalf("after the co-funding's correction: leveraged %s, in stats %s, want 123456.00", own, rolled)
		}
		p, err = db.Project(ctx, f.p1.Code)
		must(t, err)
		p.Title += "（更正）"
		p.EvaluatorID = nil
		must(t, db.CorrectProject(ctx, fix, p))
		if own, rolled := leveraged(); own != ledger.Yuan(123_456) || rolled != own {
			t.Fatalf("after a correction of the title: leveraged %s, in stats %s, want 123456.00", own, rolled)
		}
	})
}
