package store

import (
	"context"

	"civicledger/ledger"
)

// Writes of projects: new projects, corrections and stage events.

// checkProjectRefs checks the round and organizations a project names and
// fills in its year from the round (read once per transaction: a bulk
// import names the same round in every row).
func (tx *Tx) checkProjectRefs(ctx context.Context, p *ledger.Project) error {
	if y, ok := tx.roundYears[p.RoundID]; ok {
		p.Year = y
	} else if err := tx.get(ctx, &p.Year, `SELECT year FROM rounds WHERE id = ?`, p.RoundID); ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return ledger.Invalid("project.round", "round %d does not exist", p.RoundID)
	} else if err != nil {
		return err
	} else {
		tx.roundYears[p.RoundID] = p.Year
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
	tx := w.tx
	return tx.apply(ctx, att, change{entity: ledger.EntityProject, record: p, id: &p.ID, validate: p.Validate,
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
	return change{entity: ledger.EntityProject, record: p, id: &p.ID, searchable: true,
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

func (w txWriter) CorrectProject(ctx context.Context, att ledger.Attribution, p *ledger.Project) error {
	tx := w.tx
	var prev int
	c := tx.projectVersion(p, &prev)
	c.correction, c.validate = true, p.Validate
	c.check = func(ctx context.Context) error {
		cur, err := tx.loadProject(ctx, "project.id", p.ID)
		if err != nil {
			return err
		}
		if err := ledger.CheckCorrection(cur, p); err != nil {
			return err
		}
		// Of a project's own fields only the co-funding enters its derived
		// figures (leveraged funds fall back to it); a correction that
		// leaves it as it was (assigning agencies, an award, a title) does
		// not recompute them. The rollup row is marked by the update.
		if cur.CoFunding != p.CoFunding {
			tx.dirty[p.ID] = true
		}
		prev = cur.Version
		return tx.checkProjectRefs(ctx, p)
	}
	return tx.apply(ctx, att, c)
}

func (w txWriter) RecordStageEvent(ctx context.Context, att ledger.Attribution, e *ledger.StageEvent) error {
	tx := w.tx
	var p *ledger.Project
	var changed bool
	return tx.apply(ctx, att, change{entity: ledger.EntityStageEvent, record: e, id: &e.ID, validate: e.Validate,
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
