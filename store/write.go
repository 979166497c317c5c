package store

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"civicledger/ledger"
)

// Writes. Every write validates, checks references inside its transaction,
// stamps the record's version and attribution, appends the whole record to
// revisions and, when it changes searchable text, to the outbox.

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

func (db *DB) one(ctx context.Context, fn func(w txWriter) error) error {
	return db.inTx(ctx, func(tx *Tx) error { return fn(txWriter{tx}) })
}

// CreateRound implements ledger.Writer.
func (db *DB) CreateRound(ctx context.Context, att ledger.Attribution, r *ledger.Round) error {
	return db.one(ctx, func(w txWriter) error { return w.CreateRound(ctx, att, r) })
}

// CreateOrganization implements ledger.Writer.
func (db *DB) CreateOrganization(ctx context.Context, att ledger.Attribution, o *ledger.Organization) error {
	return db.one(ctx, func(w txWriter) error { return w.CreateOrganization(ctx, att, o) })
}

// CreateProject implements ledger.Writer.
func (db *DB) CreateProject(ctx context.Context, att ledger.Attribution, p *ledger.Project) error {
	return db.one(ctx, func(w txWriter) error { return w.CreateProject(ctx, att, p) })
}

// CorrectProject implements ledger.Writer.
func (db *DB) CorrectProject(ctx context.Context, att ledger.Attribution, p *ledger.Project) error {
	return db.one(ctx, func(w txWriter) error { return w.CorrectProject(ctx, att, p) })
}

// RecordStageEvent implements ledger.Writer.
func (db *DB) RecordStageEvent(ctx context.Context, att ledger.Attribution, e *ledger.StageEvent) error {
	return db.one(ctx, func(w txWriter) error { return w.RecordStageEvent(ctx, att, e) })
}

// CreateIndicatorSet implements ledger.Writer.
func (db *DB) CreateIndicatorSet(ctx context.Context, att ledger.Attribution, s *ledger.IndicatorSet) error {
	return db.one(ctx, func(w txWriter) error { return w.CreateIndicatorSet(ctx, att, s) })
}

// RecordScorecard implements ledger.Writer.
func (db *DB) RecordScorecard(ctx context.Context, att ledger.Attribution, s *ledger.Scorecard) error {
	return db.one(ctx, func(w txWriter) error { return w.RecordScorecard(ctx, att, s) })
}

// RecordTranche implements ledger.Writer.
func (db *DB) RecordTranche(ctx context.Context, att ledger.Attribution, t *ledger.Tranche) error {
	return db.one(ctx, func(w txWriter) error { return w.RecordTranche(ctx, att, t) })
}

// RecordAudit implements ledger.Writer.
func (db *DB) RecordAudit(ctx context.Context, att ledger.Attribution, a *ledger.Audit) error {
	return db.one(ctx, func(w txWriter) error { return w.RecordAudit(ctx, att, a) })
}

// RecordMetric implements ledger.Writer.
func (db *DB) RecordMetric(ctx context.Context, att ledger.Attribution, m *ledger.Metric) error {
	return db.one(ctx, func(w txWriter) error { return w.RecordMetric(ctx, att, m) })
}

// PublishAnnouncement implements ledger.Writer.
func (db *DB) PublishAnnouncement(ctx context.Context, att ledger.Attribution, a *ledger.Announcement) error {
	return db.one(ctx, func(w txWriter) error { return w.PublishAnnouncement(ctx, att, a) })
}

// PublishReport implements ledger.Writer.
func (db *DB) PublishReport(ctx context.Context, att ledger.Attribution, r *ledger.Report) error {
	return db.one(ctx, func(w txWriter) error { return w.PublishReport(ctx, att, r) })
}

// CreateCaseCollection implements ledger.Writer.
func (db *DB) CreateCaseCollection(ctx context.Context, att ledger.Attribution, c *ledger.CaseCollection) error {
	return db.one(ctx, func(w txWriter) error { return w.CreateCaseCollection(ctx, att, c) })
}

// AddCaseStudy implements ledger.Writer.
func (db *DB) AddCaseStudy(ctx context.Context, att ledger.Attribution, c *ledger.CaseStudy) error {
	return db.one(ctx, func(w txWriter) error { return w.AddCaseStudy(ctx, att, c) })
}

// RecordFeedback implements ledger.Writer.
func (db *DB) RecordFeedback(ctx context.Context, f *ledger.Feedback) error {
	return db.one(ctx, func(w txWriter) error { return w.RecordFeedback(ctx, f) })
}

func (w txWriter) CreateRound(ctx context.Context, att ledger.Attribution, r *ledger.Round) error {
	if err := att.Validate(); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	tx := w.tx
	id, err := tx.insert(ctx, "rounds", cols("year", "title", "budget_fen", "description", "opens_on", "closes_on"),
		append([]any{r.Year, r.Title, int64(r.Budget), r.Description, string(r.OpensOn), string(r.ClosesOn)}, tx.stamp(att, &r.Versioned)...)...)
	if ledger.ErrorCode(err) == ledger.ECONFLICT {
		return ledger.Invalid("round.year", "a round for %d already exists", r.Year)
	} else if err != nil {
		return err
	}
	r.ID = id
	return tx.revise(ctx, att, "round", id, 1, r)
}

func (w txWriter) CreateOrganization(ctx context.Context, att ledger.Attribution, o *ledger.Organization) error {
	if err := att.Validate(); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	tx := w.tx
	id, err := tx.insert(ctx, "organizations", cols("credit_code", "name", "kind", "district", "description", "founded_on"),
		append([]any{o.CreditCode, o.Name, string(o.Kind), o.District, o.Description, string(o.FoundedOn)}, tx.stamp(att, &o.Versioned)...)...)
	if ledger.ErrorCode(err) == ledger.ECONFLICT {
		return ledger.Invalid("organization.creditCode", "an organization with credit code %s already exists", o.CreditCode)
	} else if err != nil {
		return err
	}
	o.ID = id
	tx.orgKinds[id] = o.Kind
	if err := tx.revise(ctx, att, "organization", id, 1, o); err != nil {
		return err
	}
	return tx.touch(ctx, "organization", id)
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

func (w txWriter) CreateProject(ctx context.Context, att ledger.Attribution, p *ledger.Project) error {
	if err := att.Validate(); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	tx := w.tx
	if err := tx.checkProjectRefs(ctx, p); err != nil {
		return err
	}
	id, err := tx.insert(ctx, "projects", cols(projectCols...), append(projectArgs(p), tx.stamp(att, &p.Versioned)...)...)
	if ledger.ErrorCode(err) == ledger.ECONFLICT {
		return ledger.Invalid("project.code", "a project with code %s already exists", p.Code)
	} else if err != nil {
		return err
	}
	p.ID = id
	tx.projects[id] = *p
	tx.markNewProject(id)
	// A new project has no metrics, tranches or audits yet.
	f := ledger.DeriveFigures(ledger.FigureSources{ProjectID: id, CoFunding: p.CoFunding})
	if err := tx.exec(ctx, `INSERT INTO project_figures (project_id, leveraged_fen) VALUES (?, ?)`, id, int64(f.Leveraged)); err != nil {
		return err
	}
	if err := tx.revise(ctx, att, "project", id, 1, p); err != nil {
		return err
	}
	return tx.touch(ctx, "project", id)
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

// saveProjectVersion writes p as the next version of its project.
func (tx *Tx) saveProjectVersion(ctx context.Context, att ledger.Attribution, p *ledger.Project, prev int) error {
	if err := tx.markRollup(ctx, p.ID); err != nil {
		return err
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
		return mapError(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ledger.Errorf(ledger.ECONFLICT, "project %s was changed by someone else; reload and try again", p.Code)
	}
	tx.projects[p.ID] = *p
	if err := tx.revise(ctx, att, "project", p.ID, p.Version, p); err != nil {
		return err
	}
	return tx.touch(ctx, "project", p.ID)
}

func (w txWriter) CorrectProject(ctx context.Context, att ledger.Attribution, p *ledger.Project) error {
	if err := att.ValidateCorrection(); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	tx := w.tx
	cur, err := tx.loadProject(ctx, "project.id", p.ID)
	if err != nil {
		return err
	}
	if err := ledger.CheckCorrection(cur, p); err != nil {
		return err
	}
	if err := tx.checkProjectRefs(ctx, p); err != nil {
		return err
	}
	if err := tx.saveProjectVersion(ctx, att, p, cur.Version); err != nil {
		return err
	}
	return tx.refreshFigures(ctx, p.ID)
}

func (w txWriter) RecordStageEvent(ctx context.Context, att ledger.Attribution, e *ledger.StageEvent) error {
	if err := att.Validate(); err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return err
	}
	tx := w.tx
	p, err := tx.loadProject(ctx, "stageEvent.project", e.ProjectID)
	if err != nil {
		return err
	}
	changed, err := ledger.ApplyStageEvent(p, e)
	if err != nil {
		return err
	}
	id, err := tx.insert(ctx, "stage_events", cols("project_id", "stage", "outcome", "occurred_on", "reason"),
		append([]any{e.ProjectID, string(e.Stage), string(e.Outcome), string(e.OccurredOn), e.Reason}, tx.stamp(att, &e.Versioned)...)...)
	if err != nil {
		return err
	}
	e.ID = id
	if err := tx.revise(ctx, att, "stage_event", id, 1, e); err != nil {
		return err
	}
	if !changed {
		return nil
	}
	return tx.saveProjectVersion(ctx, att.ForStageChange(e), p, p.Version)
}

func (w txWriter) CreateIndicatorSet(ctx context.Context, att ledger.Attribution, s *ledger.IndicatorSet) error {
	if err := att.Validate(); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	tx := w.tx
	id, err := tx.insert(ctx, "indicator_sets", cols("kind", "name", "edition", "published_on"),
		append([]any{string(s.Kind), s.Name, s.Edition, string(s.PublishedOn)}, tx.stamp(att, &s.Versioned)...)...)
	if err != nil {
		return err
	}
	s.ID = id
	for i := range s.Indicators {
		in := &s.Indicators[i]
		in.SetID, in.Position = id, i+1
		if in.ID, err = tx.insert(ctx, "indicators", []string{"set_id", "position", "name", "guidance", "weight", "max_score"},
			id, in.Position, in.Name, in.Guidance, in.Weight, in.MaxScore); err != nil {
			return err
		}
	}
	return tx.revise(ctx, att, "indicator_set", id, 1, s)
}

func (w txWriter) RecordScorecard(ctx context.Context, att ledger.Attribution, s *ledger.Scorecard) error {
	if err := att.Validate(); err != nil {
		return err
	}
	tx := w.tx
	if _, err := tx.loadProject(ctx, "scorecard.project", s.ProjectID); err != nil {
		return err
	}
	set, ok := tx.sets[s.SetID]
	if !ok {
		if err := tx.get(ctx, &set, `SELECT * FROM indicator_sets WHERE id = ?`, s.SetID); ledger.ErrorCode(err) == ledger.ENOTFOUND {
			return ledger.Invalid("scorecard.indicatorSet", "indicator set %d does not exist", s.SetID)
		} else if err != nil {
			return err
		}
		tx.sets[s.SetID] = set
	}
	if err := tx.checkOrgs(ctx, s.OrgRefs()); err != nil {
		return err
	}
	indicators, ok := tx.indicators[s.SetID]
	if !ok {
		if err := tx.sel(ctx, &indicators, `SELECT * FROM indicators WHERE set_id = ? ORDER BY position`, s.SetID); err != nil {
			return err
		}
		tx.indicators[s.SetID] = indicators
	}
	set.Indicators = indicators
	total, err := ledger.CheckScorecard(s, &set)
	if err != nil {
		return err
	}
	id, err := tx.insert(ctx, "scorecards", cols("project_id", "set_id", "kind", "reviewer_id", "reviewed_on", "comment", "passed", "total"),
		append([]any{s.ProjectID, s.SetID, string(s.Kind), s.ReviewerID, string(s.ReviewedOn), s.Comment, s.Passed, total}, tx.stamp(att, &s.Versioned)...)...)
	if err != nil {
		return err
	}
	s.ID = id
	for i := range s.Scores {
		s.Scores[i].ScorecardID = id
		if err := tx.exec(ctx, `INSERT INTO scores (scorecard_id, indicator_id, value) VALUES (?, ?, ?)`,
			id, s.Scores[i].IndicatorID, s.Scores[i].Value); err != nil {
			return err
		}
	}
	return tx.revise(ctx, att, "scorecard", id, 1, s)
}

func (w txWriter) RecordTranche(ctx context.Context, att ledger.Attribution, t *ledger.Tranche) error {
	if err := att.Validate(); err != nil {
		return err
	}
	tx := w.tx
	p, err := tx.loadProject(ctx, "tranche.project", t.ProjectID)
	if err != nil {
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
	if err := ledger.CheckPayment(p, t, earlier); err != nil {
		return err
	}
	id, err := tx.insert(ctx, "tranches", cols("project_id", "kind", "amount_fen", "paid_on"),
		append([]any{t.ProjectID, string(t.Kind), int64(t.Amount), string(t.PaidOn)}, tx.stamp(att, &t.Versioned)...)...)
	if ledger.ErrorCode(err) == ledger.ECONFLICT {
		return ledger.Invalid("tranche.kind", "project %s already has its %s", p.Code, ledger.Label(t.Kind))
	} else if err != nil {
		return err
	}
	t.ID = id
	if err := tx.revise(ctx, att, "tranche", id, 1, t); err != nil {
		return err
	}
	return tx.refreshFigures(ctx, t.ProjectID)
}

func (w txWriter) RecordAudit(ctx context.Context, att ledger.Attribution, a *ledger.Audit) error {
	if err := att.Validate(); err != nil {
		return err
	}
	if err := a.Validate(); err != nil {
		return err
	}
	tx := w.tx
	if _, err := tx.loadProject(ctx, "audit.project", a.ProjectID); err != nil {
		return err
	}
	if err := tx.checkOrgs(ctx, a.OrgRefs()); err != nil {
		return err
	}
	id, err := tx.insert(ctx, "audits", cols("project_id", "auditor_id", "audited_on", "result", "findings", "spent_fen", "recovered_fen", "report_id"),
		append([]any{a.ProjectID, a.AuditorID, string(a.AuditedOn), string(a.Result), a.Findings, int64(a.Spent), int64(a.Recovered), a.ReportID},
			tx.stamp(att, &a.Versioned)...)...)
	if err != nil {
		return err
	}
	a.ID = id
	if err := tx.revise(ctx, att, "audit", id, 1, a); err != nil {
		return err
	}
	return tx.refreshFigures(ctx, a.ProjectID)
}

func (w txWriter) RecordMetric(ctx context.Context, att ledger.Attribution, m *ledger.Metric) error {
	if err := att.Validate(); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	tx := w.tx
	if _, err := tx.loadProject(ctx, "metric.project", m.ProjectID); err != nil {
		return err
	}
	id, err := tx.insert(ctx, "metrics", cols("project_id", "kind", "period_start", "period_end", "value", "target", "provenance"),
		append([]any{m.ProjectID, string(m.Kind), string(m.PeriodStart), string(m.PeriodEnd), m.Value, m.Target, string(m.Provenance)},
			tx.stamp(att, &m.Versioned)...)...)
	if err != nil {
		return err
	}
	m.ID = id
	if err := tx.revise(ctx, att, "metric", id, 1, m); err != nil {
		return err
	}
	return tx.refreshFigures(ctx, m.ProjectID)
}

func (w txWriter) PublishAnnouncement(ctx context.Context, att ledger.Attribution, a *ledger.Announcement) error {
	if err := att.Validate(); err != nil {
		return err
	}
	if err := a.Validate(); err != nil {
		return err
	}
	tx := w.tx
	if err := tx.checkOrgs(ctx, a.OrgRefs()); err != nil {
		return err
	}
	id, err := tx.insert(ctx, "announcements", cols("code", "kind", "round_id", "title", "body", "publisher_id", "published_on", "notice_start", "notice_end"),
		append([]any{a.Code, string(a.Kind), a.RoundID, a.Title, a.Body, a.PublisherID, string(a.PublishedOn), string(a.NoticeStart), string(a.NoticeEnd)},
			tx.stamp(att, &a.Versioned)...)...)
	if ledger.ErrorCode(err) == ledger.ECONFLICT {
		return ledger.Invalid("announcement.code", "an announcement with code %s already exists", a.Code)
	} else if ledger.ErrorCode(err) == ledger.EINVALID {
		return ledger.Invalid("announcement.round", "round %v does not exist", deref(a.RoundID))
	} else if err != nil {
		return err
	}
	a.ID = id
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
	if err := tx.revise(ctx, att, "announcement", id, 1, a); err != nil {
		return err
	}
	return tx.touch(ctx, "announcement", id)
}

func (w txWriter) PublishReport(ctx context.Context, att ledger.Attribution, r *ledger.Report) error {
	if err := att.Validate(); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	tx := w.tx
	if err := tx.checkOrgs(ctx, r.OrgRefs()); err != nil {
		return err
	}
	if r.ProjectID != nil {
		if _, err := tx.loadProject(ctx, "report.project", *r.ProjectID); err != nil {
			return err
		}
	}
	id, err := tx.insert(ctx, "reports", cols("code", "kind", "title", "body", "author_id", "project_id", "round_id", "published_on"),
		append([]any{r.Code, string(r.Kind), r.Title, r.Body, r.AuthorID, r.ProjectID, r.RoundID, string(r.PublishedOn)},
			tx.stamp(att, &r.Versioned)...)...)
	if ledger.ErrorCode(err) == ledger.ECONFLICT {
		return ledger.Invalid("report.code", "a report with code %s already exists", r.Code)
	} else if ledger.ErrorCode(err) == ledger.EINVALID {
		return ledger.Invalid("report.round", "round %v does not exist", deref(r.RoundID))
	} else if err != nil {
		return err
	}
	r.ID = id
	if err := tx.revise(ctx, att, "report", id, 1, r); err != nil {
		return err
	}
	return tx.touch(ctx, "report", id)
}

func (w txWriter) CreateCaseCollection(ctx context.Context, att ledger.Attribution, c *ledger.CaseCollection) error {
	if err := att.Validate(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	tx := w.tx
	id, err := tx.insert(ctx, "case_collections", cols("year", "title", "intro", "published_on"),
		append([]any{c.Year, c.Title, c.Intro, string(c.PublishedOn)}, tx.stamp(att, &c.Versioned)...)...)
	if err != nil {
		return err
	}
	c.ID = id
	return tx.revise(ctx, att, "case_collection", id, 1, c)
}

func (w txWriter) AddCaseStudy(ctx context.Context, att ledger.Attribution, c *ledger.CaseStudy) error {
	if err := att.Validate(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	tx := w.tx
	if _, err := tx.loadProject(ctx, "caseStudy.project", c.ProjectID); err != nil {
		return err
	}
	var n int
	if err := tx.get(ctx, &n, `SELECT COUNT(*) FROM case_collections WHERE id = ?`, c.CollectionID); err != nil {
		return err
	} else if n == 0 {
		return ledger.Invalid("caseStudy.collection", "case collection %d does not exist", c.CollectionID)
	}
	id, err := tx.insert(ctx, "case_studies", cols("collection_id", "project_id", "position", "title", "narrative"),
		append([]any{c.CollectionID, c.ProjectID, c.Position, c.Title, c.Narrative}, tx.stamp(att, &c.Versioned)...)...)
	if err != nil {
		return err
	}
	c.ID = id
	if err := tx.revise(ctx, att, "case_study", id, 1, c); err != nil {
		return err
	}
	// A report telling the same story leaves the search index (see
	// searchDocWhere): touch it so every node takes it out.
	var dup []int64
	if err := tx.sel(ctx, &dup, `SELECT id FROM reports WHERE kind = 'CASE_STUDY' AND project_id = ? AND title = ?`, c.ProjectID, c.Title); err != nil {
		return err
	}
	for _, rid := range dup {
		if err := tx.touch(ctx, "report", rid); err != nil {
			return err
		}
	}
	return tx.touch(ctx, "case_study", id)
}

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
