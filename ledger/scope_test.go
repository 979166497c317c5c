package ledger

import "testing"

// TestProjectScope: which outcomes each scope admits, the zero scope being
// FUNDED, and the filters CheckScope refuses.
func TestProjectScope(t *testing.T) {
	outcomes := []Outcome{Ongoing, Rejected, Terminated, Completed}
	for _, c := range []struct {
		scope ProjectScope
		admit []bool // per outcome above
	}{
		{"", []bool{true, false, true, true}},
		{ScopeFunded, []bool{true, false, true, true}},
		{ScopeApplications, []bool{true, true, true, true}},
		{ScopeRejected, []bool{false, true, false, false}},
	} {
		for i, o := range outcomes {
			if got := c.scope.Admits(o); got != c.admit[i] {
				t.Errorf("scope %q admits %q: %v, want %v", c.scope, o, got, c.admit[i])
			}
		}
	}
	if ProjectScope("").Effective() != ScopeFunded || ScopeRejected.Effective() != ScopeRejected {
		t.Error("the zero scope is not FUNDED")
	}
	for _, c := range []struct {
		name  string
		f     ProjectFilter
		field string
	}{
		{"zero", ProjectFilter{}, ""},
		{"funded, completed", ProjectFilter{Outcomes: []Outcome{Completed, Ongoing}}, ""},
		{"default, rejected", ProjectFilter{Outcomes: []Outcome{Rejected}}, "filter.outcomes"},
		{"funded, rejected", ProjectFilter{Scope: ScopeFunded, Outcomes: []Outcome{Completed, Rejected}}, "filter.outcomes"},
		{"applications, rejected", ProjectFilter{Scope: ScopeApplications, Outcomes: []Outcome{Rejected, Completed}}, ""},
		{"rejected, rejected", ProjectFilter{Scope: ScopeRejected, Outcomes: []Outcome{Rejected}}, ""},
		{"rejected, ongoing", ProjectFilter{Scope: ScopeRejected, Outcomes: []Outcome{Ongoing}}, "filter.outcomes"},
		{"unknown scope", ProjectFilter{Scope: "ALL"}, "filter.scope"},
	} {
		wantRefusal(t, c.name, c.f.CheckScope("filter"), c.field)
	}
	if err := (&ProjectFilter{Scope: "ALL"}).CheckScope(""); err == nil || err.(*Error).Field != "scope" {
		t.Errorf("no prefix: %v, want a refusal of scope", err)
	}
}
