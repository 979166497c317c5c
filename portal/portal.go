// Package portal is the application core: what every door of the portal —
// the GraphQL API, the web pages, the command line and the exports — asks
// of the ledger, answered once so the doors cannot disagree. It turns
// public codes into IDs in filters, pages lists with cursors bound to their
// list, batch-loads what a page of records needs, orders and pages
// statistics groups, labels search kinds and facets, and runs searches.
// The rules themselves live in package ledger; the doors convert their
// input, make one call here, and shape the output.
//
// A Portal reads through the small per-area interfaces of package ledger,
// so a door or a test supplies only what it uses; the store implements all
// of them.
package portal

import (
	"context"
	"time"

	"civicledger/ledger"
)

// Portal is the application core over one ledger.
type Portal struct {
	// Reader reads the ledger (store.DB implements it).
	Reader ledger.Reader
	// Meta says what the data set is (demo or real).
	Meta ledger.MetaStore
	// Searcher answers full-text search; nil on a node without an index.
	Searcher Searcher
	// Now returns the current time (notice periods); time.Now when nil.
	Now func() time.Time

	// The publishing side (use.go, accounts.go); nil on a read-only portal,
	// whose use cases then answer UNAVAILABLE.
	Publishing *Publishing

	// Alerts is the email-alert service (alerts.go); nil without SMTP.
	Alerts Alerts
	// Participation is the public's side: feedback, objections, agency
	// ratings (participation.go); nil on a read-only portal, whose
	// participation use cases then answer UNAVAILABLE.
	Participation *Participation
}

// Today is the current date in the portal's time zone.
func (p *Portal) Today() ledger.Date {
	if p.Now != nil {
		return ledger.DateOf(p.Now())
	}
	return ledger.DateOf(time.Now())
}

// notFoundNil turns ENOTFOUND into a nil record: a lookup by code that
// finds nothing is an empty answer, not an error.
func notFoundNil[T any](v *T, err error) (*T, error) {
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return nil, nil
	}
	return v, err
}

// Dataset returns what the portal says about its data.
func (p *Portal) Dataset(ctx context.Context) (*ledger.Meta, error) { return p.Meta.Meta(ctx) }

// Project returns the project with a code, or nil.
func (p *Portal) Project(ctx context.Context, code string) (*ledger.Project, error) {
	return notFoundNil(p.Reader.Project(ctx, code))
}

// projectWithReader is a Reader that reads a project with its undertaker,
// figures and round in one statement (store.DB does).
type projectWithReader interface {
	ProjectWith(ctx context.Context, code string, undertaker, figures, round, abridged bool) (*ledger.Project, *ledger.Organization, *ledger.Figures, *ledger.Round, error)
}

// ProjectFor returns the project with a code, or nil, with what want asks
// of it loaded (Prefetch); its undertaker, figures and round come with the
// project itself where the Reader can read them so.
func (p *Portal) ProjectFor(ctx context.Context, code string, want Want) (*ledger.Project, error) {
	undertaker, figures, round := want["undertaker"], want["figures"] || want["satisfaction"], want["round"]
	r, ok := p.Reader.(projectWithReader)
	if !ok || !(undertaker || figures || round) {
		pr, err := p.Project(ctx, code)
		if err != nil || pr == nil {
			return pr, err
		}
		return pr, p.Prefetch(ctx, []*ledger.Project{pr}, want)
	}
	pr, o, f, rd, err := r.ProjectWith(ctx, code, undertaker, figures, round, abridgedOrganization(want))
	if pr, err = notFoundNil(pr, err); err != nil || pr == nil {
		return pr, err
	}
	l := p.Loaders(ctx)
	if o != nil {
		l.primeOrganization(o)
	}
	if f != nil {
		l.primeFigures(pr.ID, f)
	}
	if rd != nil {
		l.primeRound(rd)
	}
	return pr, p.Prefetch(ctx, []*ledger.Project{pr}, want)
}

// Organization returns the organization with a credit code, or nil.
func (p *Portal) Organization(ctx context.Context, creditCode string) (*ledger.Organization, error) {
	return notFoundNil(p.Reader.Organization(ctx, creditCode))
}

// Round returns the funding round of a year, or nil.
func (p *Portal) Round(ctx context.Context, year int) (*ledger.Round, error) {
	return notFoundNil(p.Reader.RoundByYear(ctx, year))
}

// Rounds returns every funding round.
func (p *Portal) Rounds(ctx context.Context) ([]*ledger.Round, error) { return p.Reader.Rounds(ctx) }

// first returns the first of a by-codes answer, or nil.
func first[T any](vs []*T, err error) (*T, error) {
	if err != nil || len(vs) == 0 {
		return nil, err
	}
	return vs[0], nil
}

// Announcement returns the announcement with a code, or nil.
func (p *Portal) Announcement(ctx context.Context, code string) (*ledger.Announcement, error) {
	return first(p.Reader.AnnouncementsByCodes(ctx, []string{code}))
}

// Report returns the report with a code, or nil.
func (p *Portal) Report(ctx context.Context, code string) (*ledger.Report, error) {
	return first(p.Reader.ReportsByCodes(ctx, []string{code}))
}

// CaseCollections returns the case collections of a year (all when 0).
func (p *Portal) CaseCollections(ctx context.Context, year int) ([]*ledger.CaseCollection, error) {
	return p.Reader.CaseCollections(ctx, year)
}

// IndicatorSets returns the published indicator sets (of one kind when given).
func (p *Portal) IndicatorSets(ctx context.Context, kind ledger.ReviewKind) ([]*ledger.IndicatorSet, error) {
	return p.Reader.IndicatorSets(ctx, kind)
}

// Revisions returns the version history of one record, oldest first.
func (p *Portal) Revisions(ctx context.Context, entity ledger.Entity, id int64) ([]*ledger.Revision, error) {
	return p.Reader.Revisions(ctx, entity, id)
}

// ReviewAverages returns an organization's average review scores.
func (p *Portal) ReviewAverages(ctx context.Context, o *ledger.Organization) ([]*ledger.ReviewAverage, error) {
	return p.Reader.ReviewAverages(ctx, o.ID, o.Kind)
}

// RoundAnnouncements returns the announcements of a funding round.
func (p *Portal) RoundAnnouncements(ctx context.Context, roundID int64) ([]*ledger.Announcement, error) {
	as, _, err := p.Reader.FindAnnouncements(ctx, ledger.AnnouncementFilter{RoundIDs: []int64{roundID}}, 0, 1000)
	return as, err
}
