package demo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"civicledger/ledger"
)

// roundReports writes a round's own documents: the implementation plan,
// training materials, the summary of applications and the solicitation report.
func (g *generator) roundReports(d *Dataset, yi int) {
	round := g.rounds[yi]
	Y := round.Year
	plans := g.plans[yi]
	r := g.rng(4, int64(yi))
	evaluator := g.evaluators[yi%min(len(g.evaluators), 2+max(0, yi-1))]
	byArea, applied, totalApplied := appliedByArea(r, plans)
	add := func(code string, kind ledger.ReportKind, title string, author int64, on time.Time, body string) {
		d.Reports = append(d.Reports, &ledger.Report{ID: g.next("report"), Code: fmt.Sprintf("FC%d-%s", Y, code), Kind: kind,
			Title: title, Body: body, AuthorID: ptr(author), RoundID: ptr(round.ID), PublishedOn: ds(on)})
	}
	var b strings.Builder

	// Implementation plan.
	fmt.Fprintf(&b, "为规范福彩公益金使用，推进政府向社会力量购买服务，根据国家政策和本市有关规定，制定本方案。\n\n一、资助规模\n%d年度安排福彩公益金%s万元，"+
		"资助扶老助老、扶残助残、扶贫济困和社区公益四个领域的社会服务项目，单个项目资助额度一般不超过40万元。\n\n"+
		"二、资助方向\n扶老助老类重点支持居家养老、长者食堂助餐、失能老人照护和适老化改造；扶残助残类重点支持残疾人康复、辅具适配和就业支持；"+
		"扶贫济困类重点支持低保家庭和困难家庭帮扶、困境儿童助学；社区公益类重点支持社区营造、邻里互助和志愿服务。\n\n"+
		"三、工作流程\n项目实行征集、立项、执行、结项四个阶段管理。第三方监测评估机构负责初筛、专家评审、过程监测、中期评审和结项评估；"+
		"第三方审计机构负责财务培训和专项审计。立项名单公示七天，接受社会监督。\n\n"+
		"四、资金拨付\n项目资金分三期拨付：签订协议后拨付50%%，中期评审通过后拨付30%%，结项验收合格后拨付其余资金。结余资金按规定收回。", Y, wan(round.Budget))
	add("PLAN", ledger.ImplementationPlan, fmt.Sprintf("%d年度福彩公益金购买社会组织服务项目实施方案", Y), g.bureau, day(Y, time.February, 20), b.String())

	// Training materials.
	b.Reset()
	fmt.Fprintf(&b, "一、什么是好的项目设计\n好的项目从需求出发：说清楚服务对象是谁、有多少人、面临什么问题，用调研数据说话。"+
		"以扶老助老为例，应区分失能老人、半失能老人和独居老人的不同需求；以扶残助残为例，应说明残疾人康复和就业支持的具体路径。\n\n"+
		"二、目标与指标\n项目目标要具体、可测量，产出指标包括服务人次、活动场次，成效指标包括服务对象状况的改善和满意度。\n\n"+
		"三、申报书常见问题\n需求分析空泛、服务内容与目标脱节、预算测算缺少依据、志愿服务和社会资源投入没有落实，是%d年以来评审中最常见的问题。\n\n"+
		"四、评审指标解读\n立项评审重点考察需求分析、服务设计、团队能力、预算合理性和社会资源整合，请对照%s立项评审指标准备材料。",
		Y-1, editions[edition(Y)].name)
	add("TRN-DES", ledger.TrainingMaterial, fmt.Sprintf("%d年度项目设计与申报指导培训材料", Y), evaluator, day(Y, time.March, 15), b.String())
	b.Reset()
	b.WriteString("一、资金管理原则\n福彩公益金实行专款专用、单独核算，不得用于与项目无关的支出。\n\n" +
		"二、预算编制\n预算科目包括人员经费、活动经费、专家咨询费、宣传费和管理费。管理费不得超过协议约定比例，预算调整须履行审批程序。\n\n" +
		"三、票据与凭证\n每笔支出须取得合法有效的发票，劳务费发放须有签收记录，物资采购须附清单，活动须有签到表和影像资料。\n\n" +
		"四、审计要点\n结项时第三方审计机构将审查预算执行率、支出合规性和结余资金。常见问题包括超预算列支、票据不规范、执行期外支出。结余资金将按规定收回。")
	add("TRN-FIN", ledger.TrainingMaterial, fmt.Sprintf("%d年度项目财务管理与资金使用培训材料", Y), g.auditors[yi%len(g.auditors)], day(Y, time.March, 20), b.String())

	// Summary of applications.
	b.Reset()
	fmt.Fprintf(&b, "%d年度项目征集期间（%s至%s）共收到项目申报%d个，经形式审查全部录入项目库。\n\n按领域统计：\n", Y, round.OpensOn, round.ClosesOn, totalApplied)
	for _, a := range ledger.ServiceAreas {
		fmt.Fprintf(&b, "%s：申报%d个\n", ledger.Label(a), applied[a])
	}
	b.WriteString("\n按区统计：\n")
	byDistrict := make([]float64, len(districts))
	for _, p := range plans {
		byDistrict[p.district]++
	}
	for i := range byDistrict {
		byDistrict[i] += 0.3 + r.Float64()
	}
	for i, n := range split(int64(totalApplied), byDistrict, 1) {
		fmt.Fprintf(&b, "%s：申报%d个\n", districts[i].name, n)
	}
	add("SUM", ledger.ApplicationSummary, fmt.Sprintf("%d年度项目申报信息汇总表", Y), evaluator, day(Y, time.April, 25), b.String())

	// Solicitation report.
	b.Reset()
	fmt.Fprintf(&b, "一、征集概况\n%d年度项目征集通知发布后，第三方监测评估机构组织了政策宣讲会和项目设计辅导，共有%d家社会组织参加培训，收到申报项目%d个。\n\n"+
		"二、初筛和评审\n经初筛，%d个项目进入专家评审。评审专家从专家库中随机抽取，涵盖社会工作、养老服务、康复和财务等领域。"+
		"经立项评审，拟立项项目%d个，拟资助金额%s万元。\n\n三、申报特点\n", Y, totalApplied/2+r.IntN(20), totalApplied, screenedIn(totalApplied), len(plans), wan(round.Budget))
	for _, a := range ledger.ServiceAreas {
		v := vocab[a]
		fmt.Fprintf(&b, "%s领域申报%d个、拟立项%d个，申报内容集中在%s、%s和%s。", ledger.Label(a), applied[a], byArea[a],
			v.keywords[r.IntN(len(v.keywords))], v.services[r.IntN(len(v.services))], v.keywords[r.IntN(len(v.keywords))])
	}
	b.WriteString("\n\n四、存在问题与建议\n部分申报项目需求分析不够深入，预算测算依据不足；建议加强项目设计辅导，鼓励社会组织深耕社区、打造品牌项目。")
	add("SOL", ledger.SolicitationReport, fmt.Sprintf("%d年度项目征集情况报告", Y), evaluator, day(Y, time.May, 5), b.String())
}

// appliedByArea counts a round's funded projects (byArea) and the
// applications it received (applied, total) per service area, drawing the
// applications from r: about twice as many as were funded. The rejected
// applications the data set lists are the difference, and the round's
// summary of applications and solicitation report quote these numbers.
func appliedByArea(r *rand.Rand, plans []*projectPlan) (byArea, applied map[ledger.ServiceArea]int, total int) {
	byArea = map[ledger.ServiceArea]int{}
	for _, p := range plans {
		byArea[p.area]++
	}
	applied = map[ledger.ServiceArea]int{}
	for _, a := range ledger.ServiceAreas {
		applied[a] = byArea[a]*2 + r.IntN(byArea[a]/2+3)
		total += applied[a]
	}
	return byArea, applied, total
}

// screenedIn is how many of a round's applications passed the initial
// screening into the expert review, as the solicitation report states.
func screenedIn(applied int) int { return applied * 3 / 4 }

// announcements writes a round's public announcements, each listing its
// projects. Announcements dated after asOf are not yet published.
func (g *generator) announcements(d *Dataset, yi int) {
	round := g.rounds[yi]
	Y := round.Year
	plans := g.plans[yi]
	ann := func(code string, kind ledger.AnnouncementKind, title string, publisher int64, on time.Time, intro string, list []*projectPlan, line func(*projectPlan) string) {
		if on.After(asOf) || (kind != ledger.SolicitationNotice && len(list) == 0) {
			return
		}
		a := &ledger.Announcement{ID: g.next("announcement"), Code: fmt.Sprintf("GG%d-%s", Y, code), Kind: kind, RoundID: ptr(round.ID),
			Title: title, PublisherID: ptr(publisher), PublishedOn: ds(on)}
		var b strings.Builder
		b.WriteString(intro)
		const listed = 300
		for i, p := range list {
			a.ProjectIDs = append(a.ProjectIDs, p.id)
			if i < listed {
				fmt.Fprintf(&b, "\n%d. %s", i+1, line(p))
			}
		}
		if len(list) > listed {
			fmt.Fprintf(&b, "\n（其余%d个项目见项目清单）", len(list)-listed)
		}
		if kind == ledger.ApprovalNotice {
			a.NoticeStart, a.NoticeEnd = ds(on), ds(addDays(on, 6))
			fmt.Fprintf(&b, "\n\n公示期为%s至%s。公示期内，任何单位和个人对公示项目有异议的，可通过本平台提出，并说明理由。", a.NoticeStart, a.NoticeEnd)
		}
		a.Body = b.String()
		d.Announcements = append(d.Announcements, a)
	}
	basic := func(p *projectPlan) string {
		return fmt.Sprintf("%s %s（%s，%s，%s）资助%s万元", p.code, p.title, p.org.name, ledger.Label(p.area), districts[p.district].name, wan(p.award))
	}
	var executed, midterm, second, completed []*projectPlan
	for _, p := range plans {
		if p.fate != fateApproval {
			executed = append(executed, p)
		}
		if p.fate == fateCompleted || p.fate == fateClosing || p.fate == fateExecuting || (p.fate == fateTerminated && p.lateEnd) {
			midterm = append(midterm, p)
			if !p.failedMid {
				second = append(second, p)
			}
		}
		if p.fate == fateCompleted {
			completed = append(completed, p)
		}
	}
	ann("SOL", ledger.SolicitationNotice, fmt.Sprintf("关于开展%d年度福彩公益金购买社会组织服务项目征集的通知", Y), g.bureau, day(Y, time.March, 1),
		fmt.Sprintf("%d年度安排福彩公益金%s万元，面向扶老助老、扶残助残、扶贫济困、社区公益四个领域征集社会服务项目。申报时间为%s至%s。"+
			"申报主体应为在本市民政部门登记满一年、年检合格的社会组织。申报材料包括项目申报书、预算表和机构证照。", Y, wan(round.Budget), round.OpensOn, round.ClosesOn),
		nil, basic)
	ann("APR", ledger.ApprovalNotice, fmt.Sprintf("%d年度福彩公益金购买社会组织服务拟立项项目公示", Y), g.bureau, day(Y, time.May, 25),
		fmt.Sprintf("经初筛、专家评审，拟立项%d个项目，拟资助金额%s万元，现予公示：", len(plans), wan(round.Budget)), plans, basic)
	ann("TR1", ledger.TrancheNotice, fmt.Sprintf("%d年度立项项目首期资金拨付公告", Y), g.finance, day(Y, time.July, 10),
		"以下项目已签订项目协议书，首期资金（资助金额的50%）已拨付：", executed, func(p *projectPlan) string {
			return fmt.Sprintf("%s %s 拨付%s万元", p.code, p.title, wan(firstTranche(p)))
		})
	ann("MID", ledger.MidtermResults, fmt.Sprintf("%d年度立项项目中期评审结果公告", Y), g.bureau, day(Y+1, time.January, 15),
		"第三方监测评估机构已完成中期评审，结果如下：", midterm, func(p *projectPlan) string {
			res := "通过"
			if p.failedMid {
				res = "不通过，限期整改"
			}
			return fmt.Sprintf("%s %s %s", p.code, p.title, res)
		})
	ann("TR2", ledger.TrancheNotice, fmt.Sprintf("%d年度立项项目第二期资金拨付公告", Y), g.finance, day(Y+1, time.February, 20),
		"以下项目中期评审通过，第二期资金（资助金额的30%）已拨付：", second, func(p *projectPlan) string {
			return fmt.Sprintf("%s %s 拨付%s万元", p.code, p.title, wan(secondTranche(p)))
		})
	ann("CLO", ledger.ClosingResults, fmt.Sprintf("%d年度立项项目验收评估结果公告", Y), g.bureau, day(Y+1, time.September, 5),
		"经结项评审、财务审计和验收，以下项目通过验收：", completed, func(p *projectPlan) string {
			return fmt.Sprintf("%s %s 得分%.2f 等级%s", p.code, p.title, p.closing, ledger.Label(ledger.GradeOf(p.closing)))
		})
	ann("TR3", ledger.TrancheNotice, fmt.Sprintf("%d年度立项项目尾款拨付公告", Y), g.finance, day(Y+1, time.October, 10),
		"以下项目已通过验收，尾款已拨付：", completed, func(p *projectPlan) string {
			return fmt.Sprintf("%s %s 拨付%s万元", p.code, p.title, wan(finalTranche(p)))
		})
}

// caseCollection writes the case collection of a round's excellent
// projects, published the following year.
func (g *generator) caseCollection(d *Dataset, yi int) {
	round := g.rounds[yi]
	Y := round.Year + 1
	on := day(Y, time.November, 20)
	if on.After(asOf) {
		return
	}
	var done []*projectPlan
	for _, p := range g.plans[yi] {
		if p.fate == fateCompleted {
			done = append(done, p)
		}
	}
	if len(done) == 0 {
		return
	}
	sort.SliceStable(done, func(a, b int) bool { return done[a].closing > done[b].closing })
	k := min(len(done), max(3, roundShare(len(done), 0.08)))
	c := &ledger.CaseCollection{ID: g.next("collection"), Year: Y,
		Title: fmt.Sprintf("%d年福彩公益金购买服务优秀项目案例集（%d年度项目）", Y, round.Year),
		Intro: fmt.Sprintf("本案例集收录%d年度立项项目中结项评估得分靠前的%d个优秀项目，涵盖扶老助老、扶残助残、扶贫济困和社区公益四个领域，"+
			"供社会组织学习交流，推动优秀项目推广。", round.Year, k),
		PublishedOn: ds(on)}
	d.CaseCollections = append(d.CaseCollections, c)
	for i, p := range done[:k] {
		w := &textWriter{r: g.rng(5, p.id), g: g, p: p, v: vocab[p.area]}
		title, narrative := w.caseStudy()
		d.CaseStudies = append(d.CaseStudies, &ledger.CaseStudy{ID: g.next("study"), CollectionID: c.ID, ProjectID: p.id,
			Position: i + 1, Title: title, Narrative: narrative})
		d.Reports = append(d.Reports, &ledger.Report{ID: g.next("report"), Code: p.code + "-CASE", Kind: ledger.CaseStudyReport,
			Title: title, Body: narrative, AuthorID: ptr(p.evaluator), ProjectID: ptr(p.id), RoundID: ptr(round.ID), PublishedOn: ds(on)})
	}
}

// The tranches of a project's award, as ledger.TrancheSchedule splits it.
func firstTranche(p *projectPlan) ledger.Money  { f, _, _ := ledger.TrancheSchedule(p.award); return f }
func secondTranche(p *projectPlan) ledger.Money { _, s, _ := ledger.TrancheSchedule(p.award); return s }
func finalTranche(p *projectPlan) ledger.Money  { _, _, f := ledger.TrancheSchedule(p.award); return f }
