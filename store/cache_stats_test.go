package store_test

import (
	"context"
	"testing"

	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

// The aggregate cache counts its hits and misses for metrics: a repeated
// statistics query is a hit, and one after a write a miss.
func TestCacheStatsCount(t *testing.T) {
	ctx := context.Background()
	db := storetest.MustOpenDB(t, store.SQLite)
	f := newFixture(t, db)
	stats := func() {
		t.Helper()
		if _, _, err := db.Stats(ctx, ledger.ProjectFilter{}, []ledger.StatsGroup{ledger.GroupByYear}); err != nil {
			t.Fatal(err)
		}
	}
	before := db.CacheStats()
	stats()
	stats()
	mid := db.CacheStats()
	if mid.Misses-before.Misses != 1 || mid.Hits-before.Hits != 1 || mid.Entries == 0 || mid.Bytes == 0 {
		t.Fatalf("after a query and its repeat: %+v (before %+v), want one miss, one hit, an entry", mid, before)
	}
	must(t, db.RecordFeedback(ctx, &ledger.Feedback{ProjectID: f.p1.ID, Rating: 5, Respondent: "RECIPIENT", Verified: true}))
	stats()
	if after := db.CacheStats(); after.Misses-mid.Misses != 1 || after.Hits != mid.Hits {
		t.Fatalf("after a write: %+v (before %+v), want one more miss", after, mid)
	}
}
