package search

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

// smallLedger writes an organization, a project and n reports.
func smallLedger(t *testing.T, db *store.DB, n int) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	round := &ledger.Round{Year: 2017, Title: "2017年度公益金项目", Budget: ledger.Yuan(20_000_000)}
	must(db.CreateRound(ctx, testAtt, round))
	org := &ledger.Organization{CreditCode: ledger.MakeCreditCode('5', '2', "310105", "MJ000888"), Name: "静安区助老服务社",
		Kind: ledger.Undertaker, District: "静安区"}
	must(db.CreateOrganization(ctx, testAtt, org))
	p := &ledger.Project{Code: "FC2017-ELD-0001", RoundID: round.ID, Title: "长者食堂助餐服务", ServiceArea: ledger.ElderlySupport,
		District: "静安区", TargetGroup: "独居老人", Summary: "为独居老人提供助餐服务", UndertakerID: org.ID,
		Awarded: ledger.Yuan(200_000), Stage: ledger.Execution, ApprovedOn: "2017-04-01"}
	must(db.CreateProject(ctx, testAtt, p))
	for i := range n {
		must(db.PublishReport(ctx, testAtt, &ledger.Report{Code: fmt.Sprintf("RPT-%d", i), Kind: ledger.MidtermReport,
			Title: fmt.Sprintf("第%d份中期评估报告", i+1), Body: "长者食堂运行平稳。", ProjectID: &p.ID, AuthorID: &org.ID,
			PublishedOn: "2017-09-30"}))
	}
}

// TestVerifyWithStore: Verify finds an index equal to the database equal,
// and finds a record missing from the index and one whose title differs;
// the follower's count check reports the missing one.
func TestVerifyWithStore(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		smallLedger(t, db, 5)
		ix, err := Open(filepath.Join(t.TempDir(), "index"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		f := NewFollower(ix, db, nil)
		f.CheckInterval = 0 // check at every pass
		if err := f.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		r, err := Verify(ctx, ix, db, db, 100)
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK() || r.Sampled != 7 {
			t.Fatalf("intact index: %d sampled, problems %q; want 7 and none", r.Sampled, r.Problems)
		}
		if st := f.Status(); len(st.CountDiffs) != 0 || st.CountsAt.IsZero() {
			t.Fatalf("intact index: status %+v", st)
		}

		// Tamper with the index behind the follower's back.
		w, _ := ix.Watermark()
		var docs []*ledger.SearchDoc
		db.EachSearchDoc(ctx, func(d *ledger.SearchDoc) error { docs = append(docs, d); return nil })
		var gone, changed string
		for _, d := range docs {
			if d.Kind == ledger.DocReport && gone == "" {
				gone = d.Key
			} else if d.Kind == ledger.DocReport && changed == "" {
				c := *d
				c.Title = "被篡改的标题"
				changed = d.Key
				if err := ix.apply([]change{{key: gone}, {key: c.Key, doc: &c}}, w, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
		r, err = Verify(ctx, ix, db, db, 100)
		if err != nil {
			t.Fatal(err)
		}
		all := strings.Join(r.Problems, "\n")
		for _, want := range []string{"REPORT: 5 in the database, 4 in the index", gone + " is not in the index", changed + ": the title differs"} {
			if !strings.Contains(all, want) {
				t.Errorf("problems %q: want %q", r.Problems, want)
			}
		}
		if err := f.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if st := f.Status(); len(st.CountDiffs) != 1 || !strings.Contains(st.CountDiffs[0], "REPORT") {
			t.Errorf("count diffs %q: want the reports' count", st.CountDiffs)
		}
	})
}

// TestIndexOfAnotherStore: an index built from one database and reused
// with another, empty one (a data directory whose database was replaced)
// is rebuilt, on both dialects.
func TestIndexOfAnotherStore(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		smallLedger(t, db, 3)
		dir := filepath.Join(t.TempDir(), "index")
		ix, err := Open(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := NewFollower(ix, db, nil).CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if got := found(t, ix, "中期评估"); len(got) != 3 {
			t.Fatalf("first database: %v", got)
		}
		ix.Close()

		other := storetest.MustOpenDB(t, db.Dialect())
		ix, err = Open(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		f := NewFollower(ix, other, nil)
		if err := f.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if got := found(t, ix, "中期评估"); len(got) != 0 {
			t.Errorf("the other database's index answers %v", got)
		}
		if n, _ := ix.DocCount(); n != 0 {
			t.Errorf("%d documents for an empty database", n)
		}
		if r, err := Verify(ctx, ix, other, other, 10); err != nil || !r.OK() {
			t.Errorf("verify after the rebuild: %+v, %v", r, err)
		}
	})
}
