package portal_test

import (
	"context"
	"testing"

	"civicledger/ledger"
	"civicledger/portal"
)

// A page for a door that names every field it reads (portal.Abridge) and
// no long text leaves the texts out and marks its records; WholeProject and
// WholeOrganization give them back whole. A door that does not say Abridge
// (a page template) or names a text gets whole records.
func TestAbridgedPages(t *testing.T) {
	p := demoPortal(t)
	ctx := context.Background()
	page := func(want portal.Want) *ledger.Project {
		t.Helper()
		ctx := p.WithLoaders(ctx)
		pg, err := p.Projects(ctx, ledger.ProjectFilter{}, ledger.ProjectOrder{Field: ledger.OrderByAwarded, Desc: true}, portal.PageArgs{First: ptr(5)}, want)
		if err != nil || len(pg.Items) == 0 {
			t.Fatalf("page: %v", err)
		}
		return pg.Items[0]
	}
	whole := page(portal.Want{"undertaker": true})
	if whole.Abridged || whole.Summary == "" {
		t.Fatalf("a page without Abridge: %+v", whole)
	}
	for _, want := range []portal.Want{
		{portal.Abridge: true, "undertaker": true, "summary": true},
		{portal.Abridge: true, "undertaker": true, "description": true},
	} {
		if pr := page(want); pr.Abridged || pr.Summary != whole.Summary {
			t.Errorf("%v: abridged %v, summary %q", want, pr.Abridged, pr.Summary)
		}
	}
	ab := page(portal.Want{portal.Abridge: true, "undertaker": true})
	if !ab.Abridged || ab.Summary != "" || ab.TargetGroup != "" || ab.Code != whole.Code || ab.Title != whole.Title || ab.Awarded != whole.Awarded {
		t.Fatalf("abridged: %+v, want %+v without its texts", ab, whole)
	}
	back, err := p.WholeProject(ctx, ab)
	if err != nil || back.Abridged || back.Summary != whole.Summary || back.TargetGroup != whole.TargetGroup {
		t.Fatalf("WholeProject: %+v %v", back, err)
	}
	lctx := p.WithLoaders(ctx)
	if _, err := p.Projects(lctx, ledger.ProjectFilter{}, ledger.ProjectOrder{Field: ledger.OrderByAwarded, Desc: true}, portal.PageArgs{First: ptr(5)},
		portal.Want{portal.Abridge: true, "undertaker": true}); err != nil {
		t.Fatal(err)
	}
	u, err := p.Loaders(lctx).Organization().Load(lctx, ab.UndertakerID)
	if err != nil || !u.Abridged || u.Description != "" {
		t.Fatalf("the page's undertaker: %+v %v", u, err)
	}
	wu, err := p.WholeOrganization(ctx, u)
	if err != nil || wu.Abridged || wu.Description == "" {
		t.Fatalf("WholeOrganization: %+v %v", wu, err)
	}
}

// ProjectFor reads the project's undertaker abridged when the door names
// every field and no long text of an organization (the project itself
// whole: its page shows the summary), and whole otherwise; the loaders
// hold what was read, and WholeOrganization gives the texts back.
func TestProjectForAbridgesTheUndertaker(t *testing.T) {
	p := demoPortal(t)
	ctx := context.Background()
	code := func() string {
		pg, err := p.Projects(p.WithLoaders(ctx), ledger.ProjectFilter{}, ledger.ProjectOrder{Field: ledger.OrderByAwarded, Desc: true}, portal.PageArgs{First: ptr(1)}, nil)
		if err != nil || len(pg.Items) == 0 {
			t.Fatalf("page: %v", err)
		}
		return pg.Items[0].Code
	}()
	undertaker := func(want portal.Want) (*ledger.Project, *ledger.Organization) {
		t.Helper()
		lctx := p.WithLoaders(ctx)
		pr, err := p.ProjectFor(lctx, code, want)
		if err != nil || pr == nil {
			t.Fatalf("ProjectFor %v: %v", want, err)
		}
		u, err := p.Loaders(lctx).Organization().Load(lctx, pr.UndertakerID)
		if err != nil {
			t.Fatal(err)
		}
		return pr, u
	}
	_, whole := undertaker(portal.Want{"undertaker": true})
	if whole.Abridged || whole.Description == "" {
		t.Fatalf("without Abridge: %+v", whole)
	}
	for _, want := range []portal.Want{
		{portal.Abridge: true, "undertaker": true, "description": true},
		{portal.Abridge: true, "undertaker": true, "foundedOn": true},
	} {
		if _, u := undertaker(want); u.Abridged || u.Description != whole.Description || u.Version != whole.Version {
			t.Errorf("%v: %+v, want whole", want, u)
		}
	}
	pr, u := undertaker(portal.Want{portal.Abridge: true, "undertaker": true, "summary": true})
	if pr.Abridged || pr.Summary == "" {
		t.Fatalf("the project was abridged: %+v", pr)
	}
	if !u.Abridged || u.Description != "" || u.Name != whole.Name || u.CreditCode != whole.CreditCode {
		t.Fatalf("abridged undertaker: %+v, want %+v without its texts", u, whole)
	}
	if wu, err := p.WholeOrganization(ctx, u); err != nil || wu.Abridged || wu.Description != whole.Description {
		t.Fatalf("WholeOrganization: %+v %v", wu, err)
	}
}
