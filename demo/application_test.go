package demo

import (
	"fmt"
	"strings"
	"testing"

	"civicledger/ledger"
)

// TestRejectedApplications checks the applications rejected beside the
// funded projects: about half of every round's applications, each with its
// screening scorecard (and, when it reached the expert review, its review
// scorecard) and the reason on its REJECTED event, nothing awarded or paid,
// and as many as the round's own summary of applications and solicitation
// report state.
func TestRejectedApplications(t *testing.T) {
	d := dataset(t)
	events := map[int64][]*ledger.StageEvent{}
	for _, e := range d.StageEvents {
		events[e.ProjectID] = append(events[e.ProjectID], e)
	}
	cards := map[int64][]*ledger.Scorecard{}
	for _, s := range d.Scorecards {
		cards[s.ProjectID] = append(cards[s.ProjectID], s)
	}
	rejected := map[int64]bool{}
	type tally struct{ applied, funded, reviewed int }
	byRound := map[int64]*tally{}
	for _, r := range d.Rounds {
		byRound[r.ID] = &tally{}
	}
	for _, p := range d.Projects {
		y := byRound[p.RoundID]
		y.applied++
		if p.Outcome != ledger.Rejected {
			y.funded++
			y.reviewed++
			continue
		}
		rejected[p.ID] = true
		if p.Awarded != 0 || p.ApprovedOn != "" || p.AuditorID != nil {
			t.Errorf("rejected %s: awarded %s, approved on %q, auditor %v", p.Code, p.Awarded, p.ApprovedOn, p.AuditorID)
		}
		ev := events[p.ID]
		last := ev[len(ev)-1]
		var want []ledger.ReviewKind
		var prefix string
		switch p.Stage {
		case ledger.Solicitation:
			want, prefix = []ledger.ReviewKind{ledger.InitialScreening}, "初筛未通过"
		case ledger.Approval:
			want, prefix = []ledger.ReviewKind{ledger.InitialScreening, ledger.ApprovalReview}, "立项评审未通过"
			y.reviewed++
		default:
			t.Fatalf("rejected %s in stage %s", p.Code, p.Stage)
		}
		if last.Outcome != ledger.Rejected || last.Stage != p.Stage || !strings.HasPrefix(last.Reason, prefix) ||
			len([]rune(last.Reason)) < len([]rune(prefix))+10 {
			t.Errorf("rejected %s: last event %s/%s %q, want REJECTED in %s with a reason starting %s", p.Code,
				last.Stage, last.Outcome, last.Reason, p.Stage, prefix)
		}
		cs := cards[p.ID]
		if len(cs) != len(want) {
			t.Fatalf("rejected %s has %d scorecards, want %d", p.Code, len(cs), len(want))
		}
		for i, c := range cs {
			if c.Kind != want[i] || c.Passed != (i < len(cs)-1) || c.Comment == "" || c.ReviewerID == nil {
				t.Errorf("rejected %s scorecard %d: %s passed %v comment %q", p.Code, i, c.Kind, c.Passed, c.Comment)
			}
		}
		if cs[len(cs)-1].ReviewedOn != last.OccurredOn {
			t.Errorf("rejected %s: rejected on %s, reviewed on %s", p.Code, last.OccurredOn, cs[len(cs)-1].ReviewedOn)
		}
	}
	n, s := len(rejected), d.Summary()
	if s.Rejected != n || s.Applications != len(d.Projects) || s.Projects != DefaultProjects {
		t.Errorf("summary: %d rejected of %d applications, %d funded; counted %d rejected", s.Rejected, s.Applications, s.Projects, n)
	}
	if n*10 < len(d.Projects)*4 || n*10 > len(d.Projects)*6 {
		t.Errorf("%d of %d applications rejected, want about half", n, len(d.Projects))
	}
	// Nothing of a funded project's belongs to a rejected application.
	for _, tr := range d.Tranches {
		if rejected[tr.ProjectID] {
			t.Errorf("tranche %d pays rejected application %d", tr.ID, tr.ProjectID)
		}
	}
	for _, m := range d.Metrics {
		if rejected[m.ProjectID] {
			t.Fatalf("metric %d of rejected application %d", m.ID, m.ProjectID)
		}
	}
	for _, f := range d.Feedback {
		if rejected[f.ProjectID] {
			t.Fatalf("feedback %d on rejected application %d", f.ID, f.ProjectID)
		}
	}
	for _, a := range d.Audits {
		if rejected[a.ProjectID] {
			t.Errorf("audit %d of rejected application %d", a.ID, a.ProjectID)
		}
	}
	for _, r := range d.Reports {
		if r.ProjectID != nil && rejected[*r.ProjectID] {
			t.Errorf("report %s of rejected application %d", r.Code, *r.ProjectID)
		}
	}
	for _, a := range d.Announcements {
		for _, id := range a.ProjectIDs {
			if rejected[id] {
				t.Errorf("announcement %s lists rejected application %d", a.Code, id)
			}
		}
	}
	// The round's own documents state these numbers.
	for _, r := range d.Rounds {
		y := byRound[r.ID]
		var summary, report string
		for _, rep := range d.Reports {
			if rep.RoundID != nil && *rep.RoundID == r.ID && rep.ProjectID == nil {
				switch rep.Kind {
				case ledger.ApplicationSummary:
					summary = rep.Body
				case ledger.SolicitationReport:
					report = rep.Body
				}
			}
		}
		if !strings.Contains(summary, fmt.Sprintf("共收到项目申报%d个", y.applied)) {
			t.Errorf("%d: %d applications listed, the summary of applications says %q", r.Year, y.applied, summary[:min(len(summary), 120)])
		}
		if !strings.Contains(report, fmt.Sprintf("经初筛，%d个项目进入专家评审", y.reviewed)) ||
			!strings.Contains(report, fmt.Sprintf("拟立项项目%d个", y.funded)) {
			t.Errorf("%d: %d reviewed, %d funded; the solicitation report says %q", r.Year, y.reviewed, y.funded, report[:min(len(report), 300)])
		}
	}
}

// TestRejectedApplicationsScale checks that the rejected applications
// scale with the data set and leave the funded projects as they were.
func TestRejectedApplicationsScale(t *testing.T) {
	small := Generate(Options{Projects: 100}).Summary()
	if small.Projects != 100 || small.Rejected < 40 || small.Rejected > 160 {
		t.Errorf("100 funded projects with %d rejected applications, want about as many", small.Rejected)
	}
}
