package demo

import (
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"civicledger/ledger"
)

// timeline is the dated course of one project.
type timeline struct {
	applied, screen, review, approved, kickoff, firstPaid time.Time
	midterm, secondPaid, closing, audit, closingReview    time.Time
	completed, finalPaid, term                            time.Time
}

// period is a reporting period of a project.
type period struct{ start, end time.Time }

// reportDraft is a report the project may publish, by importance.
type reportDraft struct {
	rank int
	rep  *ledger.Report
	text func() string
	link **int64 // where the report's ID goes (an audit's ReportID)
}

// project writes one project with all its records into part d.
func (g *generator) project(d *Dataset, p *projectPlan) {
	r := g.rng(3, p.id)
	v := vocab[p.area]
	w := g.name(r, p)

	Y := p.year
	t := timeline{
		applied:  addDays(day(Y, time.March, 5), r.IntN(40)),
		screen:   addDays(day(Y, time.April, 20), r.IntN(10)),
		review:   addDays(day(Y, time.May, 8), r.IntN(10)),
		approved: day(Y, time.June, 2),
		kickoff:  addDays(day(Y, time.June, 15), r.IntN(15)),
		midterm:  addDays(day(Y, time.December, 10), r.IntN(25)),
		closing:  addDays(day(Y+1, time.July, 1), r.IntN(5)),
	}
	t.firstPaid = addDays(t.kickoff, r.IntN(6))
	t.secondPaid = addDays(day(Y+1, time.January, 20), r.IntN(20))
	t.audit = addDays(day(Y+1, time.July, 8), r.IntN(20))
	t.closingReview = addDays(day(Y+1, time.July, 28), r.IntN(15))
	t.completed = addDays(day(Y+1, time.August, 20), r.IntN(10))
	t.finalPaid = addDays(day(Y+1, time.September, 10), r.IntN(20))
	if p.lateEnd {
		t.term = addDays(day(Y+1, time.February, 20), r.IntN(40))
	} else {
		t.term = addDays(day(Y, time.October, 15), r.IntN(40))
	}
	if p.fate == fateTerminated {
		t.audit = addDays(t.term, 20+r.IntN(20))
	}
	hadMidterm := p.fate == fateCompleted || p.fate == fateClosing || p.fate == fateExecuting || (p.fate == fateTerminated && p.lateEnd)

	pr, ev := g.applicationRecord(d, p, w, t.applied)
	pr.AuditorID, pr.Awarded, pr.CoFunding, pr.ApprovedOn = ptr(p.auditor), p.award, p.cofunding, ds(t.approved)

	// Stage history.
	ev(ledger.Solicitation, ledger.Ongoing, t.applied, "提交项目申报书，进入项目征集")
	ev(ledger.Approval, ledger.Ongoing, t.approved, "通过初筛和立项评审，立项公示期满无异议")
	if p.fate != fateApproval {
		ev(ledger.Execution, ledger.Ongoing, t.kickoff, "签订项目协议书，首期资金拨付，项目启动")
	}
	switch p.fate {
	case fateTerminated:
		reason := terminationReasons[r.IntN(len(terminationReasons))]
		if p.failedMid {
			reason = terminationReasons[1]
		} else if reason == terminationReasons[1] {
			reason = terminationReasons[0]
		}
		ev(ledger.Execution, ledger.Terminated, t.term, reason)
	case fateClosing, fateCompleted:
		ev(ledger.Closing, ledger.Ongoing, t.closing, "服务期满，进入结项评审和财务审计")
		if p.fate == fateCompleted {
			ev(ledger.Closing, ledger.Completed, t.completed, "通过结项评审和财务审计，验收合格，项目结项")
		}
	}

	// Scorecards by the project's evaluator.
	ed := editions[edition(Y)].name
	qa := math.Max(p.quality, 0.7)
	g.scorecard(d, r, p, ledger.InitialScreening, ed, t.screen, math.Min(qa+0.05, 0.99), true)
	g.scorecard(d, r, p, ledger.ApprovalReview, ed, t.review, qa, true)
	var midScore float64
	midPassed := !p.failedMid
	if hadMidterm {
		q := math.Max(p.quality, 0.66)
		if p.failedMid {
			q = 0.45
		}
		midScore = g.scorecard(d, r, p, ledger.MidtermReview, ed, t.midterm, q, midPassed)
	}
	if p.fate == fateCompleted {
		p.closing = g.scorecard(d, r, p, ledger.ClosingReview, ed, t.closingReview, math.Max(p.quality, 0.66), true)
	}

	// Tranches: first half on the agreement, 30% after a passed mid-term,
	// the rest on acceptance; never more than the award.
	var paid ledger.Money
	tranche := func(k ledger.TrancheKind, amt ledger.Money, on time.Time) {
		tr := &ledger.Tranche{ProjectID: p.id, Kind: k, Amount: amt, PaidOn: ds(on)}
		if ledger.CheckTranche(tr, p.award, paid) != nil {
			return // nothing left to pay, or less than the tranche
		}
		tr.ID = g.next("tranche")
		paid += amt
		d.Tranches = append(d.Tranches, tr)
	}
	first, second, final := ledger.TrancheSchedule(p.award)
	if p.fate != fateApproval {
		tranche(ledger.FirstTranche, first, t.firstPaid)
		if hadMidterm && midPassed {
			tranche(ledger.SecondTranche, second, t.secondPaid)
		}
		if p.fate == fateCompleted {
			tranche(ledger.FinalTranche, final, t.finalPaid)
		}
	}

	var drafts []reportDraft

	// The audit, with its report.
	var audit *ledger.Audit
	if p.fate == fateCompleted || p.fate == fateClosing || p.fate == fateTerminated {
		audit = &ledger.Audit{ID: g.next("audit"), ProjectID: p.id, AuditorID: ptr(p.auditor), AuditedOn: ds(t.audit), Result: ledger.AuditClean}
		findP := 0.1
		switch p.fate {
		case fateClosing:
			findP = 0.5
		case fateTerminated:
			findP = 0.35
		}
		if r.Float64() < findP {
			audit.Result = ledger.AuditFindings
			k := 1 + r.IntN(2)
			for _, i := range r.Perm(len(auditFindingTexts))[:k] {
				audit.Findings += auditFindingTexts[i]
			}
		}
		switch p.fate {
		case fateCompleted:
			var share float64
			switch {
			case audit.Result == ledger.AuditFindings:
				share = 0.02 + 0.06*r.Float64()
			case r.Float64() < 0.45:
				share = 0.002 + 0.028*r.Float64()
			}
			audit.Recovered = ledger.Money(math.Round(float64(p.award) * share))
			audit.Spent = p.award - audit.Recovered
		case fateClosing:
			audit.Spent = roundTo(ledger.Money(float64(p.award)*(0.93+0.06*r.Float64())), 1)
		case fateTerminated:
			audit.Spent = ledger.Money(math.Round(float64(paid) * (0.45 + 0.4*r.Float64())))
			audit.Recovered = paid - audit.Spent
		}
		d.Audits = append(d.Audits, audit)
		a := audit
		drafts = append(drafts, reportDraft{rank: 3, rep: &ledger.Report{
			Code: p.code + "-AUD", Kind: ledger.AuditReport, Title: p.title + "财务审计报告",
			AuthorID: ptr(p.auditor), PublishedOn: ds(addDays(t.audit, 5+r.IntN(10))),
		}, text: func() string { return w.auditReport(a, paid) }, link: &a.ReportID})
	}

	// Metrics.
	periods := g.periods(p, t)
	g.metrics(d, r, p, periods, t)

	// Reports.
	if hadMidterm {
		var fixes []string
		if midScore < 80 || p.failedMid {
			for _, i := range r.Perm(len(midtermRectifications))[:1+r.IntN(3)] {
				fixes = append(fixes, midtermRectifications[i])
			}
		}
		drafts = append(drafts, reportDraft{rank: 2, rep: &ledger.Report{
			Code: p.code + "-MID", Kind: ledger.MidtermReport, Title: p.title + "中期评审报告",
			AuthorID: ptr(p.evaluator), PublishedOn: ds(addDays(t.midterm, 7+r.IntN(8))),
		}, text: func() string { return w.midtermReport(midScore, midPassed, fixes, periods) }})
		if len(fixes) > 0 && p.fate != fateTerminated {
			drafts = append(drafts, reportDraft{rank: 8, rep: &ledger.Report{
				Code: p.code + "-COR", Kind: ledger.CorrectionReport, Title: p.title + "中期整改报告",
				AuthorID: ptr(p.org.id), PublishedOn: ds(addDays(t.midterm, 30+r.IntN(15))),
			}, text: func() string { return w.correctionReport(fixes, nil) }})
		}
	}
	if audit != nil && audit.Result == ledger.AuditFindings && p.fate == fateClosing {
		a := audit
		drafts = append(drafts, reportDraft{rank: 8, rep: &ledger.Report{
			Code: p.code + "-COR2", Kind: ledger.CorrectionReport, Title: p.title + "审计整改报告",
			AuthorID: ptr(p.org.id), PublishedOn: ds(addDays(t.audit, 25+r.IntN(10))),
		}, text: func() string { return w.correctionReport(nil, a) }})
	}
	if p.fate == fateCompleted {
		drafts = append(drafts, reportDraft{rank: 1, rep: &ledger.Report{
			Code: p.code + "-EVA", Kind: ledger.EvaluationReport, Title: p.title + "第三方评估情况报告",
			AuthorID: ptr(p.evaluator), PublishedOn: ds(addDays(t.closingReview, 10+r.IntN(10))),
		}, text: func() string { return w.evaluationReport(p.closing) }})
		drafts = append(drafts, reportDraft{rank: 4, rep: &ledger.Report{
			Code: p.code + "-ACC", Kind: ledger.AcceptanceReport, Title: p.title + "验收报告",
			AuthorID: ptr(g.bureau), PublishedOn: ds(t.completed),
		}, text: func() string { return w.acceptanceReport(p.closing, audit) }})
	}
	for i, per := range periods {
		i, per := i, per
		drafts = append(drafts, reportDraft{rank: 5 + i, rep: &ledger.Report{
			Code: p.code + "-Q" + string(rune('1'+i)), Kind: ledger.QuarterlySummary,
			Title:       p.title + quarterName(per.start) + "工作总结和计划",
			AuthorID:    ptr(p.org.id),
			PublishedOn: ds(addDays(per.end, 8+r.IntN(10))),
		}, text: func() string { return w.quarterly(i, per) }})
	}
	sort.SliceStable(drafts, func(a, b int) bool { return drafts[a].rank < drafts[b].rank })
	if c := g.opts.ReportsPerProject; c > 0 && len(drafts) > c {
		drafts = drafts[:c]
	}
	// Published in date order.
	sort.SliceStable(drafts, func(a, b int) bool { return drafts[a].rep.PublishedOn < drafts[b].rep.PublishedOn })
	for _, dr := range drafts {
		rep := dr.rep
		rep.ID = g.next("report")
		rep.ProjectID = ptr(p.id)
		rep.RoundID = ptr(g.rounds[p.yi].ID)
		rep.Body = dr.text()
		if dr.link != nil {
			*dr.link = ptr(rep.ID)
		}
		d.Reports = append(d.Reports, rep)
	}

	// Satisfaction feedback from service recipients, from its own random
	// stream so that capping reports changes nothing else.
	r = g.rng(6, p.id)
	w = &textWriter{r: r, g: g, p: p, v: v}
	if p.fate != fateApproval && r.Float64() < 0.78 {
		from := addDays(t.kickoff, 20)
		to := asOf
		switch p.fate {
		case fateTerminated:
			to = t.term
		case fateCompleted, fateClosing:
			to = t.closing
		}
		n := 3 + r.IntN(10)
		span := int(to.Sub(from).Hours()/24) + 1
		for i := 0; i < n; i++ {
			rating := pickRating(r, p)
			at := addDays(from, r.IntN(max(span, 1))).Add(time.Duration(8*3600+r.IntN(13*3600)) * time.Second)
			f := &ledger.Feedback{
				ID: g.next("feedback"), ProjectID: p.id, Rating: rating, Respondent: "RECIPIENT",
				Verified:    r.Float64() < 0.6,
				SubmittedAt: time.Date(at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), at.Second(), 0, ledger.Shanghai),
			}
			if r.Float64() < 0.15 {
				f.Respondent = "REPRESENTATIVE"
			}
			if r.Float64() < 0.3 {
				f.Comment = w.feedbackComment(rating)
			}
			d.Feedback = append(d.Feedback, f)
		}
	}
}

// name picks project p's street, target group and title from r, and
// returns the writer of its texts.
func (g *generator) name(r *rand.Rand, p *projectPlan) *textWriter {
	v := vocab[p.area]
	dist := districts[p.district]
	p.street = dist.streets[r.IntN(len(dist.streets))]
	p.target = v.targets[r.IntN(len(v.targets))]
	titles := v.titles
	if dt := domesticTitles[p.area]; dt != nil && r.Float64() < 0.07 {
		titles, p.domestic = dt, true
	}
	w := &textWriter{r: r, g: g, p: p, v: v}
	tpl := titles[r.IntN(len(titles))]
	if tg, rest, ok := strings.Cut(tpl, "|"); ok {
		p.target, tpl = tg, rest
	}
	p.title = w.fillString(tpl)
	if p.title[0] != 0xe2 { // not starting with a quote mark: name the district
		p.title = dist.name + p.title
	}
	return w
}

func pickRating(r *rand.Rand, p *projectPlan) int {
	x := r.Float64()
	if p.fate == fateTerminated {
		x = x*0.7 + 0.3
	}
	switch {
	case x < 0.55:
		return 5
	case x < 0.85:
		return 4
	case x < 0.95:
		return 3
	case x < 0.98:
		return 2
	}
	return 1
}

// scorecard records a review against the edition's indicator set and
// returns its weighted total.
func (g *generator) scorecard(d *Dataset, r *rand.Rand, p *projectPlan, k ledger.ReviewKind, ed string, on time.Time, q float64, passed bool) float64 {
	set := g.sets[string(k)+ed]
	sc := &ledger.Scorecard{ID: g.next("scorecard"), ProjectID: p.id, SetID: set.ID, Kind: k, ReviewerID: ptr(p.evaluator), ReviewedOn: ds(on)}
	for _, in := range set.Indicators {
		f := clamp(q+0.06*r.NormFloat64(), 0.2, 1)
		step := 0.5
		if in.MaxScore >= 50 {
			step = 1
		}
		v := math.Min(math.Round(f*in.MaxScore/step)*step, in.MaxScore)
		sc.Scores = append(sc.Scores, ledger.Score{IndicatorID: in.ID, Value: v})
	}
	total := ledger.WeightedTotal(set.Indicators, sc.Scores)
	sc.Passed = passed && ledger.PassesReview(total)
	if k == ledger.InitialScreening || k == ledger.ApprovalReview {
		sc.Passed = passed // the decision: funded projects passed, rejected applications did not
	}
	sc.Comment = reviewComment(r, k, total, sc.Passed)
	d.Scorecards = append(d.Scorecards, sc)
	return total
}

func reviewComment(r *rand.Rand, k ledger.ReviewKind, total float64, passed bool) string {
	switch k {
	case ledger.InitialScreening:
		if !passed {
			return "初筛未通过：申报材料或主体资格不符合要求，不进入专家评审。"
		}
		return []string{"申报材料齐全，符合资助领域，同意进入专家评审。", "主体资格符合要求，预算需在评审前进一步细化。", "需求调研较充分，进入立项评审。"}[r.IntN(3)]
	case ledger.ApprovalReview:
		if !passed {
			return []string{"不建议立项：需求分析和服务设计不够扎实。", "不建议立项：预算测算依据不足，执行能力存疑。"}[r.IntN(2)]
		}
		if total >= 85 {
			return "项目设计专业，需求分析扎实，建议优先立项。"
		}
		return []string{"建议立项，需细化服务指标和预算测算依据。", "同意立项，建议加强专职人员配备。", "建议立项，注意服务成效的评估设计。"}[r.IntN(3)]
	case ledger.MidtermReview:
		if !passed {
			return "中期评审未通过：服务进度明显滞后，资金使用不规范，限期整改。"
		}
		if total >= 85 {
			return "项目执行规范，进度符合预期，成效初步显现。"
		}
		return "基本完成阶段目标，需按评审意见整改后拨付第二期资金。"
	default:
		switch g := ledger.GradeOf(total); g {
		case ledger.GradeExcellent:
			return "项目成效突出，验收评估等级为优秀，建议作为优秀案例推广。"
		case ledger.GradeGood:
			return "项目完成协议约定目标，验收评估等级为良好。"
		case ledger.GradePass:
			return "项目基本完成协议目标，验收评估等级为合格。"
		default:
			return "项目未达到合格分数，验收评估等级为" + ledger.Label(g) + "，需整改后复评。"
		}
	}
}

// periods returns the quarters a project reported on.
func (g *generator) periods(p *projectPlan, t timeline) []period {
	Y := p.year
	qs := []period{
		{day(Y, time.July, 1), day(Y, time.September, 30)},
		{day(Y, time.October, 1), day(Y, time.December, 31)},
		{day(Y+1, time.January, 1), day(Y+1, time.March, 31)},
		{day(Y+1, time.April, 1), day(Y+1, time.June, 30)},
	}
	switch p.fate {
	case fateApproval:
		return nil
	case fateExecuting:
		return qs[:3]
	case fateTerminated:
		n := 2
		if p.lateEnd {
			n = 3
		}
		out := append([]period(nil), qs[:n]...)
		if t.term.Before(out[n-1].end) {
			out[n-1].end = t.term
		}
		return out
	}
	return qs
}

// metrics writes quarterly self-reported figures and, for accepted
// projects, whole-project verified ones that carry the planned values.
func (g *generator) metrics(d *Dataset, r *rand.Rand, p *projectPlan, ps []period, t timeline) {
	if len(ps) == 0 {
		return
	}
	run := runShare(p)
	persons := max(1, int64(math.Round(float64(p.visits)/(6+19*r.Float64()))))
	hours := int64(math.Round(float64(p.volunteers) * (2.5 + 2*r.Float64())))
	verified := p.fate == fateCompleted
	over := func(v int64) int64 { // self-reported figures run a little high
		if !verified {
			return v
		}
		return v + int64(math.Round(float64(v)*0.06*r.Float64()))
	}
	qw := []float64{0.8, 1.0, 1.1, 1.1}[:len(ps)]
	if p.fate == fateTerminated {
		qw[len(qw)-1] *= 0.5
	}
	full := func(v int64, step int64) int64 {
		x := float64(v) / math.Max(run, 0.3) * (0.85 + 0.15*r.Float64())
		return max(step, int64(math.Round(x/float64(step)))*step)
	}
	visitsTarget := full(p.visits, 10)
	personsTarget := full(persons, 5)
	whole := period{ps[0].start, ps[len(ps)-1].end}
	add := func(k ledger.MetricKind, per period, v int64, target *int64, prov ledger.Provenance) {
		d.Metrics = append(d.Metrics, &ledger.Metric{ID: g.next("metric"), ProjectID: p.id, Kind: k,
			PeriodStart: ds(per.start), PeriodEnd: ds(per.end), Value: v, Target: target, Provenance: prov})
	}
	quarterly := func(k ledger.MetricKind, total, unit int64, target *int64) {
		w := make([]float64, len(qw))
		for i := range w {
			w[i] = qw[i] * (0.85 + 0.3*r.Float64())
		}
		for i, v := range split(total, w, unit) {
			var tg *int64
			if target != nil {
				tg = ptr(*target / 4)
			}
			add(k, ps[i], v, tg, ledger.SelfReported)
		}
	}
	quarterly(ledger.BeneficiaryVisits, over(p.visits), 1, &visitsTarget)
	add(ledger.BeneficiaryPersons, whole, over(persons), ptr(personsTarget), ledger.SelfReported)
	quarterly(ledger.VolunteerVisits, over(p.volunteers), 1, nil)
	quarterly(ledger.VolunteerHours, over(hours), 1, nil)
	quarterly(ledger.ExpertVisits, over(p.experts), 1, nil)
	lev := int64(p.leveraged)
	if verified {
		lev += int64(roundTo(ledger.Money(float64(lev)*0.03*r.Float64()), 100))
	}
	quarterly(ledger.LeveragedFunds, lev, 100, nil)
	if verified {
		add(ledger.BeneficiaryVisits, whole, p.visits, ptr(visitsTarget), ledger.Verified)
		add(ledger.BeneficiaryPersons, whole, persons, ptr(personsTarget), ledger.Verified)
		add(ledger.VolunteerVisits, whole, p.volunteers, nil, ledger.Verified)
		add(ledger.VolunteerHours, whole, hours, nil, ledger.Verified)
		add(ledger.ExpertVisits, whole, p.experts, nil, ledger.Verified)
		add(ledger.LeveragedFunds, whole, int64(p.leveraged), ptr(int64(p.cofunding)), ledger.Verified)
	}
}

func quarterName(t time.Time) string {
	return itoa(t.Year()) + "年第" + []string{"一", "二", "三", "四"}[(int(t.Month())-1)/3] + "季度"
}

func roundTo(m ledger.Money, unit int64) ledger.Money {
	return ledger.Money(math.Round(float64(m)/float64(unit)) * float64(unit))
}

func ptr[T any](v T) *T { return &v }

// applicationRecord writes the project record every plan starts as — an
// application by its undertaker, with its evaluator and summary — into part
// d, and returns it with the function that appends a stage event to its
// history and moves it to that stage. A funded project then adds its award,
// auditor and approval date.
func (g *generator) applicationRecord(d *Dataset, p *projectPlan, w *textWriter, applied time.Time) (*ledger.Project, func(ledger.Stage, ledger.Outcome, time.Time, string)) {
	pr := &ledger.Project{
		ID:           p.id,
		Code:         p.code,
		RoundID:      g.rounds[p.yi].ID,
		Year:         p.year,
		Title:        p.title,
		ServiceArea:  p.area,
		District:     districts[p.district].name,
		TargetGroup:  p.target,
		UndertakerID: p.org.id,
		EvaluatorID:  ptr(p.evaluator),
		AppliedOn:    ds(applied),
	}
	pr.Summary = w.summary()
	d.Projects = append(d.Projects, pr)
	ev := func(s ledger.Stage, o ledger.Outcome, on time.Time, reason string) {
		d.StageEvents = append(d.StageEvents, &ledger.StageEvent{ID: g.next("event"), ProjectID: p.id, Stage: s, Outcome: o, OccurredOn: ds(on), Reason: reason})
		pr.Stage, pr.Outcome = s, o
	}
	return pr, ev
}
