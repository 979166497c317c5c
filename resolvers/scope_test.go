package resolvers_test

import (
	"strings"
	"testing"

	"civicledger/demo"
)

// TestFundedByDefault checks that stats and projects answer the funded
// projects unless the filter's scope asks otherwise: the default totals are
// docs/domain.md's (717 projects, 90,000,000.00 awarded, 119,600,000.00
// leveraged, 5,186,000 beneficiaries, 100,000 volunteers, 30,000 experts),
// the rejected applications are listed when asked, and a rejected
// application's page shows its scorecards and the reason of its rejection.
func TestFundedByDefault(t *testing.T) {
	want := demo.Generate(demo.Options{}).Summary()
	eachDialect(t, func(t *testing.T, c *client) {
		type total struct {
			Projects                           int64
			Awarded, Leveraged                 string
			Beneficiaries, Volunteers, Experts int64
			Terminated                         int64
		}
		var out map[string]struct {
			Scope string
			Total total
		}
		c.must(`query {
			none: stats { scope total { projects awarded leveraged beneficiaries volunteers experts terminated } }
			funded: stats(filter: {scope: FUNDED}) { scope total { projects awarded leveraged beneficiaries volunteers experts terminated } }
			grouped: stats(filter: {years: [2010, 2011, 2012, 2013, 2014, 2015, 2016]}) { scope total { projects awarded leveraged beneficiaries volunteers experts terminated } }
			apps: stats(filter: {scope: APPLICATIONS}) { scope total { projects awarded leveraged beneficiaries volunteers experts terminated } }
			rejected: stats(filter: {scope: REJECTED}) { scope total { projects awarded leveraged beneficiaries volunteers experts terminated } }
			byOrg: stats(filter: {scope: REJECTED, awardedMin: "0.00"}) { scope total { projects awarded leveraged beneficiaries volunteers experts terminated } }
		}`, nil, &out)
		headline := total{717, "90000000.00", "119600000.00", 5_186_000, 100_000, 30_000, int64(want.Terminated)}
		for name, w := range map[string]struct {
			scope string
			total total
		}{
			"none": {"FUNDED", headline}, "funded": {"FUNDED", headline}, "grouped": {"FUNDED", headline},
			"apps":     {"APPLICATIONS", total{int64(want.Applications), "90000000.00", "119600000.00", 5_186_000, 100_000, 30_000, int64(want.Terminated)}},
			"rejected": {"REJECTED", total{int64(want.Rejected), "0.00", "0.00", 0, 0, 0, 0}},
			"byOrg":    {"REJECTED", total{int64(want.Rejected), "0.00", "0.00", 0, 0, 0, 0}}, // not from the rollup
		} {
			if got := out[name]; got.Scope != w.scope || got.Total != w.total {
				t.Errorf("%s: scope %s totals %+v, want %s %+v", name, got.Scope, got.Total, w.scope, w.total)
			}
		}
		if want.Rejected < 700 || want.Applications != 717+want.Rejected {
			t.Fatalf("demo: %d rejected of %d applications", want.Rejected, want.Applications)
		}

		// The rounds' own totals count their funded projects too.
		var rounds struct {
			Rounds []struct {
				Stats struct{ Projects int64 }
			}
		}
		c.must(`{ rounds { stats { projects } } }`, nil, &rounds)
		var inRounds int64
		for _, r := range rounds.Rounds {
			inRounds += r.Stats.Projects
		}
		if inRounds != 717 {
			t.Errorf("rounds count %d projects, want the 717 funded", inRounds)
		}

		// The lists agree with the totals, and the rejected ones are listed.
		var lists map[string]struct {
			TotalCount int
			Nodes      []struct {
				Code, Stage, Awarded string
				Outcome              *string
			}
		}
		c.must(`query {
			none: projects(first: 100) { totalCount nodes { code stage outcome awarded } }
			apps: projects(filter: {scope: APPLICATIONS}, first: 1) { totalCount nodes { code stage outcome awarded } }
			rejected: projects(filter: {scope: REJECTED}, first: 100) { totalCount nodes { code stage outcome awarded } }
			screened: projects(filter: {scope: REJECTED, stages: [SOLICITATION]}, first: 1) { totalCount nodes { code stage outcome awarded } }
			outcome: projects(filter: {scope: APPLICATIONS, outcomes: [REJECTED]}, first: 1) { totalCount nodes { code stage outcome awarded } }
		}`, nil, &lists)
		if lists["none"].TotalCount != 717 || lists["apps"].TotalCount != want.Applications ||
			lists["rejected"].TotalCount != want.Rejected || lists["outcome"].TotalCount != want.Rejected {
			t.Errorf("totalCount: default %d, applications %d, rejected %d, outcome REJECTED %d; want 717, %d, %d",
				lists["none"].TotalCount, lists["apps"].TotalCount, lists["rejected"].TotalCount, lists["outcome"].TotalCount,
				want.Applications, want.Rejected)
		}
		for _, p := range lists["none"].Nodes {
			if p.Outcome != nil && *p.Outcome == "REJECTED" {
				t.Errorf("default list holds rejected %s", p.Code)
			}
		}
		stages := map[string]int{}
		for _, p := range lists["rejected"].Nodes {
			if p.Outcome == nil || *p.Outcome != "REJECTED" || p.Awarded != "0.00" {
				t.Errorf("rejected list holds %+v", p)
			}
			stages[p.Stage]++
		}
		if n := lists["screened"].TotalCount; n == 0 || n >= want.Rejected || stages["SOLICITATION"] == 0 || stages["APPROVAL"] == 0 {
			t.Errorf("%d rejected at screening of %d, page stages %v: want both screening and review rejections", n, want.Rejected, stages)
		}

		// A rejected application's page: its timeline ends with the reason,
		// its scorecards say it did not pass.
		for _, code := range []string{lists["screened"].Nodes[0].Code, lastReviewRejected(lists["rejected"].Nodes)} {
			var page struct {
				Project struct {
					Code, Stage, OutcomeLabel string
					ApprovedOn                *string
					Timeline                  []struct {
						Stage, OccurredOn, Reason string
						Outcome                   *string
					}
					Scorecards []struct {
						Kind          string
						Passed        bool
						WeightedTotal float64
					}
					Tranches []struct{ Amount string }
					Metrics  []struct{ Value int64 }
					Figures  struct{ Leveraged string }
				}
			}
			c.must(`query($code: String!) { project(code: $code) { code stage outcomeLabel approvedOn
				timeline { stage outcome occurredOn reason } scorecards { kind passed weightedTotal }
				tranches { amount } metrics { value } figures { leveraged } } }`, map[string]any{"code": code}, &page)
			p := page.Project
			tl := p.Timeline
			if p.Code != code || p.OutcomeLabel != "未获立项" || p.ApprovedOn != nil || len(tl) < 2 {
				t.Fatalf("rejected %s: %+v", code, p)
			}
			last := tl[len(tl)-1]
			wantReason, wantCards := "初筛未通过", []string{"INITIAL_SCREENING"}
			if p.Stage == "APPROVAL" {
				wantReason, wantCards = "立项评审未通过", []string{"INITIAL_SCREENING", "APPROVAL_REVIEW"}
			}
			if last.Outcome == nil || *last.Outcome != "REJECTED" || last.Stage != p.Stage || !strings.HasPrefix(last.Reason, wantReason) {
				t.Errorf("rejected %s: timeline ends %+v, want REJECTED in %s with a reason starting %s", code, last, p.Stage, wantReason)
			}
			if len(p.Scorecards) != len(wantCards) {
				t.Fatalf("rejected %s: scorecards %+v, want %v", code, p.Scorecards, wantCards)
			}
			for i, s := range p.Scorecards {
				if s.Kind != wantCards[i] || s.Passed != (i < len(wantCards)-1) || s.WeightedTotal <= 0 {
					t.Errorf("rejected %s: scorecard %d %+v", code, i, s)
				}
			}
			if len(p.Tranches) != 0 || len(p.Metrics) != 0 || p.Figures.Leveraged != "0.00" {
				t.Errorf("rejected %s has tranches %v, metrics %d, leveraged %s", code, p.Tranches, len(p.Metrics), p.Figures.Leveraged)
			}
		}

		// An outcome the scope excludes is refused, naming the field.
		for q, field := range map[string]string{
			`{ projects(filter: {outcomes: [REJECTED]}) { totalCount } }`:                        "filter.outcomes",
			`{ stats(filter: {scope: REJECTED, outcomes: [COMPLETED]}) { total { projects } } }`: "filter.outcomes",
		} {
			errs := c.do(q, nil, nil)
			if len(errs) != 1 || errs[0].Extensions["code"] != "BAD_USER_INPUT" || errs[0].Extensions["field"] != field {
				t.Errorf("%s: errors %+v, want BAD_USER_INPUT on %s", q, errs, field)
			}
		}
	})
}

// lastReviewRejected returns the code of the last application on the page
// rejected at the approval review.
func lastReviewRejected(ps []struct {
	Code, Stage, Awarded string
	Outcome              *string
}) string {
	code := ""
	for _, p := range ps {
		if p.Stage == "APPROVAL" {
			code = p.Code
		}
	}
	return code
}
