package store

import (
	"context"

	"civicledger/ledger"
)

// Writes of reviews: indicator sets and the scorecards that use them.

func (w txWriter) CreateIndicatorSet(ctx context.Context, att ledger.Attribution, s *ledger.IndicatorSet) error {
	tx := w.tx
	return tx.apply(ctx, att, change{entity: ledger.EntityIndicatorSet, record: s, id: &s.ID, validate: s.Validate,
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

func (w txWriter) RecordScorecard(ctx context.Context, att ledger.Attribution, s *ledger.Scorecard) error {
	tx := w.tx
	var total float64
	return tx.apply(ctx, att, change{entity: ledger.EntityScorecard, record: s, id: &s.ID,
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
