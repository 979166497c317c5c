package store

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"civicledger/ledger"
)

// Writes. Every write of a published record follows one recipe, run by
// Tx.apply from a change that describes the record by its data:
//
//	validate the attribution and the record
//	→ check what it refers to, and the rules that read the ledger
//	→ write its row (a new record, or the next version of one) and its child rows
//	→ append the whole record to revisions
//	→ append it to the outbox when it has searchable text
//	→ mark the project whose derived figures and rollup row it changes
//	→ the further change it makes (a stage event moves its project).
//
// Feedback is the one write outside the recipe: it is anonymous, has no
// versions and updates its sums directly (RecordFeedback).

// change is one write of one record, described by its data. Only entity,
// record and id and either the insert (table, cols, args, versioned) or
// update are required; every other step is skipped when left nil.
type change struct {
	entity ledger.Entity // the record's kind in revisions and the outbox
	record any           // the record, as its revision snapshots it
	id     *int64        // the record's ID, set by an insert

	correction bool         // the attribution must state its reason
	validate   func() error // the record's own rules
	// The project the record belongs to (nil for none) and the field that
	// names it, and the organizations it names: each must exist (and each
	// organization be of the kind its role needs).
	project      *int64
	projectField string
	orgs         []ledger.OrgRef
	// check reads what else the record refers to and the rules that need
	// the ledger, after the references above and before anything is written.
	check func(ctx context.Context) error

	// The insert of a new record: its table, its columns and their values
	// (read after check, which may fill some in) and the version stamp.
	table     string
	cols      []string
	args      func() []any
	versioned *ledger.Versioned
	// duplicate and dangling name the field an insert refused on a unique
	// key (ECONFLICT) or a missing referenced row (EINVALID).
	duplicate, dangling func() error
	// update writes the next version of an existing record instead of an
	// insert, and returns that version.
	update func(ctx context.Context, att ledger.Attribution) (int, error)

	after      func(ctx context.Context, id int64) error // child rows and caches, before the revision
	searchable bool                                      // the record has searchable text: append it to the outbox
	figuresOf  *int64                                    // the project whose derived figures the record changes
	then       func(ctx context.Context) error           // a further change this one makes
}

// apply runs the write recipe for c.
func (tx *Tx) apply(ctx context.Context, att ledger.Attribution, c change) error {
	valid := att.Validate
	if c.correction {
		valid = att.ValidateCorrection
	}
	if err := valid(); err != nil {
		return err
	}
	if c.validate != nil {
		if err := c.validate(); err != nil {
			return err
		}
	}
	if c.project != nil {
		if _, err := tx.loadProject(ctx, c.projectField, *c.project); err != nil {
			return err
		}
	}
	if err := tx.checkOrgs(ctx, c.orgs); err != nil {
		return err
	}
	if c.check != nil {
		if err := c.check(ctx); err != nil {
			return err
		}
	}
	version := 1
	if c.update != nil {
		v, err := c.update(ctx, att)
		if err != nil {
			return err
		}
		version = v
	} else {
		id, err := tx.insert(ctx, c.table, cols(c.cols...), append(c.args(), tx.stamp(att, c.versioned)...)...)
		if code := ledger.ErrorCode(err); code == ledger.ECONFLICT && c.duplicate != nil {
			return c.duplicate()
		} else if code == ledger.EINVALID && c.dangling != nil {
			return c.dangling()
		} else if err != nil {
			return err
		}
		*c.id = id
	}
	id := *c.id
	if c.after != nil {
		if err := c.after(ctx, id); err != nil {
			return err
		}
	}
	if err := tx.revise(ctx, att, c.entity, id, version, c.record); err != nil {
		return err
	}
	if c.searchable {
		if err := tx.touch(ctx, c.entity, id); err != nil {
			return err
		}
	}
	if c.figuresOf != nil {
		if err := tx.refreshFigures(ctx, *c.figuresOf); err != nil {
			return err
		}
	}
	if c.then != nil {
		return c.then(ctx)
	}
	return nil
}

var versionCols = []string{"version", "recorded_by", "recorded_role", "recorded_at"}

func cols(c ...string) []string { return append(c, versionCols...) }

// stamp sets a new record's version 1 attribution.
func (tx *Tx) stamp(att ledger.Attribution, v *ledger.Versioned) []any {
	*v = ledger.Versioned{Version: 1, RecordedBy: att.Actor, RecordedAs: att.Role, RecordedAt: tx.now}
	return []any{v.Version, v.RecordedBy, string(v.RecordedAs), v.RecordedAt}
}

// revise appends a record's current version to its history.
func (tx *Tx) revise(ctx context.Context, att ledger.Attribution, entity ledger.Entity, id int64, version int, record any) error {
	snap, err := json.Marshal(record)
	if err != nil {
		return err
	}
	tx.revisions = append(tx.revisions, []any{entity, id, version, string(snap), att.Actor, string(att.Role), att.Reason, tx.now})
	if len(tx.revisions) >= 1000 {
		return tx.flushRows(ctx)
	}
	return nil
}

// touch appends a record whose searchable text changed to the outbox.
func (tx *Tx) touch(ctx context.Context, entity ledger.Entity, id int64) error {
	tx.outbox = append(tx.outbox, []any{entity, id, tx.now})
	if len(tx.outbox) >= 1000 {
		return tx.flushRows(ctx)
	}
	return nil
}

// flushRows writes the buffered revision and outbox rows, in order, with
// multi-row INSERTs of up to 500 rows: a bulk load saves two round trips
// per record, and the rows still commit with the records they describe.
func (tx *Tx) flushRows(ctx context.Context) error {
	if err := tx.insertRows(ctx, "revisions", []string{"entity", "entity_id", "version", "snapshot", "actor", "role", "reason", "recorded_at"}, tx.revisions, ""); err != nil {
		return err
	}
	tx.revisions = nil
	if err := tx.insertRows(ctx, "outbox", []string{"entity", "entity_id", "recorded_at"}, tx.outbox, ""); err != nil {
		return err
	}
	tx.outbox = nil
	return nil
}

func (tx *Tx) insertRows(ctx context.Context, table string, cols []string, rows [][]any, suffix string) error {
	const chunk = 500
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args := make([]any, 0, len(part)*len(cols))
		for i, r := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
			args = append(args, r...)
		}
		b.WriteString(suffix)
		if err := tx.exec(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// InTx implements ledger.Publisher.
func (db *DB) InTx(ctx context.Context, fn func(w ledger.Writer) error) error {
	return db.inTx(ctx, func(tx *Tx) error { return fn(txWriter{tx}) })
}

// txWriter is a ledger.Writer whose writes all go into one transaction.
type txWriter struct{ tx *Tx }

// alone runs one write of rec in a transaction of its own.
func alone[T any](ctx context.Context, db *DB, att ledger.Attribution, rec T,
	write func(txWriter, context.Context, ledger.Attribution, T) error) error {
	return db.inTx(ctx, func(tx *Tx) error { return write(txWriter{tx}, ctx, att, rec) })
}

// The writes of a DB, each in a transaction of its own.

// RecordFeedback implements ledger.Writer.
func (db *DB) RecordFeedback(ctx context.Context, f *ledger.Feedback) error {
	return db.inTx(ctx, func(tx *Tx) error { return txWriter{tx}.RecordFeedback(ctx, f) })
}

// RecordMetric implements ledger.Writer.
func (db *DB) RecordMetric(ctx context.Context, att ledger.Attribution, m *ledger.Metric) error {
	return alone(ctx, db, att, m, txWriter.RecordMetric)
}

// RecordTranche implements ledger.Writer.
func (db *DB) RecordTranche(ctx context.Context, att ledger.Attribution, t *ledger.Tranche) error {
	return alone(ctx, db, att, t, txWriter.RecordTranche)
}

// RecordAudit implements ledger.Writer.
func (db *DB) RecordAudit(ctx context.Context, att ledger.Attribution, a *ledger.Audit) error {
	return alone(ctx, db, att, a, txWriter.RecordAudit)
}

// CreateRound implements ledger.Writer.
func (db *DB) CreateRound(ctx context.Context, att ledger.Attribution, r *ledger.Round) error {
	return alone(ctx, db, att, r, txWriter.CreateRound)
}

// CreateOrganization implements ledger.Writer.
func (db *DB) CreateOrganization(ctx context.Context, att ledger.Attribution, o *ledger.Organization) error {
	return alone(ctx, db, att, o, txWriter.CreateOrganization)
}

// CreateProject implements ledger.Writer.
func (db *DB) CreateProject(ctx context.Context, att ledger.Attribution, p *ledger.Project) error {
	return alone(ctx, db, att, p, txWriter.CreateProject)
}

// CorrectProject implements ledger.Writer.
func (db *DB) CorrectProject(ctx context.Context, att ledger.Attribution, p *ledger.Project) error {
	return alone(ctx, db, att, p, txWriter.CorrectProject)
}

// RecordStageEvent implements ledger.Writer.
func (db *DB) RecordStageEvent(ctx context.Context, att ledger.Attribution, e *ledger.StageEvent) error {
	return alone(ctx, db, att, e, txWriter.RecordStageEvent)
}

// PublishAnnouncement implements ledger.Writer.
func (db *DB) PublishAnnouncement(ctx context.Context, att ledger.Attribution, a *ledger.Announcement) error {
	return alone(ctx, db, att, a, txWriter.PublishAnnouncement)
}

// PublishReport implements ledger.Writer.
func (db *DB) PublishReport(ctx context.Context, att ledger.Attribution, r *ledger.Report) error {
	return alone(ctx, db, att, r, txWriter.PublishReport)
}

// CreateCaseCollection implements ledger.Writer.
func (db *DB) CreateCaseCollection(ctx context.Context, att ledger.Attribution, c *ledger.CaseCollection) error {
	return alone(ctx, db, att, c, txWriter.CreateCaseCollection)
}

// AddCaseStudy implements ledger.Writer.
func (db *DB) AddCaseStudy(ctx context.Context, att ledger.Attribution, c *ledger.CaseStudy) error {
	return alone(ctx, db, att, c, txWriter.AddCaseStudy)
}

// CreateIndicatorSet implements ledger.Writer.
func (db *DB) CreateIndicatorSet(ctx context.Context, att ledger.Attribution, s *ledger.IndicatorSet) error {
	return alone(ctx, db, att, s, txWriter.CreateIndicatorSet)
}

// RecordScorecard implements ledger.Writer.
func (db *DB) RecordScorecard(ctx context.Context, att ledger.Attribution, s *ledger.Scorecard) error {
	return alone(ctx, db, att, s, txWriter.RecordScorecard)
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func itoa(i int) string { return strconv.Itoa(i) }
