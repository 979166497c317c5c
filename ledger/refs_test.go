package ledger

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOrgRefs(t *testing.T) {
	p := validProject()
	p.UndertakerID, p.EvaluatorID, p.AuditorID = 3, ptr(int64(4)), ptr(int64(5))
	for _, tc := range []struct {
		name string
		got  []OrgRef
		want []OrgRef
	}{
		{"project", p.OrgRefs(), []OrgRef{{"project.undertaker", 3, Undertaker}, {"project.evaluator", 4, Evaluator}, {"project.auditor", 5, Auditor}}},
		{"project without agencies", (&Project{UndertakerID: 3}).OrgRefs(), []OrgRef{{"project.undertaker", 3, Undertaker}}},
		{"audit", (&Audit{AuditorID: ptr(int64(5))}).OrgRefs(), []OrgRef{{"audit.auditor", 5, Auditor}}},
		{"audit without auditor", (&Audit{}).OrgRefs(), nil},
		{"scorecard", (&Scorecard{ReviewerID: ptr(int64(4))}).OrgRefs(), []OrgRef{{"scorecard.reviewer", 4, ""}}},
		{"announcement", (&Announcement{PublisherID: ptr(int64(1))}).OrgRefs(), []OrgRef{{"announcement.publisher", 1, ""}}},
		{"report", (&Report{AuthorID: ptr(int64(2))}).OrgRefs(), []OrgRef{{"report.author", 2, ""}}},
	} {
		if d := cmp.Diff(tc.want, tc.got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
}

func TestCheckOrgRef(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ref   OrgRef
		have  OrgKind
		field string
	}{
		{"undertaker as undertaker", OrgRef{"project.undertaker", 3, Undertaker}, Undertaker, ""},
		{"auditor as undertaker", OrgRef{"project.undertaker", 3, Undertaker}, Auditor, "project.undertaker"},
		{"undertaker as evaluator", OrgRef{"project.evaluator", 4, Evaluator}, Undertaker, "project.evaluator"},
		{"evaluator as auditor", OrgRef{"audit.auditor", 4, Auditor}, Evaluator, "audit.auditor"},
		{"any kind reviews", OrgRef{"scorecard.reviewer", 1, ""}, Department, ""},
	} {
		wantRefusal(t, tc.name, CheckOrgRef(tc.ref, tc.have), tc.field)
	}
}

func TestCheckStatsGroups(t *testing.T) {
	for _, tc := range []struct {
		name   string
		groups []StatsGroup
		field  string
	}{
		{"none", nil, ""},
		{"year and area", []StatsGroup{GroupByYear, GroupByServiceArea}, ""},
		{"every grouping", StatsGroups, ""},
		{"unknown", []StatsGroup{GroupByYear, "WEATHER"}, "groupBy"},
		{"twice", []StatsGroup{GroupByYear, GroupByDistrict, GroupByYear}, "groupBy"},
		{"seven", append(append([]StatsGroup(nil), StatsGroups...), GroupByYear), "groupBy"},
	} {
		wantRefusal(t, tc.name, CheckStatsGroups(tc.groups), tc.field)
	}
}

// TestLabels: every value of every enumeration is valid and has its
// Chinese label (DOMAIN's names table); values outside are not valid.
func TestLabels(t *testing.T) {
	var values []string
	check := func(v string, valid bool) {
		values = append(values, v)
		if !valid {
			t.Errorf("%s is not Valid", v)
		}
		if Label(v) == v {
			t.Errorf("%s has no label", v)
		}
	}
	for _, v := range ServiceAreas {
		check(string(v), v.Valid())
	}
	for _, v := range Stages {
		check(string(v), v.Valid())
	}
	for _, v := range []Outcome{Rejected, Terminated, Completed} {
		check(string(v), v.Valid())
	}
	for _, v := range ReviewKinds {
		check(string(v), v.Valid())
	}
	for _, v := range OrgKinds {
		check(string(v), v.Valid())
	}
	for _, v := range TrancheKinds {
		check(string(v), v.Valid())
	}
	for _, v := range MetricKinds {
		check(string(v), v.Valid())
	}
	for _, v := range []Provenance{SelfReported, Verified} {
		check(string(v), v.Valid())
	}
	for _, v := range AnnouncementKinds {
		check(string(v), v.Valid())
	}
	for _, v := range ReportKinds {
		check(string(v), v.Valid())
	}
	for _, v := range []AuditResult{AuditClean, AuditFindings} {
		check(string(v), v.Valid())
	}
	for _, v := range []Role{RoleSystem, RoleBureau, RoleFinance, RoleEvaluator, RoleAuditor, RoleUndertaker, RolePublic} {
		check(string(v), v.Valid())
	}
	if !Outcome("").Valid() || Label(Stage("NOPE")) != "NOPE" || ServiceArea("elderly_support").Valid() || Stage("").Valid() {
		t.Error("values outside the enumerations are taken for valid, or labelled")
	}
	if Label(ElderlySupport) != "扶老助老" || Label(Terminated) != "终止" || Label(MidtermReview) != "中期评审" {
		t.Error("DOMAIN's labels changed")
	}
}
