package demo

import (
	"fmt"
	"math"
	"time"

	"civicledger/ledger"
)

// Rejected applications. Each round received about twice as many
// applications as it funded (the seed programme: 299 applications, 143
// approved in one year). The data set lists the rejected ones too: about a
// quarter of all applications fail the initial screening (初筛), the rest
// of the rejected ones the expert approval review (立项评审). A rejected
// application has its screening scorecard, for a review rejection also its
// review scorecard, and the reason on its REJECTED stage event; it is
// awarded nothing and has no tranches, metrics, reports or feedback.
// Their numbers are the ones the round's summary of applications and
// solicitation report quote (appliedByArea, screenedIn).

// applicationPlans plans every round's rejected applications. They take
// local project IDs after every funded project and draw from their own
// random streams, so the funded projects are the same with or without them.
func (g *generator) applicationPlans() {
	r := g.rng(7, 0)
	picker := newOrgPicker(r, g.undert)
	for yi, plans := range g.plans {
		year := g.rounds[yi].Year
		_, applied, total := appliedByArea(g.rng(4, int64(yi)), plans)
		funded := map[ledger.ServiceArea]int{}
		for _, p := range plans {
			funded[p.area]++
		}
		var apps []*projectPlan
		for _, area := range ledger.ServiceAreas {
			for i := 0; i < applied[area]-funded[area]; i++ {
				org := picker.pick(r, area, year)
				dist := org.district
				if r.Float64() < 0.12 {
					dist = pickWeighted(r, districtWeights)
				}
				p := &projectPlan{yi: yi, year: year, seq: i + 1, area: area, district: dist, org: org, fate: fateRejected,
					rejectedAt: ledger.ApprovalReview}
				p.code = fmt.Sprintf("FC%d-%s-A%04d", year, vocab[area].code, p.seq)
				evs := g.evaluators[:min(len(g.evaluators), 2+max(0, yi-1))]
				p.evaluator = evs[(dist+yi)%len(evs)]
				// What it asked for: up to 40万元, in thousands of yuan.
				p.award = ledger.Money(50_000+r.IntN(36)*10_000) * 100
				p.cofunding = roundTo(ledger.Money(float64(p.award)*0.3*r.Float64()), 100_000)
				apps = append(apps, p)
			}
		}
		// The ones that failed the screening: as many as the solicitation
		// report says did not go on to the expert review.
		perm := r.Perm(len(apps))
		for _, i := range perm[:min(len(apps), total-screenedIn(total))] {
			apps[i].rejectedAt = ledger.InitialScreening
		}
		for _, p := range apps {
			if p.rejectedAt == ledger.InitialScreening {
				p.quality = clamp(0.48+0.06*r.NormFloat64(), 0.3, 0.56)
			} else {
				p.quality = clamp(0.54+0.04*r.NormFloat64(), 0.4, 0.58)
			}
		}
		g.rejected = append(g.rejected, apps)
	}
	for _, apps := range g.rejected {
		for _, p := range apps {
			p.id = g.next("project")
		}
	}
}

// application writes one rejected application into part d: the project as
// it stands (rejected in solicitation or approval, nothing awarded), its
// stage history with the reason, and its scorecards.
func (g *generator) application(d *Dataset, p *projectPlan) {
	r := g.rng(3, p.id)
	w := g.name(r, p)
	Y := p.year
	applied := addDays(day(Y, time.March, 5), r.IntN(40))
	screen := addDays(day(Y, time.April, 20), r.IntN(10))
	review := addDays(day(Y, time.May, 8), r.IntN(10))
	_, ev := g.applicationRecord(d, p, w, applied)
	ev(ledger.Solicitation, ledger.Ongoing, applied, "提交项目申报书，进入项目征集")

	ed := editions[edition(Y)].name
	if p.rejectedAt == ledger.InitialScreening {
		total := g.scorecard(d, r, p, ledger.InitialScreening, ed, screen, p.quality, false)
		ev(ledger.Solicitation, ledger.Rejected, screen, "初筛未通过（"+scoreNote(total)+"）："+
			screeningRejections[r.IntN(len(screeningRejections))])
		return
	}
	g.scorecard(d, r, p, ledger.InitialScreening, ed, screen, math.Max(p.quality+0.14, 0.66), true)
	ev(ledger.Approval, ledger.Ongoing, screen, "通过初筛，进入专家立项评审")
	total := g.scorecard(d, r, p, ledger.ApprovalReview, ed, review, p.quality, false)
	ev(ledger.Approval, ledger.Rejected, review, "立项评审未通过（"+scoreNote(total)+"）："+
		reviewRejections[r.IntN(len(reviewRejections))])
}

// scoreNote states a rejected application's weighted total and, when it
// fell short of it, the pass mark.
func scoreNote(total float64) string {
	if ledger.PassesReview(total) {
		return fmt.Sprintf("得分%.2f", total)
	}
	return fmt.Sprintf("得分%.2f，低于%.0f分", total, ledger.PassMark)
}

// Why applications were rejected, at the screening and at the review.
var (
	screeningRejections = []string{
		"申报材料不完整，缺少项目预算表和机构年检证明。",
		"申报机构登记未满一年，不符合申报主体资格要求。",
		"服务内容不属于本年度资助领域和方向。",
		"预算编制不规范，人员经费和管理费比例超过规定。",
		"申报书未提供服务对象需求调研情况，服务对象界定不清。",
	}
	reviewRejections = []string{
		"需求分析缺少数据支撑，项目目标不够具体、难以测量。",
		"服务设计与服务对象需求匹配度不高，专业方法运用不足。",
		"团队专职人员配备不足，缺少督导安排，执行能力存疑。",
		"预算与服务内容不匹配，单位服务成本明显偏高。",
		"与已立项项目服务内容和服务区域重复，择优未予立项。",
		"社会资源整合和配套资金没有落实，项目可持续性不足。",
	}
)
