package demo

import (
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"

	"civicledger/ledger"
)

var (
	defaultOnce sync.Once
	defaultSet  *Dataset
)

// dataset returns the default data set, generated once for all tests.
func dataset(t testing.TB) *Dataset {
	t.Helper()
	defaultOnce.Do(func() { defaultSet = Generate(Options{}) })
	return defaultSet
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(Options{}), Generate(Options{})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two Generate calls with the same options differ")
	}
	c := Generate(Options{Seed: 7})
	if reflect.DeepEqual(a.Projects, c.Projects) {
		t.Fatal("a different seed gives the same projects")
	}
	// Stream hands out the same records as Generate.
	var streamed Dataset
	if err := Stream(Options{}, func(p *Dataset) error { streamed.append(p); return nil }); err != nil {
		t.Fatal(err)
	}
	streamed.Options = a.Options
	if !reflect.DeepEqual(a, &streamed) {
		t.Fatal("Stream and Generate differ")
	}
}

// within checks that got is within 1% of want.
func within(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > want*0.01 {
		t.Errorf("%s = %.2f, want within 1%% of %.0f", name, got, want)
	} else {
		t.Logf("%s = %.2f (docs/domain.md: %.0f)", name, got, want)
	}
}

// rollUp computes the programme totals from the records alone by the store's
// rule: per project and kind VERIFIED rows if any, else SELF_REPORTED, summed
// over periods; leveraged funds fall back to the agreed co-funding.
func rollUp(d *Dataset) (awarded, leveraged ledger.Money, visits map[ledger.MetricKind]int64) {
	type key struct {
		project int64
		kind    ledger.MetricKind
	}
	sums := map[key][2]int64{}
	has := map[key][2]bool{}
	for _, m := range d.Metrics {
		k := key{m.ProjectID, m.Kind}
		i := 0
		if m.Provenance == ledger.Verified {
			i = 1
		}
		s, h := sums[k], has[k]
		s[i] += m.Value
		h[i] = true
		sums[k], has[k] = s, h
	}
	pick := func(k key) (int64, bool) {
		if has[k][1] {
			return sums[k][1], true
		}
		return sums[k][0], has[k][0]
	}
	visits = map[ledger.MetricKind]int64{}
	for _, p := range d.Projects {
		awarded += p.Awarded
		if v, ok := pick(key{p.ID, ledger.LeveragedFunds}); ok {
			leveraged += ledger.Money(v)
		} else {
			leveraged += p.CoFunding
		}
		for _, k := range []ledger.MetricKind{ledger.BeneficiaryVisits, ledger.VolunteerVisits, ledger.ExpertVisits, ledger.VolunteerHours} {
			v, _ := pick(key{p.ID, k})
			visits[k] += v
		}
	}
	return awarded, leveraged, visits
}

func TestTotalsMatchDomain(t *testing.T) {
	d := dataset(t)
	funded := 0
	for _, p := range d.Projects {
		if p.Outcome != ledger.Rejected {
			funded++
		}
	}
	if funded != 717 {
		t.Errorf("%d funded projects, want 717", funded)
	}
	awarded, leveraged, visits := rollUp(d)
	within(t, "awarded (yuan)", float64(awarded)/100, 90_000_000)
	within(t, "leveraged (yuan)", float64(leveraged)/100, 120_000_000)
	within(t, "volunteer person-times", float64(visits[ledger.VolunteerVisits]), 100_000)
	within(t, "expert person-times", float64(visits[ledger.ExpertVisits]), 30_000)
	within(t, "beneficiary person-times", float64(visits[ledger.BeneficiaryVisits]), 5_200_000)
	if leveraged >= ledger.Yuan(120_000_000) {
		t.Errorf("leveraged %s yuan, docs/domain.md says nearly (under) 120 million", leveraged)
	}

	// The Summary uses the same rule.
	s := d.Summary()
	if s.Totals.Awarded != awarded || s.Totals.Leveraged != leveraged ||
		s.Totals.BeneficiaryVisits != visits[ledger.BeneficiaryVisits] || s.Totals.VolunteerVisits != visits[ledger.VolunteerVisits] ||
		s.Totals.ExpertVisits != visits[ledger.ExpertVisits] || s.Totals.VolunteerHours != visits[ledger.VolunteerHours] {
		t.Errorf("Summary totals %+v disagree with the roll-up", s.Totals)
	}

	// Each round awards exactly its budget; the budget grows from 500万 to 2000万.
	byRound := map[int64]ledger.Money{}
	for _, p := range d.Projects {
		byRound[p.RoundID] += p.Awarded
	}
	if len(d.Rounds) != 7 || d.Rounds[0].Year != 2010 || d.Rounds[6].Year != 2016 {
		t.Fatalf("rounds %d, want 2010–2016", len(d.Rounds))
	}
	if d.Rounds[0].Budget != ledger.Yuan(5_000_000) || d.Rounds[6].Budget != ledger.Yuan(20_000_000) {
		t.Errorf("budgets %s … %s, want 5,000,000 … 20,000,000", d.Rounds[0].Budget, d.Rounds[6].Budget)
	}
	for _, r := range d.Rounds {
		if byRound[r.ID] != r.Budget {
			t.Errorf("round %d awards %s, budget %s", r.Year, byRound[r.ID], r.Budget)
		}
	}
}

func TestEveryRecordValidates(t *testing.T) {
	d := dataset(t)
	check := func(what string, id int64, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s %d: %v", what, id, err)
		}
	}
	inRange := func(what string, id int64, n int) {
		t.Helper()
		if id < 1 || id > int64(n) {
			t.Errorf("%s reference %d out of range 1..%d", what, id, n)
		}
	}
	for i, r := range d.Rounds {
		check("round", r.ID, r.Validate())
		inRange("round ID", r.ID, i+1)
	}
	for _, o := range d.Organizations {
		check("organization", o.ID, o.Validate())
	}
	indicators := map[int64][]ledger.Indicator{}
	for _, s := range d.IndicatorSets {
		check("indicator set", s.ID, s.Validate())
		indicators[s.ID] = s.Indicators
	}
	for i, p := range d.Projects {
		check("project", p.ID, p.Validate())
		if p.ID != int64(i+1) {
			t.Fatalf("project %d has local ID %d", i, p.ID)
		}
		inRange("project round", p.RoundID, len(d.Rounds))
		inRange("project undertaker", p.UndertakerID, len(d.Organizations))
		if o := d.Organizations[p.UndertakerID-1]; o.Kind != ledger.Undertaker {
			t.Errorf("project %s undertaker is a %s", p.Code, o.Kind)
		}
		if o := d.Organizations[*p.EvaluatorID-1]; o.Kind != ledger.Evaluator {
			t.Errorf("project %s evaluator is a %s", p.Code, o.Kind)
		}
		if p.AuditorID == nil {
			if p.Outcome != ledger.Rejected {
				t.Errorf("funded project %s has no auditor", p.Code)
			}
		} else if o := d.Organizations[*p.AuditorID-1]; o.Kind != ledger.Auditor {
			t.Errorf("project %s auditor is a %s", p.Code, o.Kind)
		}
	}
	for _, e := range d.StageEvents {
		check("stage event", e.ID, e.Validate())
		inRange("event project", e.ProjectID, len(d.Projects))
	}
	for _, s := range d.Scorecards {
		check("scorecard", s.ID, ledger.CheckScores(indicators[s.SetID], s.Scores))
		if len(s.Scores) != len(indicators[s.SetID]) {
			t.Errorf("scorecard %d scores %d of %d indicators", s.ID, len(s.Scores), len(indicators[s.SetID]))
		}
		if d.IndicatorSets[s.SetID-1].Kind != s.Kind {
			t.Errorf("scorecard %d of kind %s uses a %s set", s.ID, s.Kind, d.IndicatorSets[s.SetID-1].Kind)
		}
	}
	for _, a := range d.Audits {
		check("audit", a.ID, a.Validate())
		if a.ReportID != nil && d.Reports[*a.ReportID-1].Kind != ledger.AuditReport {
			t.Errorf("audit %d links a %s", a.ID, d.Reports[*a.ReportID-1].Kind)
		}
	}
	for _, m := range d.Metrics {
		check("metric", m.ID, m.Validate())
	}
	for _, a := range d.Announcements {
		check("announcement", a.ID, a.Validate())
		for _, id := range a.ProjectIDs {
			inRange("announcement project", id, len(d.Projects))
		}
	}
	for _, r := range d.Reports {
		check("report", r.ID, r.Validate())
	}
	for _, c := range d.CaseCollections {
		check("case collection", c.ID, c.Validate())
	}
	for _, c := range d.CaseStudies {
		check("case study", c.ID, c.Validate())
		inRange("case study collection", c.CollectionID, len(d.CaseCollections))
	}
	for _, f := range d.Feedback {
		check("feedback", f.ID, f.Validate())
	}
	unique := func(what string, keys []string) {
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k] {
				t.Errorf("duplicate %s %q", what, k)
			}
			seen[k] = true
		}
	}
	var codes, reports, anns, names, credits []string
	for _, p := range d.Projects {
		codes = append(codes, p.Code)
	}
	for _, r := range d.Reports {
		reports = append(reports, r.Code)
	}
	for _, a := range d.Announcements {
		anns = append(anns, a.Code)
	}
	for _, o := range d.Organizations {
		names, credits = append(names, o.Name), append(credits, o.CreditCode)
	}
	unique("project code", codes)
	unique("report code", reports)
	unique("announcement code", anns)
	unique("organization name", names)
	unique("credit code", credits)
}

func TestOrganizations(t *testing.T) {
	d := dataset(t)
	kinds := map[ledger.OrgKind]int{}
	districtsSeen := map[string]bool{}
	for _, o := range d.Organizations {
		if err := ledger.ValidateCreditCode("creditCode", o.CreditCode); err != nil {
			t.Errorf("%s: %v", o.Name, err)
		}
		kinds[o.Kind]++
		switch o.Kind {
		case ledger.Undertaker:
			districtsSeen[o.District] = true
			if o.CreditCode[0] != '5' || !strings.ContainsRune("123", rune(o.CreditCode[1])) {
				t.Errorf("%s: social organization code %s should start 51, 52 or 53", o.Name, o.CreditCode)
			}
		case ledger.Department:
			if o.CreditCode[:2] != "11" {
				t.Errorf("%s: department code %s should start 11", o.Name, o.CreditCode)
			}
		}
	}
	if n := kinds[ledger.Undertaker]; n < 150 || n > 250 {
		t.Errorf("%d undertakers, want 150–250", n)
	}
	if n := kinds[ledger.Evaluator]; n < 3 || n > 4 {
		t.Errorf("%d evaluators, want 3–4", n)
	}
	if n := kinds[ledger.Auditor]; n < 2 || n > 3 {
		t.Errorf("%d auditors, want 2–3", n)
	}
	if kinds[ledger.Department] != 2 {
		t.Errorf("%d departments, want the civil affairs and finance bureaus", kinds[ledger.Department])
	}
	if len(districtsSeen) < 8 || !districtsSeen["长宁区"] {
		t.Errorf("undertakers in %d districts (长宁区 %v), want 8–10 including 长宁区", len(districtsSeen), districtsSeen["长宁区"])
	}
}

func TestTranchesNeverExceedAwards(t *testing.T) {
	d := dataset(t)
	paid := map[int64]ledger.Money{}
	for _, tr := range d.Tranches {
		p := d.Projects[tr.ProjectID-1]
		if err := ledger.CheckTranche(tr, p.Awarded, paid[p.ID]); err != nil {
			t.Errorf("project %s: %v", p.Code, err)
		}
		paid[p.ID] += tr.Amount
	}
	recovered := map[int64]ledger.Money{}
	for _, a := range d.Audits {
		recovered[a.ProjectID] += a.Recovered
	}
	for _, p := range d.Projects {
		if p.Outcome == ledger.Completed && paid[p.ID] != p.Awarded {
			t.Errorf("completed project %s paid %s of %s", p.Code, paid[p.ID], p.Awarded)
		}
		if recovered[p.ID] > paid[p.ID] {
			t.Errorf("project %s recovers %s of %s paid", p.Code, recovered[p.ID], paid[p.ID])
		}
	}
}

func TestStagesAndHistory(t *testing.T) {
	d := dataset(t)
	events := map[int64][]*ledger.StageEvent{}
	for _, e := range d.StageEvents {
		events[e.ProjectID] = append(events[e.ProjectID], e)
	}
	type tally struct{ n, completed, executing, terminated int }
	byYear := map[int]*tally{}
	for _, p := range d.Projects {
		ev := events[p.ID]
		if len(ev) < 2 || ev[0].Stage != ledger.Solicitation {
			t.Fatalf("project %s history %v does not start with solicitation", p.Code, ev)
		}
		last := ev[len(ev)-1]
		if last.Stage != p.Stage || last.Outcome != p.Outcome {
			t.Errorf("project %s is %s/%s but its last event is %s/%s", p.Code, p.Stage, p.Outcome, last.Stage, last.Outcome)
		}
		for i := 1; i < len(ev); i++ {
			if ev[i].OccurredOn < ev[i-1].OccurredOn {
				t.Errorf("project %s history goes back in time at %s", p.Code, ev[i].OccurredOn)
			}
		}
		if p.Outcome == ledger.Rejected {
			if strings.TrimSpace(last.Reason) == "" {
				t.Errorf("rejected application %s has no reason", p.Code)
			}
			continue // applications, not funded projects: tested in TestRejectedApplications
		}
		y := byYear[p.Year]
		if y == nil {
			y = &tally{}
			byYear[p.Year] = y
		}
		y.n++
		switch {
		case p.Outcome == ledger.Completed:
			y.completed++
		case p.Outcome == ledger.Terminated:
			y.terminated++
			if strings.TrimSpace(last.Reason) == "" {
				t.Errorf("terminated project %s has no reason", p.Code)
			}
		case p.Stage == ledger.Execution:
			y.executing++
		}
	}
	for year, y := range byYear {
		switch {
		case year <= 2015 && y.completed*10 < y.n*9:
			t.Errorf("%d: %d of %d completed, want most", year, y.completed, y.n)
		case year == 2016 && y.executing*10 < y.n*9:
			t.Errorf("2016: %d of %d in execution, want most", y.executing, y.n)
		}
		if y.terminated == 0 {
			t.Errorf("%d: no terminated project", year)
		}
	}
}

func TestReportsAndTexts(t *testing.T) {
	d := dataset(t)
	if len(d.Reports) < 2000 {
		t.Errorf("%d reports, want at least 2,000", len(d.Reports))
	}
	kinds := map[ledger.ReportKind]int{}
	for _, r := range d.Reports {
		kinds[r.Kind]++
		if n := strings.Count(r.Body, "\n\n"); n < 2 && r.Kind != ledger.ApplicationSummary {
			t.Errorf("report %s has %d paragraphs, want several", r.Code, n+1)
		}
	}
	for _, k := range []ledger.ReportKind{ledger.QuarterlySummary, ledger.MidtermReport, ledger.AuditReport, ledger.AcceptanceReport,
		ledger.EvaluationReport, ledger.CaseStudyReport, ledger.ImplementationPlan, ledger.SolicitationReport, ledger.TrainingMaterial} {
		if kinds[k] == 0 {
			t.Errorf("no %s report", k)
		}
	}
	t.Logf("reports by kind: %v", kinds)
	anns := map[ledger.AnnouncementKind]map[int64]int{}
	for _, a := range d.Announcements {
		if anns[a.Kind] == nil {
			anns[a.Kind] = map[int64]int{}
		}
		anns[a.Kind][*a.RoundID]++
		if a.Kind == ledger.ApprovalNotice && (a.NoticeEnd.Time().Sub(a.NoticeStart.Time()).Hours() != 6*24 || len(a.ProjectIDs) == 0) {
			t.Errorf("approval notice %s: period %s–%s, %d projects", a.Code, a.NoticeStart, a.NoticeEnd, len(a.ProjectIDs))
		}
	}
	for _, r := range d.Rounds {
		if anns[ledger.SolicitationNotice][r.ID] != 1 || anns[ledger.ApprovalNotice][r.ID] != 1 {
			t.Errorf("round %d: %d solicitation and %d approval notices, want one each", r.Year,
				anns[ledger.SolicitationNotice][r.ID], anns[ledger.ApprovalNotice][r.ID])
		}
	}
	for _, k := range ledger.AnnouncementKinds {
		if len(anns[k]) == 0 {
			t.Errorf("no %s announcement", k)
		}
	}
	years := map[int]bool{}
	for _, c := range d.CaseCollections {
		years[c.Year] = true
	}
	for y := 2011; y <= 2016; y++ {
		if !years[y] {
			t.Errorf("no case collection for %d", y)
		}
	}
}

// texts returns every searchable text of the data set with its project.
func texts(d *Dataset) (out []string, project []int64) {
	for _, r := range d.Reports {
		var id int64
		if r.ProjectID != nil {
			id = *r.ProjectID
		}
		out, project = append(out, r.Title+"\n"+r.Body), append(project, id)
	}
	for _, p := range d.Projects {
		out, project = append(out, p.Title+"\n"+p.Summary), append(project, p.ID)
	}
	for _, a := range d.Announcements {
		out, project = append(out, a.Title+"\n"+a.Body), append(project, 0)
	}
	for _, c := range d.CaseStudies {
		out, project = append(out, c.Title+"\n"+c.Narrative), append(project, c.ProjectID)
	}
	for _, o := range d.Organizations {
		out, project = append(out, o.Name+"\n"+o.Description), append(project, 0)
	}
	return out, project
}

// TestBigramTraps checks the planted traps: 国家政策 appears only in texts not
// about 家政, 市长 only inside 本市长宁区, and some texts really are about 家政服务.
func TestBigramTraps(t *testing.T) {
	d := dataset(t)
	all, _ := texts(d)
	var policy, changning, domestic int
	for _, s := range all {
		if strings.Contains(s, "国家政策") {
			policy++
			if strings.Count(s, "家政") != strings.Count(s, "国家政策") {
				t.Errorf("a text with 国家政策 also mentions 家政: %.80s", s)
			}
		}
		if n := strings.Count(s, "市长"); n > 0 {
			if n != strings.Count(s, "本市长宁区") {
				t.Errorf("市长 outside 本市长宁区: %.80s", s)
			}
			changning++
		}
		if strings.Contains(s, "家政服务") {
			domestic++
		}
	}
	t.Logf("texts: %d with 国家政策, %d with 本市长宁区, %d about 家政服务", policy, changning, domestic)
	if policy < 10 || changning < 10 || domestic < 10 {
		t.Errorf("traps too rare: %d 国家政策, %d 本市长宁区, %d 家政服务", policy, changning, domestic)
	}
}

// TestAreaWordsDominate checks that each area's reports speak its own words
// more than any other area's.
func TestAreaWordsDominate(t *testing.T) {
	d := dataset(t)
	core := map[ledger.ServiceArea][]string{
		ledger.ElderlySupport:    {"养老", "长者食堂", "助餐", "适老化改造", "失能老人"},
		ledger.DisabilitySupport: {"助残", "康复", "辅具", "就业支持", "残疾"},
		ledger.PovertyRelief:     {"济困", "低保", "困难家庭", "助学", "救助"},
		ledger.CommunityWelfare:  {"邻里", "志愿服务", "社区营造", "居民议事", "自组织"},
	}
	count := map[ledger.ServiceArea]map[ledger.ServiceArea]int{}
	for _, a := range ledger.ServiceAreas {
		count[a] = map[ledger.ServiceArea]int{}
	}
	for _, r := range d.Reports {
		if r.ProjectID == nil {
			continue
		}
		area := d.Projects[*r.ProjectID-1].ServiceArea
		for b, words := range core {
			for _, w := range words {
				count[area][b] += strings.Count(r.Body, w)
			}
		}
	}
	for _, a := range ledger.ServiceAreas {
		for _, b := range ledger.ServiceAreas {
			if b != a && count[a][b]*2 > count[a][a] {
				t.Errorf("%s reports: own words %d, %s words %d", a, count[a][a], b, count[a][b])
			}
		}
	}
	t.Logf("area word counts: %v", count)
}

func TestFeedbackMostlySatisfied(t *testing.T) {
	d := dataset(t)
	projects := map[int64]bool{}
	high, comments := 0, 0
	for _, f := range d.Feedback {
		projects[f.ProjectID] = true
		if f.Rating >= 4 {
			high++
		}
		if f.Comment != "" {
			comments++
		}
	}
	if funded := d.Summary().Projects; len(projects) < funded/2 {
		t.Errorf("feedback for %d of %d funded projects, want many", len(projects), funded)
	}
	if high*10 < len(d.Feedback)*7 {
		t.Errorf("%d of %d ratings are 4–5, want most", high, len(d.Feedback))
	}
	if comments == 0 || comments*2 > len(d.Feedback) {
		t.Errorf("%d of %d rows have comments, want a few", comments, len(d.Feedback))
	}
}

func TestReportsPerProjectCaps(t *testing.T) {
	d := Generate(Options{ReportsPerProject: 1})
	full := dataset(t)
	if !reflect.DeepEqual(d.Feedback, full.Feedback) || !reflect.DeepEqual(d.Metrics, full.Metrics) ||
		!reflect.DeepEqual(d.Scorecards, full.Scorecards) || !reflect.DeepEqual(d.Projects, full.Projects) {
		t.Error("capping reports changed other records")
	}
	per := map[int64]int{}
	for _, r := range d.Reports {
		if r.ProjectID != nil && r.Kind != ledger.CaseStudyReport {
			per[*r.ProjectID]++
		}
	}
	for id, n := range per {
		if n > 1 {
			t.Fatalf("project %d has %d reports, cap is 1", id, n)
		}
	}
	for _, a := range d.Audits {
		if a.ReportID != nil && d.Reports[*a.ReportID-1].Kind != ledger.AuditReport {
			t.Fatalf("audit %d links a %s", a.ID, d.Reports[*a.ReportID-1].Kind)
		}
	}
}

func TestScalesToLargeSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("large data set")
	}
	const n = 20_000
	var s Summary
	err := Stream(Options{Projects: n, ReportsPerProject: 2}, func(p *Dataset) error {
		s.add(p, p.projectFigures())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Projects != n {
		t.Fatalf("%d projects, want %d", s.Projects, n)
	}
	f := float64(n) / DefaultProjects
	within(t, "awarded (yuan)", float64(s.Totals.Awarded)/100, 90_000_000*f)
	within(t, "leveraged (yuan)", float64(s.Totals.Leveraged)/100, 120_000_000*f)
	within(t, "volunteer person-times", float64(s.Totals.VolunteerVisits), 100_000*f)
	within(t, "expert person-times", float64(s.Totals.ExpertVisits), 30_000*f)
	within(t, "beneficiary person-times", float64(s.Totals.BeneficiaryVisits), 5_200_000*f)
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		Generate(Options{})
	}
}

func BenchmarkStream100k(b *testing.B) {
	for b.Loop() {
		_ = Stream(Options{Projects: 100_000}, func(*Dataset) error { return nil })
	}
}
