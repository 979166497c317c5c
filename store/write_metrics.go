package store

import (
	"context"

	"civicledger/ledger"
)

// Writes of outcome metrics.

func (w txWriter) RecordMetric(ctx context.Context, att ledger.Attribution, m *ledger.Metric) error {
	return w.tx.apply(ctx, att, change{entity: ledger.EntityMetric, record: m, id: &m.ID, validate: m.Validate,
		project: &m.ProjectID, projectField: "metric.project",
		table: "metrics", cols: []string{"project_id", "kind", "period_start", "period_end", "value", "target", "provenance"},
		args: func() []any {
			return []any{m.ProjectID, string(m.Kind), string(m.PeriodStart), string(m.PeriodEnd), m.Value, m.Target, string(m.Provenance)}
		},
		versioned: &m.Versioned,
		figuresOf: &m.ProjectID,
	})
}
