package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"civicledger/ledger"
)

// textWriter writes the Chinese texts of one project from its area's
// vocabulary.
type textWriter struct {
	r *rand.Rand
	g *generator
	p *projectPlan
	v *areaVocab
	b strings.Builder
}

func itoa(i int) string { return strconv.Itoa(i) }

// quoted puts a title in Chinese quotation marks, turning its own quotation
// marks into inner ones.
func quoted(title string) string {
	return "“" + innerQuotes.Replace(title) + "”"
}

var innerQuotes = strings.NewReplacer("“", "‘", "”", "’")

func (w *textWriter) pick(list []string) string { return list[w.r.IntN(len(list))] }

// pickN returns k distinct entries of list in random order.
func (w *textWriter) pickN(list []string, k int) []string {
	k = min(k, len(list))
	out := make([]string, 0, k)
	for _, i := range w.r.Perm(len(list))[:k] {
		out = append(out, list[i])
	}
	return out
}

// fill writes tpl with its {slots} filled in.
func (w *textWriter) fill(tpl string) {
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			w.b.WriteString(tpl)
			return
		}
		j := strings.IndexByte(tpl[i:], '}')
		if j < 0 {
			w.b.WriteString(tpl)
			return
		}
		w.b.WriteString(tpl[:i])
		w.b.WriteString(w.slot(tpl[i+1 : i+j]))
		tpl = tpl[i+j+1:]
	}
}

func (w *textWriter) slot(name string) string {
	p := w.p
	switch name {
	case "org":
		return p.org.name
	case "title":
		return p.title
	case "district":
		return districts[p.district].name
	case "street":
		if p.street == "" {
			return w.pick(districts[p.district].streets)
		}
		return p.street
	case "target":
		if p.target == "" {
			return w.pick(w.v.targets)
		}
		return p.target
	case "kw":
		return w.pick(w.v.keywords)
	case "svc":
		return w.pick(w.v.services)
	case "brand":
		return w.pick(w.v.brands)
	case "eval":
		return w.g.evalNames[p.evaluator]
	case "surname":
		return w.pick(surnames)
	case "staff":
		return itoa(2 + w.r.IntN(5))
	case "year":
		return itoa(p.year)
	}
	return name
}

func (w *textWriter) fillString(tpl string) string {
	w.b.Reset()
	w.fill(tpl)
	return w.b.String()
}

// sentences writes the templates one after the other.
func (w *textWriter) sentences(tpls ...string) {
	for _, t := range tpls {
		w.fill(t)
	}
}

// heading starts a paragraph with a numbered heading.
func (w *textWriter) heading(h string) {
	if w.b.Len() > 0 {
		w.b.WriteString("\n\n")
	}
	w.b.WriteString(h)
	w.b.WriteString("\n")
}

func (w *textWriter) text() string {
	s := w.b.String()
	w.b.Reset()
	return s
}

// practices writes what the project did: area sentences, domestic-service
// sentences for such projects, and now and then a generic one.
func (w *textWriter) practices(k int) {
	w.sentences(w.pickN(w.v.practice, k)...)
	if w.p.domestic {
		w.sentences(w.pickN(domesticSentences, 2)...)
	}
	if w.r.Float64() < 0.4 {
		w.fill(w.pick(genericPractice))
	}
}

// traps plants the bigram traps where they belong.
func (w *textWriter) traps(policy float64) {
	if !w.p.domestic && w.r.Float64() < policy {
		w.b.WriteString(trapPolicy)
	}
	if districts[w.p.district].name == "长宁区" && w.r.Float64() < 0.5 {
		w.fill(trapChangning)
	}
}

func (w *textWriter) summary() string {
	w.b.Reset()
	p := w.p
	svc := w.pickN(w.v.services, 2)
	fmt.Fprintf(&w.b, "%s在%s%s面向%s开展%s、%s等服务。", p.org.name, districts[p.district].name, p.street, p.target, svc[0], svc[1])
	w.fill(w.pick(w.v.practice))
	if p.domestic {
		w.b.WriteString(domesticSentences[0])
	}
	if p.fate == fateRejected {
		fmt.Fprintf(&w.b, "申请资助金额%s万元，计划配套社会资金%s万元。", wan(p.award), wan(p.cofunding))
	} else {
		fmt.Fprintf(&w.b, "项目资助金额%s万元，配套社会资金%s万元。", wan(p.award), wan(p.cofunding))
	}
	return w.text()
}

func (w *textWriter) quarterly(i int, per period) string {
	w.b.Reset()
	p := w.p
	share := 0.18 + 0.08*w.r.Float64()
	n := int64(math.Round(float64(p.visits) * share))
	w.heading("一、本季度服务概况")
	fmt.Fprintf(&w.b, "本季度（%s至%s），%s在%s%s持续推进%s，围绕%s和%s开展服务，服务%s%d人次，开展小组活动%d场、社区活动%d场，"+
		"动员志愿者%d人次，邀请专家%d人次参与督导和培训。", ds(per.start), ds(per.end), p.org.name, districts[p.district].name, p.street,
		quoted(p.title), w.pick(w.v.keywords), w.pick(w.v.services), p.target, n, 3+w.r.IntN(10), 1+w.r.IntN(5),
		int64(math.Round(float64(p.volunteers)*share)), int64(math.Round(float64(p.experts)*share)))
	w.heading("二、主要做法")
	w.practices(2 + w.r.IntN(2))
	w.heading("三、服务成效")
	w.sentences(w.pickN(w.v.effects, 1+w.r.IntN(2))...)
	w.traps(0.05)
	w.heading("四、存在的问题")
	w.fill(w.pick(w.v.problems))
	w.heading("五、下季度工作计划")
	if i == 0 {
		w.b.WriteString("在完成服务对象需求评估的基础上，进一步细化服务排期。")
	}
	w.sentences(w.pickN(w.v.plans, 2)...)
	return w.text()
}

func (w *textWriter) midtermReport(score float64, passed bool, fixes []string, ps []period) string {
	w.b.Reset()
	p := w.p
	fmt.Fprintf(&w.b, "%s受本市民政局委托，对%s承接的%s（项目编号%s）开展中期评审。评审组由%d名专家组成，"+
		"采取听取汇报、查阅服务台账、实地走访和服务对象访谈相结合的方式进行。", w.g.evalNames[p.evaluator], p.org.name, quoted(p.title), p.code, 3+w.r.IntN(3))
	w.heading("一、项目执行进度")
	progress := 0.45 + 0.1*w.r.Float64()
	if !passed {
		progress = 0.25 + 0.1*w.r.Float64()
	}
	fmt.Fprintf(&w.b, "截至中期，项目累计服务%s%d人次，完成协议约定阶段目标的%d%%，预算执行率为%d%%。",
		p.target, int64(float64(p.visits)*progress), int(progress*200), int(progress*180))
	w.practices(2)
	w.heading("二、评审结果")
	verdict := "通过"
	if !passed {
		verdict = "不通过"
	}
	fmt.Fprintf(&w.b, "中期评审综合得分%.2f分，评审结论为“%s”。", score, verdict)
	if passed {
		w.fill(w.pick(w.v.effects))
	} else {
		w.b.WriteString("项目服务进度明显滞后，部分服务记录缺失，资金使用与预算不符。")
	}
	w.traps(0.12)
	w.heading("三、整改要求")
	if len(fixes) == 0 {
		w.b.WriteString("项目执行情况良好，无需整改，请继续按协议推进，第二期资金按程序拨付。")
	} else {
		for i, f := range fixes {
			fmt.Fprintf(&w.b, "（%d）%s；", i+1, f)
		}
		w.b.WriteString("请承接方在三十日内提交整改报告。")
	}
	return w.text()
}

func (w *textWriter) auditReport(a *ledger.Audit, paid ledger.Money) string {
	w.b.Reset()
	p := w.p
	fmt.Fprintf(&w.b, "受本市民政局和本市财政局委托，我所对%s承接的%s（项目编号%s）福彩公益金使用情况进行了专项审计。"+
		"审计依据项目协议书、项目预算和福彩公益金管理的有关规定，审查了会计凭证、账簿、银行对账单和服务台账。", p.org.name, quoted(p.title), p.code)
	w.heading("一、资金基本情况")
	fmt.Fprintf(&w.b, "项目资助金额%s元，已拨付%s元，经审计认定实际支出%s元，预算执行率%.1f%%。", yuan(p.award), yuan(paid), yuan(a.Spent),
		float64(a.Spent)*100/float64(max(p.award, 1)))
	if a.Recovered > 0 {
		fmt.Fprintf(&w.b, "结余资金%s元应按规定收回。", yuan(a.Recovered))
	} else {
		w.b.WriteString("项目无结余资金需要收回。")
	}
	w.heading("二、审计发现")
	if a.Result == ledger.AuditFindings {
		w.b.WriteString(a.Findings)
		w.b.WriteString("上述问题已与承接方沟通确认，承接方应在规定期限内完成整改。")
	} else {
		w.b.WriteString("项目资金实行专款专用、单独核算，支出有合法有效的原始凭证，未发现违规使用资金的情况。")
	}
	w.heading("三、审计意见")
	if a.Result == ledger.AuditFindings {
		w.b.WriteString("项目资金使用总体可控，但存在上述问题，建议承接方健全财务管理制度，加强预算执行管理。")
	} else {
		w.b.WriteString("项目资金使用规范，会计核算符合规定，出具无保留意见。")
	}
	if w.r.Float64() < 0.5 {
		svc := w.pickN(w.v.services, 2)
		fmt.Fprintf(&w.b, "项目同时撬动社会资金%s元，用于%s和%s。", yuan(p.leveraged), svc[0], svc[1])
	}
	return w.text()
}

func (w *textWriter) evaluationReport(score float64) string {
	w.b.Reset()
	p := w.p
	fmt.Fprintf(&w.b, "%s按照结项评审指标，对%s开展第三方评估。评估采用问卷调查、深度访谈、查阅台账和实地观察等方法，"+
		"共回收服务对象问卷%d份，访谈%s、社区工作人员和志愿者%d人。", w.g.evalNames[p.evaluator], quoted(p.title), 30+w.r.IntN(120), p.target, 8+w.r.IntN(15))
	w.heading("一、项目产出")
	svc := w.pickN(w.v.services, 2)
	fmt.Fprintf(&w.b, "项目执行期内累计服务%s%d人次，动员志愿者%d人次，专家参与%d人次，撬动社会资金%s万元，主要服务内容包括%s、%s和%s。",
		p.target, p.visits, p.volunteers, p.experts, wan(p.leveraged), svc[0], svc[1], w.pick(w.v.keywords))
	w.heading("二、项目成效")
	w.sentences(w.pickN(w.v.effects, 2)...)
	w.practices(1)
	w.traps(0.15)
	w.heading("三、评估结论")
	grade := "合格"
	switch {
	case score >= 90:
		grade = "优秀"
	case score >= 80:
		grade = "良好"
	}
	fmt.Fprintf(&w.b, "结项评审综合得分%.2f分，评估等级为“%s”。", score, grade)
	w.heading("四、建议")
	w.fill(w.pick(w.v.problems))
	w.fill("建议承接方总结提炼{kw}服务经验，加强与街道和社区的协同，推动项目成果持续发挥作用。")
	return w.text()
}

func (w *textWriter) acceptanceReport(score float64, a *ledger.Audit) string {
	w.b.Reset()
	p := w.p
	fmt.Fprintf(&w.b, "根据项目协议书约定，本市民政局会同本市财政局和%s组成验收组，对%s承接的%s进行验收。", w.g.evalNames[p.evaluator], p.org.name, quoted(p.title))
	w.heading("一、目标完成情况")
	fmt.Fprintf(&w.b, "项目协议约定的服务内容已全部完成，累计服务%s%d人次，%s等服务得到服务对象认可。", p.target, p.visits, w.pick(w.v.services))
	w.heading("二、资金使用情况")
	if a != nil && a.Result == ledger.AuditFindings {
		fmt.Fprintf(&w.b, "财务审计发现的问题已完成整改，结余资金%s元已收回。", yuan(a.Recovered))
	} else if a != nil && a.Recovered > 0 {
		fmt.Fprintf(&w.b, "财务审计结论为无保留意见，结余资金%s元已收回。", yuan(a.Recovered))
	} else {
		w.b.WriteString("财务审计结论为无保留意见，资金使用规范。")
	}
	w.heading("三、验收结论")
	fmt.Fprintf(&w.b, "结项评审得分%.2f分，验收组同意项目通过验收，准予结项，按程序拨付尾款。", score)
	if w.r.Float64() < 0.5 {
		w.fill(w.pick(w.v.effects))
	}
	return w.text()
}

func (w *textWriter) correctionReport(fixes []string, a *ledger.Audit) string {
	w.b.Reset()
	p := w.p
	if a != nil {
		fmt.Fprintf(&w.b, "针对财务审计指出的问题（%s），%s高度重视，逐项制定整改措施。", strings.TrimSuffix(a.Findings, "。"), p.org.name)
		w.heading("整改措施")
		w.b.WriteString("一是补齐相关原始凭证和签收记录；二是对不予认定的支出由机构自有资金承担；三是修订机构财务管理制度，实行项目资金单独核算。")
	} else {
		fmt.Fprintf(&w.b, "根据中期评审意见，%s对%s开展整改。", p.org.name, quoted(p.title))
		w.heading("整改事项与措施")
		for i, f := range fixes {
			fmt.Fprintf(&w.b, "（%d）关于%s：已明确责任人和完成时限，", i+1, f)
			w.fill(w.pick(w.v.plans))
		}
	}
	w.heading("整改成效")
	w.b.WriteString("整改工作已按期完成，相关材料已报第三方监测评估机构复核。")
	return w.text()
}

func (w *textWriter) feedbackComment(rating int) string {
	switch {
	case rating >= 4:
		return w.pick(w.v.comments)
	case rating == 3:
		return w.pick([]string{"服务还可以，希望次数多一些。", "社工换了好几次，有点不适应。", "活动时间和上班时间冲突。"})
	default:
		return w.pick([]string{"说好的服务后来没有来。", "电话打不通，没人回复。", "服务时间太短，作用不大。"})
	}
}

func (w *textWriter) caseStudy() (title, narrative string) {
	p := w.p
	title = fmt.Sprintf("“%s”：%s", w.pick(w.v.brands), strings.TrimSuffix(strings.TrimSuffix(p.title, "项目"), "服务"))
	w.b.Reset()
	w.sentences(w.pickN(w.v.stories, 1)...)
	fmt.Fprintf(&w.b, "这是%s承接的%s服务中的一个小故事。", p.org.name, quoted(p.title))
	w.heading("一、项目背景")
	fmt.Fprintf(&w.b, "%s%s的%s较为集中，", districts[p.district].name, p.street, p.target)
	w.fill("对{kw}和{svc}的需求十分迫切。")
	w.traps(0.2)
	w.heading("二、服务做法")
	w.practices(3)
	w.heading("三、服务成效")
	fmt.Fprintf(&w.b, "项目累计服务%d人次，动员志愿者%d人次，撬动社会资金%s万元。", p.visits, p.volunteers, wan(p.leveraged))
	w.sentences(w.pickN(w.v.effects, 2)...)
	w.heading("四、经验与启示")
	w.fill("项目的经验在于以需求为导向、以专业为支撑，把{kw}服务送到家门口，同时注重培育志愿者和社区力量，形成可持续的服务网络。")
	return title, w.text()
}
