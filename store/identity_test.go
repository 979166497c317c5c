package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

// TestIdentity: every database gets its own identity when its schema is
// created, and keeps it.
func TestIdentity(t *testing.T) {
	ctx := context.Background()
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		id, err := db.Identity(ctx)
		must(t, err)
		if len(id) != 32 {
			t.Errorf("identity %q: want 32 hex digits", id)
		}
		again, err := db.Identity(ctx)
		must(t, err)
		if again != id {
			t.Errorf("identity changed from %q to %q", id, again)
		}
		other := storetest.MustOpenDB(t, db.Dialect())
		oid, err := other.Identity(ctx)
		must(t, err)
		if oid == id {
			t.Errorf("two databases share the identity %q", id)
		}
	})
	// Reopening a database (migrations run again) keeps its identity.
	path := filepath.Join(t.TempDir(), "ledger.db")
	db, err := store.Open(ctx, path)
	must(t, err)
	id, err := db.Identity(ctx)
	must(t, err)
	db.Close()
	db, err = store.Open(ctx, path)
	must(t, err)
	defer db.Close()
	if again, err := db.Identity(ctx); err != nil || again != id {
		t.Errorf("after reopening: %q, %v; want %q", again, err, id)
	}
}

// TestCountSearchDocs: the counts per kind are those of EachSearchDoc.
func TestCountSearchDocs(t *testing.T) {
	ctx := context.Background()
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		must(t, db.PublishReport(ctx, att, &ledger.Report{Code: "RPT-1", Kind: ledger.MidtermReport, Title: "中期报告",
			Body: "正文", ProjectID: &f.p1.ID, AuthorID: &f.evaluator.ID, PublishedOn: "2015-09-30"}))
		// One approved comment is searchable; a pending one is not.
		must(t, db.RecordFeedback(ctx, &ledger.Feedback{ProjectID: f.p1.ID, Rating: 5, Respondent: "RECIPIENT", Comment: "很好", Moderation: ledger.ModerationApproved}))
		must(t, db.RecordFeedback(ctx, &ledger.Feedback{ProjectID: f.p1.ID, Rating: 5, Respondent: "RECIPIENT", Comment: "待审"}))
		want := map[ledger.DocKind]int64{ledger.DocAnnouncement: 0, ledger.DocCaseStudy: 0}
		must(t, db.EachSearchDoc(ctx, func(d *ledger.SearchDoc) error { want[d.Kind]++; return nil }))
		got, err := db.CountSearchDocs(ctx)
		must(t, err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("counts (-EachSearchDoc +CountSearchDocs):\n%s", diff)
		}
		if got[ledger.DocProject] != 2 || got[ledger.DocReport] != 1 || got[ledger.DocOrganization] != 3 || got[ledger.DocComment] != 1 {
			t.Errorf("counts %v: want 2 projects, 1 report, 3 organizations, 1 comment", got)
		}
	})
}
