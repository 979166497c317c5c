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
	entity string // the record's kind in revisions and the outbox
	record any    // the record, as its revision snapshots it
	id     *int64 // the record's ID, set by an insert

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
func (tx *Tx) revise(ctx context.Context, att ledger.Attribution, entity string, id int64, version int, record any) error {
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
func (tx *Tx) touch(ctx context.Context, entity string, id int64) error {
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

// CreateRound implements ledger.Writer.
func (db *DB) CreateRound(ctx context.Context, att ledger.Attribution, r *ledger.Round) error {
	return alone(ctx, db, att, r, txWriter.CreateRound)
}

func (w txWriter) CreateRound(ctx context.Context, att ledger.Attribution, r *ledger.Round) error {
	return w.tx.apply(ctx, att, change{entity: "round", record: r, id: &r.ID, validate: r.Validate,
		table: "rounds", cols: []string{"year", "title", "budget_fen", "description", "opens_on", "closes_on"},
		args: func() []any {
			return []any{r.Year, r.Title, int64(r.Budget), r.Description, string(r.OpensOn), string(r.ClosesOn)}
		},
		versioned: &r.Versioned,
		duplicate: func() error { return ledger.Invalid("round.year", "a round for %d already exists", r.Year) },
	})
}

// CreateOrganization implements ledger.Writer.
func (db *DB) CreateOrganization(ctx context.Context, att ledger.Attribution, o *ledger.Organization) error {
	return alone(ctx, db, att, o, txWriter.CreateOrganization)
}

func (w txWriter) CreateOrganization(ctx context.Context, att ledger.Attribution, o *ledger.Organization) error {
	return w.tx.apply(ctx, att, change{entity: "organization", record: o, id: &o.ID, validate: o.Validate,
		table: "organizations", cols: []string{"credit_code", "name", "kind", "district", "description", "founded_on"},
		args: func() []any {
			return []any{o.CreditCode, o.Name, string(o.Kind), o.District, o.Description, string(o.FoundedOn)}
		},
		versioned: &o.Versioned,
		duplicate: func() error {
			return ledger.Invalid("organization.creditCode", "an organization with credit code %s already exists", o.CreditCode)
		},
		after: func(_ context.Context, id int64) error {
			w.tx.orgKinds[id] = o.Kind
			return nil
		},
		searchable: true,
	})
}

// checkOrgs checks that each reference names an existing organization of
// the kind its role needs (ledger.CheckOrgRef).
func (tx *Tx) checkOrgs(ctx context.Context, refs []ledger.OrgRef) error {
	for _, ref := range refs {
		k, ok := tx.orgKinds[ref.ID]
		if !ok {
			if err := tx.get(ctx, &k, `SELECT kind FROM organizations WHERE id = ?`, ref.ID); ledger.ErrorCode(err) == ledger.ENOTFOUND {
				return ledger.Invalid(ref.Field, "organization %d does not exist", ref.ID)
			} else if err != nil {
				return err
			}
			tx.orgKinds[ref.ID] = k
		}
		if err := ledger.CheckOrgRef(ref, k); err != nil {
			return err
		}
	}
	return nil
}

// checkProjectRefs checks the round and organizations a project names and
// fills in its year from the round.
func (tx *Tx) checkProjectRefs(ctx context.Context, p *ledger.Project) error {
	if err := tx.get(ctx, &p.Year, `SELECT year FROM rounds WHERE id = ?`, p.RoundID); ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return ledger.Invalid("project.round", "round %d does not exist", p.RoundID)
	} else if err != nil {
		return err
	}
	return tx.checkOrgs(ctx, p.OrgRefs())
}

var projectCols = []string{"code", "round_id", "year", "title", "service_area", "district", "target_group", "summary",
	"undertaker_id", "evaluator_id", "auditor_id", "awarded_fen", "cofunding_fen", "stage", "outcome", "applied_on", "approved_on"}

func projectArgs(p *ledger.Project) []any {
	return []any{p.Code, p.RoundID, p.Year, p.Title, string(p.ServiceArea), p.District, p.TargetGroup, p.Summary,
		p.UndertakerID, p.EvaluatorID, p.AuditorID, int64(p.Awarded), int64(p.CoFunding), string(p.Stage), string(p.Outcome),
		string(p.AppliedOn), string(p.ApprovedOn)}
}

// CreateProject implements ledger.Writer.
func (db *DB) CreateProject(ctx context.Context, att ledger.Attribution, p *ledger.Project) error {
	return alone(ctx, db, att, p, txWriter.CreateProject)
}

func (w txWriter) CreateProject(ctx context.Context, att ledger.Attribution, p *ledger.Project) error {
	tx := w.tx
	return tx.apply(ctx, att, change{entity: "project", record: p, id: &p.ID, validate: p.Validate,
		check: func(ctx context.Context) error { return tx.checkProjectRefs(ctx, p) },
		table: "projects", cols: projectCols, args: func() []any { return projectArgs(p) }, versioned: &p.Versioned,
		duplicate: func() error { return ledger.Invalid("project.code", "a project with code %s already exists", p.Code) },
		after: func(ctx context.Context, id int64) error {
			tx.projects[id] = *p
			tx.markNewProject(id)
			// A new project has no metrics, tranches or audits yet.
			f := ledger.DeriveFigures(ledger.FigureSources{ProjectID: id, CoFunding: p.CoFunding})
			return tx.exec(ctx, `INSERT INTO project_figures (project_id, leveraged_fen) VALUES (?, ?)`, id, int64(f.Leveraged))
		},
		searchable: true,
	})
}

// loadProject reads a project inside the transaction.
func (tx *Tx) loadProject(ctx context.Context, field string, id int64) (*ledger.Project, error) {
	if p, ok := tx.projects[id]; ok {
		return &p, nil
	}
	var p ledger.Project
	if err := tx.get(ctx, &p, `SELECT * FROM projects WHERE id = ?`, id); ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return nil, ledger.Invalid(field, "project %d does not exist", id)
	} else if err != nil {
		return nil, err
	}
	tx.projects[id] = p
	return &p, nil
}

// projectVersion is the change that writes p as the version after *prev
// of its project (read when the change is written, after its check).
func (tx *Tx) projectVersion(p *ledger.Project, prev *int) change {
	return change{entity: "project", record: p, id: &p.ID, searchable: true,
		update: func(ctx context.Context, att ledger.Attribution) (int, error) {
			prev := *prev // prev may point into p.Versioned, which this sets
			if err := tx.markRollup(ctx, p.ID); err != nil {
				return 0, err
			}
			p.Versioned = ledger.Versioned{Version: prev + 1, RecordedBy: att.Actor, RecordedAs: att.Role, RecordedAt: tx.now}
			set := ""
			for i, c := range projectCols {
				if i > 0 {
					set += ", "
				}
				set += c + " = ?"
			}
			args := append(projectArgs(p), p.Version, p.RecordedBy, string(p.RecordedAs), p.RecordedAt, p.ID, prev)
			res, err := tx.ExecContext(ctx, tx.q(`UPDATE projects SET `+set+`, version = ?, recorded_by = ?, recorded_role = ?, recorded_at = ?
		WHERE id = ? AND version = ?`), args...)
			if err != nil {
				return 0, mapError(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return 0, ledger.Errorf(ledger.ECONFLICT, "project %s was changed by someone else; reload and try again", p.Code)
			}
			tx.projects[p.ID] = *p
			return p.Version, nil
		}}
}

// CorrectProject implements ledger.Writer.
func (db *DB) CorrectProject(ctx context.Context, att ledger.Attribution, p *ledger.Project) error {
	return alone(ctx, db, att, p, txWriter.CorrectProject)
}

func (w txWriter) CorrectProject(ctx context.Context, att ledger.Attribution, p *ledger.Project) error {
	tx := w.tx
	var prev int
	c := tx.projectVersion(p, &prev)
	c.correction, c.validate, c.figuresOf = true, p.Validate, &p.ID
	c.check = func(ctx context.Context) error {
		cur, err := tx.loadProject(ctx, "project.id", p.ID)
		if err != nil {
			return err
		}
		if err := ledger.CheckCorrection(cur, p); err != nil {
			return err
		}
		prev = cur.Version
		return tx.checkProjectRefs(ctx, p)
	}
	return tx.apply(ctx, att, c)
}

// RecordStageEvent implements ledger.Writer.
func (db *DB) RecordStageEvent(ctx context.Context, att ledger.Attribution, e *ledger.StageEvent) error {
	return alone(ctx, db, att, e, txWriter.RecordStageEvent)
}

func (w txWriter) RecordStageEvent(ctx context.Context, att ledger.Attribution, e *ledger.StageEvent) error {
	tx := w.tx
	var p *ledger.Project
	var changed bool
	return tx.apply(ctx, att, change{entity: "stage_event", record: e, id: &e.ID, validate: e.Validate,
		check: func(ctx context.Context) (err error) {
			if p, err = tx.loadProject(ctx, "stageEvent.project", e.ProjectID); err != nil {
				return err
			}
			changed, err = ledger.ApplyStageEvent(p, e)
			return err
		},
		table: "stage_events", cols: []string{"project_id", "stage", "outcome", "occurred_on", "reason"},
		args: func() []any {
			return []any{e.ProjectID, string(e.Stage), string(e.Outcome), string(e.OccurredOn), e.Reason}
		},
		versioned: &e.Versioned,
		then: func(ctx context.Context) error {
			if !changed {
				return nil
			}
			return tx.apply(ctx, att.ForStageChange(e), tx.projectVersion(p, &p.Version))
		},
	})
}

// CreateIndicatorSet implements ledger.Writer.
func (db *DB) CreateIndicatorSet(ctx context.Context, att ledger.Attribution, s *ledger.IndicatorSet) error {
	return alone(ctx, db, att, s, txWriter.CreateIndicatorSet)
}

func (w txWriter) CreateIndicatorSet(ctx context.Context, att ledger.Attribution, s *ledger.IndicatorSet) error {
	tx := w.tx
	return tx.apply(ctx, att, change{entity: "indicator_set", record: s, id: &s.ID, validate: s.Validate,
		table: "indicator_sets", cols: []string{"kind", "name", "edition", "published_on"},
		args:      func() []any { return []any{string(s.Kind), s.Name, s.Edition, string(s.PublishedOn)} },
		versioned: &s.Versioned,
		after: func(ctx context.Context, id int64) (err error) {
			for i := range s.Indicators {
				in := &s.Indicators[i]
				in.SetID, in.Position = id, i+1
				if in.ID, err = tx.insert(ctx, "indicators", []string{"set_id", "position", "name", "guidance", "weight", "max_score"},
					id, in.Position, in.Name, in.Guidance, in.Weight, in.MaxScore); err != nil {
					return err
				}
			}
			return nil
		},
	})
}

// RecordScorecard implements ledger.Writer.
func (db *DB) RecordScorecard(ctx context.Context, att ledger.Attribution, s *ledger.Scorecard) error {
	return alone(ctx, db, att, s, txWriter.RecordScorecard)
}

func (w txWriter) RecordScorecard(ctx context.Context, att ledger.Attribution, s *ledger.Scorecard) error {
	tx := w.tx
	var total float64
	return tx.apply(ctx, att, change{entity: "scorecard", record: s, id: &s.ID,
		project: &s.ProjectID, projectField: "scorecard.project", orgs: s.OrgRefs(),
		check: func(ctx context.Context) (err error) {
			set, err := tx.indicatorSet(ctx, s.SetID)
			if err != nil {
				return err
			}
			total, err = ledger.CheckScorecard(s, set)
			return err
		},
		table: "scorecards", cols: []string{"project_id", "set_id", "kind", "reviewer_id", "reviewed_on", "comment", "passed", "total"},
		args: func() []any {
			return []any{s.ProjectID, s.SetID, string(s.Kind), s.ReviewerID, string(s.ReviewedOn), s.Comment, s.Passed, total}
		},
		versioned: &s.Versioned,
		after: func(ctx context.Context, id int64) error {
			for i := range s.Scores {
				s.Scores[i].ScorecardID = id
				if err := tx.exec(ctx, `INSERT INTO scores (scorecard_id, indicator_id, value) VALUES (?, ?, ?)`,
					id, s.Scores[i].IndicatorID, s.Scores[i].Value); err != nil {
					return err
				}
			}
			return nil
		},
	})
}

// indicatorSet reads an indicator set with its indicators inside the
// transaction, once per transaction.
func (tx *Tx) indicatorSet(ctx context.Context, id int64) (*ledger.IndicatorSet, error) {
	set, ok := tx.sets[id]
	if !ok {
		if err := tx.get(ctx, &set, `SELECT * FROM indicator_sets WHERE id = ?`, id); ledger.ErrorCode(err) == ledger.ENOTFOUND {
			return nil, ledger.Invalid("scorecard.indicatorSet", "indicator set %d does not exist", id)
		} else if err != nil {
			return nil, err
		}
		tx.sets[id] = set
	}
	indicators, ok := tx.indicators[id]
	if !ok {
		if err := tx.sel(ctx, &indicators, `SELECT * FROM indicators WHERE set_id = ? ORDER BY position`, id); err != nil {
			return nil, err
		}
		tx.indicators[id] = indicators
	}
	set.Indicators = indicators
	return &set, nil
}

// RecordTranche implements ledger.Writer.
func (db *DB) RecordTranche(ctx context.Context, att ledger.Attribution, t *ledger.Tranche) error {
	return alone(ctx, db, att, t, txWriter.RecordTranche)
}

func (w txWriter) RecordTranche(ctx context.Context, att ledger.Attribution, t *ledger.Tranche) error {
	tx := w.tx
	var p *ledger.Project
	return tx.apply(ctx, att, change{entity: "tranche", record: t, id: &t.ID,
		check: func(ctx context.Context) (err error) {
			if p, err = tx.loadProject(ctx, "tranche.project", t.ProjectID); err != nil {
				return err
			}
			// Lock the project first (on PostgreSQL) so two tranches recorded at
			// once cannot both pass the check against what is left of the award.
			if err := tx.markRollup(ctx, t.ProjectID); err != nil {
				return err
			}
			var earlier []ledger.Tranche
			if err := tx.sel(ctx, &earlier, `SELECT kind, amount_fen FROM tranches WHERE project_id = ?`, t.ProjectID); err != nil {
				return err
			}
			return ledger.CheckPayment(p, t, earlier)
		},
		table: "tranches", cols: []string{"project_id", "kind", "amount_fen", "paid_on"},
		args:      func() []any { return []any{t.ProjectID, string(t.Kind), int64(t.Amount), string(t.PaidOn)} },
		versioned: &t.Versioned,
		duplicate: func() error {
			return ledger.Invalid("tranche.kind", "project %s already has its %s", p.Code, ledger.Label(t.Kind))
		},
		figuresOf: &t.ProjectID,
	})
}

// RecordAudit implements ledger.Writer.
func (db *DB) RecordAudit(ctx context.Context, att ledger.Attribution, a *ledger.Audit) error {
	return alone(ctx, db, att, a, txWriter.RecordAudit)
}

func (w txWriter) RecordAudit(ctx context.Context, att ledger.Attribution, a *ledger.Audit) error {
	return w.tx.apply(ctx, att, change{entity: "audit", record: a, id: &a.ID, validate: a.Validate,
		project: &a.ProjectID, projectField: "audit.project", orgs: a.OrgRefs(),
		table: "audits", cols: []string{"project_id", "auditor_id", "audited_on", "result", "findings", "spent_fen", "recovered_fen", "report_id"},
		args: func() []any {
			return []any{a.ProjectID, a.AuditorID, string(a.AuditedOn), string(a.Result), a.Findings, int64(a.Spent), int64(a.Recovered), a.ReportID}
		},
		versioned: &a.Versioned,
		figuresOf: &a.ProjectID,
	})
}

// RecordMetric implements ledger.Writer.
func (db *DB) RecordMetric(ctx context.Context, att ledger.Attribution, m *ledger.Metric) error {
	return alone(ctx, db, att, m, txWriter.RecordMetric)
}

func (w txWriter) RecordMetric(ctx context.Context, att ledger.Attribution, m *ledger.Metric) error {
	return w.tx.apply(ctx, att, change{entity: "metric", record: m, id: &m.ID, validate: m.Validate,
		project: &m.ProjectID, projectField: "metric.project",
		table: "metrics", cols: []string{"project_id", "kind", "period_start", "period_end", "value", "target", "provenance"},
		args: func() []any {
			return []any{m.ProjectID, string(m.Kind), string(m.PeriodStart), string(m.PeriodEnd), m.Value, m.Target, string(m.Provenance)}
		},
		versioned: &m.Versioned,
		figuresOf: &m.ProjectID,
	})
}

// PublishAnnouncement implements ledger.Writer.
func (db *DB) PublishAnnouncement(ctx context.Context, att ledger.Attribution, a *ledger.Announcement) error {
	return alone(ctx, db, att, a, txWriter.PublishAnnouncement)
}

func (w txWriter) PublishAnnouncement(ctx context.Context, att ledger.Attribution, a *ledger.Announcement) error {
	tx := w.tx
	return tx.apply(ctx, att, change{entity: "announcement", record: a, id: &a.ID, validate: a.Validate,
		orgs:  a.OrgRefs(),
		table: "announcements", cols: []string{"code", "kind", "round_id", "title", "body", "publisher_id", "published_on", "notice_start", "notice_end"},
		args: func() []any {
			return []any{a.Code, string(a.Kind), a.RoundID, a.Title, a.Body, a.PublisherID, string(a.PublishedOn), string(a.NoticeStart), string(a.NoticeEnd)}
		},
		versioned: &a.Versioned,
		duplicate: func() error {
			return ledger.Invalid("announcement.code", "an announcement with code %s already exists", a.Code)
		},
		dangling: func() error { return ledger.Invalid("announcement.round", "round %v does not exist", deref(a.RoundID)) },
		after: func(ctx context.Context, id int64) error {
			for i, pid := range a.ProjectIDs {
				if err := tx.exec(ctx, `INSERT INTO announcement_projects (announcement_id, project_id) VALUES (?, ?)`, id, pid); err != nil {
					if ledger.ErrorCode(err) == ledger.EINVALID {
						return ledger.Invalid("announcement.projects["+itoa(i)+"]", "project %d does not exist", pid)
					}
					if ledger.ErrorCode(err) == ledger.ECONFLICT {
						return ledger.Invalid("announcement.projects["+itoa(i)+"]", "project %d is listed twice", pid)
					}
					return err
				}
			}
			return nil
		},
		searchable: true,
	})
}

// PublishReport implements ledger.Writer.
func (db *DB) PublishReport(ctx context.Context, att ledger.Attribution, r *ledger.Report) error {
	return alone(ctx, db, att, r, txWriter.PublishReport)
}

func (w txWriter) PublishReport(ctx context.Context, att ledger.Attribution, r *ledger.Report) error {
	return w.tx.apply(ctx, att, change{entity: "report", record: r, id: &r.ID, validate: r.Validate,
		project: r.ProjectID, projectField: "report.project", orgs: r.OrgRefs(),
		table: "reports", cols: []string{"code", "kind", "title", "body", "author_id", "project_id", "round_id", "published_on"},
		args: func() []any {
			return []any{r.Code, string(r.Kind), r.Title, r.Body, r.AuthorID, r.ProjectID, r.RoundID, string(r.PublishedOn)}
		},
		versioned:  &r.Versioned,
		duplicate:  func() error { return ledger.Invalid("report.code", "a report with code %s already exists", r.Code) },
		dangling:   func() error { return ledger.Invalid("report.round", "round %v does not exist", deref(r.RoundID)) },
		searchable: true,
	})
}

// CreateCaseCollection implements ledger.Writer.
func (db *DB) CreateCaseCollection(ctx context.Context, att ledger.Attribution, c *ledger.CaseCollection) error {
	return alone(ctx, db, att, c, txWriter.CreateCaseCollection)
}

func (w txWriter) CreateCaseCollection(ctx context.Context, att ledger.Attribution, c *ledger.CaseCollection) error {
	return w.tx.apply(ctx, att, change{entity: "case_collection", record: c, id: &c.ID, validate: c.Validate,
		table: "case_collections", cols: []string{"year", "title", "intro", "published_on"},
		args:      func() []any { return []any{c.Year, c.Title, c.Intro, string(c.PublishedOn)} },
		versioned: &c.Versioned,
	})
}

// AddCaseStudy implements ledger.Writer.
func (db *DB) AddCaseStudy(ctx context.Context, att ledger.Attribution, c *ledger.CaseStudy) error {
	return alone(ctx, db, att, c, txWriter.AddCaseStudy)
}

func (w txWriter) AddCaseStudy(ctx context.Context, att ledger.Attribution, c *ledger.CaseStudy) error {
	tx := w.tx
	return tx.apply(ctx, att, change{entity: "case_study", record: c, id: &c.ID, validate: c.Validate,
		project: &c.ProjectID, projectField: "caseStudy.project",
		check: func(ctx context.Context) error {
			var n int
			if err := tx.get(ctx, &n, `SELECT COUNT(*) FROM case_collections WHERE id = ?`, c.CollectionID); err != nil {
				return err
			} else if n == 0 {
				return ledger.Invalid("caseStudy.collection", "case collection %d does not exist", c.CollectionID)
			}
			return nil
		},
		table: "case_studies", cols: []string{"collection_id", "project_id", "position", "title", "narrative"},
		args:       func() []any { return []any{c.CollectionID, c.ProjectID, c.Position, c.Title, c.Narrative} },
		versioned:  &c.Versioned,
		searchable: true,
	})
}

// RecordFeedback implements ledger.Writer.
func (db *DB) RecordFeedback(ctx context.Context, f *ledger.Feedback) error {
	return db.inTx(ctx, func(tx *Tx) error { return txWriter{tx}.RecordFeedback(ctx, f) })
}

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

// refreshFigures marks a project's figures for recomputation before the
// transaction commits.
func (tx *Tx) refreshFigures(ctx context.Context, projectID int64) error {
	tx.dirty[projectID] = true
	return tx.markRollup(ctx, projectID)
}

// flushFigures recomputes the figures of every project marked dirty.
func (tx *Tx) flushFigures(ctx context.Context) error {
	for id := range tx.dirty {
		if err := tx.computeFigures(ctx, id); err != nil {
			return err
		}
		delete(tx.dirty, id)
	}
	return nil
}

// computeFigures recomputes a project's derived figures (the rule is
// ledger.DeriveFigures) from its metrics, tranches and audits.
func (tx *Tx) computeFigures(ctx context.Context, projectID int64) error {
	var metrics []ledger.MetricTotal
	if err := tx.sel(ctx, &metrics, `SELECT kind, provenance, SUM(value) AS s, MAX(value) AS m FROM metrics
		WHERE project_id = ? GROUP BY kind, provenance`, projectID); err != nil {
		return err
	}
	var money struct {
		CoFunding int64 `db:"cofunding_fen"`
		Paid      int64 `db:"paid"`
		Recovered int64 `db:"recovered"`
		Findings  int   `db:"findings"`
	}
	if err := tx.get(ctx, &money, `SELECT p.cofunding_fen,
		(SELECT COALESCE(SUM(amount_fen), 0) FROM tranches WHERE project_id = p.id) AS paid,
		(SELECT COALESCE(SUM(recovered_fen), 0) FROM audits WHERE project_id = p.id) AS recovered,
		(SELECT COUNT(*) FROM audits WHERE project_id = p.id AND result = ?) AS findings
		FROM projects p WHERE p.id = ?`, string(ledger.AuditFindings), projectID); err != nil {
		return err
	}
	f := ledger.DeriveFigures(ledger.FigureSources{ProjectID: projectID, CoFunding: ledger.Money(money.CoFunding),
		Metrics: metrics, Paid: ledger.Money(money.Paid), Recovered: ledger.Money(money.Recovered), AuditsWithFindings: money.Findings})
	return tx.exec(ctx, `UPDATE project_figures SET beneficiary_visits = ?, beneficiary_persons = ?, volunteer_visits = ?,
		volunteer_hours = ?, expert_visits = ?, leveraged_fen = ?, paid_fen = ?, recovered_fen = ?, audit_findings = ?
		WHERE project_id = ?`,
		f.BeneficiaryVisits, f.BeneficiaryPersons, f.VolunteerVisits, f.VolunteerHours, f.ExpertVisits,
		int64(f.Leveraged), int64(f.Paid), int64(f.Recovered), f.AuditFindings, projectID)
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func itoa(i int) string { return strconv.Itoa(i) }
