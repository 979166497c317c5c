package importer

import (
	"context"

	"civicledger/ledger"
)

// Services are the use cases an import calls, one per kind of row, each
// for an actor: it asks the policy (ledger.Authorize) and writes with the
// attribution of the role that allowed it. Transactor runs them in one
// transaction.
type Services interface {
	RegisterOrganization(ctx context.Context, a ledger.Actor, o *ledger.Organization) error
	RegisterApplication(ctx context.Context, a ledger.Actor, p *ledger.Project) error
	// The writes of a project's records take the project as the import
	// read it, which the policy judges (own or another's project).
	RecordScorecard(ctx context.Context, a ledger.Actor, p *ledger.Project, s *ledger.Scorecard) error
	DecideApproval(ctx context.Context, a ledger.Actor, d *Decision) error
	RecordTranche(ctx context.Context, a ledger.Actor, p *ledger.Project, t *ledger.Tranche) error
	RecordMetric(ctx context.Context, a ledger.Actor, p *ledger.Project, m *ledger.Metric) error
}

// Transactor runs an import's writes in one transaction: they commit
// together when fn returns nil and are all rolled back otherwise.
type Transactor interface {
	InTx(ctx context.Context, fn func(s Services) error) error
}

// Decision is the approval or rejection of an application: the project as
// it stands, and what the decision makes of it.
type Decision struct {
	Project  *ledger.Project    // the project as stored (its ID and current version)
	Event    *ledger.StageEvent // the stage event: to APPROVAL, or REJECTED with its reason
	Approved *ledger.Project    // for an approval: the project with its award, agencies and approval date
}

// reviewAction returns the policy's action for a review of kind k.
func reviewAction(k ledger.ReviewKind) ledger.Action {
	switch k {
	case ledger.MidtermReview:
		return ledger.ActRecordMidterm
	case ledger.ClosingReview:
		return ledger.ActRecordClosingReview
	}
	return ledger.ActRecordScreening
}

// metricAction returns the policy's action for a metric of provenance p:
// undertakers submit their own figures, evaluators verify them.
func metricAction(p ledger.Provenance) ledger.Action {
	if p == ledger.Verified {
		return ledger.ActVerifyMetrics
	}
	return ledger.ActSubmitQuarterly
}

// WriterServices are the import's use cases over ledger.Writer: each
// authorizes with ledger.Authorize and writes through the store's
// write recipe (validation, history, outbox, derived figures).
type WriterServices struct {
	Publisher ledger.Publisher
}

// InTx implements Transactor.
func (s WriterServices) InTx(ctx context.Context, fn func(Services) error) error {
	return s.Publisher.InTx(ctx, func(w ledger.Writer) error { return fn(writerServices{w: w}) })
}

// writerServices are the Services of one transaction.
type writerServices struct {
	w ledger.Writer
}

func (s writerServices) RegisterOrganization(ctx context.Context, a ledger.Actor, o *ledger.Organization) error {
	role, err := ledger.Authorize(a, ledger.ActRegisterOrg, nil)
	if err != nil {
		return err
	}
	return s.w.CreateOrganization(ctx, a.Attribution(role, ""), o)
}

func (s writerServices) RegisterApplication(ctx context.Context, a ledger.Actor, p *ledger.Project) error {
	role, err := ledger.Authorize(a, ledger.ActRegisterApplication, p)
	if err != nil {
		return err
	}
	return s.w.CreateProject(ctx, a.Attribution(role, ""), p)
}

func (s writerServices) RecordScorecard(ctx context.Context, a ledger.Actor, p *ledger.Project, sc *ledger.Scorecard) error {
	return s.forProject(ctx, a, reviewAction(sc.Kind), p, func(att ledger.Attribution) error {
		return s.w.RecordScorecard(ctx, att, sc)
	})
}

func (s writerServices) DecideApproval(ctx context.Context, a ledger.Actor, d *Decision) error {
	return s.forProject(ctx, a, ledger.ActDecideApproval, d.Project, func(att ledger.Attribution) error {
		if err := s.w.RecordStageEvent(ctx, att, d.Event); err != nil {
			return err
		}
		if d.Approved == nil {
			return nil
		}
		// The award, the agencies and the approval date: a new version of
		// the project, whose reason is the decision.
		p := *d.Approved
		p.Version = 0
		att.Reason = "立项 / approved: " + d.Event.Reason
		return s.w.CorrectProject(ctx, att, &p)
	})
}

func (s writerServices) RecordTranche(ctx context.Context, a ledger.Actor, p *ledger.Project, t *ledger.Tranche) error {
	return s.forProject(ctx, a, ledger.ActRecordTranche, p, func(att ledger.Attribution) error {
		return s.w.RecordTranche(ctx, att, t)
	})
}

func (s writerServices) RecordMetric(ctx context.Context, a ledger.Actor, p *ledger.Project, m *ledger.Metric) error {
	return s.forProject(ctx, a, metricAction(m.Provenance), p, func(att ledger.Attribution) error {
		return s.w.RecordMetric(ctx, att, m)
	})
}

// forProject authorizes act on project p and runs write with the
// attribution of the role that allowed it.
func (s writerServices) forProject(ctx context.Context, a ledger.Actor, act ledger.Action, p *ledger.Project, write func(ledger.Attribution) error) error {
	role, err := ledger.Authorize(a, act, p)
	if err != nil {
		return err
	}
	return write(a.Attribution(role, ""))
}
