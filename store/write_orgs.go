package store

import (
	"context"

	"civicledger/ledger"
)

// Writes of funding rounds and organizations.

func (w txWriter) CreateRound(ctx context.Context, att ledger.Attribution, r *ledger.Round) error {
	return w.tx.apply(ctx, att, change{entity: ledger.EntityRound, record: r, id: &r.ID, validate: r.Validate,
		table: "rounds", cols: []string{"year", "title", "budget_fen", "description", "opens_on", "closes_on"},
		args: func() []any {
			return []any{r.Year, r.Title, int64(r.Budget), r.Description, string(r.OpensOn), string(r.ClosesOn)}
		},
		versioned: &r.Versioned,
		duplicate: func() error { return ledger.Invalid("round.year", "a round for %d already exists", r.Year) },
	})
}

func (w txWriter) CreateOrganization(ctx context.Context, att ledger.Attribution, o *ledger.Organization) error {
	return w.tx.apply(ctx, att, change{entity: ledger.EntityOrganization, record: o, id: &o.ID, validate: o.Validate,
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
