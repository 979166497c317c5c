package store

import (
	"context"

	"civicledger/ledger"
)

// Writes of money: fund tranches and audits.

func (w txWriter) RecordTranche(ctx context.Context, att ledger.Attribution, t *ledger.Tranche) error {
	tx := w.tx
	var p *ledger.Project
	return tx.apply(ctx, att, change{entity: ledger.EntityTranche, record: t, id: &t.ID,
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

func (w txWriter) RecordAudit(ctx context.Context, att ledger.Attribution, a *ledger.Audit) error {
	return w.tx.apply(ctx, att, change{entity: ledger.EntityAudit, record: a, id: &a.ID, validate: a.Validate,
		project: &a.ProjectID, projectField: "audit.project", orgs: a.OrgRefs(),
		table: "audits", cols: []string{"project_id", "auditor_id", "audited_on", "result", "findings", "spent_fen", "recovered_fen", "report_id"},
		args: func() []any {
			return []any{a.ProjectID, a.AuditorID, string(a.AuditedOn), string(a.Result), a.Findings, int64(a.Spent), int64(a.Recovered), a.ReportID}
		},
		versioned: &a.Versioned,
		figuresOf: &a.ProjectID,
	})
}
