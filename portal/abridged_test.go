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
