package store

import (
	"context"
	"strings"

	"civicledger/ledger"
)

// Corrections of published reports and announcements (the next version of
// the record, never an overwrite of its history), the corrections register
// and drafts. Project corrections are CorrectProject (write_projects.go).

// nextVersion is the change that writes the next version of a record of a
// versioned table: set lists the columns a correction may change, args
// their values; the version must still be prev (else ECONFLICT).
func (tx *Tx) nextVersion(entity ledger.Entity, table, key string, record any, id *int64, v *ledger.Versioned,
	prev *int, set []string, args func() []any) change {
	return change{entity: entity, record: record, id: id, correction: true, searchable: true,
		update: func(ctx context.Context, att ledger.Attribution) (int, error) {
			*v = ledger.Versioned{Version: *prev + 1, RecordedBy: att.Actor, RecordedAs: att.Role, RecordedAt: tx.now}
			q := `UPDATE ` + table + ` SET ` + strings.Join(set, " = ?, ") + ` = ?, version = ?, recorded_by = ?, recorded_role = ?, recorded_at = ?
		WHERE id = ? AND version = ?`
			res, err := tx.ExecContext(ctx, tx.q(q), append(args(), v.Version, v.RecordedBy, string(v.RecordedAs), v.RecordedAt, *id, *prev)...)
			if err != nil {
				return 0, mapError(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return 0, ledger.Errorf(ledger.ECONFLICT, "%s %s was changed by someone else; reload and try again", entity, key)
			}
			return v.Version, nil
		}}
}

// currentVersion reads the stored version of a record and refuses a
// correction made to an earlier one (given != 0).
func (tx *Tx) currentVersion(ctx context.Context, table, field string, id int64, given int) (int, error) {
	var cur int
	if err := tx.get(ctx, &cur, `SELECT version FROM `+table+` WHERE id = ?`, id); ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return 0, ledger.Invalid(field, "record %d does not exist", id)
	} else if err != nil {
		return 0, err
	}
	if given != 0 && given != cur {
		return 0, &ledger.Error{Code: ledger.ECONFLICT, Field: "version", Message: "the record is now at version " + itoa(cur) +
			", but this correction was made to version " + itoa(given) + "; reload it and correct again"}
	}
	return cur, nil
}

func (w txWriter) CorrectReport(ctx context.Context, att ledger.Attribution, r *ledger.Report) error {
	tx := w.tx
	var prev int
	c := tx.nextVersion(ledger.EntityReport, "reports", r.Code, r, &r.ID, &r.Versioned, &prev,
		[]string{"title", "body", "published_on"}, func() []any { return []any{r.Title, r.Body, string(r.PublishedOn)} })
	c.validate = r.Validate
	c.check = func(ctx context.Context) (err error) {
		prev, err = tx.currentVersion(ctx, "reports", "report.code", r.ID, r.Version)
		return err
	}
	return tx.apply(ctx, att, c)
}

func (w txWriter) CorrectAnnouncement(ctx context.Context, att ledger.Attribution, a *ledger.Announcement) error {
	tx := w.tx
	var prev int
	c := tx.nextVersion(ledger.EntityAnnouncement, "announcements", a.Code, a, &a.ID, &a.Versioned, &prev,
		[]string{"title", "body", "notice_start", "notice_end"},
		func() []any { return []any{a.Title, a.Body, string(a.NoticeStart), string(a.NoticeEnd)} })
	c.validate = a.Validate
	c.check = func(ctx context.Context) (err error) {
		prev, err = tx.currentVersion(ctx, "announcements", "announcement.code", a.ID, a.Version)
		return err
	}
	return tx.apply(ctx, att, c)
}

func (w txWriter) RecordCorrection(ctx context.Context, c *ledger.Correction) error {
	tx := w.tx
	if err := ledger.CheckReason(c.Reason); err != nil {
		return err
	}
	c.CorrectedAt = tx.now
	id, err := tx.insert(ctx, "corrections", []string{"entity", "entity_id", "version", "kind", "reason", "organization_id", "project_id", "login", "role", "corrected_at"},
		string(c.Entity), c.EntityID, c.Version, string(c.Kind), c.Reason, c.OrgID, c.ProjectID, c.Login, string(c.Role), c.CorrectedAt)
	c.ID = id
	return err
}

// CorrectReport implements ledger.Writer.
func (db *DB) CorrectReport(ctx context.Context, att ledger.Attribution, r *ledger.Report) error {
	return alone(ctx, db, att, r, txWriter.CorrectReport)
}

// CorrectAnnouncement implements ledger.Writer.
func (db *DB) CorrectAnnouncement(ctx context.Context, att ledger.Attribution, a *ledger.Announcement) error {
	return alone(ctx, db, att, a, txWriter.CorrectAnnouncement)
}

// RecordCorrection implements ledger.Writer.
func (db *DB) RecordCorrection(ctx context.Context, c *ledger.Correction) error {
	return db.inTx(ctx, func(tx *Tx) error { return txWriter{tx}.RecordCorrection(ctx, c) })
}

// Corrections implements ledger.CorrectionReader.
func (db *DB) Corrections(ctx context.Context, f ledger.CorrectionFilter, offset, limit int) ([]*ledger.Correction, int, error) {
	where, args := []string{"1 = 1"}, []any{}
	in := func(col string, n int) string { return col + " IN (?" + strings.Repeat(", ?", n-1) + ")" }
	if len(f.OrgIDs) > 0 {
		where = append(where, in("organization_id", len(f.OrgIDs)))
		for _, v := range f.OrgIDs {
			args = append(args, v)
		}
	}
	if len(f.Entities) > 0 {
		where = append(where, in("entity", len(f.Entities)))
		for _, v := range f.Entities {
			args = append(args, string(v))
		}
	}
	if len(f.Kinds) > 0 {
		where = append(where, in("kind", len(f.Kinds)))
		for _, v := range f.Kinds {
			args = append(args, string(v))
		}
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := db.get(ctx, &total, `SELECT COUNT(*) FROM corrections WHERE `+cond, args...); err != nil {
		return nil, 0, err
	}
	var out []*ledger.Correction
	err := db.sel(ctx, &out, `SELECT * FROM corrections WHERE `+cond+` ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	return out, total, err
}

// LatestCorrections implements ledger.CorrectionReader.
func (db *DB) LatestCorrections(ctx context.Context, entity ledger.Entity, ids []int64) ([]*ledger.Correction, error) {
	out := make([]*ledger.Correction, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []*ledger.Correction
	args := []any{string(entity)}
	for _, id := range ids {
		args = append(args, id)
	}
	if err := db.sel(ctx, &rows, `SELECT * FROM corrections WHERE entity = ? AND entity_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY id`, args...); err != nil {
		return nil, err
	}
	latest := map[int64]*ledger.Correction{}
	for _, c := range rows {
		latest[c.EntityID] = c
	}
	for i, id := range ids {
		out[i] = latest[id]
	}
	return out, nil
}

// SaveDraft implements ledger.DraftStore.
func (db *DB) SaveDraft(ctx context.Context, d *ledger.Draft) error {
	return db.inTx(ctx, func(tx *Tx) error {
		d.UpdatedAt = tx.now
		if d.ID == 0 {
			d.CreatedAt = tx.now
			id, err := tx.insert(ctx, "drafts", []string{"kind", "code", "title", "payload", "organization_id", "account_id", "created_at", "updated_at"},
				string(d.Kind), d.Code, d.Title, d.Payload, d.OrgID, d.AccountID, d.CreatedAt, d.UpdatedAt)
			d.ID = id
			return err
		}
		res, err := tx.ExecContext(ctx, tx.q(`UPDATE drafts SET code = ?, title = ?, payload = ?, account_id = ?, updated_at = ?
			WHERE id = ? AND organization_id = ? AND published_at IS NULL`), d.Code, d.Title, d.Payload, d.AccountID, d.UpdatedAt, d.ID, d.OrgID)
		if err != nil {
			return mapError(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ledger.NotFound("unpublished draft", d.ID)
		}
		return nil
	})
}

// Drafts implements ledger.DraftStore.
func (db *DB) Drafts(ctx context.Context, orgID int64) ([]*ledger.Draft, error) {
	var out []*ledger.Draft
	return out, db.sel(ctx, &out, `SELECT * FROM drafts WHERE organization_id = ?
		ORDER BY CASE WHEN published_at IS NULL THEN 0 ELSE 1 END, updated_at DESC, id DESC`, orgID)
}

// Draft implements ledger.DraftStore.
func (db *DB) Draft(ctx context.Context, orgID, id int64) (*ledger.Draft, error) {
	var d ledger.Draft
	if err := db.get(ctx, &d, `SELECT * FROM drafts WHERE id = ? AND organization_id = ?`, id, orgID); err != nil {
		if ledger.ErrorCode(err) == ledger.ENOTFOUND {
			return nil, ledger.NotFound("draft", id)
		}
		return nil, err
	}
	return &d, nil
}

// MarkDraftPublished implements ledger.DraftStore.
func (db *DB) MarkDraftPublished(ctx context.Context, orgID, draftID, id int64) error {
	return db.inTx(ctx, func(tx *Tx) error {
		return tx.exec(ctx, `UPDATE drafts SET published_at = ?, published_id = ? WHERE id = ? AND organization_id = ?`, tx.now, id, draftID, orgID)
	})
}
