package store

import (
	"context"
	"time"

	"civicledger/ledger"
)

// Writes of public participation: feedback codes, submissions, moderation,
// answers, objections and agency ratings. Each public submission is one
// transaction committed before the method returns, so nothing acknowledged
// is lost; a retry with the same idempotency key is stored once.

// feedbackSelect reads a feedback row into ledger.Feedback.
const feedbackSelect = `SELECT id, project_id, rating, service_quality, staff_attitude, life_effect, comment, comment_public,
	respondent, verified, submitted_at, moderation, moderation_reason, moderated_at, answer, answered_at, client_hash FROM feedback`

// objectionSelect reads an objection row into ledger.Objection.
const objectionSelect = `SELECT id, receipt, announcement_id, project_id, body, body_public, objector_name, objector_contact,
	state, reason, answer, received_at, decided_at, answered_at, client_hash FROM objections`

// IssueFeedbackCodes implements ledger.ParticipationWriter.
func (db *DB) IssueFeedbackCodes(ctx context.Context, att ledger.Attribution, projectID int64, hashes []string) (*ledger.CodeBatch, error) {
	if err := att.Validate(); err != nil {
		return nil, err
	}
	b := &ledger.CodeBatch{ProjectID: projectID, Codes: len(hashes), IssuedBy: att.Actor, IssuedAs: att.Role}
	err := db.inTx(ctx, func(tx *Tx) error {
		b.IssuedAt = tx.now
		id, err := tx.insert(ctx, "feedback_code_batches", []string{"project_id", "codes", "issued_by", "issued_role", "issued_at"},
			projectID, len(hashes), att.Actor, string(att.Role), tx.now)
		if ledger.ErrorCode(err) == ledger.EINVALID {
			return ledger.Invalid("input.project", "project %d does not exist", projectID)
		} else if err != nil {
			return err
		}
		b.ID = id
		rows := make([][]any, len(hashes))
		for i, h := range hashes {
			rows[i] = []any{id, projectID, h}
		}
		return tx.insertRows(ctx, "feedback_codes", []string{"batch_id", "project_id", "code_hash"}, rows, "")
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// ImportFeedbackCodes stores batches of codes, each issued for its
// project at its time, some already used (UsedAt set), in one
// transaction: for imports of paper records and the demo.
func (db *DB) ImportFeedbackCodes(ctx context.Context, att ledger.Attribution, batches []ledger.CodeImport) error {
	if err := att.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		for _, b := range batches {
			id, err := tx.insert(ctx, "feedback_code_batches", []string{"project_id", "codes", "issued_by", "issued_role", "issued_at"},
				b.ProjectID, len(b.Codes), att.Actor, string(att.Role), b.IssuedAt.UTC())
			if ledger.ErrorCode(err) == ledger.EINVALID {
				return ledger.Invalid("input.project", "project %d does not exist", b.ProjectID)
			} else if err != nil {
				return err
			}
			rows := make([][]any, len(b.Codes))
			for i, c := range b.Codes {
				rows[i] = []any{id, b.ProjectID, c.Hash, utcOrNil(c.UsedAt)}
			}
			if err := tx.insertRows(ctx, "feedback_codes", []string{"batch_id", "project_id", "code_hash", "used_at"}, rows, ""); err != nil {
				return err
			}
		}
		return nil
	})
}

// SubmitFeedback implements ledger.ParticipationWriter.
func (db *DB) SubmitFeedback(ctx context.Context, f *ledger.Feedback, idem ledger.Idempotency) (bool, error) {
	in := *f
	var replayed bool
	err := db.inTx(ctx, func(tx *Tx) error {
		*f, replayed = in, false // a retried transaction starts again from the input
		if idem.Key != "" {
			prior, err := tx.claimKey(ctx, "feedback", idem)
			if err != nil {
				return err
			} else if prior != 0 {
				replayed = true
				return tx.get(ctx, f, feedbackSelect+` WHERE id = ?`, prior)
			}
		}
		var keep func(int64) error
		if idem.Key != "" {
			keep = func(id int64) error { return tx.keyRecord(ctx, "feedback", idem, id) }
		}
		return (txWriter{tx}).recordFeedback(ctx, f, keep)
	})
	return replayed, err
}

// ModerateFeedback implements ledger.ParticipationWriter.
func (db *DB) ModerateFeedback(ctx context.Context, att ledger.Attribution, id int64, to ledger.ModerationState, reason string) (*ledger.Feedback, error) {
	if err := att.Validate(); err != nil {
		return nil, err
	}
	var f ledger.Feedback
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := tx.get(ctx, &f, feedbackSelect+` WHERE id = ?`+tx.forUpdate(), id); ledger.ErrorCode(err) == ledger.ENOTFOUND {
			return ledger.NotFound("feedback", id)
		} else if err != nil {
			return err
		}
		if err := ledger.CheckModeration(f.Moderation, to, reason); err != nil {
			return err
		}
		was := f.Moderation
		f.Moderation, f.ModerationNote, f.ModeratedAt = to, reason, &tx.now
		if err := tx.exec(ctx, `UPDATE feedback SET moderation = ?, moderation_reason = ?, moderated_at = ?, moderated_by = ? WHERE id = ?`,
			string(to), reason, tx.now, att.Actor, id); err != nil {
			return err
		}
		if to == ledger.ModerationApproved || was == ledger.ModerationApproved {
			return tx.touch(ctx, ledger.EntityComment, id) // indexed, or taken out of the index
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// AnswerFeedback implements ledger.ParticipationWriter.
func (db *DB) AnswerFeedback(ctx context.Context, att ledger.Attribution, id int64, answer string) (*ledger.Feedback, error) {
	if err := att.Validate(); err != nil {
		return nil, err
	}
	if err := requireAnswer("input.answer", answer); err != nil {
		return nil, err
	}
	masked, _ := ledger.MaskPersonalData(answer)
	var f ledger.Feedback
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := tx.get(ctx, &f, feedbackSelect+` WHERE id = ?`+tx.forUpdate(), id); ledger.ErrorCode(err) == ledger.ENOTFOUND {
			return ledger.NotFound("feedback", id)
		} else if err != nil {
			return err
		}
		if f.Moderation != ledger.ModerationApproved {
			return ledger.Invalid("input.feedback", "only a published (approved) comment can be answered")
		}
		f.Answer, f.AnsweredAt = masked, &tx.now
		if err := tx.exec(ctx, `UPDATE feedback SET answer = ?, answered_at = ?, answered_by = ? WHERE id = ?`, masked, tx.now, att.Actor, id); err != nil {
			return err
		}
		return tx.touch(ctx, ledger.EntityComment, id)
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

func requireAnswer(field, s string) error {
	if len(s) == 0 {
		return ledger.Invalid(field, "an answer needs its text")
	}
	return ledger.CheckText(field, s, ledger.MaxAnswerRunes)
}

// forUpdate locks the row read on PostgreSQL (SQLite has one writer).
func (tx *Tx) forUpdate() string {
	if tx.db.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// FileObjection implements ledger.ParticipationWriter.
func (db *DB) FileObjection(ctx context.Context, o *ledger.Objection, idem ledger.Idempotency) (bool, error) {
	if err := o.Validate(); err != nil {
		return false, err
	}
	in := *o
	var replayed bool
	err := db.inTx(ctx, func(tx *Tx) error {
		*o, replayed = in, false
		if idem.Key != "" {
			prior, err := tx.claimKey(ctx, "objection", idem)
			if err != nil {
				return err
			} else if prior != 0 {
				replayed = true
				return tx.get(ctx, o, objectionSelect+` WHERE id = ?`, prior)
			}
		}
		var listed int
		if err := tx.get(ctx, &listed, `SELECT COUNT(*) FROM announcement_projects WHERE announcement_id = ? AND project_id = ?`,
			o.AnnouncementID, o.ProjectID); err != nil {
			return err
		} else if listed == 0 {
			return ledger.Invalid("input.project", "the project is not listed in this notice")
		}
		if o.ReceivedAt.IsZero() {
			o.ReceivedAt = tx.now
		}
		if o.State == "" {
			o.State = ledger.ObjectionReceived
		}
		o.PublicText, _ = ledger.MaskPersonalData(o.Text)
		id, err := tx.insert(ctx, "objections", []string{"receipt", "announcement_id", "project_id", "body", "body_public",
			"objector_name", "objector_contact", "state", "reason", "answer", "received_at", "decided_at", "answered_at", "client_hash"},
			o.Receipt, o.AnnouncementID, o.ProjectID, o.Text, o.PublicText, o.Name, o.Contact, string(o.State), o.Reason, o.Answer,
			o.ReceivedAt.UTC(), utcOrNil(o.DecidedAt), utcOrNil(o.AnsweredAt), o.ClientHash)
		if err != nil {
			return err
		}
		o.ID = id
		if idem.Key != "" {
			return tx.keyRecord(ctx, "objection", idem, id)
		}
		return nil
	})
	return replayed, err
}

// utcOrNil is t in UTC for a nullable column.
func utcOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// MoveObjection implements ledger.ParticipationWriter.
func (db *DB) MoveObjection(ctx context.Context, att ledger.Attribution, id int64, next ledger.ObjectionState, reason, answer string) (*ledger.Objection, error) {
	if err := att.Validate(); err != nil {
		return nil, err
	}
	var o ledger.Objection
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := tx.get(ctx, &o, objectionSelect+` WHERE id = ?`+tx.forUpdate(), id); ledger.ErrorCode(err) == ledger.ENOTFOUND {
			return ledger.NotFound("objection", id)
		} else if err != nil {
			return err
		}
		if err := ledger.CheckObjectionMove(o.State, next, reason, answer); err != nil {
			return err
		}
		o.State = next
		set, args := "state = ?, handled_by = ?", []any{string(next), att.Actor}
		switch next {
		case ledger.ObjectionAccepted:
			o.DecidedAt = &tx.now
			set += ", decided_at = ?"
			args = append(args, tx.now)
		case ledger.ObjectionNotAccepted:
			o.DecidedAt, o.AnsweredAt, o.Reason = &tx.now, &tx.now, reason
			set += ", decided_at = ?, answered_at = ?, reason = ?"
			args = append(args, tx.now, tx.now, reason)
		case ledger.ObjectionVerifying:
			set += ", verifying_at = ?"
			args = append(args, tx.now)
		case ledger.ObjectionAnswered:
			o.Answer, _ = ledger.MaskPersonalData(answer)
			o.AnsweredAt = &tx.now
			set += ", answered_at = ?, answer = ?"
			args = append(args, tx.now, o.Answer)
		}
		return tx.exec(ctx, `UPDATE objections SET `+set+` WHERE id = ?`, append(args, id)...)
	})
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// RateAgency implements ledger.ParticipationWriter.
func (db *DB) RateAgency(ctx context.Context, r *ledger.AgencyRating) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var kind ledger.OrgKind
		if err := tx.get(ctx, &kind, `SELECT kind FROM organizations WHERE id = ?`, r.AgencyID); ledger.ErrorCode(err) == ledger.ENOTFOUND {
			return ledger.Invalid("input.agency", "organization %d does not exist", r.AgencyID)
		} else if err != nil {
			return err
		}
		if kind != ledger.Evaluator && kind != ledger.Auditor {
			return ledger.Invalid("input.agency", "only third-party agencies (evaluators and auditors) are rated")
		}
		if r.RatedAt.IsZero() {
			r.RatedAt = tx.now
		}
		s := r.Scores
		return tx.get(ctx, &r.ID, `INSERT INTO agency_ratings (agency_id, year, party, rater, independence, professionalism, timeliness,
			communication, rated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (agency_id, year, party, rater) DO UPDATE SET independence = excluded.independence,
			professionalism = excluded.professionalism, timeliness = excluded.timeliness,
			communication = excluded.communication, rated_at = excluded.rated_at RETURNING id`,
			r.AgencyID, r.Year, string(r.Party), r.Rater, s[0], s[1], s[2], s[3], r.RatedAt.UTC())
	})
}

// SetPartyWeights implements ledger.ParticipationWriter.
func (db *DB) SetPartyWeights(ctx context.Context, year int, w ledger.PartyWeights) error {
	if err := w.Check(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if err := tx.exec(ctx, `DELETE FROM agency_rating_weights WHERE year = ?`, year); err != nil {
			return err
		}
		for _, p := range ledger.RaterParties {
			if err := tx.exec(ctx, `INSERT INTO agency_rating_weights (year, party, permille) VALUES (?, ?, ?)`,
				year, string(p), int(w[p]*1000+0.5)); err != nil {
				return err
			}
		}
		return nil
	})
}
