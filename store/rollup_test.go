package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

// rollupCases are the statistics stats_rollup answers: every grouping it
// keeps and every filter it can apply.
func rollupCases(roundID int64) []struct {
	name   string
	filter ledger.ProjectFilter
	groups []ledger.StatsGroup
} {
	yes, no := true, false
	type c = struct {
		name   string
		filter ledger.ProjectFilter
		groups []ledger.StatsGroup
	}
	return []c{
		{"total", ledger.ProjectFilter{}, nil},
		{"year×area", ledger.ProjectFilter{}, []ledger.StatsGroup{ledger.GroupByYear, ledger.GroupByServiceArea}},
		{"district", ledger.ProjectFilter{}, []ledger.StatsGroup{ledger.GroupByDistrict}},
		{"stage×district", ledger.ProjectFilter{}, []ledger.StatsGroup{ledger.GroupByStage, ledger.GroupByDistrict}},
		{"elderly by stage", ledger.ProjectFilter{ServiceAreas: []ledger.ServiceArea{ledger.ElderlySupport}}, []ledger.StatsGroup{ledger.GroupByStage}},
		{"with findings", ledger.ProjectFilter{HasAuditFindings: &yes}, []ledger.StatsGroup{ledger.GroupByYear}},
		{"without findings", ledger.ProjectFilter{HasAuditFindings: &no}, nil},
		{"terminated", ledger.ProjectFilter{Terminated: &yes}, []ledger.StatsGroup{ledger.GroupByDistrict}},
		{"not terminated", ledger.ProjectFilter{Terminated: &no, Years: []int{2015}, RoundIDs: []int64{roundID}}, nil},
		{"districts", ledger.ProjectFilter{Districts: []string{"长宁区", "徐汇区"}, Stages: []ledger.Stage{ledger.Execution, ledger.Closing}}, []ledger.StatsGroup{ledger.GroupByServiceArea}},
		{"ongoing", ledger.ProjectFilter{Outcomes: []ledger.Outcome{""}}, []ledger.StatsGroup{ledger.GroupByYear}},
		{"applications", ledger.ProjectFilter{Scope: ledger.ScopeApplications}, []ledger.StatsGroup{ledger.GroupByStage, ledger.GroupByYear}},
		{"rejected", ledger.ProjectFilter{Scope: ledger.ScopeRejected}, []ledger.StatsGroup{ledger.GroupByYear, ledger.GroupByServiceArea}},
		{"rejected total", ledger.ProjectFilter{Scope: ledger.ScopeRejected}, nil},
	}
}

// assertRollupEqualsScan checks that every statistic stats_rollup answers
// equals the same statistic computed from the projects themselves.
func assertRollupEqualsScan(t *testing.T, db *store.DB, roundID int64) {
	t.Helper()
	ctx := context.Background()
	db.SetAggregateCache(false)
	defer db.SetStatsRollup(true)
	for _, c := range rollupCases(roundID) {
		db.SetStatsRollup(false)
		wantTotal, wantRows, err := db.Stats(ctx, c.filter, c.groups)
		must(t, err)
		db.SetStatsRollup(true)
		gotTotal, gotRows, err := db.Stats(ctx, c.filter, c.groups)
		must(t, err)
		if d := cmp.Diff(wantTotal, gotTotal); d != "" {
			t.Errorf("%s: total from the rollup differs from the scan (-scan +rollup):\n%s", c.name, d)
		}
		if d := cmp.Diff(wantRows, gotRows); d != "" {
			t.Errorf("%s: groups from the rollup differ from the scan (-scan +rollup):\n%s", c.name, d)
		}
	}
}

func TestStatsRollupFollowsEveryWrite(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		assertRollupEqualsScan(t, db, f.round.ID)

		must(t, db.RecordMetric(ctx, att, &ledger.Metric{ProjectID: f.p1.ID, Kind: ledger.BeneficiaryVisits,
			PeriodStart: "2015-04-01", PeriodEnd: "2015-06-30", Value: 1200, Provenance: ledger.SelfReported}))
		must(t, db.RecordMetric(ctx, att, &ledger.Metric{ProjectID: f.p1.ID, Kind: ledger.LeveragedFunds,
			PeriodStart: "2015-04-01", PeriodEnd: "2016-03-31", Value: int64(ledger.Yuan(90_000)), Provenance: ledger.Verified}))
		must(t, db.RecordTranche(ctx, att, &ledger.Tranche{ProjectID: f.p2.ID, Kind: ledger.FirstTranche,
			Amount: ledger.Yuan(60_000), PaidOn: "2015-04-20"}))
		must(t, db.RecordAudit(ctx, att, &ledger.Audit{ProjectID: f.p2.ID, AuditorID: &f.audit.ID, AuditedOn: "2016-02-01",
			Result: ledger.AuditFindings, Findings: "部分支出凭证缺失", Spent: ledger.Yuan(55_000), Recovered: ledger.Yuan(5_000)}))
		must(t, db.RecordFeedback(ctx, &ledger.Feedback{ProjectID: f.p1.ID, Rating: 4, Respondent: "RECIPIENT", Verified: true}))
		assertRollupEqualsScan(t, db, f.round.ID)

		// A correction moves a project to another district and area; a
		// termination moves it to another outcome. Both leave zero rows
		// behind in the rollup, which must not show as groups.
		c := *f.p1
		c.District, c.ServiceArea, c.Awarded = "徐汇区", ledger.CommunityWelfare, ledger.Yuan(210_000)
		ca := att
		ca.Reason = "区县与服务领域录入有误"
		must(t, db.CorrectProject(ctx, ca, &c))
		must(t, db.RecordStageEvent(ctx, att, &ledger.StageEvent{ProjectID: f.p2.ID, Stage: ledger.Execution,
			Outcome: ledger.Terminated, OccurredOn: "2015-10-01", Reason: "承接机构注销"}))
		assertRollupEqualsScan(t, db, f.round.ID)
		_, rows, err := db.Stats(ctx, ledger.ProjectFilter{}, []ledger.StatsGroup{ledger.GroupByDistrict, ledger.GroupByServiceArea})
		must(t, err)
		if len(rows) != 2 {
			t.Fatalf("after the moves: %d groups, want 2 (no empty groups): %+v", len(rows), rows)
		}

		// Several projects and kinds of write in one transaction.
		must(t, db.InTx(ctx, func(w ledger.Writer) error {
			p3 := *f.p2
			p3.ID, p3.Code, p3.District, p3.Stage, p3.Outcome = 0, "FC2015-COM-0003", "长宁区", ledger.Closing, ""
			if err := w.CreateProject(ctx, att, &p3); err != nil {
				return err
			}
			if err := w.RecordFeedback(ctx, &ledger.Feedback{ProjectID: p3.ID, Rating: 5, Respondent: "RECIPIENT", Verified: true}); err != nil {
				return err
			}
			if err := w.RecordFeedback(ctx, &ledger.Feedback{ProjectID: f.p2.ID, Rating: 2, Respondent: "RECIPIENT", Verified: true}); err != nil {
				return err
			}
			return w.RecordMetric(ctx, att, &ledger.Metric{ProjectID: p3.ID, Kind: ledger.ExpertVisits,
				PeriodStart: "2015-04-01", PeriodEnd: "2015-12-31", Value: 9, Provenance: ledger.Verified})
		}))
		assertRollupEqualsScan(t, db, f.round.ID)

		// An application rejected at screening leaves the funded totals
		// and counts among the applications and the rejected ones.
		funded, _, err := db.Stats(ctx, ledger.ProjectFilter{}, nil)
		must(t, err)
		app := *f.p2
		app.ID, app.Code, app.Stage, app.Outcome, app.Awarded, app.ApprovedOn = 0, "FC2015-COM-A0001", ledger.Solicitation, "", 0, ""
		must(t, db.CreateProject(ctx, att, &app))
		must(t, db.RecordStageEvent(ctx, att, &ledger.StageEvent{ProjectID: app.ID, Stage: ledger.Solicitation,
			Outcome: ledger.Rejected, OccurredOn: "2015-04-25", Reason: "初筛未通过：申报材料不完整"}))
		assertRollupEqualsScan(t, db, f.round.ID)
		for scope, want := range map[ledger.ProjectScope]int64{"": funded.Projects, ledger.ScopeFunded: funded.Projects,
			ledger.ScopeApplications: funded.Projects + 1, ledger.ScopeRejected: 1} {
			got, _, err := db.Stats(ctx, ledger.ProjectFilter{Scope: scope}, nil)
			must(t, err)
			if got.Projects != want {
				t.Errorf("scope %q: %d projects, want %d", scope, got.Projects, want)
			}
		}

		// A transaction that fails leaves the rollup as it was.
		before, _, err := db.Stats(ctx, ledger.ProjectFilter{}, nil)
		must(t, err)
		err = db.InTx(ctx, func(w ledger.Writer) error {
			if err := w.RecordFeedback(ctx, &ledger.Feedback{ProjectID: f.p1.ID, Rating: 5, Respondent: "RECIPIENT", Verified: true}); err != nil {
				return err
			}
			return w.RecordFeedback(ctx, &ledger.Feedback{ProjectID: 999_999, Rating: 5, Respondent: "RECIPIENT", Verified: true})
		})
		wantInvalid(t, err, "feedback.project")
		after, _, err := db.Stats(ctx, ledger.ProjectFilter{}, nil)
		must(t, err)
		if d := cmp.Diff(before, after); d != "" {
			t.Fatalf("a refused transaction changed the totals:\n%s", d)
		}
		assertRollupEqualsScan(t, db, f.round.ID)
	})
}

// TestStatsRollupConcurrentWrites runs feedback, tranches and corrections
// on the same projects at once; each transaction must add exactly its own
// difference (on PostgreSQL they run truly concurrently).
func TestStatsRollupConcurrentWrites(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		const workers, each = 6, 15
		var wg sync.WaitGroup
		errs := make(chan error, workers*each+8)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					p := f.p1.ID
					if (w+i)%2 == 1 {
						p = f.p2.ID
					}
					if err := db.RecordFeedback(ctx, &ledger.Feedback{ProjectID: p, Rating: 1 + (w+i)%5, Respondent: "RECIPIENT", Verified: true}); err != nil {
						errs <- fmt.Errorf("feedback: %w", err)
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, k := range ledger.TrancheKinds {
				if err := db.RecordTranche(ctx, att, &ledger.Tranche{ProjectID: f.p1.ID, Kind: k, Amount: ledger.Yuan(50_000),
					PaidOn: ledger.Date(fmt.Sprintf("2015-0%d-01", 5+i))}); err != nil {
					errs <- fmt.Errorf("tranche: %w", err)
				}
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			ca := att
			ca.Reason = "区县录入有误"
			for _, district := range []string{"徐汇区", "静安区", "长宁区", "徐汇区"} {
				p, err := db.Project(ctx, f.p2.Code)
				if err != nil {
					errs <- err
					return
				}
				p.District = district
				if err := db.CorrectProject(ctx, ca, p); err != nil {
					errs <- fmt.Errorf("correction: %w", err)
				}
			}
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		total, _, err := db.Stats(ctx, ledger.ProjectFilter{}, nil)
		must(t, err)
		if total.FeedbackCount != workers*each {
			t.Fatalf("feedback counted %d times, want %d", total.FeedbackCount, workers*each)
		}
		assertRollupEqualsScan(t, db, f.round.ID)
	})
}

// TestOppositeOrderWritersBothLand has two transactions change the same
// two projects in opposite orders, so on PostgreSQL each waits for the
// other's lock: the server aborts one as a deadlock, and the store runs it
// again, so both land and the totals count each once.
func TestOppositeOrderWritersBothLand(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		ca := att
		ca.Reason = "区县录入有误"
		firstHalf := make(chan struct{}, 2)
		var once [2]sync.Once
		write := func(w int, first, second *ledger.Project, district string) error {
			return db.InTx(ctx, func(wr ledger.Writer) error {
				for i, p := range []*ledger.Project{first, second} {
					if err := wr.RecordFeedback(ctx, &ledger.Feedback{ProjectID: p.ID, Rating: 3, Respondent: "RECIPIENT", Verified: true}); err != nil {
						return err
					}
					c, err := db.Project(ctx, p.Code)
					if err != nil {
						return err
					}
					c.District = district
					if err := wr.CorrectProject(ctx, ca, c); err != nil {
						return err
					}
					if i == 0 {
						// On the first attempt, wait (briefly: on SQLite the
						// other writer cannot start) until both hold their
						// first project.
						once[w].Do(func() {
							firstHalf <- struct{}{}
							deadline := time.After(300 * time.Millisecond)
							for len(firstHalf) < 2 {
								select {
								case <-deadline:
									return
								case <-time.After(5 * time.Millisecond):
								}
							}
						})
					}
				}
				return nil
			})
		}
		errs := make(chan error, 2)
		go func() { errs <- write(0, f.p1, f.p2, "徐汇区") }()
		go func() { errs <- write(1, f.p2, f.p1, "静安区") }()
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("a writer failed: %v", err)
			}
		}
		total, _, err := db.Stats(ctx, ledger.ProjectFilter{}, nil)
		must(t, err)
		if total.FeedbackCount != 4 || total.Projects != 2 {
			t.Fatalf("totals after both writers: %+v", total)
		}
		assertRollupEqualsScan(t, db, f.round.ID)
	})
}
