package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"civicledger/ledger"
)

// The seed programme at its default size (docs/domain.md).
var (
	firstYear = 2010
	// budgetsWan are the yearly budgets in 万元 (10,000 yuan); they add up to
	// the 9000万元 cumulative funding.
	budgetsWan = []int64{500, 800, 1100, 1300, 1500, 1800, 2000}
)

// Headline totals at the default size, scaled by Projects/717.
const (
	leveragedYuan     int64 = 119_600_000 // 近1.2亿元
	volunteerVisits   int64 = 100_000     // 约10万人次
	expertVisits      int64 = 30_000      // 3万人次
	beneficiaryVisits int64 = 5_186_000   // 近520万人次
	undertakersAt717        = 200
)

// asOf is the day the data set describes: the 2016 round is in execution.
var asOf = day(2017, time.May, 31)

// Fates: how far a project got.
type fate uint8

const (
	fateCompleted  fate = iota // passed closing
	fateClosing                // in closing, acceptance pending
	fateExecuting              // in execution
	fateApproval               // approved, agreement pending
	fateTerminated             // ended early
	fateRejected               // an application rejected at screening or review
)

// undertaker is a generated social organization with what picks it.
type undertaker struct {
	id       int64
	name     string
	district int
	areas    []ledger.ServiceArea
	founded  int
	weight   float64
}

// projectPlan is everything decided about a project before its records are
// written: the numbers that add up to the programme's totals.
type projectPlan struct {
	id         int64
	yi         int // index of the round
	year       int
	seq        int
	area       ledger.ServiceArea
	district   int
	street     string
	target     string
	title      string
	code       string
	org        *undertaker
	evaluator  int64
	auditor    int64
	fate       fate
	lateEnd    bool // terminated after the mid-term review
	failedMid  bool // mid-term review not passed
	domestic   bool // about domestic services (家政服务)
	quality    float64
	award      ledger.Money
	leveraged  ledger.Money
	cofunding  ledger.Money
	visits     int64
	volunteers int64
	experts    int64
	closing    float64 // closing review total, for picking case studies
	// Of a rejected application (fateRejected): the review that rejected
	// it (initial screening or approval review) and the amount it asked
	// for, in award.
	rejectedAt ledger.ReviewKind
}

// generator holds the state of one generation run.
type generator struct {
	opts       Options
	scale      float64
	seed       uint64
	ids        map[string]int64 // next local ID per record kind
	credit     map[string]bool
	names      map[string]bool
	bureau     int64
	finance    int64
	evaluators []int64
	evalNames  map[int64]string
	auditors   []int64
	undert     []*undertaker
	sets       map[string]*ledger.IndicatorSet // by kind + edition
	rounds     []*ledger.Round
	plans      [][]*projectPlan // per round
	rejected   [][]*projectPlan // rejected applications per round
}

func newGenerator(opts Options) *generator {
	return &generator{
		opts:      opts,
		scale:     float64(opts.Projects) / DefaultProjects,
		seed:      opts.Seed,
		ids:       map[string]int64{},
		credit:    map[string]bool{},
		names:     map[string]bool{},
		evalNames: map[int64]string{},
		sets:      map[string]*ledger.IndicatorSet{},
	}
}

// next returns the next local ID of a kind of record.
func (g *generator) next(kind string) int64 {
	g.ids[kind]++
	return g.ids[kind]
}

// rng returns a random stream for one purpose and index, independent of
// every other, so each part can be generated on its own.
func (g *generator) rng(purpose uint64, index int64) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed^0x9E3779B97F4A7C15^purpose<<56, uint64(index)*0xBF58476D1CE4E5B9+purpose))
}

// scaled returns v scaled to the data set's size, rounded.
func (g *generator) scaled(v int64) int64 {
	return int64(math.Round(float64(v) * g.scale))
}

const partProjects = 1000

// run generates everything and hands it to fn in parts.
func (g *generator) run(fn func(*Dataset) error) error {
	base := &Dataset{Options: g.opts}
	g.organizations(base)
	g.indicatorSets(base)
	g.roundsAndPlans(base)
	g.applicationPlans()
	part := base
	projects := 0
	nextPart := func() error {
		if projects < partProjects {
			return nil
		}
		if err := fn(part); err != nil {
			return err
		}
		part, projects = &Dataset{Options: g.opts}, 0
		return nil
	}
	for yi, plans := range g.plans {
		g.roundReports(part, yi)
		for _, p := range plans {
			if err := nextPart(); err != nil {
				return err
			}
			g.project(part, p)
			projects++
		}
		g.announcements(part, yi)
		g.caseCollection(part, yi)
	}
	// The rejected applications come after every funded project, so that
	// adding them changed no funded project's local ID or random stream.
	for _, apps := range g.rejected {
		for _, p := range apps {
			if err := nextPart(); err != nil {
				return err
			}
			g.application(part, p)
			projects++
		}
	}
	return fn(part)
}

// ---- organizations ----

func (g *generator) creditCode(r *rand.Rand, dept, typ byte, division, prefix string) string {
	for {
		body := []byte(prefix)
		for len(body) < 8 {
			if prefix == "00" {
				body = append(body, byte('0'+r.IntN(10)))
			} else {
				body = append(body, ledger.CreditCodeAlphabet[r.IntN(len(ledger.CreditCodeAlphabet))])
			}
		}
		code := ledger.MakeCreditCode(dept, typ, division, string(body))
		if !g.credit[code] {
			g.credit[code] = true
			return code
		}
	}
}

func (g *generator) fixed(d *Dataset, r *rand.Rand, f fixedOrg, prefix string) int64 {
	o := &ledger.Organization{
		ID:          g.next("org"),
		CreditCode:  g.creditCode(r, f.dept, f.typ, cityDivision, prefix),
		Name:        f.name,
		Kind:        f.kind,
		District:    "市本级",
		Description: f.desc,
		FoundedOn:   f.founded,
	}
	g.names[o.Name] = true
	d.Organizations = append(d.Organizations, o)
	return o.ID
}

func (g *generator) organizations(d *Dataset) {
	r := g.rng(1, 0)
	g.bureau = g.fixed(d, r, departments[0], "00")
	g.finance = g.fixed(d, r, departments[1], "00")
	for _, e := range evaluators {
		id := g.fixed(d, r, e, "MJ")
		g.evaluators = append(g.evaluators, id)
		g.evalNames[id] = e.name
	}
	for _, a := range auditors {
		g.auditors = append(g.auditors, g.fixed(d, r, a, "MA"))
	}
	n := max(12, int(g.scaled(undertakersAt717)))
	typeW := make([]float64, len(orgTypes))
	for i, t := range orgTypes {
		typeW[i] = t.weight
	}
	for i := 0; i < n; i++ {
		di := pickWeighted(r, districtWeights)
		t := orgTypes[pickWeighted(r, typeW)]
		dist := districts[di]
		var name string
		for try := 0; ; try++ {
			stem := orgStems[r.IntN(len(orgStems))]
			switch {
			case try >= 3 && try < 8:
				stem += orgStems[r.IntN(len(orgStems))]
			case try >= 8:
				stem = strings.TrimSuffix(dist.streets[r.IntN(len(dist.streets))], "街道") + stem + orgStems[r.IntN(len(orgStems))]
			}
			name = dist.name + stem + t.suffix
			if !g.names[name] {
				break
			}
		}
		g.names[name] = true
		// Older organizations first: most were founded before the programme.
		founded := 1996 + r.IntN(14)
		if r.Float64() < 0.3 {
			founded = 2009 + r.IntN(7)
		}
		u := &undertaker{
			id:       g.next("org"),
			name:     name,
			district: di,
			areas:    t.areas,
			founded:  founded,
			weight:   math.Exp(0.9 * r.NormFloat64()),
		}
		g.undert = append(g.undert, u)
		d.Organizations = append(d.Organizations, &ledger.Organization{
			ID:          u.id,
			CreditCode:  g.creditCode(r, '5', t.typ, dist.division, "MJ"),
			Name:        name,
			Kind:        ledger.Undertaker,
			District:    dist.name,
			Description: orgDescription(r, u),
			FoundedOn:   ds(day(founded, time.Month(1+r.IntN(12)), 1+r.IntN(28))),
		})
	}
}

func orgDescription(r *rand.Rand, u *undertaker) string {
	v := vocab[u.areas[0]]
	return fmt.Sprintf("在%s民政局登记的社会组织，长期在%s开展%s、%s等服务，主要服务%s。",
		districts[u.district].name, districts[u.district].streets[r.IntN(len(districts[u.district].streets))],
		v.services[r.IntN(len(v.services))], v.keywords[r.IntN(len(v.keywords))], v.targets[r.IntN(len(v.targets))])
}

// ---- indicator sets ----

type indicatorDef struct {
	name, guidance string
	weight, max    float64
}

var indicatorDefs = map[ledger.ReviewKind][2][]indicatorDef{
	ledger.InitialScreening: {
		{
			{"申报主体资格", "依法登记满一年，年检合格，无不良信用记录", 25, 10},
			{"申报材料完整性", "申报书、预算表、机构证照等材料齐全", 20, 10},
			{"项目与资助领域契合度", "服务内容符合本年度资助领域和方向", 30, 10},
			{"预算编制规范性", "预算科目清晰，人员经费和管理费比例符合规定", 25, 10},
		},
		{
			{"申报主体资格", "依法登记满一年，年检合格，无不良信用记录", 20, 10},
			{"申报材料完整性", "申报书、预算表、机构证照等材料齐全", 15, 10},
			{"项目与资助领域契合度", "服务内容符合本年度资助领域和方向", 25, 10},
			{"服务对象需求调研", "有需求调研数据支撑，服务对象界定清楚", 20, 10},
			{"预算编制规范性", "预算科目清晰，人员经费和管理费比例符合规定", 20, 10},
		},
	},
	ledger.ApprovalReview: {
		{
			{"需求分析", "服务对象需求明确，问题分析有数据支撑", 15, 15},
			{"项目目标", "目标具体、可测量、可实现", 15, 15},
			{"服务设计与方法", "服务内容、方法和专业理念匹配需求", 25, 25},
			{"团队专业能力", "专职社工配备和督导安排合理", 15, 15},
			{"预算合理性", "预算与服务内容匹配，单位成本合理", 20, 20},
			{"社会资源整合", "有配套资金或社会资源投入", 10, 10},
		},
		{
			{"需求分析", "服务对象需求明确，问题分析有数据支撑", 15, 15},
			{"项目目标", "目标具体、可测量、可实现", 10, 10},
			{"服务设计与方法", "服务内容、方法和专业理念匹配需求", 25, 25},
			{"团队专业能力", "专职社工配备和督导安排合理", 15, 15},
			{"预算合理性", "预算与服务内容匹配，单位成本合理", 15, 15},
			{"社会资源整合", "配套资金、志愿者和社区资源投入", 10, 10},
			{"创新性与可持续性", "服务模式有创新，项目结束后可持续", 10, 10},
		},
	},
	ledger.MidtermReview: {
		{
			{"进度完成情况", "服务人次和活动场次达到协议约定的阶段目标", 30, 10},
			{"服务质量", "服务过程规范，专业方法运用得当", 25, 10},
			{"资金使用", "预算执行进度合理，支出合规", 25, 10},
			{"服务对象满意度", "抽样回访满意度", 20, 10},
		},
		{
			{"进度完成情况", "服务人次和活动场次达到协议约定的阶段目标", 25, 10},
			{"服务质量", "服务过程规范，专业方法运用得当", 25, 10},
			{"资金使用", "预算执行进度合理，支出合规", 20, 10},
			{"项目管理规范", "台账、档案和督导记录完整", 15, 10},
			{"服务对象满意度", "抽样回访满意度", 15, 10},
		},
	},
	ledger.ClosingReview: {
		{
			{"目标达成度", "协议约定的产出和成效目标完成情况", 30, 100},
			{"服务成效", "服务对象状况改善的证据", 25, 100},
			{"资金使用与财务管理", "财务审计结论和预算执行率", 25, 100},
			{"服务对象满意度", "满意度调查结果", 20, 100},
		},
		{
			{"目标达成度", "协议约定的产出和成效目标完成情况", 25, 100},
			{"服务成效", "服务对象状况改善的证据", 25, 100},
			{"资金使用与财务管理", "财务审计结论和预算执行率", 20, 100},
			{"社会资源撬动", "配套资金、志愿者和社会资源投入", 10, 100},
			{"服务对象满意度", "满意度调查结果", 10, 100},
			{"推广与可持续性", "经验总结、案例提炼和后续运营安排", 10, 100},
		},
	},
}

var editions = [2]struct {
	name string
	on   ledger.Date
}{{"2010版", "2010-02-20"}, {"2014版", "2014-02-18"}}

func edition(year int) int {
	if year >= 2014 {
		return 1
	}
	return 0
}

func (g *generator) indicatorSets(d *Dataset) {
	for e, ed := range editions {
		for _, k := range ledger.ReviewKinds {
			s := &ledger.IndicatorSet{
				ID:          g.next("set"),
				Kind:        k,
				Name:        ledger.Label(k) + "指标",
				Edition:     ed.name,
				PublishedOn: ed.on,
			}
			for i, def := range indicatorDefs[k][e] {
				s.Indicators = append(s.Indicators, ledger.Indicator{
					ID: g.next("indicator"), SetID: s.ID, Position: i + 1,
					Name: def.name, Guidance: def.guidance, Weight: def.weight, MaxScore: def.max,
				})
			}
			g.sets[string(k)+ed.name] = s
			cp := *s
			cp.Indicators = append([]ledger.Indicator(nil), s.Indicators...)
			d.IndicatorSets = append(d.IndicatorSets, &cp)
		}
	}
}

// ---- rounds and the numeric plan ----

func (g *generator) roundsAndPlans(d *Dataset) {
	n := g.opts.Projects
	years := len(budgetsWan)
	bw := make([]float64, years)
	for i, b := range budgetsWan {
		bw[i] = float64(b)
	}
	counts := split(int64(n), bw, 1)
	budgets := make([]ledger.Money, years)
	for yi, b := range budgetsWan {
		budgets[yi] = ledger.Money(math.Round(float64(b*10_000*100) * g.scale))
		year := firstYear + yi
		r := &ledger.Round{
			ID:       g.next("round"),
			Year:     year,
			Title:    fmt.Sprintf("%d年度福彩公益金购买社会组织服务项目", year),
			Budget:   budgets[yi],
			OpensOn:  ds(day(year, time.March, 1)),
			ClosesOn: ds(day(year, time.April, 15)),
			Description: fmt.Sprintf("%d年度安排福彩公益金%s万元，面向扶老助老、扶残助残、扶贫济困和社区公益四个领域，向社会组织购买服务，"+
				"由第三方监测评估机构负责项目初筛、评审、监测和评估，第三方审计机构负责财务培训和专项审计。", year, wan(budgets[yi])),
		}
		g.rounds = append(g.rounds, r)
		cp := *r // the part's record may be changed by its consumer (Load sets IDs)
		d.Rounds = append(d.Rounds, &cp)
	}

	// Projects per round with their area, district, undertaker and fate.
	r := g.rng(2, 0)
	areaW := make([]float64, len(ledger.ServiceAreas))
	for i, a := range ledger.ServiceAreas {
		areaW[i] = vocab[a].weight
	}
	picker := newOrgPicker(r, g.undert)
	var all []*projectPlan
	for yi := range budgetsWan {
		year := firstYear + yi
		cnt := int(counts[yi])
		plans := make([]*projectPlan, cnt)
		seq := map[ledger.ServiceArea]int{}
		for i := range plans {
			area := ledger.ServiceAreas[pickWeighted(r, areaW)]
			org := picker.pick(r, area, year)
			dist := org.district
			if r.Float64() < 0.12 {
				dist = pickWeighted(r, districtWeights)
			}
			seq[area]++
			p := &projectPlan{
				yi: yi, year: year, seq: seq[area], area: area, district: dist, org: org,
				quality: clamp(0.82+0.07*r.NormFloat64(), 0.64, 0.98),
			}
			p.code = fmt.Sprintf("FC%d-%s-%04d", year, vocab[area].code, p.seq)
			evs := g.evaluators[:min(len(g.evaluators), 2+max(0, yi-1))]
			p.evaluator = evs[(dist+yi)%len(evs)]
			p.auditor = g.auditors[(areaIndex(area)+yi)%len(g.auditors)]
			plans[i] = p
		}
		// Fates: a few terminated every year; the last two rounds still run.
		perm := r.Perm(cnt)
		term := roundShare(cnt, 0.025)
		for i := range plans {
			plans[i].fate = fateCompleted
			if year == firstYear+years-1 {
				plans[i].fate = fateExecuting
			}
		}
		k := 0
		for ; k < term && k < cnt; k++ {
			p := plans[perm[k]]
			p.fate = fateTerminated
			p.lateEnd = r.Float64() < 0.5
			p.failedMid = p.lateEnd && r.Float64() < 0.5
		}
		extra := 0
		switch year {
		case firstYear + years - 2:
			extra = roundShare(cnt, 0.04)
		case firstYear + years - 1:
			extra = roundShare(cnt, 0.03)
		}
		for j := 0; j < extra && k < cnt; j, k = j+1, k+1 {
			if year == firstYear+years-1 {
				plans[perm[k]].fate = fateApproval
			} else {
				plans[perm[k]].fate = fateClosing
			}
		}
		for _, p := range plans {
			if p.fate == fateTerminated {
				p.quality = clamp(p.quality-0.12, 0.55, 0.9)
			}
		}
		// Project IDs follow the order of the plans.
		sort.SliceStable(plans, func(a, b int) bool {
			if plans[a].area != plans[b].area {
				return areaIndex(plans[a].area) < areaIndex(plans[b].area)
			}
			return plans[a].seq < plans[b].seq
		})
		for _, p := range plans {
			p.id = g.next("project")
		}
		g.plans = append(g.plans, plans)
		all = append(all, plans...)

		// Awards: the round's budget split in thousands of yuan.
		w := make([]float64, cnt)
		for i, p := range plans {
			w[i] = math.Exp(0.4*r.NormFloat64()) * (0.8 + 0.4*p.quality)
		}
		for i, a := range split(int64(budgets[yi]), w, 100_000) {
			plans[i].award = ledger.Money(a)
		}
	}

	// Leveraged funds and person-times: the programme's totals split over
	// every project by award, fate and chance.
	lw := make([]float64, len(all))
	vw := make([]float64, len(all))
	ew := make([]float64, len(all))
	bw2 := make([]float64, len(all))
	for i, p := range all {
		run := runShare(p)
		growth := 0.75 + 0.1*float64(p.yi) // later rounds leverage more
		lw[i] = float64(p.award) * growth * math.Exp(0.5*r.NormFloat64()) * max(run, 0.4)
		if p.area == ledger.PovertyRelief {
			lw[i] *= 1.4 // foundations and companies give to poverty relief
		}
		vw[i] = float64(p.award) * run * math.Exp(0.45*r.NormFloat64()) * areaVolunteerFactor(p.area)
		ew[i] = (1 + float64(p.award)/1.25e7) * run * math.Exp(0.3*r.NormFloat64())
		bw2[i] = float64(p.award) * run * math.Exp(0.5*r.NormFloat64()) * areaBeneficiaryFactor(p.area)
	}
	lev := split(g.scaled(leveragedYuan)*100, lw, 100)
	vol := split(g.scaled(volunteerVisits), vw, 1)
	exp := split(g.scaled(expertVisits), ew, 1)
	ben := split(g.scaled(beneficiaryVisits), bw2, 1)
	for i, p := range all {
		p.leveraged = ledger.Money(lev[i])
		p.volunteers, p.experts, p.visits = vol[i], exp[i], ben[i]
		if p.fate == fateApproval {
			p.cofunding = p.leveraged // no metrics yet: the agreement's figure counts
		} else {
			p.cofunding = ledger.Money(math.Round(float64(p.leveraged)*(0.8+0.3*r.Float64())/1e5) * 1e5)
		}
	}
}

// runShare is how much of a full year of service a project delivered.
func runShare(p *projectPlan) float64 {
	switch p.fate {
	case fateExecuting:
		return 0.75
	case fateApproval:
		return 0
	case fateTerminated:
		if p.lateEnd {
			return 0.55
		}
		return 0.3
	}
	return 1
}

func areaVolunteerFactor(a ledger.ServiceArea) float64 {
	switch a {
	case ledger.CommunityWelfare:
		return 1.6
	case ledger.ElderlySupport:
		return 1.1
	}
	return 0.8
}

func areaBeneficiaryFactor(a ledger.ServiceArea) float64 {
	switch a {
	case ledger.CommunityWelfare:
		return 1.8
	case ledger.ElderlySupport:
		return 1.1
	case ledger.DisabilitySupport:
		return 0.5
	}
	return 0.7
}

func areaIndex(a ledger.ServiceArea) int {
	for i, x := range ledger.ServiceAreas {
		if x == a {
			return i
		}
	}
	return 0
}

func roundShare(n int, share float64) int {
	k := int(math.Round(float64(n) * share))
	if k == 0 && n >= 20 {
		k = 1
	}
	return k
}

// orgPicker chooses undertakers: new organizations get their first project
// early, established ones win more over the years.
type orgPicker struct {
	byArea map[ledger.ServiceArea][]*undertaker // main or secondary area
	queue  map[ledger.ServiceArea][]*undertaker // not yet used, oldest first
	used   map[int64]bool
	cum    map[ledger.ServiceArea][]float64
}

func newOrgPicker(r *rand.Rand, us []*undertaker) *orgPicker {
	p := &orgPicker{byArea: map[ledger.ServiceArea][]*undertaker{}, queue: map[ledger.ServiceArea][]*undertaker{},
		used: map[int64]bool{}, cum: map[ledger.ServiceArea][]float64{}}
	for _, u := range us {
		for _, a := range u.areas {
			p.byArea[a] = append(p.byArea[a], u)
		}
		p.queue[u.areas[0]] = append(p.queue[u.areas[0]], u)
	}
	for _, a := range ledger.ServiceAreas {
		q := p.queue[a]
		r.Shuffle(len(q), func(i, j int) { q[i], q[j] = q[j], q[i] })
		sort.SliceStable(q, func(i, j int) bool { return q[i].founded < q[j].founded })
		p.queue[a] = q
	}
	for a, list := range p.byArea {
		c := make([]float64, len(list))
		t := 0.0
		for i, u := range list {
			w := u.weight
			if u.areas[0] != a {
				w *= 0.3
			}
			t += w
			c[i] = t
		}
		p.cum[a] = c
	}
	return p
}

func (p *orgPicker) pick(r *rand.Rand, area ledger.ServiceArea, year int) *undertaker {
	if q := p.queue[area]; len(q) > 0 && q[0].founded < year && r.Float64() < 0.4 {
		p.queue[area] = q[1:]
		p.used[q[0].id] = true
		return q[0]
	}
	list, c := p.byArea[area], p.cum[area]
	for try := 0; try < 50; try++ {
		i := sort.SearchFloat64s(c, r.Float64()*c[len(c)-1])
		if i >= len(list) {
			i = len(list) - 1
		}
		if u := list[i]; u.founded < year {
			return u
		}
	}
	// Fall back to the oldest organization of the area.
	best := list[0]
	for _, u := range list {
		if u.founded < best.founded {
			best = u
		}
	}
	return best
}

// ---- helpers ----

// split divides total into shares proportional to w by the largest
// remainder: every share is a multiple of unit except the largest, which
// also takes total%unit. The shares add up to total exactly.
func split(total int64, w []float64, unit int64) []int64 {
	out := make([]int64, len(w))
	if len(w) == 0 {
		return out
	}
	units, rem := total/unit, total%unit
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	if sum <= 0 {
		out[0] = total
		return out
	}
	type frac struct {
		i int
		f float64
	}
	fr := make([]frac, len(w))
	var given int64
	for i, x := range w {
		exact := float64(units) * x / sum
		fl := math.Floor(exact)
		out[i] = int64(fl)
		given += out[i]
		fr[i] = frac{i, exact - fl}
	}
	sort.Slice(fr, func(a, b int) bool {
		if fr[a].f != fr[b].f {
			return fr[a].f > fr[b].f
		}
		return fr[a].i < fr[b].i
	})
	for k := 0; given < units; k = (k + 1) % len(fr) {
		out[fr[k].i]++
		given++
	}
	for k := 0; given > units; k = (k + 1) % len(fr) {
		if out[fr[k].i] > 0 {
			out[fr[k].i]--
			given--
		}
	}
	big := 0
	for i := range out {
		out[i] *= unit
		if out[i] > out[big] {
			big = i
		}
	}
	out[big] += rem
	return out
}

func pickWeighted(r *rand.Rand, w []float64) int {
	t := 0.0
	for _, x := range w {
		t += x
	}
	x := r.Float64() * t
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// ds returns the date of t (a UTC midnight), from a table for the years the
// data set spans.
func ds(t time.Time) ledger.Date {
	if d := t.Sub(dateBase); d >= 0 && d%(24*time.Hour) == 0 && t.Location() == time.UTC {
		if off := int(d / (24 * time.Hour)); off < len(dateTable) {
			return dateTable[off]
		}
	}
	return ledger.Date(t.Format(time.DateOnly))
}

var (
	dateBase  = day(1995, time.January, 1)
	dateTable = func() []ledger.Date {
		var out []ledger.Date
		for t := dateBase; t.Year() < 2020; t = t.AddDate(0, 0, 1) {
			out = append(out, ledger.Date(t.Format(time.DateOnly)))
		}
		return out
	}()
)

func addDays(t time.Time, n int) time.Time { return t.AddDate(0, 0, n) }

// wan formats money as 万元 with up to two decimals.
func wan(m ledger.Money) string {
	v := float64(m) / 100 / 10_000
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// yuan formats money as yuan with two decimals and thousands separators.
func yuan(m ledger.Money) string {
	s := m.String()
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + "." + frac
}
