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
		check := func(name string, got, want any, fast bool, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !fast {
				t.Errorf("%s: the page scanner does not take it", name)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s: page scanner vs sqlx (-sqlx +scanner):\n%s", name, d)
			}
		}
		same := func(name, query string, scan func() (any, any, bool, error)) {
			got, want, fast, err := scan()
			check(name, got, want, fast, err)
		}
		same("projects", `SELECT * FROM projects ORDER BY id`, func() (any, any, bool, error) {
			var got, want []*ledger.Project
			fast, err := store.ScansFast[ledger.Project](ctx, db, `SELECT * FROM projects ORDER BY id`)
			if err == nil {
				err = store.SelRows(ctx, db, &got, `SELECT * FROM projects ORDER BY id`)
			}
			if err == nil {
				err = db.Sel(ctx, &want, `SELECT * FROM projects ORDER BY id`)
			}
			return got, want, fast, err
		})
		same("organizations", ``, func() (any, any, bool, error) {
			var got, want []*ledger.Organization
			q := `SELECT * FROM organizations ORDER BY id`
			fast, err := store.ScansFast[ledger.Organization](ctx, db, q)
			if err == nil {
				err = store.SelRows(ctx, db, &got, q)
			}
			if err == nil {
				err = db.Sel(ctx, &want, q)
			}
			return got, want, fast, err
		})
		same("figures", ``, func() (any, any, bool, error) {
			var got, want []*ledger.Figures
			q := `SELECT * FROM project_figures ORDER BY project_id`
			fast, err := store.ScansFast[ledger.Figures](ctx, db, q)
			if err == nil {
				err = store.SelRows(ctx, db, &got, q)
			}
			if err == nil {
				err = db.Sel(ctx, &want, q)
			}
			return got, want, fast, err
		})
		same("rounds", ``, func() (any, any, bool, error) {
			var got, want []*ledger.Round
			q := `SELECT * FROM rounds ORDER BY id`
			fast, err := store.ScansFast[ledger.Round](ctx, db, q)
			if err == nil {
				err = store.SelRows(ctx, db, &got, q)
			}
			if err == nil {
				err = db.Sel(ctx, &want, q)
			}
			return got, want, fast, err
		})
	})
}
