package ledger

import (
	"strings"
	"testing"
)

// TestAuthorize walks the whole policy: every action × every role (and the
// anonymous caller) × a record of the actor's own organization, another
// organization's, and a record of the whole programme. The grid below is the
// policy as the issue states it: a role listed may take the action on any
// record; a role with * only on projects of its own organization (as their
// undertaker, or as the agency assigned to evaluate or audit them).
func TestAuthorize(t *testing.T) {
	grid := map[Action]string{
		ActManageAccounts:      "BUREAU",
		ActReadAuditLog:        "BUREAU",
		ActRegisterOrg:         "BUREAU",
		ActOpenRound:           "BUREAU",
		ActPublishIndicatorSet: "BUREAU",
		ActRegisterApplication: "BUREAU UNDERTAKER*",
		ActAssignAgencies:      "BUREAU",
		ActRecordScreening:     "BUREAU EVALUATOR*",
		ActDecideApproval:      "BUREAU FINANCE",
		ActPublishApproval:     "BUREAU",
		ActRecordAgreement:     "BUREAU",
		ActRecordTranche:       "BUREAU FINANCE",
		ActSubmitQuarterly:     "BUREAU UNDERTAKER*",
		ActVerifyMetrics:       "BUREAU EVALUATOR*",
		ActRecordMidterm:       "BUREAU EVALUATOR*",
		ActRecordClosingReview: "BUREAU EVALUATOR*",
		ActRecordAudit:         "BUREAU AUDITOR*",
		ActRecordAcceptance:    "BUREAU EVALUATOR*",
		ActPublishResults:      "BUREAU",
		ActTerminate:           "BUREAU",
		ActBuildCases:          "BUREAU",
		ActCorrect:             "BUREAU FINANCE EVALUATOR* AUDITOR* UNDERTAKER*",
		ActWithdraw:            "BUREAU",
		ActModerate:            "BUREAU MODERATOR",
		ActIssueFeedbackCodes:  "BUREAU EVALUATOR*",
		ActAnswerComment:       "BUREAU UNDERTAKER*",
		ActRateAgency:          "BUREAU UNDERTAKER*",
	}
	if len(grid) != len(Actions) {
		t.Fatalf("the grid covers %d actions, the policy has %d", len(grid), len(Actions))
	}
	const ownOrg, otherOrg = 7, 8
	project := func(org int64) *Project {
		o := org
		return &Project{Code: "P1", UndertakerID: org, EvaluatorID: &o, AuditorID: &o}
	}
	records := []struct {
		name string
		p    *Project
		own  bool
	}{{"own project", project(ownOrg), true}, {"other's project", project(otherOrg), false}, {"programme record", nil, false}}

	for _, act := range Actions {
		allowed := map[Role]string{}
		for _, w := range strings.Fields(grid[act]) {
			allowed[Role(strings.TrimSuffix(w, "*"))] = w
		}
		for _, rec := range records {
			// Anonymous: always UNAUTHENTICATED.
			if _, err := Authorize(Actor{}, act, rec.p); ErrorCode(err) != EUNAUTHENTICATED {
				t.Errorf("%s by anonymous on %s: got %v, want UNAUTHENTICATED", act, rec.name, err)
			}
			for _, r := range AccountRoles {
				a := Actor{AccountID: 1, Login: "u", OrgID: ownOrg, Roles: []Role{r}}
				w, listed := allowed[r]
				want := listed && (!strings.HasSuffix(w, "*") || rec.own)
				got, err := Authorize(a, act, rec.p)
				switch {
				case want && err != nil:
					t.Errorf("%s by %s on %s: refused (%v), want allowed", act, r, rec.name, err)
				case want && got != r:
					t.Errorf("%s by %s on %s: allowed as %s, want as %s", act, r, rec.name, got, r)
				case !want && ErrorCode(err) != EFORBIDDEN:
					t.Errorf("%s by %s on %s: got %v, want FORBIDDEN", act, r, rec.name, err)
				}
			}
		}
	}
}

// TestAuthorizeSeveralRoles: an account with several roles is allowed by
// the first that allows the action, and an account without an organization
// owns no project.
func TestAuthorizeSeveralRoles(t *testing.T) {
	org := int64(3)
	p := &Project{Code: "P1", UndertakerID: 3, EvaluatorID: &org}
	a := Actor{AccountID: 1, OrgID: 3, Roles: []Role{RoleUndertaker, RoleFinance}}
	if r, err := Authorize(a, ActRecordTranche, p); err != nil || r != RoleFinance {
		t.Errorf("tranche by finance+undertaker: %v, %v; want FINANCE", r, err)
	}
	if r, err := Authorize(a, ActSubmitQuarterly, p); err != nil || r != RoleUndertaker {
		t.Errorf("quarterly by finance+undertaker: %v, %v; want UNDERTAKER", r, err)
	}
	if _, err := Authorize(a, ActRecordMidterm, p); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("midterm by finance+undertaker: %v, want FORBIDDEN", err)
	}
	noOrg := Actor{AccountID: 2, Roles: []Role{RoleUndertaker}}
	if _, err := Authorize(noOrg, ActSubmitQuarterly, &Project{Code: "P0"}); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("undertaker without an organization on a project without one: %v, want FORBIDDEN", err)
	}
	if _, err := Authorize(Actor{AccountID: 3}, ActOpenRound, nil); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("account without roles: %v, want FORBIDDEN", err)
	}
	if _, err := Authorize(Actor{AccountID: 3, Roles: []Role{RoleBureau}}, Action("DROP"), nil); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("unknown action: %v, want FORBIDDEN", err)
	}
}
