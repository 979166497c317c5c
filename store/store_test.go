package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

var att = ledger.Attribution{Actor: "test", Role: ledger.RoleBureau}

// fixture is a small programme: one round, an undertaker, an evaluator, an
// auditor and two projects.
type fixture struct {
	round                        *ledger.Round
	undertaker, evaluator, audit *ledger.Organization
	p1, p2                       *ledger.Project
}

func code(n int) string {
	return ledger.MakeCreditCode('5', '2', "310105", fmt.Sprintf("MJ%06d", n))
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{
		round:      &ledger.Round{Year: 2015, Title: "2015年度公益金项目", Budget: ledger.Yuan(18_000_000)},
		undertaker: &ledger.Organization{CreditCode: code(1), Name: "长宁区阳光社会工作服务中心", Kind: ledger.Undertaker, District: "长宁区"},
		evaluator:  &ledger.Organization{CreditCode: code(2), Name: "明德第三方评估中心", Kind: ledger.Evaluator},
		audit:      &ledger.Organization{CreditCode: code(3), Name: "诚信会计师事务所", Kind: ledger.Auditor},
	}
	must(t, db.CreateRound(ctx, att, f.round))
	for _, o := range []*ledger.Organization{f.undertaker, f.evaluator, f.audit} {
		must(t, db.CreateOrganization(ctx, att, o))
	}
	mk := func(c string, area ledger.ServiceArea, award int64) *ledger.Project {
		p := &ledger.Project{Code: c, RoundID: f.round.ID, Title: "居家养老助餐服务" + c, ServiceArea: area, District: "长宁区",
			TargetGroup: "独居老人", Summary: "为独居老人提供助餐服务", UndertakerID: f.undertaker.ID, EvaluatorID: &f.evaluator.ID,
			AuditorID: &f.audit.ID, Awarded: ledger.Yuan(award), CoFunding: ledger.Yuan(award / 2), Stage: ledger.Execution,
			ApprovedOn: "2015-04-01"}
		must(t, db.CreateProject(ctx, att, p))
		return p
	}
	f.p1 = mk("FC2015-ELD-0001", ledger.ElderlySupport, 200_000)
	f.p2 = mk("FC2015-DIS-0002", ledger.DisabilitySupport, 150_000)
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// counts returns row counts of the tables a refused write must not touch.
func counts(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	ctx := context.Background()
	total, _, err := db.Stats(ctx, ledger.ProjectFilter{}, nil)
	must(t, err)
	orgs, n, err := db.FindOrganizations(ctx, nil, 0, 1000)
	must(t, err)
	_ = orgs
	ts, err := db.TranchesByProjectIDs(ctx, allProjectIDs(t, db))
	must(t, err)
	sc, err := db.ScorecardsByProjectIDs(ctx, allProjectIDs(t, db))
	must(t, err)
	seq, err := db.OutboxMaxSeq(ctx)
	must(t, err)
	c := map[string]int{"projects": int(total.Projects), "organizations": n, "outbox": int(seq)}
	for _, l := range ts {
		c["tranches"] += len(l)
	}
	for _, l := range sc {
		c["scorecards"] += len(l)
	}
	return c
}

func allProjectIDs(t *testing.T, db *store.DB) []int64 {
	ps, _, err := db.FindProjects(context.Background(), ledger.ProjectFilter{}, ledger.ProjectOrder{}, 0, 1000)
	must(t, err)
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if ledger.ErrorCode(err) != ledger.EINVALID || ledger.ErrorField(err) != field {
		t.Fatalf("got error %v (code %s, field %q), want %s on %q", err, ledger.ErrorCode(err), ledger.ErrorField(err), ledger.EINVALID, field)
	}
}

func TestRefusedWritesChangeNothing(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		set := &ledger.IndicatorSet{Kind: ledger.MidtermReview, Name: "中期评审指标", Indicators: []ledger.Indicator{
			{Name: "服务成效", Weight: 60, MaxScore: 10}, {Name: "财务管理", Weight: 40, MaxScore: 5}}}
		must(t, db.CreateIndicatorSet(ctx, att, set))
		must(t, db.RecordTranche(ctx, att, &ledger.Tranche{ProjectID: f.p1.ID, Kind: ledger.FirstTranche, Amount: ledger.Yuan(120_000), PaidOn: "2015-04-10"}))
		before := counts(t, db)

		bad := code(9)
		bad = bad[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(indexOf(bad[17])+1)%31])
		wantInvalid(t, db.CreateOrganization(ctx, att, &ledger.Organization{CreditCode: bad, Name: "错码机构", Kind: ledger.Undertaker}), "organization.creditCode")

		p := *f.p2
		p.ID, p.Code, p.Awarded = 0, "FC2015-NEG-0003", -1
		wantInvalid(t, db.CreateProject(ctx, att, &p), "project.awarded")

		// 200,000 awarded, 120,000 paid: 80,000.01 is one fen too many.
		wantInvalid(t, db.RecordTranche(ctx, att, &ledger.Tranche{ProjectID: f.p1.ID, Kind: ledger.SecondTranche, Amount: ledger.Yuan(80_000) + 1, PaidOn: "2015-09-01"}), "tranche.amount")

		err := db.RecordScorecard(ctx, att, &ledger.Scorecard{ProjectID: f.p1.ID, SetID: set.ID, Scores: []ledger.Score{
			{IndicatorID: set.Indicators[0].ID, Value: 9}, {IndicatorID: set.Indicators[1].ID, Value: 5.5}}})
		wantInvalid(t, err, "scorecard.scores[1].value")

		// A transaction that fails half-way leaves nothing behind.
		err = db.InTx(ctx, func(w ledger.Writer) error {
			if err := w.RecordTranche(ctx, att, &ledger.Tranche{ProjectID: f.p2.ID, Kind: ledger.FirstTranche, Amount: ledger.Yuan(10), PaidOn: "2015-04-10"}); err != nil {
				return err
			}
			return w.CreateProject(ctx, att, &ledger.Project{Code: "X"})
		})
		wantInvalid(t, err, "project.title")

		if diff := cmp.Diff(before, counts(t, db)); diff != "" {
			t.Errorf("refused writes changed the ledger (-before +after):\n%s", diff)
		}
		// The remaining 80,000.00 exactly is accepted.
		must(t, db.RecordTranche(ctx, att, &ledger.Tranche{ProjectID: f.p1.ID, Kind: ledger.SecondTranche, Amount: ledger.Yuan(80_000), PaidOn: "2015-09-01"}))
	})
}

func indexOf(c byte) int {
	for i, r := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
		if byte(r) == c {
			return i
		}
	}
	return -1
}

func TestScorecardWeightedTotal(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		set := &ledger.IndicatorSet{Kind: ledger.ApprovalReview, Name: "立项评审指标", Indicators: []ledger.Indicator{
			{Name: "需求分析", Weight: 30, MaxScore: 10}, {Name: "服务设计", Weight: 50, MaxScore: 20}, {Name: "预算合理性", Weight: 20, MaxScore: 5}}}
		must(t, db.CreateIndicatorSet(ctx, att, set))
		sc := &ledger.Scorecard{ProjectID: f.p1.ID, SetID: set.ID, ReviewerID: &f.evaluator.ID, ReviewedOn: "2015-03-20", Passed: true,
			Scores: []ledger.Score{{IndicatorID: set.Indicators[0].ID, Value: 8}, {IndicatorID: set.Indicators[1].ID, Value: 15}, {IndicatorID: set.Indicators[2].ID, Value: 4}}}
		must(t, db.RecordScorecard(ctx, att, sc))
		got, err := db.ScorecardsByProjectIDs(ctx, []int64{f.p2.ID, f.p1.ID})
		must(t, err)
		if len(got) != 2 || len(got[0]) != 0 || len(got[1]) != 1 || len(got[1][0].Scores) != 3 {
			t.Fatalf("scorecards by project ids: got %+v", got)
		}
		sets, err := db.IndicatorSetsByIDs(ctx, []int64{set.ID})
		must(t, err)
		// 8/10*30 + 15/20*50 + 4/5*20 = 24 + 37.5 + 16 = 77.5
		if w := ledger.WeightedTotal(sets[0].Indicators, got[1][0].Scores); w != 77.5 {
			t.Errorf("weighted total = %v, want 77.5", w)
		}
	})
}

func TestFiguresPreferVerified(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m := func(kind ledger.MetricKind, start, end string, v int64, prov ledger.Provenance) {
			must(t, db.RecordMetric(ctx, att, &ledger.Metric{ProjectID: f.p1.ID, Kind: kind, PeriodStart: ledger.Date(start),
				PeriodEnd: ledger.Date(end), Value: v, Provenance: prov}))
		}
		m(ledger.BeneficiaryVisits, "2015-04-01", "2015-06-30", 1000, ledger.SelfReported)
		m(ledger.BeneficiaryVisits, "2015-07-01", "2015-09-30", 1500, ledger.SelfReported)
		m(ledger.VolunteerVisits, "2015-04-01", "2015-06-30", 40, ledger.SelfReported)
		figs, err := db.FiguresByProjectIDs(ctx, []int64{f.p1.ID})
		must(t, err)
		if figs[0].BeneficiaryVisits != 2500 || figs[0].VolunteerVisits != 40 || figs[0].Leveraged != ledger.Yuan(100_000) {
			t.Fatalf("self-reported figures: %+v", figs[0])
		}
		m(ledger.BeneficiaryVisits, "2015-04-01", "2016-03-31", 2300, ledger.Verified)
		m(ledger.LeveragedFunds, "2015-04-01", "2016-03-31", int64(ledger.Yuan(250_000)), ledger.Verified)
		figs, err = db.FiguresByProjectIDs(ctx, []int64{f.p1.ID})
		must(t, err)
		if figs[0].BeneficiaryVisits != 2300 || figs[0].Leveraged != ledger.Yuan(250_000) {
			t.Fatalf("verified figures should win: %+v", figs[0])
		}
		for _, r := range []int{5, 4, 5, 4, 5, 4} {
			must(t, db.RecordFeedback(ctx, &ledger.Feedback{ProjectID: f.p1.ID, Rating: r, Respondent: "RECIPIENT", Verified: true}))
		}
		figs, _ = db.FiguresByProjectIDs(ctx, []int64{f.p1.ID})
		if s := figs[0].Satisfaction(); s == nil || *s != 4.5 {
			t.Fatalf("satisfaction = %v, want 4.5", s)
		}
	})
}

func TestStageHistoryAndCorrections(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		err := db.RecordStageEvent(ctx, att, &ledger.StageEvent{ProjectID: f.p2.ID, Stage: ledger.Execution, Outcome: ledger.Terminated, OccurredOn: "2015-10-01"})
		wantInvalid(t, err, "stageEvent.reason")
		must(t, db.RecordStageEvent(ctx, att, &ledger.StageEvent{ProjectID: f.p2.ID, Stage: ledger.Execution, Outcome: ledger.Terminated,
			OccurredOn: "2015-10-01", Reason: "承接机构注销"}))
		p, err := db.Project(ctx, f.p2.Code)
		must(t, err)
		if p.Outcome != ledger.Terminated || p.Version != 2 {
			t.Fatalf("after termination: outcome %s version %d", p.Outcome, p.Version)
		}
		err = db.RecordStageEvent(ctx, att, &ledger.StageEvent{ProjectID: f.p2.ID, Stage: ledger.Closing, OccurredOn: "2016-01-01"})
		wantInvalid(t, err, "stageEvent.stage")

		// A correction needs a reason and keeps the earlier version.
		c := *f.p1
		c.Title = "居家养老助餐服务（更正）"
		wantInvalid(t, db.CorrectProject(ctx, att, &c), "attribution.reason")
		ca := att
		ca.Reason = "项目名称录入有误"
		must(t, db.CorrectProject(ctx, ca, &c))
		revs, err := db.Revisions(ctx, "project", f.p1.ID)
		must(t, err)
		if len(revs) != 2 || revs[1].Reason != ca.Reason || revs[0].Version != 1 || revs[1].Version != 2 {
			t.Fatalf("revisions: %+v", revs)
		}
		got, _ := db.Project(ctx, f.p1.Code)
		if got.Title != c.Title || got.Version != 2 {
			t.Fatalf("corrected project: %+v", got)
		}

		// A correction made to version 1 after version 2 was published is
		// refused, not applied over it.
		stale := *f.p1
		stale.Summary = "基于旧版本的更正"
		err = db.CorrectProject(ctx, ca, &stale)
		if ledger.ErrorCode(err) != ledger.ECONFLICT || ledger.ErrorField(err) != "project.version" {
			t.Fatalf("stale correction: got %v, want a conflict on project.version", err)
		}
		if got, _ := db.Project(ctx, f.p1.Code); got.Version != 2 || got.Title != c.Title {
			t.Fatalf("the stale correction changed the project: %+v", got)
		}
	})
}

func TestStatsEqualPagedList(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		must(t, db.RecordMetric(ctx, att, &ledger.Metric{ProjectID: f.p2.ID, Kind: ledger.ExpertVisits, PeriodStart: "2015-04-01",
			PeriodEnd: "2015-12-31", Value: 7, Provenance: ledger.Verified}))
		total, rows, err := db.Stats(ctx, ledger.ProjectFilter{}, []ledger.StatsGroup{ledger.GroupByServiceArea, ledger.GroupByYear})
		must(t, err)
		if total.Projects != 2 || total.Awarded != ledger.Yuan(350_000) || total.Experts != 7 || total.Leveraged != ledger.Yuan(175_000) {
			t.Fatalf("total: %+v", total)
		}
		if len(rows) != 2 || rows[0].Key[ledger.GroupByServiceArea] != "DISABILITY_SUPPORT" || rows[0].Key[ledger.GroupByYear] != "2015" {
			t.Fatalf("rows: %+v %+v", rows[0], rows[0].Key)
		}
		min := ledger.Yuan(160_000)
		flt := ledger.ProjectFilter{AwardedMin: &min, ServiceAreas: []ledger.ServiceArea{ledger.ElderlySupport}}
		t2, _, err := db.Stats(ctx, flt, nil)
		must(t, err)
		ps, n, err := db.FindProjects(ctx, flt, ledger.ProjectOrder{Field: ledger.OrderByAwarded, Desc: true}, 0, 10)
		must(t, err)
		if n != 1 || len(ps) != 1 || ps[0].Code != f.p1.Code || t2.Projects != 1 || t2.Awarded != ps[0].Awarded {
			t.Fatalf("filtered: n=%d ps=%v stats=%+v", n, ps, t2)
		}
	})
}

func TestOutboxAndSearchDocs(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		r := &ledger.Report{Code: "RPT-1", Kind: ledger.AuditReport, Title: "审计报告", Body: "资金使用规范。", AuthorID: &f.audit.ID,
			ProjectID: &f.p1.ID, PublishedOn: "2016-01-20"}
		must(t, db.PublishReport(ctx, att, r))
		entries, h, err := db.OutboxAfter(ctx, 0, 100)
		must(t, err)
		if h.XMin == 0 {
			t.Errorf("horizon not read: %+v", h)
		}
		last := entries[len(entries)-1]
		if last.Entity != "report" || last.EntityID != r.ID {
			t.Fatalf("last outbox entry %+v, want report %d", last, r.ID)
		}
		for i := 1; i < len(entries); i++ {
			if entries[i].Seq <= entries[i-1].Seq {
				t.Fatalf("outbox not in seq order: %+v", entries)
			}
		}
		docs, err := db.SearchDocs(ctx, "report", []int64{r.ID, 999999})
		must(t, err)
		d := docs[r.ID]
		if len(docs) != 1 || d.ProjectCode != f.p1.Code || d.OrgName != f.audit.Name || d.Year != 2016 || d.ServiceArea != ledger.ElderlySupport {
			t.Fatalf("search doc: %+v", d)
		}
		n := 0
		must(t, db.EachSearchDoc(ctx, func(*ledger.SearchDoc) error { n++; return nil }))
		if n != 3+2+1 { // 3 organizations, 2 projects, 1 report
			t.Fatalf("EachSearchDoc visited %d docs, want 6", n)
		}
	})
}

func TestByIDsKeepKeyOrder(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		got, err := db.OrganizationsByIDs(ctx, []int64{f.audit.ID, 424242, f.undertaker.ID})
		must(t, err)
		if len(got) != 3 || got[0].Name != f.audit.Name || got[1] != nil || got[2].Name != f.undertaker.Name {
			t.Fatalf("OrganizationsByIDs order: %+v", got)
		}
		if _, err := db.Project(ctx, "NOPE"); ledger.ErrorCode(err) != ledger.ENOTFOUND {
			t.Fatalf("missing project: %v", err)
		}
		if db.Dialect() == store.Postgres && store.RedactDSN("postgres://u:secret@h/db") != "postgres://u:xxxxx@h/db" {
			t.Fatal("password not redacted")
		}
	})
}

// TestCopyAll copies a ledger from SQLite to PostgreSQL and back and checks
// that records, history and totals arrive unchanged and new writes continue.
func TestCopyAll(t *testing.T) {
	ctx := context.Background()
	src := storetest.MustOpenDB(t, store.SQLite)
	f := newFixture(t, src)
	ca := att
	ca.Reason = "更正"
	c := *f.p1
	c.Summary = "更正后的摘要"
	must(t, src.CorrectProject(ctx, ca, &c))
	must(t, src.RecordTranche(ctx, att, &ledger.Tranche{ProjectID: f.p1.ID, Kind: ledger.FirstTranche, Amount: ledger.Yuan(1000), PaidOn: "2015-05-01"}))
	pg := storetest.MustOpenDB(t, store.Postgres)
	n, err := store.CopyAll(ctx, src, pg)
	must(t, err)
	back := storetest.MustOpenDB(t, store.SQLite)
	_, err = store.CopyAll(ctx, pg, back)
	must(t, err)
	for _, db := range []*store.DB{pg, back} {
		tot, _, err := db.Stats(ctx, ledger.ProjectFilter{}, nil)
		must(t, err)
		want, _, _ := src.Stats(ctx, ledger.ProjectFilter{}, nil)
		if diff := cmp.Diff(want, tot); diff != "" {
			t.Errorf("%s totals differ after copy of %d rows:\n%s", db.Dialect(), n, diff)
		}
		revs, err := db.Revisions(ctx, "project", f.p1.ID)
		must(t, err)
		if len(revs) != 2 || revs[1].Reason != "更正" {
			t.Errorf("%s history after copy: %+v", db.Dialect(), revs)
		}
		// Identity sequences continue past the copied keys.
		p := *f.p2
		p.ID, p.Code = 0, "FC2015-NEW-0009"
		must(t, db.CreateProject(ctx, att, &p))
		if p.ID <= f.p2.ID {
			t.Errorf("%s: new project got id %d, not past copied %d", db.Dialect(), p.ID, f.p2.ID)
		}
	}
	if _, err := store.CopyAll(ctx, src, pg); ledger.ErrorCode(err) != ledger.ECONFLICT {
		t.Errorf("copy into a non-empty database: %v", err)
	}
}

// TestReportAndAnnouncementYears filters reports and announcements by year.
func TestReportAndAnnouncementYears(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		publishThreeYears(t, db, f)
		rs, n, err := db.FindReports(ctx, ledger.ReportFilter{Years: []int{2014, 2016}}, 0, 10)
		must(t, err)
		if n != 2 || len(rs) != 2 || rs[0].PublishedOn != "2016-01-02" || rs[1].PublishedOn != "2014-03-01" {
			t.Errorf("reports of 2014 and 2016: %d %+v", n, rs)
		}
		as, n, err := db.FindAnnouncements(ctx, ledger.AnnouncementFilter{Years: []int{2015}, Kinds: []ledger.AnnouncementKind{ledger.MidtermResults}}, 0, 10)
		must(t, err)
		if n != 1 || len(as) != 1 || as[0].Code != "A-1" {
			t.Errorf("announcements of 2015: %d %+v", n, as)
		}
	})
}

// publishThreeYears publishes a midterm report on f.p1 and a midterm
// announcement in each of 2014, 2015 and 2016 (codes R-0… …A-2).
func publishThreeYears(t *testing.T, db *store.DB, f *fixture) {
	t.Helper()
	ctx := context.Background()
	for i, d := range []ledger.Date{"2014-03-01", "2015-06-01", "2016-01-02"} {
		must(t, db.PublishReport(ctx, att, &ledger.Report{Code: fmt.Sprintf("R-%d", i), Kind: ledger.MidtermReport, Title: "中期评审报告",
			Body: "正文", ProjectID: &f.p1.ID, PublishedOn: d}))
		must(t, db.PublishAnnouncement(ctx, att, &ledger.Announcement{Code: fmt.Sprintf("A-%d", i), Kind: ledger.MidtermResults,
			Title: "中期评审结果公告", PublishedOn: d}))
	}
}

// TestLifecycleRules walks projects through the lifecycle docs/domain.md
// describes: forward only, rejected only at screening or review, terminated
// only in execution, completed only at closing, nothing after the end; each
// refusal names its field and writes nothing.
func TestLifecycleRules(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		ev := func(p *ledger.Project, st ledger.Stage, o ledger.Outcome, on, reason string) error {
			return db.RecordStageEvent(ctx, att, &ledger.StageEvent{ProjectID: p.ID, Stage: st, Outcome: o,
				OccurredOn: ledger.Date(on), Reason: reason})
		}
		// An application rejected at approval review.
		app := &ledger.Project{Code: "FC2015-POV-0003", RoundID: f.round.ID, Title: "困难家庭儿童课业辅导", ServiceArea: ledger.PovertyRelief,
			District: "长宁区", UndertakerID: f.undertaker.ID, Stage: ledger.Solicitation, AppliedOn: "2015-01-20"}
		must(t, db.CreateProject(ctx, att, app))
		wantInvalid(t, ev(app, ledger.Approval, ledger.Terminated, "2015-03-01", "不符合要求"), "stageEvent.outcome")
		wantInvalid(t, ev(app, ledger.Approval, ledger.Rejected, "2015-03-01", ""), "stageEvent.reason")
		must(t, ev(app, ledger.Approval, ledger.Rejected, "2015-03-01", "立项评审得分低于60分"))
		wantInvalid(t, ev(app, ledger.Execution, ledger.Ongoing, "2015-04-01", ""), "stageEvent.stage")

		// f.p1 is in execution: it cannot go back, and completes only at closing.
		wantInvalid(t, ev(f.p1, ledger.Approval, ledger.Ongoing, "2015-05-01", ""), "stageEvent.stage")
		wantInvalid(t, ev(f.p1, ledger.Execution, ledger.Completed, "2015-12-01", ""), "stageEvent.outcome")
		wantInvalid(t, ev(f.p1, ledger.Closing, ledger.Rejected, "2015-12-01", "x"), "stageEvent.outcome")
		must(t, ev(f.p1, ledger.Closing, ledger.Ongoing, "2016-01-10", ""))
		must(t, ev(f.p1, ledger.Closing, ledger.Completed, "2016-03-31", ""))

		// A project cannot be created in a state the lifecycle cannot reach.
		bad := *app
		bad.ID, bad.Code, bad.Stage, bad.Outcome = 0, "FC2015-POV-0004", ledger.Execution, ledger.Completed
		wantInvalid(t, db.CreateProject(ctx, att, &bad), "project.outcome")

		rejected, n, err := db.FindProjects(ctx, ledger.ProjectFilter{Scope: ledger.ScopeApplications, Outcomes: []ledger.Outcome{ledger.Rejected}}, ledger.ProjectOrder{}, 0, 10)
		must(t, err)
		if n != 1 || rejected[0].Code != app.Code || rejected[0].Stage != ledger.Approval {
			t.Fatalf("rejected projects: n=%d %+v", n, rejected)
		}
		// A rejected application is not a funded project: the zero filter
		// leaves it out, scope APPLICATIONS counts it.
		funded, _, err := db.Stats(ctx, ledger.ProjectFilter{}, nil)
		must(t, err)
		apps, _, err := db.Stats(ctx, ledger.ProjectFilter{Scope: ledger.ScopeApplications}, nil)
		must(t, err)
		_, nFunded, err := db.FindProjects(ctx, ledger.ProjectFilter{}, ledger.ProjectOrder{}, 0, 10)
		must(t, err)
		if apps.Projects != funded.Projects+1 || int64(nFunded) != funded.Projects {
			t.Errorf("stats: %d funded, %d applications; list: %d funded; want the rejected one only among the applications",
				funded.Projects, apps.Projects, nFunded)
		}
		timeline, err := db.StageEventsByProjectIDs(ctx, []int64{app.ID, f.p1.ID})
		must(t, err)
		if len(timeline[0]) != 1 || timeline[0][0].Reason != "立项评审得分低于60分" || len(timeline[1]) != 2 {
			t.Fatalf("timelines: %+v / %+v", timeline[0], timeline[1])
		}
		revs, err := db.Revisions(ctx, "project", f.p1.ID)
		must(t, err)
		if len(revs) != 3 {
			t.Fatalf("f.p1 has %d versions, want 3 (created, closing, completed)", len(revs))
		}
	})
}

// TestFindPages pages through each Find* list: the pages do not overlap,
// add up to the total, and a page past the end is empty (not nil) and costs
// only the count.
func TestFindPages(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		publishThreeYears(t, db, f)
		db.SetAggregateCache(false)
		lists := map[string]func(offset, limit int) (page, error){
			"organizations": func(offset, limit int) (page, error) {
				rows, n, err := db.FindOrganizations(ctx, nil, offset, limit)
				return collect(rows, n, func(o *ledger.Organization) string { return o.CreditCode }), err
			},
			"projects": func(offset, limit int) (page, error) {
				rows, n, err := db.FindProjects(ctx, ledger.ProjectFilter{}, ledger.ProjectOrder{Field: ledger.OrderByBeneficiaries}, offset, limit)
				return collect(rows, n, func(p *ledger.Project) string { return p.Code }), err
			},
			"announcements": func(offset, limit int) (page, error) {
				rows, n, err := db.FindAnnouncements(ctx, ledger.AnnouncementFilter{}, offset, limit)
				return collect(rows, n, func(a *ledger.Announcement) string { return a.Code }), err
			},
			"reports": func(offset, limit int) (page, error) {
				rows, n, err := db.FindReports(ctx, ledger.ReportFilter{}, offset, limit)
				return collect(rows, n, func(r *ledger.Report) string { return r.Code }), err
			},
		}
		want := map[string]int{"organizations": 3, "projects": 2, "announcements": 3, "reports": 3}
		for name, find := range lists {
			all, err := find(0, 100)
			must(t, err)
			if all.total != want[name] || len(all.codes) != want[name] {
				t.Fatalf("%s: %d rows, total %d, want %d", name, len(all.codes), all.total, want[name])
			}
			var paged []string
			for offset := 0; offset < all.total; offset += 2 {
				p, err := find(offset, 2)
				must(t, err)
				paged = append(paged, p.codes...)
			}
			if diff := cmp.Diff(all.codes, paged); diff != "" {
				t.Errorf("%s: pages of 2 differ from the whole list (-whole +pages):\n%s", name, diff)
			}
			before := db.ReadStatements()
			past, err := find(all.total, 2)
			must(t, err)
			if n := db.ReadStatements() - before; !past.empty || past.total != all.total || n != 1 {
				t.Errorf("%s past the end: %+v after %d statements, want no rows, total %d, one statement", name, past, n, all.total)
			}
		}
	})
}

// page is what TestFindPages compares of one page of a list.
type page struct {
	codes []string
	total int
	empty bool // the rows are an empty, non-nil slice
}

func collect[T any](rows []*T, total int, code func(*T) string) (p page) {
	for _, r := range rows {
		p.codes = append(p.codes, code(r))
	}
	p.total, p.empty = total, rows != nil && len(rows) == 0
	return p
}
