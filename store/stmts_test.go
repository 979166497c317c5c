package store_test

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"

	"civicledger/store"
	"civicledger/store/storetest"
)

// Reads are prepared once and reused: keys lists of three and four share
// one statement (lists are padded to a power of two), and the padded read
// still answers each key once, in order.
func TestPreparedReadsReused(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		ids := []int64{f.undertaker.ID, f.evaluator.ID, f.audit.ID}
		got, err := db.OrganizationsByIDs(ctx, ids)
		must(t, err)
		before := db.PreparedReads()
		for _, keys := range [][]int64{ids, append(ids, 999_999)} {
			got, err = db.OrganizationsByIDs(ctx, keys)
			must(t, err)
			if len(got) != len(keys) {
				t.Fatalf("%d keys gave %d answers", len(keys), len(got))
			}
			for i, id := range ids {
				if got[i] == nil || got[i].ID != id {
					t.Fatalf("answer %d is %+v, want organization %d", i, got[i], id)
				}
			}
		}
		if got[3] != nil {
			t.Fatalf("a missing key answered %+v", got[3])
		}
		if after := db.PreparedReads(); after != before {
			t.Fatalf("prepared reads went from %d to %d: lists of 3 and 4 keys should share one", before, after)
		}
	})
}

// A migration on another node that changes a column's type under a
// prepared read does not fail the read: PostgreSQL refuses the cached plan
// once and the read is prepared afresh.
func TestPreparedReadSurvivesAlteredTable(t *testing.T) {
	url := storetest.PostgresSchema(t)
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	must(t, err)
	defer db.Close()
	f := newFixture(t, db)
	read := func() {
		t.Helper()
		os, err := db.OrganizationsByIDs(ctx, []int64{f.undertaker.ID})
		must(t, err)
		if len(os) != 1 || os[0] == nil || os[0].Name != f.undertaker.Name {
			t.Fatalf("got %+v", os)
		}
	}
	// Prepare it on every connection the pool may hand out.
	for range 30 {
		read()
	}
	admin, err := sqlx.Open("postgres", url)
	must(t, err)
	defer admin.Close()
	if _, err := admin.Exec(`ALTER TABLE organizations ALTER COLUMN description TYPE VARCHAR(100000)`); err != nil {
		t.Fatal(err)
	}
	read()
}
