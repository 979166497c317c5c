package ledger

import (
	"strings"
	"testing"
)

func TestCheckTrancheDue(t *testing.T) {
	p := func(st Stage, o Outcome) *Project { return &Project{Code: "P", Stage: st, Outcome: o} }
	for _, tc := range []struct {
		name    string
		p       *Project
		kind    TrancheKind
		midterm bool
		rule    string // "" accepted
	}{
		{"first in execution", p(Execution, Ongoing), FirstTranche, false, ""},
		{"first before agreement", p(Approval, Ongoing), FirstTranche, false, RuleFirstAfterAgreement},
		{"second without midterm", p(Execution, Ongoing), SecondTranche, false, RuleSecondAfterMidterm},
		{"second after passed midterm", p(Execution, Ongoing), SecondTranche, true, ""},
		{"final in execution", p(Execution, Ongoing), FinalTranche, true, RuleFinalAtClosing},
		{"final at closing", p(Closing, Ongoing), FinalTranche, true, ""},
		{"terminated", p(Execution, Terminated), SecondTranche, true, RuleNoMoneyForEndedProject},
		{"completed", p(Closing, Completed), FinalTranche, true, RuleNoMoneyForEndedProject},
		{"unknown kind", p(Execution, Ongoing), "THIRD", true, "not one of"},
	} {
		err := CheckTrancheDue(tc.p, tc.kind, tc.midterm)
		checkRule(t, tc.name, err, tc.rule, "kind")
	}
}

func TestCheckClosing(t *testing.T) {
	p := &Project{Code: "P"}
	audit := func(spent, recovered Money) *Audit { return &Audit{Spent: spent, Recovered: recovered} }
	for _, tc := range []struct {
		name   string
		paid   Money
		audits []*Audit
		rule   string
	}{
		{"no audit", 1000, nil, RuleNoClosingBeforeAudit},
		{"all spent", 1000, []*Audit{audit(1000, 0)}, ""},
		{"unspent recovered", 1000, []*Audit{audit(800, 200)}, ""},
		{"unspent not recovered", 1000, []*Audit{audit(800, 100)}, RuleUnspentRecovered},
		{"recoveries add up", 1000, []*Audit{audit(800, 150), audit(800, 50)}, ""},
		{"latest audit's spending counts", 1000, []*Audit{audit(900, 100), audit(700, 100)}, RuleUnspentRecovered},
		{"overspent needs nothing back", 1000, []*Audit{audit(1200, 0)}, ""},
	} {
		checkRule(t, tc.name, CheckClosing(p, tc.paid, tc.audits), tc.rule, "projectCode")
	}
}

func TestCheckApprovalAndAgreement(t *testing.T) {
	p := &Project{Code: "P"}
	checkRule(t, "no review", CheckApproval(p, nil), RuleApprovalNeedsReview, "approve")
	checkRule(t, "failed review", CheckApproval(p, []*Scorecard{{Kind: ApprovalReview, Passed: false}, {Kind: InitialScreening, Passed: true}}), RuleApprovalNeedsReview, "approve")
	checkRule(t, "passed review", CheckApproval(p, []*Scorecard{{Kind: ApprovalReview, Passed: true}}), "", "")

	notice := &Announcement{Kind: ApprovalNotice, NoticeStart: "2016-03-01", NoticeEnd: "2016-03-07"}
	checkRule(t, "not listed", CheckAgreement(p, "2016-03-10", nil), RuleAgreementAfterNotice, "projectCode")
	checkRule(t, "still open", CheckAgreement(p, "2016-03-07", []*Announcement{notice}), RuleAgreementAfterNotice, "signedOn")
	checkRule(t, "after the period", CheckAgreement(p, "2016-03-08", []*Announcement{notice}), "", "")
	checkRule(t, "other kinds do not count", CheckAgreement(p, "2016-03-08", []*Announcement{{Kind: SolicitationNotice}}), RuleAgreementAfterNotice, "projectCode")
	if !MidtermPassed([]*Scorecard{{Kind: MidtermReview, Passed: true}}) || MidtermPassed([]*Scorecard{{Kind: MidtermReview}, {Kind: ClosingReview, Passed: true}}) {
		t.Error("MidtermPassed")
	}
}

// checkRule: rule "" means accepted; otherwise an EINVALID on field whose
// message names the rule.
func checkRule(t *testing.T, name string, err error, rule, field string) {
	t.Helper()
	if rule == "" {
		if err != nil {
			t.Errorf("%s: refused (%v), want accepted", name, err)
		}
		return
	}
	if ErrorCode(err) != EINVALID || ErrorField(err) != field || !strings.Contains(ErrorMessage(err), rule) {
		t.Errorf("%s: got %v (field %q), want a refusal on %s naming %s", name, err, ErrorField(err), field, rule)
	}
}
