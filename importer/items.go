package importer

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"civicledger/ledger"
	"civicledger/portal"
)

// writeCtx is what an item writes with: the transaction's services and
// the actor, and a count of the use cases run.
type writeCtx struct {
	ctx     context.Context
	svc     Services
	actor   ledger.Actor
	records int
}

// reviewAction returns the policy's action for a review of kind k.
func reviewAction(k ledger.ReviewKind) ledger.Action {
	switch k {
	case ledger.MidtermReview:
		return ledger.ActRecordMidterm
	case ledger.ClosingReview:
		return ledger.ActRecordClosingReview
	}
	return ledger.ActRecordScreening
}

// metricAction returns the policy's action for figures of provenance p:
// undertakers submit their own, evaluators verify them.
func metricAction(p ledger.Provenance) ledger.Action {
	if p == ledger.Verified {
		return ledger.ActVerifyMetrics
	}
	return ledger.ActSubmitQuarterly
}

func init() {
	applicationsKind.parse = parseApplication
	reviewsKind.parse = parseReview
	approvalsKind.parse = parseApproval
	tranchesKind.parse = parseTranche
	metricsKind.parse = parseMetric
}

func itoa64(i int64) string { return strconv.FormatInt(i, 10) }

// ---- applications (项目申报信息汇总表) ----

type application struct {
	p                              ledger.Project
	undertaker, evaluator          string // credit codes
	undertakerName                 string
	org                            *ledger.Organization // the undertaker once checked
	registers                      bool                 // this row registers the undertaker
	evaluatorOrg                   *ledger.Organization
	cCode, cYear, cUndertaker, cEv *Column
}

func parseApplication(r *row) item {
	k := applicationsKind
	a := &application{cCode: k.column("项目编号"), cYear: k.column("年度"), cUndertaker: k.column("申报单位统一社会信用代码"),
		cEv: k.column("第三方评估机构统一社会信用代码")}
	a.p.Code = r.text(a.cCode)
	a.p.Year = r.year(a.cYear)
	a.p.Title = r.text(k.column("项目名称"))
	a.p.ServiceArea, _ = choice(r, k.column("服务领域"), ledger.ServiceAreas, nil)
	a.p.District = r.text(k.column("所在区县"))
	a.p.TargetGroup = r.text(k.column("服务对象"))
	a.p.Summary = r.text(k.column("项目简介"))
	a.undertaker = r.creditCode(a.cUndertaker)
	a.undertakerName = r.text(k.column("申报单位名称"))
	a.p.Awarded, _ = r.money(k.column("申请资助金额（元）"))
	a.p.CoFunding, _ = r.money(k.column("配套资金（元）"))
	a.p.AppliedOn = r.date(k.column("申报日期"))
	a.evaluator = r.creditCode(a.cEv)
	a.p.Stage = ledger.Solicitation
	return a
}

func (a *application) refs(x *refs) {
	x.projects = append(x.projects, a.p.Code)
	x.orgs = append(x.orgs, a.undertaker, a.evaluator)
}

func (a *application) check(s *state, r *row) {
	if !s.once(r, a.cCode, "project "+a.p.Code, "项目编号重复", "project code "+a.p.Code+" is given twice") {
		return
	}
	if s.projects[a.p.Code] != nil {
		r.fail(a.cCode, "该编号的项目已存在", "a project with code %s already exists", a.p.Code)
		return
	}
	if round := s.round(a.p.Year); round == nil {
		r.fail(a.cYear, "该年度的资助批次尚未设立", "no funding round for %d has been opened", a.p.Year)
	} else {
		a.p.RoundID = round.ID
	}
	// The undertaker: registered, or registered by this file (its first
	// row that names it with a name).
	if o := s.orgs[a.undertaker]; o != nil {
		a.org = s.org(r, a.cUndertaker, a.undertaker, ledger.Undertaker)
	} else if o := s.registered[a.undertaker]; o != nil {
		a.org = o
	} else if a.undertakerName == "" {
		r.fail(a.cUndertaker, "该组织尚未登记；如为新申报单位，请同时填写“申报单位名称”",
			"no organization with credit code %s is registered; give its name (undertakerName) to register it", a.undertaker)
	} else {
		o := &ledger.Organization{CreditCode: a.undertaker, Name: a.undertakerName, Kind: ledger.Undertaker, District: a.p.District}
		if err := o.Validate(); err != nil {
			reportLedger(applicationsKind, r, err)
		} else if _, err := ledger.Authorize(s.actor, ledger.ActRegisterOrg, nil); err != nil {
			r.failErr(a.cUndertaker, "该组织尚未登记，而你的角色无权登记新组织", err)
		} else {
			s.registered[a.undertaker] = o
			a.org, a.registers = o, true
		}
	}
	if a.evaluator != "" {
		if a.evaluatorOrg = s.org(r, a.cEv, a.evaluator, ledger.Evaluator); a.evaluatorOrg != nil {
			a.p.EvaluatorID = &a.evaluatorOrg.ID
		}
	}
	if a.org == nil {
		return
	}
	a.p.UndertakerID = a.org.ID
	if a.p.UndertakerID == 0 {
		a.p.UndertakerID = -1 // registered by this import: its ID comes at the write
	}
	if err := a.p.Validate(); err != nil {
		reportLedger(applicationsKind, r, err)
		return
	}
	if !s.authorize(r, ledger.ActRegisterApplication, &a.p) {
		return
	}
	if a.evaluatorOrg != nil {
		if _, err := ledger.Authorize(s.actor, ledger.ActAssignAgencies, &a.p); err != nil {
			r.failErr(a.cEv, "你的角色无权指派第三方评估机构，请留空此列 / leave this column empty", err)
			return
		}
	}
	p := a.p
	s.projects[a.p.Code] = &p
}

func (a *application) write(w *writeCtx) error {
	if a.registers {
		if _, err := w.svc.RegisterOrganization(w.ctx, w.actor, a.org); err != nil {
			return err
		}
		w.records++
	}
	// The evaluation agency is assigned with the application: one version
	// of the project and one audit entry per row.
	in := &portal.ApplicationInput{Project: a.p, RoundYear: a.p.Year, UndertakerCode: a.undertaker, EvaluatorCode: a.evaluator}
	if _, err := w.svc.RegisterApplication(w.ctx, w.actor, in); err != nil {
		return err
	}
	w.records++
	return nil
}

// ---- reviews (初筛及评审结果表) ----

type review struct {
	code, setKey, reviewer string
	sc                     ledger.Scorecard
	given                  [maxScores]bool
	values                 [maxScores]float64
	total                  *float64
	passed                 *bool
	p                      *ledger.Project
}

func parseReview(r *row) item {
	k := reviewsKind
	v := &review{}
	v.code = r.text(k.column("项目编号"))
	v.sc.Kind, _ = choice(r, k.column("评审类型"), ledger.ReviewKinds, map[string]ledger.ReviewKind{
		"初审": ledger.InitialScreening, "立项": ledger.ApprovalReview, "专家评审": ledger.ApprovalReview,
		"中期": ledger.MidtermReview, "结项": ledger.ClosingReview, "结项评估": ledger.ClosingReview})
	v.setKey = r.text(k.column("指标体系"))
	v.reviewer = r.creditCode(k.column("评审机构统一社会信用代码"))
	v.sc.ReviewedOn = r.date(k.column("评审日期"))
	for i := 0; i < maxScores; i++ {
		v.values[i], v.given[i] = r.score(k.Columns[5+i])
	}
	if t, ok := r.score(k.column("总分")); ok {
		v.total = &t
	}
	if s := r.text(k.column("是否通过")); s != "" {
		switch strings.ToLower(s) {
		case "是", "通过", "合格", "y", "yes", "true", "pass", "passed", "1":
			b := true
			v.passed = &b
		case "否", "不通过", "未通过", "不合格", "n", "no", "false", "fail", "failed", "0":
			b := false
			v.passed = &b
		default:
			r.fail(k.column("是否通过"), "须为“是”或“否”", "%s is neither yes nor no", ledger.Excerpt(s))
		}
	}
	v.sc.Comment = r.text(k.column("评审意见"))
	return v
}

func (v *review) refs(x *refs) {
	x.projects = append(x.projects, v.code)
	x.orgs = append(x.orgs, v.reviewer)
}

func (v *review) check(s *state, r *row) {
	k := reviewsKind
	if v.p = s.project(r, k.column("项目编号"), v.code); v.p == nil {
		return
	}
	v.sc.ProjectID = v.p.ID
	if o := s.org(r, k.column("评审机构统一社会信用代码"), v.reviewer, ""); o != nil {
		v.sc.ReviewerID = &o.ID
	}
	set := s.indicatorSet(r, v.sc.Kind, v.setKey)
	if s.err != nil || set == nil || v.sc.ReviewerID == nil {
		return
	}
	v.sc.SetID = set.ID
	if today := ledger.DateOf(s.now()); set.PublishedOn == "" || set.PublishedOn > today {
		r.fail(reviewsKind.column("指标体系"), "该指标体系尚未发布", "indicator set %s %s is not published yet", set.Name, set.Edition)
		return
	}
	v.sc.Scores = nil
	for i := 0; i < maxScores; i++ {
		if !v.given[i] {
			continue
		}
		if i >= len(set.Indicators) {
			r.fail(k.Columns[5+i], "指标体系只有 "+strconv.Itoa(len(set.Indicators))+" 项指标，此列应为空",
				"the indicator set %s has %d indicators: this column must be empty", set.Edition, len(set.Indicators))
			return
		}
		v.sc.Scores = append(v.sc.Scores, ledger.Score{IndicatorID: set.Indicators[i].ID, Value: v.values[i]})
	}
	total, err := ledger.CheckScorecard(&v.sc, set)
	if err != nil {
		// The field names the n-th score given; report it in its column.
		field := ledger.ErrorField(err)
		if strings.HasPrefix(field, "scorecard.scores[") {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.SplitN(field[len("scorecard.scores["):], "]", 2)[0], "]"))
			col := 0
			for i, seen := 0, 0; i < maxScores; i++ {
				if v.given[i] {
					if seen == n {
						col = i
						break
					}
					seen++
				}
			}
			r.failErr(k.Columns[5+col], reasonZH(err, field), err)
			return
		}
		reportLedger(k, r, err)
		return
	}
	if v.total != nil && math.Abs(*v.total-total) > 0.01 {
		r.fail(k.column("总分"), "总分与按指标权重算出的加权总分 "+strconv.FormatFloat(total, 'f', 2, 64)+" 不符，请检查各指标得分的列",
			"the total %.2f differs from the weighted total %.2f computed from the scores: check the score columns", *v.total, total)
		return
	}
	v.sc.Passed = ledger.PassesReview(total)
	if v.passed != nil && *v.passed != v.sc.Passed {
		r.fail(k.column("是否通过"), "与加权总分 "+strconv.FormatFloat(total, 'f', 2, 64)+" 不符（60 分及以上为通过）",
			"the weighted total %.2f %s the pass mark of %.0f", total, map[bool]string{true: "reaches", false: "does not reach"}[v.sc.Passed], ledger.PassMark)
		return
	}
	key := cardKey(v.code, &v.sc)
	if s.cardKeys[key] {
		r.fail(nil, "该评审记录已导入过（同一项目、评审类型、评审机构和日期）",
			"this review (project, kind, reviewer and date) has been recorded already")
		return
	}
	if !s.once(r, nil, key, "同一评审记录重复", "the same review (project, kind, reviewer and date) is given twice") {
		return
	}
	s.authorize(r, reviewAction(v.sc.Kind), v.p)
}

// indicatorSet finds the indicator set of a review kind by edition or
// name; with no key, the kind's only set.
func (s *state) indicatorSet(r *row, kind ledger.ReviewKind, key string) *ledger.IndicatorSet {
	c := reviewsKind.column("指标体系")
	sets, ok := s.sets[kind]
	if !ok {
		var err error
		if sets, err = s.src.IndicatorSets(s.ctx, kind); err != nil {
			s.err = err
			return nil
		}
		s.sets[kind] = sets
	}
	var names []string
	for _, set := range sets {
		if key != "" && (set.Edition == key || set.Name == key || set.Name+set.Edition == key || set.Name+" "+set.Edition == key) {
			return set
		}
		names = append(names, set.Name+" "+set.Edition)
	}
	switch {
	case len(sets) == 0:
		r.fail(c, ledger.Label(kind)+"尚无已发布的指标体系", "no indicator set of kind %s has been published", kind)
	case key == "" && len(sets) == 1:
		return sets[0]
	case key == "":
		r.fail(c, ledger.Label(kind)+"有多套指标体系，须注明版本："+strings.Join(names, "、"),
			"kind %s has several indicator sets; name one: %s", kind, strings.Join(names, ", "))
	default:
		r.fail(c, "没有该版本的"+ledger.Label(kind)+"指标体系，可选："+strings.Join(names, "、"),
			"no %s indicator set is called %s; there are: %s", kind, ledger.Excerpt(key), strings.Join(names, ", "))
	}
	return nil
}

func (v *review) write(w *writeCtx) error {
	w.records++
	var scores []portal.PositionScore
	for i, given := range v.given {
		if given {
			scores = append(scores, portal.PositionScore{Position: i + 1, Value: v.values[i]})
		}
	}
	_, err := w.svc.RecordReview(w.ctx, w.actor, &portal.ScorecardInput{ProjectCode: v.code, IndicatorSetID: v.sc.SetID,
		ReviewedOn: v.sc.ReviewedOn, Comment: v.sc.Comment, Scores: scores, ReviewerCode: v.reviewer})
	return err
}

// ---- approvals (立项名单) ----

type approval struct {
	code     string
	approve  bool
	awarded  ledger.Money
	hasAward bool
	on       ledger.Date
	reason   string
}

func parseApproval(r *row) item {
	k := approvalsKind
	a := &approval{}
	a.code = r.text(k.column("项目编号"))
	if v := r.text(k.column("立项结论")); v != "" {
		switch strings.ToLower(v) {
		case "立项", "同意立项", "予以立项", "批准", "通过", "approved", "approve", "yes":
			a.approve = true
		case "不予立项", "未获立项", "不立项", "不通过", "rejected", "reject", "no":
		default:
			r.fail(k.column("立项结论"), "须为“立项”或“不予立项”", "%s is neither APPROVED nor REJECTED", ledger.Excerpt(v))
		}
	}
	a.awarded, a.hasAward = r.money(k.column("资助金额（元）"))
	a.on = r.date(k.column("决定日期"))
	a.reason = r.text(k.column("理由"))
	if len(r.problems) == 0 {
		if !a.approve && a.reason == "" {
			r.fail(k.column("理由"), "不予立项须说明理由", "a rejection must give its reason")
		}
		if !a.approve && a.hasAward && a.awarded != 0 {
			r.fail(k.column("资助金额（元）"), "不予立项的项目不能有资助金额", "a rejected application is awarded nothing")
		}
		if a.hasAward && a.awarded < 0 {
			r.fail(k.column("资助金额（元）"), "资助金额不能为负数", "the award must not be negative")
		}
	}
	return a
}

func (a *approval) refs(x *refs) { x.projects = append(x.projects, a.code) }

func (a *approval) check(s *state, r *row) {
	k := approvalsKind
	cCode := k.column("项目编号")
	p := s.project(r, cCode, a.code)
	if p == nil || !s.once(r, cCode, "decision "+a.code, "同一项目的立项结论重复", "project "+a.code+" is decided twice") {
		return
	}
	if !s.authorize(r, ledger.ActDecideApproval, p) {
		return
	}
	e := &ledger.StageEvent{ProjectID: p.ID, Stage: ledger.Approval, OccurredOn: a.on, Reason: a.reason}
	if a.approve {
		if err := ledger.CheckApproval(p, s.cards[p.Code]); err != nil {
			r.failErr(k.column("立项结论"), "该项目尚无通过的立项评审，请先导入评审结果", err)
			return
		}
		if e.Reason == "" {
			e.Reason = "approved"
		}
	} else {
		e.Stage, e.Outcome = p.Stage, ledger.Rejected
	}
	if err := e.Validate(); err != nil {
		reportLedger(k, r, err)
		return
	}
	if err := ledger.CheckStageChange(p, e); err != nil {
		reportLedger(k, r, err)
	}
}

func (a *approval) write(w *writeCtx) error {
	w.records++
	award := ledger.Money(0)
	if a.approve && a.hasAward {
		award = a.awarded
	}
	_, err := w.svc.DecideApproval(w.ctx, w.actor, &portal.DecisionInput{ProjectCode: a.code, Approve: a.approve,
		Reason: a.reason, DecidedOn: a.on, Awarded: award})
	return err
}

// ---- tranches (资金拨付表) ----

type tranche struct {
	code string
	t    ledger.Tranche
	p    *ledger.Project
}

func parseTranche(r *row) item {
	k := tranchesKind
	t := &tranche{}
	t.code = r.text(k.column("项目编号"))
	t.t.Kind, _ = choice(r, k.column("拨付批次"), ledger.TrancheKinds, map[string]ledger.TrancheKind{
		"首期": ledger.FirstTranche, "第一期": ledger.FirstTranche, "第一期资金": ledger.FirstTranche,
		"第二期": ledger.SecondTranche, "二期": ledger.SecondTranche, "中期": ledger.SecondTranche,
		"尾款资金": ledger.FinalTranche, "末期": ledger.FinalTranche, "第三期": ledger.FinalTranche})
	t.t.Amount, _ = r.money(k.column("拨付金额（元）"))
	t.t.PaidOn = r.date(k.column("拨付日期"))
	return t
}

func (t *tranche) refs(x *refs) { x.projects = append(x.projects, t.code) }

func (t *tranche) check(s *state, r *row) {
	if t.p = s.project(r, tranchesKind.column("项目编号"), t.code); t.p == nil {
		return
	}
	if !s.authorize(r, ledger.ActRecordTranche, t.p) {
		return
	}
	t.t.ProjectID = t.p.ID
	if err := ledger.CheckTrancheDue(t.p, t.t.Kind, ledger.MidtermPassed(s.cards[t.code])); err != nil {
		reportLedger(tranchesKind, r, err)
		return
	}
	earlier := s.tranches[t.code]
	if err := ledger.CheckPayment(t.p, &t.t, earlier); err != nil {
		reportLedger(tranchesKind, r, err)
		return
	}
	s.tranches[t.code] = append(earlier, t.t)
}

func (t *tranche) write(w *writeCtx) error {
	w.records++
	_, err := w.svc.RecordTranche(w.ctx, w.actor, &portal.TrancheInput{ProjectCode: t.code, Kind: t.t.Kind, Amount: t.t.Amount, PaidOn: t.t.PaidOn})
	return err
}

// ---- metrics (季度指标表) ----

type metrics struct {
	code       string
	start, end ledger.Date
	provenance ledger.Provenance
	values     []portal.MetricValue
	report     ledger.Report // the quarterly summary of self-reported figures
	p          *ledger.Project
}

func parseMetric(r *row) item {
	k := metricsKind
	m := &metrics{}
	m.code = r.text(k.column("项目编号"))
	m.start = r.date(k.column("开始日期"))
	m.end = r.date(k.column("结束日期"))
	m.provenance = ledger.SelfReported
	if p, ok := choice(r, k.column("数据来源"), []ledger.Provenance{ledger.SelfReported, ledger.Verified},
		map[string]ledger.Provenance{"自报": ledger.SelfReported, "承接方": ledger.SelfReported, "核实": ledger.Verified,
			"第三方": ledger.Verified, "评估机构核实": ledger.Verified}); ok {
		m.provenance = p
	}
	var words []string
	for _, mc := range metricColumns {
		c := k.column(mc.header)
		var v int64
		var ok bool
		if mc.kind == ledger.LeveragedFunds {
			var fen ledger.Money
			fen, ok = r.money(c)
			v = int64(fen)
			if ok && v < 0 {
				r.fail(c, "不能为负数", "must not be negative")
			}
			if ok {
				words = append(words, fmt.Sprintf("%s %s 元", ledger.Label(mc.kind), fen))
			}
		} else {
			v, ok = r.count(c)
			if ok {
				words = append(words, fmt.Sprintf("%s %d", ledger.Label(mc.kind), v))
			}
		}
		if ok {
			m.values = append(m.values, portal.MetricValue{Kind: mc.kind, Value: v})
		}
	}
	if len(m.values) == 0 && len(r.problems) == 0 {
		r.fail(nil, "至少填写一项指标（受益人次、受益人数、志愿者人次、志愿服务时长、专家人次或撬动社会资金）",
			"give at least one figure (beneficiaryVisits, beneficiaryPersons, volunteerVisits, volunteerHours, expertVisits or leveragedFunds)")
	}
	m.report = ledger.Report{Kind: ledger.QuarterlySummary, Code: r.text(k.column("报告编号")), Title: r.text(k.column("报告标题")),
		Body: r.text(k.column("工作总结")), PublishedOn: m.end}
	if m.report.Code == "" {
		m.report.Code = "QS-" + m.code + "-" + string(m.start)
	}
	if m.report.Title == "" {
		m.report.Title = fmt.Sprintf("%s 季度工作总结（%s 至 %s）", m.code, m.start, m.end)
	}
	if m.report.Body == "" {
		m.report.Body = fmt.Sprintf("%s 至 %s 承接方自报指标：%s。（由季度指标表导入）", m.start, m.end, strings.Join(words, "；"))
	}
	return m
}

func (m *metrics) refs(x *refs) {
	x.projects = append(x.projects, m.code)
	if m.provenance == ledger.SelfReported {
		x.reports = append(x.reports, m.report.Code)
	}
}

func (m *metrics) check(s *state, r *row) {
	k := metricsKind
	if m.p = s.project(r, k.column("项目编号"), m.code); m.p == nil {
		return
	}
	if !s.authorize(r, metricAction(m.provenance), m.p) {
		return
	}
	for _, mv := range m.values {
		v := ledger.Metric{ProjectID: m.p.ID, Kind: mv.Kind, PeriodStart: m.start, PeriodEnd: m.end, Value: mv.Value, Provenance: m.provenance}
		if err := v.Validate(); err != nil {
			reportLedger(k, r, err)
			return
		}
	}
	if m.provenance == ledger.SelfReported {
		// SubmitQuarterly's rules: figures of a project being executed,
		// published with their quarterly summary.
		if (m.p.Stage != ledger.Execution && m.p.Stage != ledger.Closing) || m.p.Outcome != ledger.Ongoing {
			r.fail(k.column("项目编号"), "项目不在执行或结项阶段，不能报送季度指标",
				"project %s is not being executed (it is in %s %s)", m.code, m.p.Stage, m.p.Outcome)
			return
		}
		if err := m.report.Validate(); err != nil {
			reportLedger(k, r, err)
			return
		}
		if s.reports[m.report.Code] || !s.once(r, k.column("报告编号"), "report "+m.report.Code, "报告编号重复", "report code "+m.report.Code+" is given twice") {
			if s.reports[m.report.Code] {
				r.fail(k.column("报告编号"), "该编号的报告已存在（这一期的指标可能已导入过）",
					"a report with code %s exists already (the period may have been imported before)", m.report.Code)
			}
			return
		}
	}
	for _, mv := range m.values {
		v := &ledger.Metric{Kind: mv.Kind, PeriodStart: m.start, PeriodEnd: m.end, Provenance: m.provenance}
		c := k.fieldColumn("metric.value." + string(v.Kind))
		key := metricKey(m.code, v)
		if s.metrics[key] {
			r.fail(c, "该项目这一期的此项指标已导入过", "project %s already has its %s for %s–%s (%s)", m.code, v.Kind, v.PeriodStart, v.PeriodEnd, v.Provenance)
			continue
		}
		s.once(r, c, key, "同一项目同一期的此项指标重复", "the same figure of the same project and period is given twice")
	}
}

func (m *metrics) write(w *writeCtx) error {
	w.records++
	if m.provenance == ledger.Verified {
		_, err := w.svc.VerifyMetrics(w.ctx, w.actor, &portal.VerifyInput{ProjectCode: m.code, PeriodStart: m.start, PeriodEnd: m.end, Metrics: m.values})
		return err
	}
	_, err := w.svc.SubmitQuarterly(w.ctx, w.actor, &portal.QuarterlyInput{ProjectCode: m.code, Report: m.report,
		PeriodStart: m.start, PeriodEnd: m.end, Metrics: m.values})
	return err
}
