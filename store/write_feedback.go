package store

import (
	"context"
	"database/sql"
	"errors"

	"civicledger/ledger"
)

// Writes of service recipients' feedback.

// feedbackCols are the columns a new feedback row is written with.
var feedbackCols = []string{"project_id", "rating", "service_quality", "staff_attitude", "life_effect", "comment", "comment_public",
	"respondent", "verified", "submitted_at", "moderation", "moderation_reason", "moderated_at", "answer", "answered_at", "code_id", "client_hash"}

// RecordFeedback is the one write outside the recipe: feedback is
// anonymous and final, so it has no attribution, versions or revisions,
// and it changes two known sums, which it updates in place. The comment
// is masked (ledger.Feedback.PrepareComment) before it is stored. With a
// code hash it uses the code, once, and the feedback is verified. Only
// verified ratings count in the project's figures and the stats rollup.
func (w txWriter) RecordFeedback(ctx context.Context, f *ledger.Feedback) error {
	return w.recordFeedback(ctx, f, nil)
}

// recordFeedback is RecordFeedback with afterInsert run once the row is
// written and before the sums are updated: the sums' rows (the project's
// figures and its stats_rollup row, shared by many projects) stay locked
// until commit on PostgreSQL, so every other write of the transaction
// comes before them.
func (w txWriter) recordFeedback(ctx context.Context, f *ledger.Feedback, afterInsert func(id int64) error) error {
	if err := f.Validate(); err != nil {
		return err
	}
	f.PrepareComment()
	tx := w.tx
	if f.SubmittedAt.IsZero() {
		f.SubmittedAt = tx.now
	}
	var codeID *int64
	if f.CodeHash != "" {
		id, err := tx.useCode(ctx, f)
		if err != nil {
			return err
		}
		codeID = &id
		f.Verified = true
	}
	if f.Answer != "" { // an imported comment with its answer
		f.Answer, _ = ledger.MaskPersonalData(f.Answer)
	}
	id, err := tx.insert(ctx, "feedback", feedbackCols,
		f.ProjectID, f.Rating, f.ServiceQuality, f.StaffAttitude, f.LifeEffect, f.Comment, f.PublicComment,
		string(f.Respondent), f.Verified, f.SubmittedAt.UTC(), string(f.Moderation), f.ModerationNote, utcOrNil(f.ModeratedAt),
		f.Answer, utcOrNil(f.AnsweredAt), codeID, f.ClientHash)
	if ledger.ErrorCode(err) == ledger.EINVALID {
		return ledger.Invalid("feedback.project", "project %d does not exist", f.ProjectID)
	} else if ledger.ErrorCode(err) == ledger.ECONFLICT {
		return ledger.Invalid("input.code", "this feedback code has already been used")
	} else if err != nil {
		return err
	}
	f.ID = id
	if f.Moderation == ledger.ModerationApproved {
		if err := tx.touch(ctx, ledger.EntityComment, id); err != nil {
			return err
		}
	}
	if afterInsert != nil {
		if err := afterInsert(id); err != nil {
			return err
		}
	}
	if !f.Verified {
		return nil // an unverified rating is kept apart and never counted
	}
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

// useCode marks f's feedback code used and returns its ID; f.ProjectID is
// the code's project when it was 0. An unknown code, a used one and one
// issued for another project are refused, naming the field.
func (tx *Tx) useCode(ctx context.Context, f *ledger.Feedback) (int64, error) {
	var c struct {
		ID        int64 `db:"id"`
		ProjectID int64 `db:"project_id"`
	}
	err := tx.get(ctx, &c, `UPDATE feedback_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL RETURNING id, project_id`,
		tx.now, f.CodeHash)
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		var used sql.NullTime
		if err := tx.get(ctx, &used, `SELECT used_at FROM feedback_codes WHERE code_hash = ?`, f.CodeHash); ledger.ErrorCode(err) == ledger.ENOTFOUND {
			return 0, ledger.Invalid("input.code", "this feedback code was never issued: please check it against the card")
		} else if err != nil {
			return 0, err
		}
		return 0, ledger.Invalid("input.code", "this feedback code has already been used on %s", ledger.DateOf(used.Time))
	} else if err != nil {
		return 0, err
	}
	if f.ProjectID == 0 {
		f.ProjectID = c.ProjectID
	} else if f.ProjectID != c.ProjectID {
		return 0, ledger.Invalid("input.project", "this feedback code was issued for another project")
	}
	return c.ID, nil
}

// claimKey claims an idempotency key for a new submission of kind. It
// returns 0 when the key is new (the caller then records the new record's
// ID with keyRecord), or the ID of the record stored under it before. A
// key reused for a different submission is refused.
func (tx *Tx) claimKey(ctx context.Context, kind string, idem ledger.Idempotency) (int64, error) {
	st, err := tx.stmt(ctx, `INSERT INTO idempotency_keys (kind, key, fingerprint, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx, kind, idem.Key, idem.Fingerprint, tx.now)
	if err != nil {
		return 0, mapError(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, mapError(err)
	} else if n == 1 {
		return 0, nil
	}
	var prior struct {
		Fingerprint string `db:"fingerprint"`
		RecordID    int64  `db:"record_id"`
	}
	if err := tx.get(ctx, &prior, `SELECT fingerprint, record_id FROM idempotency_keys WHERE kind = ? AND key = ?`, kind, idem.Key); err != nil {
		return 0, err
	}
	if prior.Fingerprint != idem.Fingerprint {
		return 0, &ledger.Error{Code: ledger.ECONFLICT, Field: "input.idempotencyKey",
			Message: "this idempotency key was already used for a different submission"}
	}
	if prior.RecordID == 0 {
		return 0, errors.New("store: idempotency key without its record")
	}
	return prior.RecordID, nil
}

// keyRecord records the ID of the record a claimed key stored.
func (tx *Tx) keyRecord(ctx context.Context, kind string, idem ledger.Idempotency, id int64) error {
	return tx.exec(ctx, `UPDATE idempotency_keys SET record_id = ? WHERE kind = ? AND key = ?`, id, kind, idem.Key)
}
