package ledger

// Who may do what to which record: the one policy of the programme.
//
// Every door that writes — the GraphQL mutations, the command line, the
// bulk import, the coming pages — goes through the use cases in portal/,
// and each use case asks Authorize before it reads or writes anything:
//
//	role, err := ledger.Authorize(actor, ledger.ActRecordTranche, project)
//	if err != nil {
//		return err // EUNAUTHENTICATED or EFORBIDDEN: nothing is written
//	}
//	att := actor.Attribution(role, reason)
//
// actor is who is calling (the zero Actor is an anonymous caller; the
// import and the CLI build theirs from the signed-in account or token),
// the action names the use case, and project is the project the record
// belongs to, as stored (for an application not yet written, the project
// as it will be: its undertaker decides "own"), or nil for a record of the
// whole programme (a round, a notice, a case collection, an account).
// The role returned is the one that allowed the action; the write is
// attributed to it. Authorize reads nothing and is a pure function, so the
// table test in policy_test.go is the whole rule.

import (
	"fmt"
	"slices"
)

// Actor is who calls a use case: a signed-in account of one organization
// with its roles. The zero Actor is an anonymous member of the public.
type Actor struct {
	AccountID int64  // 0 for anonymous
	Login     string // the account's login, used in attributions
	OrgID     int64  // the organization the account belongs to
	Roles     []Role // the account's roles
	// Credential names the token or session the caller used ("token:12",
	// "session:40"), for the audit log; "" for the command line's own user.
	Credential string
	// Client is a salted hash of the caller's network address, for the
	// audit log; never the address itself.
	Client string
}

// Anonymous reports whether a is the anonymous caller.
func (a Actor) Anonymous() bool { return a.AccountID == 0 }

// Has reports whether a holds role r.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// Attribution returns the attribution of a write a makes in role r.
func (a Actor) Attribution(r Role, reason string) Attribution {
	return Attribution{Actor: a.Login, Role: r, Reason: reason}
}

// AccountRoles lists the roles an account may hold, in display order: the
// bureau administrator, finance, evaluator, auditor, undertaker, moderator.
var AccountRoles = []Role{RoleBureau, RoleFinance, RoleEvaluator, RoleAuditor, RoleUndertaker, RoleModerator}

// Action is one use case that changes the ledger or reads what only some
// may read. Each GraphQL mutation, command and import kind is one action.
type Action string

// The actions, one per use case.
const (
	ActManageAccounts      Action = "MANAGE_ACCOUNTS"       // add accounts, set roles, issue tokens for others
	ActReadAuditLog        Action = "READ_AUDIT_LOG"        // read the audit log
	ActRegisterOrg         Action = "REGISTER_ORGANIZATION" // register a party of the programme
	ActOpenRound           Action = "OPEN_ROUND"            // open a round and publish its solicitation notice
	ActPublishIndicatorSet Action = "PUBLISH_INDICATOR_SET" // publish an indicator set
	ActRegisterApplication Action = "REGISTER_APPLICATION"  // register an application (a project in solicitation)
	ActAssignAgencies      Action = "ASSIGN_AGENCIES"       // assign a project's evaluation and audit agencies
	ActRecordScreening     Action = "RECORD_SCREENING"      // initial-screening and approval-review scorecards
	ActDecideApproval      Action = "DECIDE_APPROVAL"       // approve or reject an application with a reason
	ActPublishApproval     Action = "PUBLISH_APPROVAL"      // the approval public notice with its notice period
	ActRecordAgreement     Action = "RECORD_AGREEMENT"      // the agreement: co-funding, agencies, execution begins
	ActRecordTranche       Action = "RECORD_TRANCHE"        // a payment of the award
	ActSubmitQuarterly     Action = "SUBMIT_QUARTERLY"      // a quarterly report and its self-reported metrics
	ActVerifyMetrics       Action = "VERIFY_METRICS"        // verified figures of a period
	ActRecordMidterm       Action = "RECORD_MIDTERM"        // the mid-term review
	ActRecordClosingReview Action = "RECORD_CLOSING_REVIEW" // the closing review
	ActRecordAudit         Action = "RECORD_AUDIT"          // the financial audit
	ActRecordAcceptance    Action = "RECORD_ACCEPTANCE"     // acceptance: the project is completed
	ActPublishResults      Action = "PUBLISH_RESULTS"       // the result announcement
	ActTerminate           Action = "TERMINATE"             // terminate a project with a reason
	ActBuildCases          Action = "BUILD_CASES"           // case collections and case studies
	ActCorrect             Action = "CORRECT"               // a new version of a published record, with a reason
	ActWithdraw            Action = "WITHDRAW"              // withdraw a published record, with a reason
	ActModerate            Action = "MODERATE"              // moderate feedback and objections
	ActIssueFeedbackCodes  Action = "ISSUE_FEEDBACK_CODES"  // issue a project's single-use feedback codes
	ActAnswerComment       Action = "ANSWER_COMMENT"        // answer a published comment on a project in public
	ActRateAgency          Action = "RATE_AGENCY"           // rate a third-party agency (an undertaker: one that served its project)
)

// Actions lists every action, in lifecycle order.
var Actions = []Action{ActManageAccounts, ActReadAuditLog, ActRegisterOrg, ActOpenRound, ActPublishIndicatorSet,
	ActRegisterApplication, ActAssignAgencies, ActRecordScreening, ActDecideApproval, ActPublishApproval, ActRecordAgreement,
	ActRecordTranche, ActSubmitQuarterly, ActVerifyMetrics, ActRecordMidterm, ActRecordClosingReview,
	ActRecordAudit, ActRecordAcceptance, ActPublishResults, ActTerminate, ActBuildCases, ActCorrect,
	ActWithdraw, ActModerate, ActIssueFeedbackCodes, ActAnswerComment, ActRateAgency}

// reach says on which records a role may take an action.
type reach int

const (
	nowhere      reach = iota
	anyRecord          // every record of the programme
	asUndertaker       // only projects whose undertaker is the actor's organization
	asEvaluator        // only projects the actor's agency is assigned to evaluate
	asAuditor          // only projects the actor's agency is assigned to audit
)

// reachOf is the policy's table: for each role, where it may take each
// action. The bureau administrator may do everything; a role an action
// does not name may not take it.
func reachOf(r Role, act Action) reach {
	switch r {
	case RoleBureau:
		return anyRecord
	case RoleFinance:
		switch act {
		case ActDecideApproval, ActRecordTranche, ActCorrect:
			return anyRecord
		}
	case RoleEvaluator:
		switch act {
		case ActRecordScreening, ActVerifyMetrics, ActRecordMidterm, ActRecordClosingReview, ActRecordAcceptance, ActCorrect,
			ActIssueFeedbackCodes:
			return asEvaluator
		}
	case RoleAuditor:
		switch act {
		case ActRecordAudit, ActCorrect:
			return asAuditor
		}
	case RoleUndertaker:
		switch act {
		case ActRegisterApplication, ActSubmitQuarterly, ActCorrect, ActAnswerComment, ActRateAgency:
			return asUndertaker
		}
	case RoleModerator:
		if act == ActModerate {
			return anyRecord
		}
	}
	return nowhere
}

// Authorize decides whether actor a may take action act on a record of
// project p (nil for a record of the whole programme), and returns the role
// that allows it (the first of a's roles that does, in AccountRoles order).
// It refuses an anonymous caller with EUNAUTHENTICATED, and a role that may
// not take the action, or may take it only on its own projects when p is
// another's (or nil), with EFORBIDDEN.
func Authorize(a Actor, act Action, p *Project) (Role, error) {
	if a.Anonymous() {
		return "", &Error{Code: EUNAUTHENTICATED, Message: "sign in first: anonymous callers can only read the public record"}
	}
	if !slices.Contains(Actions, act) {
		return "", Errorf(EFORBIDDEN, "unknown action %s", Excerpt(string(act)))
	}
	scoped := Role("")
	for _, r := range AccountRoles {
		if !a.Has(r) {
			continue
		}
		switch reachOf(r, act) {
		case anyRecord:
			return r, nil
		case asUndertaker:
			if p != nil && a.OrgID != 0 && p.UndertakerID == a.OrgID {
				return r, nil
			}
			scoped = r
		case asEvaluator:
			if p != nil && a.OrgID != 0 && p.EvaluatorID != nil && *p.EvaluatorID == a.OrgID {
				return r, nil
			}
			scoped = r
		case asAuditor:
			if p != nil && a.OrgID != 0 && p.AuditorID != nil && *p.AuditorID == a.OrgID {
				return r, nil
			}
			scoped = r
		}
	}
	if scoped != "" {
		what := "records of the whole programme"
		if p != nil {
			what = fmt.Sprintf("project %s", p.Code)
		}
		return "", Errorf(EFORBIDDEN, "as %s you may %s only for projects of your own organization, not %s",
			Label(scoped), act.phrase(), what)
	}
	return "", Errorf(EFORBIDDEN, "your roles (%s) may not %s", rolesText(a.Roles), act.phrase())
}

// phrase is the action in words for refusals.
func (act Action) phrase() string {
	return "take action " + string(act)
}

func rolesText(rs []Role) string {
	if len(rs) == 0 {
		return "none"
	}
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += ", "
		}
		s += string(r)
	}
	return s
}
