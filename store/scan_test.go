package store_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"civicledger/demo"
	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

// The page scanner reads every kind of column the records hold — text,
// integers, money, booleans, times, nullable keys that are null and that
// are not — exactly as sqlx does, on both dialects; and it does take them
// (else this would compare sqlx with itself).
func TestPageScannerReadsAsSqlx(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, db, demo.Options{Projects: 60}); err != nil {
			t.Fatal(err)
		}
		scansAsSqlx[ledger.Project](t, db, `SELECT * FROM projects ORDER BY id`)
		scansAsSqlx[ledger.Organization](t, db, `SELECT * FROM organizations ORDER BY id`)
		scansAsSqlx[ledger.Figures](t, db, `SELECT * FROM project_figures ORDER BY project_id`)
		scansAsSqlx[ledger.Round](t, db, `SELECT * FROM rounds ORDER BY id`)
	})
}

func scansAsSqlx[T any](t *testing.T, db *store.DB, query string) {
	t.Helper()
	ctx := context.Background()
	fast, err := store.ScansFast[T](ctx, db, query)
	if err != nil {
		t.Fatal(err)
	}
	if !fast {
		t.Errorf("%s: the page scanner does not take it", query)
	}
	var got, want []*T
	if err := store.SelRows(ctx, db, &got, query); err != nil {
		t.Fatal(err)
	}
	if err := db.Sel(ctx, &want, query); err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatalf("%s: no rows", query)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s: page scanner vs sqlx (-sqlx +scanner):\n%s", query, d)
	}
}
