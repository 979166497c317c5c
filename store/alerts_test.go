package store_test

import (
	"context"
	"testing"
	"time"

	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

// TestSubscriptions: a pending subscription is confirmed once, by its
// latest token, before it expires; an expired one is purged with its
// address; an unsubscribe deletes the address and all its subscriptions.
func TestSubscriptions(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
		exp := now.Add(72 * time.Hour)
		const a, b = "a@example.org", "b@example.org"
		code := func(err error) string { return ledger.ErrorCode(err) }

		if c, err := db.Subscribe(ctx, a, ledger.AlertProject, "P-1", "h1", "unsub-a", exp, now); err != nil || c {
			t.Fatalf("subscribe: %v %v", c, err)
		}
		// Asking again replaces the token: the first no longer confirms.
		if _, err := db.Subscribe(ctx, a, ledger.AlertProject, "P-1", "h2", "unused", exp, now); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ConfirmSubscription(ctx, "h1", 5, now); code(err) != ledger.ENOTFOUND {
			t.Fatalf("replaced token: %v", err)
		}
		// Not after it expired.
		if _, err := db.ConfirmSubscription(ctx, "h2", 5, exp.Add(time.Second)); code(err) != ledger.ENOTFOUND {
			t.Fatalf("expired token: %v", err)
		}
		s, err := db.ConfirmSubscription(ctx, "h2", 5, now.Add(time.Hour))
		if err != nil || s.Email != a || s.Kind != ledger.AlertProject || s.Target != "P-1" || s.LastSeq != 5 || s.UnsubscribeToken != "unsub-a" {
			t.Fatalf("confirm: %+v %v", s, err)
		}
		if _, err := db.ConfirmSubscription(ctx, "h2", 5, now.Add(time.Hour)); code(err) != ledger.ENOTFOUND {
			t.Fatalf("spent token: %v", err)
		}
		if c, err := db.Subscribe(ctx, a, ledger.AlertProject, "P-1", "h3", "x", exp, now); err != nil || !c {
			t.Fatalf("subscribing again to a confirmed alert: %v %v", c, err)
		}
		// A second alert of the same address, and another address left
		// unconfirmed.
		if _, err := db.Subscribe(ctx, a, ledger.AlertSearch, "q=养老", "h4", "x", exp, now); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ConfirmSubscription(ctx, "h4", 7, now); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Subscribe(ctx, b, ledger.AlertProject, "P-1", "h5", "unsub-b", exp, now); err != nil {
			t.Fatal(err)
		}
		subs, err := db.ConfirmedSubscriptions(ctx)
		if err != nil || len(subs) != 2 || subs[0].Target != "P-1" || subs[1].Target != "q=养老" {
			t.Fatalf("confirmed: %v %v", subs, err)
		}
		if err := db.AdvanceSubscriptions(ctx, []int64{subs[0].ID, subs[1].ID}, 6); err != nil {
			t.Fatal(err)
		}
		subs, _ = db.ConfirmedSubscriptions(ctx)
		if subs[0].LastSeq != 6 || subs[1].LastSeq != 7 {
			t.Fatalf("advanced to %d and %d, want 6 and 7 (never back)", subs[0].LastSeq, subs[1].LastSeq)
		}
		// Purging after expiry deletes b, keeps a.
		if n, err := db.PurgeUnconfirmed(ctx, exp); err != nil || n != 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
		for addr, want := range map[string]bool{a: true, b: false} {
			if ok, err := db.SubscriberExists(ctx, addr); err != nil || ok != want {
				t.Fatalf("%s kept %v, want %v (%v)", addr, ok, want, err)
			}
		}
		// Unsubscribing deletes a and both its alerts.
		if err := db.Unsubscribe(ctx, "unsub-a"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.SubscriberExists(ctx, a); ok {
			t.Fatal("the address is kept after unsubscribing")
		}
		if subs, _ := db.ConfirmedSubscriptions(ctx); len(subs) != 0 {
			t.Fatalf("subscriptions left: %v", subs)
		}
		if err := db.Unsubscribe(ctx, "unsub-a"); code(err) != ledger.ENOTFOUND {
			t.Fatalf("second unsubscribe: %v", err)
		}
	})
}
