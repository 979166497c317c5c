package search

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

var testAtt = ledger.Attribution{Actor: "search-test", Role: ledger.RoleBureau}

// TestWithStore follows the real store's outbox on SQLite and (when
// CIVICLEDGER_TEST_DATABASE_URL is set) PostgreSQL: rebuild, publish →
// searchable, an out-of-order commit, and a restart that ends equal to a
// rebuild.
func TestWithStore(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		round := &ledger.Round{Year: 2016, Title: "2016年度公益金项目", Budget: ledger.Yuan(20_000_000)}
		must(db.CreateRound(ctx, testAtt, round))
		org := &ledger.Organization{CreditCode: ledger.MakeCreditCode('5', '2', "310105", "MJ000777"), Name: "长宁区乐龄社会服务中心",
			Kind: ledger.Undertaker, District: "长宁区"}
		must(db.CreateOrganization(ctx, testAtt, org))
		p := &ledger.Project{Code: "FC2016-ELD-0001", RoundID: round.ID, Title: "长者食堂助餐服务", ServiceArea: ledger.ElderlySupport,
			District: "长宁区", TargetGroup: "半失能老人", Summary: "为半失能老人提供助餐和送餐服务", UndertakerID: org.ID,
			Awarded: ledger.Yuan(200_000), Stage: ledger.Execution, ApprovedOn: "2016-04-01"}
		must(db.CreateProject(ctx, testAtt, p))

		dir := filepath.Join(t.TempDir(), "index")
		ix, err := Open(dir, nil)
		must(err)
		f := NewFollower(ix, db, nil)
		must(f.CatchUp(ctx)) // a new index: rebuilt from EachSearchDoc
		if got := found(t, ix, "半失能老人"); !cmp.Equal(got, []string{fmt.Sprintf("project:%d", p.ID)}) {
			t.Fatalf("after rebuild: %v", got)
		}

		// Publish → searchable, through Run and Sync.
		rctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- f.Run(rctx) }()
		report := func(code, title string) *ledger.Report {
			return &ledger.Report{Code: code, Kind: ledger.MidtermReport, Title: title, Body: title + "：台账记录不完整，需要整改。",
				ProjectID: &p.ID, AuthorID: &org.ID, PublishedOn: "2016-09-30"}
		}
		r1 := report("RPT-1", "中期评审报告（长者食堂）")
		start := time.Now()
		must(db.PublishReport(ctx, testAtt, r1))
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		must(f.Sync(sctx))
		cancel()
		t.Logf("%s: publish → searchable in %v", db.Dialect(), time.Since(start))
		if got := found(t, ix, "中期评审 长者食堂"); !cmp.Equal(got, []string{fmt.Sprintf("report:%d", r1.ID)}) {
			t.Fatalf("published report not found: %v", got)
		}
		stop()
		must(<-done)

		if db.Dialect() == store.Postgres {
			// A slow transaction takes its seq first and commits after a fast one.
			inTx, release, finished := make(chan struct{}), make(chan struct{}), make(chan error, 1)
			slow := report("RPT-SLOW", "迟到的验收报告")
			go func() {
				finished <- db.InTx(ctx, func(w ledger.Writer) error {
					if err := w.PublishReport(ctx, testAtt, slow); err != nil {
						return err
					}
					close(inTx)
					<-release
					return nil
				})
			}()
			<-inTx
			fast := report("RPT-FAST", "先到的审计报告")
			must(db.PublishReport(ctx, testAtt, fast))
			must(f.CatchUp(ctx))
			if got := found(t, ix, "报告 -中期评审"); !cmp.Equal(got, []string{fmt.Sprintf("report:%d", fast.ID)}) {
				t.Fatalf("while the slow transaction runs: %v", got)
			}
			close(release)
			must(<-finished)
			must(f.CatchUp(ctx))
			if got := sorted(found(t, ix, "报告 -中期评审")); len(got) != 2 {
				t.Fatalf("after the slow commit: %v, want both reports", got)
			}
		}

		// Stop the node, write more, restart: equal to a rebuild.
		must(ix.Close())
		for i := range 3 {
			must(db.PublishReport(ctx, testAtt, report(fmt.Sprintf("RPT-%d", 10+i), fmt.Sprintf("第%d季度工作总结", i+1))))
		}
		ix, err = Open(dir, nil)
		must(err)
		defer ix.Close()
		must(NewFollower(ix, db, nil).CatchUp(ctx))
		fresh, err := Open(filepath.Join(t.TempDir(), "fresh"), nil)
		must(err)
		defer fresh.Close()
		must(NewFollower(fresh, db, nil).Rebuild(ctx))
		if diff := cmp.Diff(dump(t, fresh), dump(t, ix)); diff != "" {
			t.Errorf("restarted index differs from a rebuild (-rebuild +restarted):\n%s", diff)
		}
	})
}
