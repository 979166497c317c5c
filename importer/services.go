package importer

import (
	"context"
	"strings"
	"time"

	"civicledger/ledger"
	"civicledger/portal"
)

// Services are the use cases an import calls, one or two per row: the
// same ones the GraphQL mutations call (*portal.Publishing implements
// them), so each row meets the same policy (ledger.Authorize), the same
// programme rules and the same attribution, and leaves its entry in the
// audit log.
type Services interface {
	RegisterOrganization(ctx context.Context, actor ledger.Actor, o *ledger.Organization) (*ledger.Organization, error)
	RegisterApplication(ctx context.Context, actor ledger.Actor, in *portal.ApplicationInput) (*ledger.Project, error)
	AssignAgencies(ctx context.Context, actor ledger.Actor, code, evaluatorCode, auditorCode string) (*ledger.Project, error)
	RecordReview(ctx context.Context, actor ledger.Actor, in *portal.ScorecardInput) (*ledger.Scorecard, error)
	DecideApproval(ctx context.Context, actor ledger.Actor, in *portal.DecisionInput) (*ledger.Project, error)
	RecordTranche(ctx context.Context, actor ledger.Actor, in *portal.TrancheInput) (*ledger.Tranche, error)
	SubmitQuarterly(ctx context.Context, actor ledger.Actor, in *portal.QuarterlyInput) (*ledger.Report, error)
	VerifyMetrics(ctx context.Context, actor ledger.Actor, in *portal.VerifyInput) (*ledger.Project, error)
}

// Transactor runs an import's use cases in one transaction: they commit
// together when fn returns nil and are all rolled back otherwise.
type Transactor interface {
	InTx(ctx context.Context, fn func(s Services) error) error
}

// PortalServices runs the portal's use cases (portal.Publishing) of a
// whole import in one transaction of Store.
type PortalServices struct {
	Store portal.Store
	Now   func() time.Time // the use cases' clock; time.Now when nil
}

// InTx implements Transactor: fn's use cases run on a portal.Publishing
// whose store is the transaction (see txStore).
func (s PortalServices) InTx(ctx context.Context, fn func(Services) error) error {
	return s.Store.InTx(ctx, func(w ledger.Writer) error {
		tx := &txStore{Writer: w, stored: stored{s.Store}, orgs: map[string]*ledger.Organization{},
			rounds: map[int]*ledger.Round{}, projects: map[string]*ledger.Project{}}
		return fn(&portal.Publishing{Store: tx, Now: s.Now})
	})
}

// txStore is a portal.Store bound to one transaction, so that the use
// cases of every row of an import commit together: their writes (and
// their own InTx) go into the transaction; their reads go to the store,
// except what the import itself writes and reads back (organizations it
// registers, projects it creates and corrects), which the transaction
// remembers. Rounds and organizations, which no import changes, are read
// once. The store checks again inside the transaction what each write
// depends on (references, CheckPayment, stage changes).
type txStore struct {
	ledger.Writer // the transaction's writes, over the store's
	stored

	orgs     map[string]*ledger.Organization
	rounds   map[int]*ledger.Round
	projects map[string]*ledger.Project // created or corrected in the transaction
}

// stored holds the store one level deeper than the transaction's Writer,
// so that the Writer's methods are the ones promoted.
type stored struct{ portal.Store }

// InTx runs fn in the import's transaction, with the writes below.
func (s *txStore) InTx(_ context.Context, fn func(w ledger.Writer) error) error { return fn(s) }

// CreateOrganization writes o and remembers it for the rows after.
func (s *txStore) CreateOrganization(ctx context.Context, att ledger.Attribution, o *ledger.Organization) error {
	if err := s.Writer.CreateOrganization(ctx, att, o); err != nil {
		return err
	}
	c := *o
	s.orgs[o.CreditCode] = &c
	return nil
}

// CreateProject writes p and remembers it for the rows after.
func (s *txStore) CreateProject(ctx context.Context, att ledger.Attribution, p *ledger.Project) error {
	if err := s.Writer.CreateProject(ctx, att, p); err != nil {
		return err
	}
	c := *p
	s.projects[p.Code] = &c
	return nil
}

// CorrectProject writes p's new version and remembers it.
func (s *txStore) CorrectProject(ctx context.Context, att ledger.Attribution, p *ledger.Project) error {
	if err := s.Writer.CorrectProject(ctx, att, p); err != nil {
		return err
	}
	c := *p
	s.projects[p.Code] = &c
	return nil
}

// RecordStageEvent writes e; a project the transaction remembers is read
// again from the transaction's writes no more (it is forgotten).
func (s *txStore) RecordStageEvent(ctx context.Context, att ledger.Attribution, e *ledger.StageEvent) error {
	for code, p := range s.projects {
		if p.ID == e.ProjectID {
			delete(s.projects, code)
		}
	}
	return s.Writer.RecordStageEvent(ctx, att, e)
}

// Project returns a project the transaction wrote, or the stored one.
func (s *txStore) Project(ctx context.Context, code string) (*ledger.Project, error) {
	if p, ok := s.projects[code]; ok {
		c := *p
		return &c, nil
	}
	return s.stored.Project(ctx, code)
}

// OrganizationsByCodes returns organizations by credit code, each read once.
func (s *txStore) OrganizationsByCodes(ctx context.Context, codes []string) ([]*ledger.Organization, error) {
	out := make([]*ledger.Organization, len(codes))
	var missing []string
	for i, c := range codes {
		c = strings.ToUpper(strings.TrimSpace(c))
		if o, ok := s.orgs[c]; ok {
			out[i] = o
		} else {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		found, err := s.stored.OrganizationsByCodes(ctx, missing)
		if err != nil {
			return nil, err
		}
		for i, c := range missing {
			if found[i] != nil {
				s.orgs[c] = found[i]
			}
		}
		for i, c := range codes {
			out[i] = s.orgs[strings.ToUpper(strings.TrimSpace(c))]
		}
	}
	return out, nil
}

// RoundByYear returns the round of a year, read once.
func (s *txStore) RoundByYear(ctx context.Context, year int) (*ledger.Round, error) {
	if r, ok := s.rounds[year]; ok {
		return r, nil
	}
	r, err := s.stored.RoundByYear(ctx, year)
	if err == nil {
		s.rounds[year] = r
	}
	return r, err
}
