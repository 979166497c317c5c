package store

import (
	"context"

	"civicledger/ledger"
)

// Writes of service recipients' feedback.

// RecordFeedback is the one write outside the recipe: feedback is
// anonymous and final, so it has no attribution, versions or revisions,
// and it changes two known sums, which it updates in place.
func (w txWriter) RecordFeedback(ctx context.Context, f *ledger.Feedback) error {
	if err := f.Validate(); err != nil {
		return err
	}
	tx := w.tx
	if f.SubmittedAt.IsZero() {
		f.SubmittedAt = tx.now
	}
	id, err := tx.insert(ctx, "feedback", []string{"project_id", "rating", "comment", "respondent", "verified", "submitted_at"},
		f.ProjectID, f.Rating, f.Comment, f.Respondent, f.Verified, f.SubmittedAt.UTC())
	if ledger.ErrorCode(err) == ledger.EINVALID {
		return ledger.Invalid("feedback.project", "project %d does not exist", f.ProjectID)
	} else if err != nil {
		return err
	}
	f.ID = id
	if err := tx.exec(ctx, `UPDATE project_figures SET feedback_count = feedback_count + 1, feedback_sum = feedback_sum + ? WHERE project_id = ?`,
		f.Rating, f.ProjectID); err != nil {
		return err
	}
	if _, marked := tx.before[f.ProjectID]; marked {
		return nil // flushRollup counts it with the transaction's other changes
	}
	// Feedback is the most frequent write and changes two known sums, so it
	// updates its rollup row directly instead of reading the project's
	// contribution before and after. The figures row, updated above, is
	// locked until commit, so the project cannot move to another row
	// meanwhile; were it marked later in this transaction, its "before"
	// would already include this feedback, as the rollup does.
	return tx.exec(ctx, `UPDATE stats_rollup SET feedback_count = feedback_count + 1, feedback_sum = feedback_sum + ?
		WHERE (round_id, year, service_area, district, stage, outcome, audit_findings) =
		(SELECT p.round_id, p.year, p.service_area, p.district, p.stage, p.outcome, f.audit_findings
		FROM projects p JOIN project_figures f ON f.project_id = p.id WHERE p.id = ?)`, f.Rating, f.ProjectID)
}
