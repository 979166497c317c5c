package opendata_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

var att = ledger.Attribution{Actor: "opendata-test", Role: ledger.RoleSystem}

func org(i int) *ledger.Organization {
	return &ledger.Organization{CreditCode: ledger.MakeCreditCode('5', '1', "330203", fmt.Sprintf("T%07d", i)),
		Name: fmt.Sprintf("测试社会组织%d", i), Kind: ledger.Undertaker, District: "海曙区"}
}

// On PostgreSQL a transaction can commit its outbox rows after a later-
// numbered one: the feed hands out nothing past such a gap while the
// transaction runs, hands out its rows once it commits, and passes a gap
// a rolled-back transaction leaves.
func TestChangesFeedWaitsForRunningTransaction(t *testing.T) {
	db := storetest.MustOpenDB(t, store.Postgres)
	ctx := context.Background()
	src := source(db)
	start, _ := db.OutboxMaxSeq(ctx)
	cursor := fmt.Sprint(start)

	// A transaction that has written 1,000 outbox rows (the store writes
	// them in batches of 1,000) and is still running; then a later write
	// commits.
	const n = 1000
	for _, outcome := range []string{"commit", "rollback"} {
		written, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		base := map[string]int{"commit": 0, "rollback": 10_000}[outcome]
		go func() {
			done <- db.InTx(ctx, func(w ledger.Writer) error {
				for i := range n {
					if err := w.CreateOrganization(ctx, att, org(base+i)); err != nil {
						return err
					}
				}
				close(written)
				<-release
				if outcome == "rollback" {
					return errors.New("rolled back on purpose")
				}
				return nil
			})
		}()
		select {
		case <-written:
		case err := <-done:
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // the batch is flushed after the 1,000th write
		if err := db.CreateOrganization(ctx, att, org(base+n)); err != nil {
			t.Fatal(err)
		}
		page, err := src.Changes(ctx, db, cursor, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Changes) != 0 || page.More || !strings.HasPrefix(page.Next, cursor+".") {
			t.Fatalf("%s: while the transaction runs: %d changes, more %v, next %s", outcome, len(page.Changes), page.More, page.Next)
		}
		close(release)
		if err := <-done; (err != nil) != (outcome == "rollback") {
			t.Fatalf("%s: %v", outcome, err)
		}
		// Follow the feed as a mirror would. A gap is settled once every
		// transaction running when it was seen has ended: the tests of
		// other packages share this PostgreSQL server, so that may take a
		// moment; the wait is bounded only to end a stuck test.
		var got []string
		deadline := time.Now().Add(2 * time.Minute)
		for c := page.Next; ; {
			page, err := src.Changes(ctx, db, c, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, ch := range page.Changes {
				got = append(got, ch.Key)
			}
			c = page.Next
			if page.More {
				continue
			}
			if !strings.Contains(c, ".") || time.Now().After(deadline) {
				cursor = c
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		want := map[string]bool{org(base + n).CreditCode: true}
		if outcome == "commit" {
			for i := range n {
				want[org(base+i).CreditCode] = true
			}
		}
		seen := map[string]bool{}
		for _, k := range got {
			if !want[k] || seen[k] {
				t.Errorf("%s: change %s unexpected or repeated", outcome, k)
			}
			seen[k] = true
		}
		if len(seen) != len(want) {
			t.Errorf("%s: %d changes after the transaction ended, want %d", outcome, len(seen), len(want))
		}
	}
}
