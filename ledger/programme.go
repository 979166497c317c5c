package ledger

import "fmt"

// The programme's rules for publishing a project's life, beyond the stage
// rules of records.go: when money may move and when a project may close.
// Each refusal names its rule (in brackets, first in the message) and the
// input field it is about.

// Rule names, as they appear in refusals and docs/mutations.md.
const (
	RuleFirstAfterAgreement    = "first-tranche-after-agreement"
	RuleSecondAfterMidterm     = "no-second-tranche-before-passed-midterm"
	RuleFinalAtClosing         = "final-tranche-at-closing"
	RuleNoClosingBeforeAudit   = "no-closing-before-audit"
	RuleUnspentRecovered       = "unspent-balance-recovered-at-closing"
	RuleApprovalNeedsReview    = "approval-needs-passed-review"
	RuleAgreementAfterNotice   = "agreement-after-notice-period"
	RuleNoMoneyForEndedProject = "no-payment-to-ended-project"
)

func ruleError(rule, field, format string, args ...any) *Error {
	return Invalid(field, "[%s] %s", rule, fmt.Sprintf(format, args...))
}

// CheckTrancheDue refuses a tranche of project p that the programme's
// schedule does not allow yet: the first is paid once the agreement is
// signed (the project is in execution), the second only after a passed
// mid-term review, the final one once the project is in closing; no
// tranche is paid to a project that was rejected or terminated, or that
// has completed.
func CheckTrancheDue(p *Project, kind TrancheKind, midtermPassed bool) error {
	if p.Outcome != Ongoing {
		return ruleError(RuleNoMoneyForEndedProject, "kind", "project %s has ended (%s) and is paid nothing more", p.Code, Label(p.Outcome))
	}
	switch kind {
	case FirstTranche:
		if p.Stage != Execution && p.Stage != Closing {
			return ruleError(RuleFirstAfterAgreement, "kind", "the first tranche is paid once the agreement is signed; project %s is in %s", p.Code, Label(p.Stage))
		}
	case SecondTranche:
		if !midtermPassed {
			return ruleError(RuleSecondAfterMidterm, "kind", "project %s has no passed mid-term review yet", p.Code)
		}
	case FinalTranche:
		if p.Stage != Closing {
			return ruleError(RuleFinalAtClosing, "kind", "the final tranche is paid at closing; project %s is in %s", p.Code, Label(p.Stage))
		}
	default:
		return Invalid("kind", "tranche kind %q is not one of FIRST, SECOND, FINAL", kind)
	}
	return nil
}

// MidtermPassed reports whether any of a project's scorecards is a passed
// mid-term review.
func MidtermPassed(cards []*Scorecard) bool {
	for _, c := range cards {
		if c.Kind == MidtermReview && c.Passed {
			return true
		}
	}
	return false
}

// CheckClosing refuses the acceptance that completes project p, paid
// `paid` so far, unless it has been audited and its audits (oldest first)
// recovered the unspent balance: what was paid less what the latest audit
// found spent. Each audit's recovered amount is money returned, so they
// add up, as in the project's figures.
func CheckClosing(p *Project, paid Money, audits []*Audit) error {
	if len(audits) == 0 {
		return ruleError(RuleNoClosingBeforeAudit, "projectCode", "project %s has not been audited; it cannot close before its audit", p.Code)
	}
	var recovered Money
	for _, a := range audits {
		recovered += a.Recovered
	}
	last := audits[len(audits)-1]
	unspent := paid - last.Spent
	if unspent > 0 && recovered < unspent {
		return ruleError(RuleUnspentRecovered, "projectCode",
			"project %s was paid %s yuan and spent %s; the unspent %s yuan must be recovered before closing, %s has been",
			p.Code, paid, last.Spent, unspent, recovered)
	}
	return nil
}

// CheckApproval refuses approving a project without a passed approval
// review (立项评审) among its scorecards.
func CheckApproval(p *Project, cards []*Scorecard) error {
	for _, c := range cards {
		if c.Kind == ApprovalReview && c.Passed {
			return nil
		}
	}
	return ruleError(RuleApprovalNeedsReview, "approve", "project %s has no passed approval review; record its review scorecard first", p.Code)
}

// CheckAgreement refuses signing the agreement of project p on day `on`
// unless an approval public notice listing it has a notice period that has
// ended before that day (the public may object until it ends).
func CheckAgreement(p *Project, on Date, notices []*Announcement) error {
	open := false
	for _, a := range notices {
		if a.Kind != ApprovalNotice {
			continue
		}
		if a.NoticeEnd != "" && a.NoticeEnd < on {
			return nil
		}
		open = true
	}
	if open {
		return ruleError(RuleAgreementAfterNotice, "signedOn", "the approval notice listing project %s is still open on %s; sign after its notice period", p.Code, on)
	}
	return ruleError(RuleAgreementAfterNotice, "projectCode", "project %s is not listed in an approval public notice yet", p.Code)
}
