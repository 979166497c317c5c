package importer

import (
	"fmt"
	"slices"
	"strings"

	"civicledger/ledger"
)

// Kind is one kind of table the agencies keep: its name on the command
// line, its Chinese and English titles and its columns. Each row of the
// table becomes one use case of the ledger (ledger.Action), checked by
// the one policy like any other write.
type Kind struct {
	Name    string // on the command line: applications, reviews, approvals, tranches, metrics
	Title   string // the table's Chinese name, e.g. 项目申报信息汇总表
	English string // the table in English
	Columns []*Column

	// parse turns a row into the item it records, or records problems.
	parse func(r *row) item
}

// item is one parsed row: it checks itself against the ledger as the rows
// before it leave it, and writes itself.
type item interface {
	check(s *state, r *row)
	write(w *writeCtx) error
}

// Kinds lists every kind, in the order of a project's life.
var Kinds = []*Kind{applicationsKind, reviewsKind, approvalsKind, tranchesKind, metricsKind}

// KindByName returns the kind with a name (English or the Chinese title).
func KindByName(name string) (*Kind, error) {
	for _, k := range Kinds {
		if strings.EqualFold(name, k.Name) || name == k.Title {
			return k, nil
		}
	}
	var names []string
	for _, k := range Kinds {
		names = append(names, k.Name)
	}
	return nil, fmt.Errorf("未知的表格类型 %q / unknown kind of table %q: use one of %s", name, name, strings.Join(names, ", "))
}

// column returns a kind's column by header (a programming error when absent).
func (k *Kind) column(header string) *Column {
	for _, c := range k.Columns {
		if c.Header == header {
			return c
		}
	}
	panic("importer: no column " + header + " in " + k.Name)
}

// The examples of the templates refer to each other, so that the template
// of each kind, filled in with its example row and imported in the order
// of Kinds, walks one project from application to its quarterly figures.
const (
	exampleProject    = "FC2016-ELD-0001"
	exampleUndertaker = "52310000MJ0000018A" // valid codes (ledger.MakeCreditCode)
	exampleEvaluator  = "52310000MJ00000265"
	exampleAuditor    = "91310000MA00000315"
)

// Common columns.
func projectCodeColumn(field string) *Column {
	return &Column{Header: "项目编号", Aliases: []string{"projectCode", "code", "项目代码"}, Required: true, Example: exampleProject,
		Note: "项目的公开编号 / the project's public code", Fields: []string{field, "project.code"}}
}

var applicationsKind = &Kind{
	Name: "applications", Title: "项目申报信息汇总表", English: "summary table of applications",
	Columns: []*Column{
		projectCodeColumn("project.code"),
		{Header: "年度", Aliases: []string{"year", "资助年度", "批次年度"}, Required: true, Example: "2016",
			Note: "资助批次的年度，该年度的批次须已设立 / the year of the funding round, which must exist", Fields: []string{"project.round", "project.year"}},
		{Header: "项目名称", Aliases: []string{"title"}, Required: true, Example: "社区长者助餐服务项目",
			Note: "最多 200 字 / at most 200 characters", Fields: []string{"project.title"}},
		{Header: "服务领域", Aliases: []string{"serviceArea", "领域"}, Required: true, Example: "扶老助老",
			Note: "扶老助老、扶残助残、扶贫济困、社区公益（或 ELDERLY_SUPPORT 等）", Fields: []string{"project.serviceArea"}},
		{Header: "所在区县", Aliases: []string{"district", "区县", "所在区"}, Required: true, Example: "浦东新区",
			Fields: []string{"project.district"}},
		{Header: "服务对象", Aliases: []string{"targetGroup"}, Example: "社区高龄独居老人", Fields: []string{"project.targetGroup"}},
		{Header: "项目简介", Aliases: []string{"summary", "项目概述"}, Example: "为社区高龄独居老人提供助餐、送餐和探访服务。", Fields: []string{"project.summary"}},
		{Header: "申报单位统一社会信用代码", Aliases: []string{"undertakerCreditCode", "申报单位信用代码"}, Required: true, Example: exampleUndertaker,
			Note: "项目承接方（社会组织）的 18 位代码 / the undertaker's 18-character code", Fields: []string{"project.undertaker"}},
		{Header: "申报单位名称", Aliases: []string{"undertakerName", "申报单位"}, Example: "上海市示例社会服务中心",
			Note: "代码尚未登记时，据此登记该组织 / registers the organization when its code is not yet known", Fields: []string{"organization.name"}},
		{Header: "申请资助金额（元）", Aliases: []string{"amountApplied", "申请金额（元）"}, Example: "200000.00",
			Note: "向公益金申请的金额，元，最多两位小数 / the amount applied for, yuan", Fields: []string{"project.awarded", "awarded"}},
		{Header: "配套资金（元）", Aliases: []string{"coFunding", "自筹资金（元）"}, Example: "50000.00",
			Note: "元，最多两位小数 / yuan, at most two decimals", Fields: []string{"project.coFunding"}},
		{Header: "申报日期", Aliases: []string{"appliedOn"}, Example: "2016-03-15", Note: "YYYY-MM-DD", Fields: []string{"project.appliedOn"}},
		{Header: "第三方评估机构统一社会信用代码", Aliases: []string{"evaluatorCreditCode", "评估机构信用代码"}, Example: exampleEvaluator,
			Note:   "负责初筛和评审的机构；填写时一并指派（须有指派权限） / the agency that screens and reviews it, assigned with the application (ASSIGN_AGENCIES)",
			Fields: []string{"project.evaluator", "evaluatorCode"}},
	},
}

var reviewsKind = &Kind{
	Name: "reviews", Title: "初筛及评审结果表", English: "screening and review results",
	Columns: append([]*Column{
		projectCodeColumn("scorecard.project"),
		{Header: "评审类型", Aliases: []string{"reviewKind", "评审环节"}, Required: true, Example: "立项评审",
			Note: "初筛、立项评审、中期评审、结项评审（或 INITIAL_SCREENING 等）", Fields: []string{"scorecard.kind"}},
		{Header: "指标体系", Aliases: []string{"indicatorSet", "指标体系版本"}, Example: "2014版",
			Note: "该评审类型的指标体系的版本或名称；只有一套时可空 / edition or name of the indicator set; may be empty when the kind has one", Fields: []string{"scorecard.indicatorSet"}},
		{Header: "评审机构统一社会信用代码", Aliases: []string{"reviewerCreditCode", "评审机构信用代码"}, Required: true, Example: exampleEvaluator,
			Fields: []string{"scorecard.reviewer"}},
		{Header: "评审日期", Aliases: []string{"reviewedOn"}, Required: true, Example: "2016-04-20", Fields: []string{"scorecard.reviewedOn"}},
	}, append(scoreColumns(), []*Column{
		{Header: "总分", Aliases: []string{"total", "加权总分"}, Example: "82.25",
			Note: "可空；填写时须与按指标权重算出的加权总分一致（相差不超过 0.01） / optional; when given it must equal the weighted total computed from the scores", Fields: []string{"scorecard.total"}},
		{Header: "是否通过", Aliases: []string{"passed", "评审结论"}, Example: "是",
			Note: "是/否（通过/不通过）；空则按 60 分及格线 / yes or no; empty: by the pass mark of 60", Fields: []string{"scorecard.passed"}},
		{Header: "评审意见", Aliases: []string{"comment", "备注"}, Example: "需求调研扎实，预算合理。", Fields: []string{"scorecard.comment"}},
	}...)...),
}

// maxScores is the number of indicator score columns of the reviews table.
const maxScores = 10

// scoreColumns are the reviews table's score columns, one per indicator of
// the set by position. The example scores fit the 2014 approval review
// indicators of the demo data (five indicators of weights 25, 20, 20, 20,
// 15, each out of 100).
func scoreColumns() []*Column {
	examples := []string{"85", "80", "90", "75", "80"}
	var cs []*Column
	for i := 1; i <= maxScores; i++ {
		c := &Column{Header: fmt.Sprintf("指标%d得分", i), Aliases: []string{fmt.Sprintf("score%d", i), fmt.Sprintf("指标%d", i)},
			Note:   fmt.Sprintf("指标体系第 %d 项指标的得分 / score of the set's indicator %d", i, i),
			Fields: []string{fmt.Sprintf("scorecard.scores[%d].value", i-1), fmt.Sprintf("scorecard.scores[%d].indicator", i-1)}}
		if i <= len(examples) {
			c.Example = examples[i-1]
		}
		cs = append(cs, c)
	}
	return cs
}

var approvalsKind = &Kind{
	Name: "approvals", Title: "立项名单", English: "approved list (approval decisions)",
	Columns: []*Column{
		projectCodeColumn("projectCode"),
		{Header: "立项结论", Aliases: []string{"decision", "立项结果"}, Required: true, Example: "立项",
			Note:   "立项（同意立项）或 不予立项（未获立项）；立项须有通过的立项评审 / APPROVED or REJECTED; an approval needs a passed approval review",
			Fields: []string{"approve", "stageEvent.outcome", "stageEvent.stage"}},
		{Header: "资助金额（元）", Aliases: []string{"awarded", "立项金额（元）"}, Example: "200000.00",
			Note: "立项时的资助金额；空则为申请金额 / the award; empty: the amount applied for", Fields: []string{"awarded", "project.awarded"}},
		{Header: "决定日期", Aliases: []string{"decidedOn", "立项日期"}, Required: true, Example: "2016-05-10",
			Fields: []string{"stageEvent.occurredOn", "decidedOn"}},
		{Header: "理由", Aliases: []string{"reason", "说明", "未立项理由"}, Example: "立项评审通过",
			Note: "不予立项时必填 / required when rejected", Fields: []string{"reason", "stageEvent.reason"}},
	},
}

var tranchesKind = &Kind{
	Name: "tranches", Title: "资金拨付表", English: "fund tranches",
	Columns: []*Column{
		projectCodeColumn("projectCode"),
		{Header: "拨付批次", Aliases: []string{"kind", "tranche", "批次"}, Required: true, Example: "首期资金",
			Note:   "首期资金（协议签订后）、第二期资金（中期评审通过后）、尾款（结项时）；或 FIRST、SECOND、FINAL / first (after the agreement), second (after a passed mid-term review), final (at closing)",
			Fields: []string{"tranche.kind", "kind"}},
		{Header: "拨付金额（元）", Aliases: []string{"amount", "金额（元）"}, Required: true, Example: "100000.00",
			Note: "元，最多两位小数；不得超过资助余额 / yuan; not more than what is left of the award", Fields: []string{"tranche.amount"}},
		{Header: "拨付日期", Aliases: []string{"paidOn"}, Required: true, Example: "2016-06-01", Fields: []string{"tranche.paidOn"}},
	},
}

// metricColumns are the metrics table's figures, one column per kind.
var metricColumns = []struct {
	kind   ledger.MetricKind
	header string
	alias  string
	ex     string
}{
	{ledger.BeneficiaryVisits, "受益人次", "beneficiaryVisits", "1200"},
	{ledger.BeneficiaryPersons, "受益人数", "beneficiaryPersons", "150"},
	{ledger.VolunteerVisits, "志愿者人次", "volunteerVisits", "90"},
	{ledger.VolunteerHours, "志愿服务时长（小时）", "volunteerHours", "360"},
	{ledger.ExpertVisits, "专家人次", "expertVisits", "6"},
	{ledger.LeveragedFunds, "撬动社会资金（元）", "leveragedFunds", "12000.00"},
}

var metricsKind = &Kind{
	Name: "metrics", Title: "季度指标表", English: "quarterly metrics",
	Columns: append([]*Column{
		projectCodeColumn("projectCode"),
		{Header: "开始日期", Aliases: []string{"periodStart", "统计期开始"}, Required: true, Example: "2016-07-01", Fields: []string{"metric.periodStart"}},
		{Header: "结束日期", Aliases: []string{"periodEnd", "统计期结束"}, Required: true, Example: "2016-09-30", Fields: []string{"metric.periodEnd"}},
		{Header: "数据来源", Aliases: []string{"provenance", "来源"}, Example: "承接方自报",
			Note: "承接方自报（默认，随季度工作总结发布）或 第三方核实 / SELF_REPORTED (default, published with a quarterly summary) or VERIFIED", Fields: []string{"metric.provenance"}},
		{Header: "报告编号", Aliases: []string{"reportCode"}, Note: "自报时随附的季度工作总结的编号；空则为 QS-项目编号-开始日期 / the quarterly summary's code; empty: QS-<project>-<start>",
			Fields: []string{"report.code"}},
		{Header: "报告标题", Aliases: []string{"reportTitle"}, Note: "空则按项目和期间生成 / empty: made from the project and period", Fields: []string{"report.title"}},
		{Header: "工作总结", Aliases: []string{"reportBody", "报告正文"}, Example: "本季度开展助餐服务 60 次，探访高龄独居老人 150 人。",
			Note: "季度工作总结正文；空则为本行各项指标的文字说明 / the summary's text; empty: the row's figures in words", Fields: []string{"report.body"}},
	}, func() []*Column {
		var cs []*Column
		for _, m := range metricColumns {
			note := "人次、人数或小时，整数 / a whole number"
			if m.kind == ledger.LeveragedFunds {
				note = "元，最多两位小数 / yuan, at most two decimals"
			}
			cs = append(cs, &Column{Header: m.header, Aliases: []string{m.alias}, Example: m.ex, Note: note,
				Fields: []string{"metric.value." + string(m.kind)}})
		}
		return cs
	}()...),
}

// fieldColumn returns the column of k that reports ledger field f, or nil.
func (k *Kind) fieldColumn(f string) *Column {
	for _, c := range k.Columns {
		if slices.Contains(c.Fields, f) {
			return c
		}
	}
	return nil
}
