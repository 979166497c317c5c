package portal_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"civicledger/demo"
	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/store"
	"civicledger/store/storetest"
)

// The demo data on SQLite, loaded once for the package.
var fixture struct {
	once  sync.Once
	db    *store.DB
	close func()
	err   error
}

func demoPortal(t *testing.T) *portal.Portal {
	t.Helper()
	fixture.once.Do(func() {
		ctx := context.Background()
		fixture.db, fixture.close, fixture.err = storetest.Open(ctx, store.SQLite)
		if fixture.err == nil {
			_, fixture.err = demo.Load(ctx, fixture.db, demo.Options{Meta: &ledger.Meta{Demo: true, Note: demo.Note}})
		}
	})
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	return &portal.Portal{Reader: fixture.db, Meta: fixture.db}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.close != nil {
		fixture.close()
	}
	os.Exit(code)
}

func ptr[T any](v T) *T { return &v }

// TestCursorsBelongToTheirList: a cursor is accepted only by the list that
// made it; anything else is refused naming the argument, and the refusal
// never repeats the cursor (a 400 KB cursor used to give a 400 KB answer).
func TestCursorsBelongToTheirList(t *testing.T) {
	p := demoPortal(t)
	ctx := context.Background()
	projects, err := p.Projects(ctx, ledger.ProjectFilter{}, ledger.ProjectOrder{Field: ledger.OrderByCode}, portal.PageArgs{First: ptr(5)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	next, err := p.Projects(ctx, ledger.ProjectFilter{}, ledger.ProjectOrder{Field: ledger.OrderByCode}, portal.PageArgs{First: ptr(5), After: projects.EndCursor}, nil)
	if err != nil || next.Offset != 5 || next.Items[0].Code == projects.Items[4].Code {
		t.Fatalf("next page: %v %+v", err, next)
	}
	huge := strings.Repeat("QUFB", 100_000)
	for name, c := range map[string]string{
		"a project cursor given to reports": *projects.EndCursor,
		"garbage":                           "not-a-cursor",
		"400 KB":                            huge,
		"negative":                          portal.Cursor(portal.ReportList, -3),
		"past any list":                     portal.Cursor(portal.ReportList, 1<<62),
	} {
		_, err := p.Reports(ctx, ledger.ReportFilter{}, portal.PageArgs{First: ptr(5), After: &c})
		var le *ledger.Error
		if !asLedger(err, &le) || le.Code != ledger.EINVALID || le.Field != "after" {
			t.Errorf("%s: %v, want an invalid-input error on after", name, err)
			continue
		}
		if msg := ledger.ErrorMessage(err); len(msg) > 120 || strings.Contains(msg, c) {
			t.Errorf("%s: the refusal repeats the cursor or is long: %q", name, msg)
		}
	}
}

func asLedger(err error, le **ledger.Error) bool {
	e, ok := err.(*ledger.Error)
	if ok {
		*le = e
	}
	return ok
}

// TestProjectFilterByCodes: organizations are named by credit code; an
// unknown one is refused with the field, never answered with zero rows.
func TestProjectFilterByCodes(t *testing.T) {
	p := demoPortal(t)
	ctx := context.Background()
	orgs, err := p.Organizations(ctx, []ledger.OrgKind{ledger.Undertaker}, portal.PageArgs{First: ptr(1)})
	if err != nil || len(orgs.Items) != 1 {
		t.Fatal(err)
	}
	o := orgs.Items[0]
	f, err := p.ProjectFilter(ctx, "filter", &portal.ProjectQuery{Undertakers: []string{o.CreditCode}, Years: []int{2014}})
	if err != nil || !cmp.Equal(f.UndertakerIDs, []int64{o.ID}) || !cmp.Equal(f.Years, []int{2014}) {
		t.Errorf("filter: %+v %v", f, err)
	}
	_, err = p.ProjectFilter(ctx, "filter", &portal.ProjectQuery{Auditors: []string{"91110000000000000X"}})
	if ledger.ErrorCode(err) != ledger.EINVALID || !strings.HasPrefix(ledger.ErrorMessage(err), "filter.auditors") {
		t.Errorf("unknown auditor: %v", err)
	}
	_, err = p.ReportFilter(ctx, "filter", &portal.ReportQuery{Project: ptr("NO-SUCH-CODE")})
	if ledger.ErrorCode(err) != ledger.EINVALID || !strings.HasPrefix(ledger.ErrorMessage(err), "filter.project") {
		t.Errorf("unknown project: %v", err)
	}
}

// TestGroupPage: groups ordered by a figure, paged without overlap, groups
// without the figure last; bad arguments refused by name.
func TestGroupPage(t *testing.T) {
	p := demoPortal(t)
	_, rows, err := p.Stats(context.Background(), nil, []ledger.StatsGroup{ledger.GroupByDistrict})
	if err != nil || len(rows) < 5 {
		t.Fatal(err, len(rows))
	}
	var all []*ledger.StatsRow
	for off := 0; off < len(rows); off += 3 {
		pg, err := portal.GroupPage(rows, portal.ByAwarded, true, 3, off)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, pg...)
	}
	if len(all) != len(rows) {
		t.Fatalf("pages hold %d groups, want %d", len(all), len(rows))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Awarded > all[i-1].Awarded {
			t.Errorf("group %d awarded %s after %s", i, all[i].Awarded, all[i-1].Awarded)
		}
	}
	for _, c := range []struct {
		by            portal.GroupOrder
		first, offset int
		field         string
	}{{portal.ByAwarded, 101, 0, "first"}, {portal.ByAwarded, 5, -1, "offset"}, {"COLOUR", 5, 0, "orderBy.field"}} {
		_, err := portal.GroupPage(rows, c.by, false, c.first, c.offset)
		if !strings.HasPrefix(ledger.ErrorMessage(err), c.field) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

// TestLabels: every kind of searchable record has a Chinese label, in the
// facets as in the enum labels.
func TestLabels(t *testing.T) {
	seen := map[string]string{}
	for _, l := range portal.EnumLabels() {
		if l.Label == "" || l.Label == l.Value && l.Enum != "AuditResult" {
			t.Errorf("%s.%s has no label", l.Enum, l.Value)
		}
		seen[l.Enum+"."+l.Value] = l.Label
	}
	if seen["SearchKind.CASE_STUDY"] != "案例" || seen["ServiceArea.ELDERLY_SUPPORT"] == "" {
		t.Errorf("labels: %v", seen)
	}
	if portal.KindLabel(ledger.DocReport) != "报告" {
		t.Error("report kind label")
	}
}

// TestByKeys: records by public key in the order asked, nil where none.
func TestByKeys(t *testing.T) {
	p := demoPortal(t)
	ctx := context.Background()
	ns, err := p.ByKeys(ctx, "Round", []string{"2014", "1999", "2010"})
	if err != nil || len(ns) != 3 || ns[1] != nil || ns[0].(*ledger.Round).Year != 2014 || ns[2].(*ledger.Round).Year != 2010 {
		t.Errorf("rounds by year: %v %v", ns, err)
	}
	ns, err = p.ByKeys(ctx, "Spaceship", []string{"x"})
	if err != nil || len(ns) != 1 || ns[0] != nil {
		t.Errorf("unknown type: %v %v", ns, err)
	}
}
