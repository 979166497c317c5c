package store

import (
	"context"

	"civicledger/ledger"
)

// A project's derived figures (ledger.DeriveFigures), recomputed once per
// transaction for every project a write marked.

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
