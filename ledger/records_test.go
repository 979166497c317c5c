package ledger

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Each table starts from a valid record; every case changes one thing and
// names the field the refusal must name ("" when still valid).

func validProject() Project {
	return Project{Code: "FC2015-0001", RoundID: 1, Title: "长者食堂助餐服务", ServiceArea: ElderlySupport,
		District: "鼓楼区", UndertakerID: 3, Awarded: Yuan(150_000), CoFunding: Yuan(20_000),
		Stage: Approval, AppliedOn: "2015-03-05", ApprovedOn: "2015-06-02"}
}

func TestProjectValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(p *Project)
		field string
	}{
		{"valid", func(p *Project) {}, ""},
		{"no code", func(p *Project) { p.Code = " " }, "project.code"},
		{"code with a slash", func(p *Project) { p.Code = "FC2015/1" }, "project.code"},
		{"code with a space", func(p *Project) { p.Code = "FC 1" }, "project.code"},
		{"code too long", func(p *Project) { p.Code = strings.Repeat("A", 41) }, "project.code"},
		{"no title", func(p *Project) { p.Title = "" }, "project.title"},
		{"title of 200 characters", func(p *Project) { p.Title = strings.Repeat("助", 200) }, ""},
		{"title of 201 characters", func(p *Project) { p.Title = strings.Repeat("助", 201) }, "project.title"},
		{"unknown service area", func(p *Project) { p.ServiceArea = "SPORTS" }, "project.serviceArea"},
		{"no district", func(p *Project) { p.District = "" }, "project.district"},
		{"no undertaker", func(p *Project) { p.UndertakerID = 0 }, "project.undertaker"},
		{"negative award", func(p *Project) { p.Awarded = -1 }, "project.awarded"},
		{"zero award", func(p *Project) { p.Awarded = 0 }, ""},
		{"negative co-funding", func(p *Project) { p.CoFunding = -1 }, "project.coFunding"},
		{"unknown stage", func(p *Project) { p.Stage = "DONE" }, "project.stage"},
		{"unknown outcome", func(p *Project) { p.Outcome = "LOST" }, "project.outcome"},
		{"rejected in approval", func(p *Project) { p.Outcome = Rejected }, ""},
		{"rejected in execution", func(p *Project) { p.Stage, p.Outcome = Execution, Rejected }, "project.outcome"},
		{"terminated in execution", func(p *Project) { p.Stage, p.Outcome = Execution, Terminated }, ""},
		{"terminated in closing", func(p *Project) { p.Stage, p.Outcome = Closing, Terminated }, "project.outcome"},
		{"completed in closing", func(p *Project) { p.Stage, p.Outcome = Closing, Completed }, ""},
		{"completed in execution", func(p *Project) { p.Stage, p.Outcome = Execution, Completed }, "project.outcome"},
		{"bad applied date", func(p *Project) { p.AppliedOn = "2015-02-30" }, "project.appliedOn"},
		{"bad approved date", func(p *Project) { p.ApprovedOn = "soon" }, "project.approvedOn"},
		{"not yet approved", func(p *Project) { p.Stage, p.ApprovedOn = Solicitation, "" }, ""},
	} {
		p := validProject()
		tc.edit(&p)
		wantRefusal(t, tc.name, p.Validate(), tc.field)
	}
}

func TestStageChange(t *testing.T) {
	type state struct {
		Stage      Stage
		Outcome    Outcome
		ApprovedOn Date
	}
	for _, tc := range []struct {
		name    string
		from    state
		to      StageEvent
		field   string // refusal; "" when allowed
		changed bool
		want    state // the project afterwards
	}{
		{"forward to approval", state{Solicitation, Ongoing, ""}, StageEvent{Stage: Approval, OccurredOn: "2015-06-02"},
			"", true, state{Approval, Ongoing, ""}},
		{"execution sets the approval date", state{Approval, Ongoing, ""}, StageEvent{Stage: Execution, OccurredOn: "2015-06-20"},
			"", true, state{Execution, Ongoing, "2015-06-20"}},
		{"execution keeps an approval date", state{Approval, Ongoing, "2015-06-02"}, StageEvent{Stage: Execution, OccurredOn: "2015-06-20"},
			"", true, state{Execution, Ongoing, "2015-06-02"}},
		{"skipping approval", state{Solicitation, Ongoing, ""}, StageEvent{Stage: Execution, OccurredOn: "2015-06-20"},
			"", true, state{Execution, Ongoing, "2015-06-20"}},
		{"same stage is only dated", state{Execution, Ongoing, "2015-06-02"}, StageEvent{Stage: Execution, OccurredOn: "2015-09-01"},
			"", false, state{Execution, Ongoing, "2015-06-02"}},
		{"backwards", state{Execution, Ongoing, "2015-06-02"}, StageEvent{Stage: Approval},
			"stageEvent.stage", false, state{Execution, Ongoing, "2015-06-02"}},
		{"after the end", state{Closing, Completed, "2015-06-02"}, StageEvent{Stage: Closing},
			"stageEvent.stage", false, state{Closing, Completed, "2015-06-02"}},
		{"ended again the same way", state{Execution, Terminated, "2015-06-02"}, StageEvent{Stage: Execution, Outcome: Terminated},
			"", false, state{Execution, Terminated, "2015-06-02"}},
		{"rejected at screening", state{Solicitation, Ongoing, ""}, StageEvent{Stage: Solicitation, Outcome: Rejected},
			"", true, state{Solicitation, Rejected, ""}},
		{"rejected in execution", state{Execution, Ongoing, "2015-06-02"}, StageEvent{Stage: Execution, Outcome: Rejected},
			"stageEvent.outcome", false, state{Execution, Ongoing, "2015-06-02"}},
		{"terminated in approval", state{Approval, Ongoing, ""}, StageEvent{Stage: Approval, Outcome: Terminated},
			"stageEvent.outcome", false, state{Approval, Ongoing, ""}},
		{"completed at closing", state{Execution, Ongoing, "2015-06-02"}, StageEvent{Stage: Closing, Outcome: Completed},
			"", true, state{Closing, Completed, "2015-06-02"}},
		{"completed in execution", state{Execution, Ongoing, "2015-06-02"}, StageEvent{Stage: Execution, Outcome: Completed},
			"stageEvent.outcome", false, state{Execution, Ongoing, "2015-06-02"}},
	} {
		p := validProject()
		p.Stage, p.Outcome, p.ApprovedOn = tc.from.Stage, tc.from.Outcome, tc.from.ApprovedOn
		e := tc.to
		wantRefusal(t, tc.name+" CheckStageChange", CheckStageChange(&p, &e), tc.field)
		changed, err := ApplyStageEvent(&p, &e)
		wantRefusal(t, tc.name+" ApplyStageEvent", err, tc.field)
		if changed != tc.changed {
			t.Errorf("%s: changed = %v, want %v", tc.name, changed, tc.changed)
		}
		if d := cmp.Diff(tc.want, state{p.Stage, p.Outcome, p.ApprovedOn}); d != "" {
			t.Errorf("%s: project afterwards (-want +got):\n%s", tc.name, d)
		}
	}
}

func TestStageEventValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		e     StageEvent
		field string
	}{
		{"entering a stage", StageEvent{Stage: Execution, OccurredOn: "2015-06-20"}, ""},
		{"unknown stage", StageEvent{Stage: "X", OccurredOn: "2015-06-20"}, "stageEvent.stage"},
		{"unknown outcome", StageEvent{Stage: Execution, Outcome: "X", OccurredOn: "2015-06-20"}, "stageEvent.outcome"},
		{"no date", StageEvent{Stage: Execution}, "stageEvent.occurredOn"},
		{"bad date", StageEvent{Stage: Execution, OccurredOn: "2015-06-31"}, "stageEvent.occurredOn"},
		{"terminated with reason", StageEvent{Stage: Execution, Outcome: Terminated, OccurredOn: "2015-10-01", Reason: "承接方解散"}, ""},
		{"terminated without reason", StageEvent{Stage: Execution, Outcome: Terminated, OccurredOn: "2015-10-01", Reason: " "}, "stageEvent.reason"},
		{"rejected without reason", StageEvent{Stage: Approval, Outcome: Rejected, OccurredOn: "2015-05-10"}, "stageEvent.reason"},
		{"completed without reason", StageEvent{Stage: Closing, Outcome: Completed, OccurredOn: "2016-08-20"}, ""},
	} {
		wantRefusal(t, tc.name, tc.e.Validate(), tc.field)
	}
}

func TestCheckCorrection(t *testing.T) {
	cur := validProject()
	cur.ID, cur.Version = 7, 3
	for _, tc := range []struct {
		name        string
		edit        func(p *Project)
		code, field string
	}{
		{"title corrected at the current version", func(p *Project) { p.Title = "长者助餐服务" }, "", ""},
		{"version not given", func(p *Project) { p.Version = 0 }, "", ""},
		{"code changed", func(p *Project) { p.Code = "FC2015-0002" }, EINVALID, "project.code"},
		{"made to an earlier version", func(p *Project) { p.Version = 2 }, ECONFLICT, "project.version"},
		{"made to a later version", func(p *Project) { p.Version = 4 }, ECONFLICT, "project.version"},
	} {
		p := cur
		tc.edit(&p)
		wantCode(t, tc.name, CheckCorrection(&cur, &p), tc.code, tc.field)
	}
}

func validIndicatorSet() IndicatorSet {
	return IndicatorSet{ID: 1, Kind: MidtermReview, Name: "中期评审指标", Indicators: []Indicator{
		{ID: 11, Name: "服务进度", Weight: 40, MaxScore: 40},
		{ID: 12, Name: "资金使用", Weight: 35, MaxScore: 10},
		{ID: 13, Name: "服务成效", Weight: 25, MaxScore: 100},
	}}
}

func TestIndicatorSetValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(s *IndicatorSet)
		field string
	}{
		{"valid", func(s *IndicatorSet) {}, ""},
		{"unknown kind", func(s *IndicatorSet) { s.Kind = "PEER_REVIEW" }, "indicatorSet.kind"},
		{"no name", func(s *IndicatorSet) { s.Name = "" }, "indicatorSet.name"},
		{"no indicators", func(s *IndicatorSet) { s.Indicators = nil }, "indicatorSet.indicators"},
		{"indicator without name", func(s *IndicatorSet) { s.Indicators[1].Name = "" }, "indicatorSet.indicators[1].name"},
		{"zero maximum", func(s *IndicatorSet) { s.Indicators[2].MaxScore = 0 }, "indicatorSet.indicators[2].maxScore"},
		{"negative weight", func(s *IndicatorSet) { s.Indicators[0].Weight = -40 }, "indicatorSet.indicators[0].weight"},
		{"weights add to 99", func(s *IndicatorSet) { s.Indicators[0].Weight = 39 }, "indicatorSet.indicators"},
		{"weights add to 100 in thirds", func(s *IndicatorSet) {
			for i := range s.Indicators {
				s.Indicators[i].Weight = 100.0 / 3
			}
		}, ""},
	} {
		s := validIndicatorSet()
		s.Indicators = append([]Indicator(nil), s.Indicators...)
		tc.edit(&s)
		wantRefusal(t, tc.name, s.Validate(), tc.field)
	}
}

func TestScorecard(t *testing.T) {
	set := validIndicatorSet()
	full := []Score{{IndicatorID: 11, Value: 40}, {IndicatorID: 12, Value: 10}, {IndicatorID: 13, Value: 100}}
	for _, tc := range []struct {
		name     string
		s        Scorecard
		field    string
		total    float64
		wantKind ReviewKind
	}{
		{"full marks", Scorecard{Scores: full}, "", 100, MidtermReview},
		{"half marks", Scorecard{Kind: MidtermReview, ReviewedOn: "2015-12-20",
			Scores: []Score{{IndicatorID: 11, Value: 20}, {IndicatorID: 12, Value: 5}, {IndicatorID: 13, Value: 50}}}, "", 50, MidtermReview},
		{"missing scores count zero", Scorecard{Scores: []Score{{IndicatorID: 13, Value: 33}}}, "", 8.25, MidtermReview},
		{"rounded to two decimals", Scorecard{Scores: []Score{{IndicatorID: 12, Value: 1}, {IndicatorID: 13, Value: 1.5}}}, "", 3.88, MidtermReview},
		{"another kind's set", Scorecard{Kind: ClosingReview, Scores: full}, "scorecard.kind", 0, ClosingReview},
		{"bad review date", Scorecard{ReviewedOn: "2015-12-32", Scores: full}, "scorecard.reviewedOn", 0, MidtermReview},
		{"indicator of another set", Scorecard{Scores: []Score{{IndicatorID: 99, Value: 1}}}, "scorecard.scores[0].indicator", 0, MidtermReview},
		{"scored twice", Scorecard{Scores: []Score{{IndicatorID: 11, Value: 1}, {IndicatorID: 11, Value: 2}}}, "scorecard.scores[1].indicator", 0, MidtermReview},
		{"negative score", Scorecard{Scores: []Score{{IndicatorID: 12, Value: -1}}}, "scorecard.scores[0].value", 0, MidtermReview},
		{"above the maximum", Scorecard{Scores: []Score{{IndicatorID: 11, Value: 20}, {IndicatorID: 12, Value: 10.5}}}, "scorecard.scores[1].value", 0, MidtermReview},
	} {
		s := tc.s
		total, err := CheckScorecard(&s, &set)
		wantRefusal(t, tc.name, err, tc.field)
		if total != tc.total {
			t.Errorf("%s: total %v, want %v", tc.name, total, tc.total)
		}
		if s.Kind != tc.wantKind {
			t.Errorf("%s: kind %s, want %s", tc.name, s.Kind, tc.wantKind)
		}
	}
	for total, want := range map[float64]bool{59.99: false, 60: true, 100: true, 0: false} {
		if PassesReview(total) != want {
			t.Errorf("PassesReview(%v) = %v", total, !want)
		}
	}
}

func TestCheckTranche(t *testing.T) {
	award := Yuan(100_000)
	for _, tc := range []struct {
		name  string
		t     Tranche
		paid  Money
		field string
	}{
		{"first half", Tranche{Kind: FirstTranche, Amount: Yuan(50_000), PaidOn: "2015-06-20"}, 0, ""},
		{"exactly what is left", Tranche{Kind: FinalTranche, Amount: Yuan(20_000), PaidOn: "2016-09-10"}, Yuan(80_000), ""},
		{"one fen more than is left", Tranche{Kind: FinalTranche, Amount: Yuan(20_000) + 1, PaidOn: "2016-09-10"}, Yuan(80_000), "tranche.amount"},
		{"nothing left", Tranche{Kind: SecondTranche, Amount: 1, PaidOn: "2016-01-20"}, award, "tranche.amount"},
		{"zero", Tranche{Kind: FirstTranche, Amount: 0, PaidOn: "2015-06-20"}, 0, "tranche.amount"},
		{"negative", Tranche{Kind: FirstTranche, Amount: -100, PaidOn: "2015-06-20"}, 0, "tranche.amount"},
		{"unknown kind", Tranche{Kind: "BONUS", Amount: 100, PaidOn: "2015-06-20"}, 0, "tranche.kind"},
		{"no date", Tranche{Kind: FirstTranche, Amount: 100}, 0, "tranche.paidOn"},
	} {
		wantRefusal(t, tc.name, CheckTranche(&tc.t, award, tc.paid), tc.field)
	}
}

func TestCheckPayment(t *testing.T) {
	p := validProject()
	p.Awarded = Yuan(100_000)
	first := Tranche{Kind: FirstTranche, Amount: Yuan(50_000), PaidOn: "2015-06-20"}
	second := Tranche{Kind: SecondTranche, Amount: Yuan(30_000), PaidOn: "2016-01-20"}
	for _, tc := range []struct {
		name    string
		t       Tranche
		earlier []Tranche
		field   string
	}{
		{"first", first, nil, ""},
		{"second after the first", second, []Tranche{first}, ""},
		{"final: the rest", Tranche{Kind: FinalTranche, Amount: Yuan(20_000), PaidOn: "2016-09-10"}, []Tranche{first, second}, ""},
		{"final: more than the rest", Tranche{Kind: FinalTranche, Amount: Yuan(20_001), PaidOn: "2016-09-10"}, []Tranche{first, second}, "tranche.amount"},
		{"first twice", Tranche{Kind: FirstTranche, Amount: 100, PaidOn: "2015-07-01"}, []Tranche{first}, "tranche.kind"},
		{"second twice", second, []Tranche{first, second}, "tranche.kind"},
		{"bad amount", Tranche{Kind: FirstTranche, Amount: 0, PaidOn: "2015-06-20"}, nil, "tranche.amount"},
	} {
		wantRefusal(t, tc.name, CheckPayment(&p, &tc.t, tc.earlier), tc.field)
	}
}

func TestAuditValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		a     Audit
		field string
	}{
		{"clean", Audit{AuditedOn: "2016-07-10", Result: AuditClean, Spent: Yuan(95_000), Recovered: Yuan(5_000)}, ""},
		{"findings stated", Audit{AuditedOn: "2016-07-10", Result: AuditFindings, Findings: "票据不全"}, ""},
		{"findings not stated", Audit{AuditedOn: "2016-07-10", Result: AuditFindings, Findings: "  "}, "audit.findings"},
		{"no date", Audit{Result: AuditClean}, "audit.auditedOn"},
		{"unknown result", Audit{AuditedOn: "2016-07-10", Result: "QUALIFIED"}, "audit.result"},
		{"negative spent", Audit{AuditedOn: "2016-07-10", Result: AuditClean, Spent: -1}, "audit.spent"},
		{"negative recovered", Audit{AuditedOn: "2016-07-10", Result: AuditClean, Recovered: -1}, "audit.recovered"},
	} {
		wantRefusal(t, tc.name, tc.a.Validate(), tc.field)
	}
}

func TestMetricValidate(t *testing.T) {
	base := Metric{Kind: BeneficiaryVisits, PeriodStart: "2015-07-01", PeriodEnd: "2015-09-30", Value: 1200, Provenance: SelfReported}
	for _, tc := range []struct {
		name  string
		edit  func(m *Metric)
		field string
	}{
		{"valid", func(m *Metric) {}, ""},
		{"one-day period", func(m *Metric) { m.PeriodEnd = m.PeriodStart }, ""},
		{"with target", func(m *Metric) { m.Target = ptr(int64(1000)) }, ""},
		{"unknown kind", func(m *Metric) { m.Kind = "SMILES" }, "metric.kind"},
		{"no start", func(m *Metric) { m.PeriodStart = "" }, "metric.periodStart"},
		{"bad end", func(m *Metric) { m.PeriodEnd = "2015-09-31" }, "metric.periodEnd"},
		{"ends before it starts", func(m *Metric) { m.PeriodEnd = "2015-06-30" }, "metric.periodEnd"},
		{"negative value", func(m *Metric) { m.Value = -1 }, "metric.value"},
		{"negative target", func(m *Metric) { m.Target = ptr(int64(-5)) }, "metric.target"},
		{"unknown provenance", func(m *Metric) { m.Provenance = "RUMOUR" }, "metric.provenance"},
	} {
		m := base
		tc.edit(&m)
		wantRefusal(t, tc.name, m.Validate(), tc.field)
	}
}

func TestAnnouncement(t *testing.T) {
	base := Announcement{Code: "GG2015-APR", Kind: ApprovalNotice, Title: "拟立项项目公示", PublishedOn: "2015-05-25",
		NoticeStart: "2015-05-25", NoticeEnd: "2015-05-31", ProjectIDs: []int64{4, 5, 6}}
	for _, tc := range []struct {
		name  string
		edit  func(a *Announcement)
		field string
	}{
		{"valid", func(a *Announcement) {}, ""},
		{"no code", func(a *Announcement) { a.Code = "" }, "announcement.code"},
		{"unknown kind", func(a *Announcement) { a.Kind = "RUMOUR" }, "announcement.kind"},
		{"no title", func(a *Announcement) { a.Title = "" }, "announcement.title"},
		{"no date", func(a *Announcement) { a.PublishedOn = "" }, "announcement.publishedOn"},
		{"approval notice without period", func(a *Announcement) { a.NoticeStart = "" }, "announcement.noticeStart"},
		{"approval notice with bad end", func(a *Announcement) { a.NoticeEnd = "2015-05-32" }, "announcement.noticeEnd"},
		{"period ends before it starts", func(a *Announcement) { a.NoticeEnd = "2015-05-24" }, "announcement.noticeEnd"},
		{"other kind needs no period", func(a *Announcement) { a.Kind, a.NoticeStart, a.NoticeEnd = TrancheNotice, "", "" }, ""},
		{"project listed twice", func(a *Announcement) { a.ProjectIDs = []int64{4, 5, 4} }, "announcement.projects[2]"},
	} {
		a := base
		tc.edit(&a)
		wantRefusal(t, tc.name, a.Validate(), tc.field)
	}
	for day, want := range map[Date]bool{"2015-05-24": false, "2015-05-25": true, "2015-05-28": true, "2015-05-31": true, "2015-06-01": false} {
		if got := base.NoticeOpen(day); got != want {
			t.Errorf("NoticeOpen(%s) = %v, want %v", day, got, want)
		}
	}
	none := Announcement{Kind: TrancheNotice}
	if none.NoticeOpen("2015-05-25") {
		t.Error("an announcement without a notice period is open")
	}
}

func TestOtherRecordsValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		field string
	}{
		{"round", (&Round{Year: 2015, Title: "2015年度", Budget: Yuan(20_000_000), OpensOn: "2015-03-01"}).Validate(), ""},
		{"round year", (&Round{Year: 1999, Title: "x"}).Validate(), "round.year"},
		{"round title", (&Round{Year: 2015}).Validate(), "round.title"},
		{"round budget", (&Round{Year: 2015, Title: "x", Budget: -1}).Validate(), "round.budget"},
		{"round opens", (&Round{Year: 2015, Title: "x", OpensOn: "2015-3-1"}).Validate(), "round.opensOn"},
		{"round closes", (&Round{Year: 2015, Title: "x", ClosesOn: "x"}).Validate(), "round.closesOn"},
		{"organization", (&Organization{CreditCode: "91350100M000100Y43", Name: "鼓楼区长者服务中心", Kind: Undertaker}).Validate(), ""},
		{"organization code", (&Organization{CreditCode: "91350100M000100Y44", Name: "x", Kind: Undertaker}).Validate(), "organization.creditCode"},
		{"organization name", (&Organization{CreditCode: "91350100M000100Y43", Kind: Undertaker}).Validate(), "organization.name"},
		{"organization kind", (&Organization{CreditCode: "91350100M000100Y43", Name: "x", Kind: "CLUB"}).Validate(), "organization.kind"},
		{"organization founded", (&Organization{CreditCode: "91350100M000100Y43", Name: "x", Kind: Auditor, FoundedOn: "2015"}).Validate(), "organization.foundedOn"},
		{"report", (&Report{Code: "R1", Kind: AuditReport, Title: "审计报告", Body: "全文", PublishedOn: "2016-07-20"}).Validate(), ""},
		{"report code", (&Report{Kind: AuditReport, Title: "t", Body: "b", PublishedOn: "2016-07-20"}).Validate(), "report.code"},
		{"report kind", (&Report{Code: "R1", Kind: "MEMO", Title: "t", Body: "b", PublishedOn: "2016-07-20"}).Validate(), "report.kind"},
		{"report title", (&Report{Code: "R1", Kind: AuditReport, Body: "b", PublishedOn: "2016-07-20"}).Validate(), "report.title"},
		{"report body", (&Report{Code: "R1", Kind: AuditReport, Title: "t", Body: "\n", PublishedOn: "2016-07-20"}).Validate(), "report.body"},
		{"report date", (&Report{Code: "R1", Kind: AuditReport, Title: "t", Body: "b"}).Validate(), "report.publishedOn"},
		{"case collection", (&CaseCollection{Year: 2015, Title: "案例集", PublishedOn: "2016-12-01"}).Validate(), ""},
		{"case collection year", (&CaseCollection{Year: 2101, Title: "x", PublishedOn: "2016-12-01"}).Validate(), "caseCollection.year"},
		{"case collection title", (&CaseCollection{Year: 2015, PublishedOn: "2016-12-01"}).Validate(), "caseCollection.title"},
		{"case collection date", (&CaseCollection{Year: 2015, Title: "x"}).Validate(), "caseCollection.publishedOn"},
		{"case study", (&CaseStudy{Title: "助餐", Narrative: "故事"}).Validate(), ""},
		{"case study title", (&CaseStudy{Narrative: "故事"}).Validate(), "caseStudy.title"},
		{"case study narrative", (&CaseStudy{Title: "助餐"}).Validate(), "caseStudy.narrative"},
		{"feedback", (&Feedback{Rating: 5, Respondent: "RECIPIENT"}).Validate(), ""},
		{"feedback by representative", (&Feedback{Rating: 1, Respondent: "REPRESENTATIVE", Comment: strings.Repeat("好", 2000)}).Validate(), ""},
		{"feedback rating 0", (&Feedback{Rating: 0, Respondent: "RECIPIENT"}).Validate(), "feedback.rating"},
		{"feedback rating 6", (&Feedback{Rating: 6, Respondent: "RECIPIENT"}).Validate(), "feedback.rating"},
		{"feedback comment", (&Feedback{Rating: 3, Respondent: "RECIPIENT", Comment: strings.Repeat("好", 2001)}).Validate(), "feedback.comment"},
		{"feedback respondent", (&Feedback{Rating: 3, Respondent: "PASSER_BY"}).Validate(), "feedback.respondent"},
	} {
		wantRefusal(t, tc.name, tc.err, tc.field)
	}
}

func TestGradeOf(t *testing.T) {
	for _, tc := range []struct {
		total float64
		want  Grade
		label string
	}{
		{100, GradeExcellent, "优秀"}, {90, GradeExcellent, "优秀"}, {89.99, GradeGood, "良好"}, {80, GradeGood, "良好"},
		{79.99, GradePass, "合格"}, {60, GradePass, "合格"}, {59.99, GradeFail, "不合格"}, {0, GradeFail, "不合格"},
	} {
		if got := GradeOf(tc.total); got != tc.want || Label(got) != tc.label {
			t.Errorf("GradeOf(%v) = %s (%s), want %s (%s)", tc.total, got, Label(got), tc.want, tc.label)
		}
	}
}

func TestTrancheSchedule(t *testing.T) {
	for _, tc := range []struct {
		award                Money
		first, second, final Money
	}{
		{Yuan(100_000), Yuan(50_000), Yuan(30_000), Yuan(20_000)},
		{Yuan(125_555), 6277800, 3766700, 2511000}, // 62,777.50 and 37,666.50 round up
		{12345, 6200, 3700, 2445},                  // 61.725 → 62 yuan, 37.035 → 37 yuan
		{1, 0, 0, 1},
		{0, 0, 0, 0},
	} {
		f, s, fin := TrancheSchedule(tc.award)
		if f != tc.first || s != tc.second || fin != tc.final || f+s+fin != tc.award {
			t.Errorf("TrancheSchedule(%s) = %s, %s, %s; want %s, %s, %s", tc.award, f, s, fin, tc.first, tc.second, tc.final)
		}
	}
	// 30% of a very large award is computed without overflowing.
	huge := Money(math.MaxInt64 - 1000)
	if _, s, _ := TrancheSchedule(huge); s <= 0 || s > huge/3 {
		t.Errorf("TrancheSchedule(%s): second tranche %s", huge, s)
	}
}
