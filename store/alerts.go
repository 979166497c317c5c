package store

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"civicledger/ledger"
)

// This file keeps the email alerts' subscribers (migration 00030). A
// subscriber's address is personal data: it is read only by
// ConfirmSubscription and ConfirmedSubscriptions, for the mail sent to it,
// and deleted on Unsubscribe.

const subscriptionCols = `s.id, s.subscriber_id, b.email, s.kind, s.target, s.created_at, s.confirmed_at, s.last_seq, b.unsubscribe_token
	FROM alert_subscriptions s JOIN alert_subscribers b ON b.id = s.subscriber_id`

// Subscribe implements ledger.SubscriptionStore.
func (db *DB) Subscribe(ctx context.Context, email string, kind ledger.AlertKind, target, confirmHash, unsubscribeToken string,
	expires, now time.Time) (confirmed bool, err error) {
	now, expires = now.UTC().Truncate(time.Microsecond), expires.UTC().Truncate(time.Microsecond)
	err = db.inTx(ctx, func(tx *Tx) error {
		confirmed = false
		var sid int64
		err := tx.get(ctx, &sid, `SELECT id FROM alert_subscribers WHERE email = ?`, email)
		if ledger.ErrorCode(err) == ledger.ENOTFOUND {
			sid, err = tx.insert(ctx, "alert_subscribers", []string{"email", "unsubscribe_token", "created_at"}, email, unsubscribeToken, now)
		}
		if err != nil {
			return err
		}
		var cur struct {
			ID          int64      `db:"id"`
			ConfirmedAt *time.Time `db:"confirmed_at"`
		}
		err = tx.get(ctx, &cur, `SELECT id, confirmed_at FROM alert_subscriptions WHERE subscriber_id = ? AND kind = ? AND target = ?`,
			sid, string(kind), target)
		switch {
		case ledger.ErrorCode(err) == ledger.ENOTFOUND:
			_, err = tx.insert(ctx, "alert_subscriptions", []string{"subscriber_id", "kind", "target", "confirm_hash", "confirm_expires", "created_at"},
				sid, string(kind), target, confirmHash, expires, now)
			return err
		case err != nil:
			return err
		case cur.ConfirmedAt != nil:
			confirmed = true
			return nil
		}
		return tx.exec(ctx, `UPDATE alert_subscriptions SET confirm_hash = ?, confirm_expires = ? WHERE id = ?`, confirmHash, expires, cur.ID)
	})
	return confirmed, err
}

// ConfirmSubscription implements ledger.SubscriptionStore.
func (db *DB) ConfirmSubscription(ctx context.Context, confirmHash string, lastSeq int64, now time.Time) (*ledger.Subscription, error) {
	now = now.UTC().Truncate(time.Microsecond)
	var s ledger.Subscription
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := tx.get(ctx, &s, `SELECT `+subscriptionCols+` WHERE s.confirm_hash = ? AND s.confirm_expires > ?`, confirmHash, now); err != nil {
			return err
		}
		s.ConfirmedAt, s.LastSeq = &now, lastSeq
		return tx.exec(ctx, `UPDATE alert_subscriptions SET confirm_hash = NULL, confirm_expires = NULL, confirmed_at = ?, last_seq = ?
			WHERE id = ?`, now, lastSeq, s.ID)
	})
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// Unsubscribe implements ledger.SubscriptionStore.
func (db *DB) Unsubscribe(ctx context.Context, token string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		var sid int64
		if err := tx.get(ctx, &sid, `SELECT id FROM alert_subscribers WHERE unsubscribe_token = ?`, token); err != nil {
			return err
		}
		if err := tx.exec(ctx, `DELETE FROM alert_subscriptions WHERE subscriber_id = ?`, sid); err != nil {
			return err
		}
		return tx.exec(ctx, `DELETE FROM alert_subscribers WHERE id = ?`, sid)
	})
}

// ConfirmedSubscriptions implements ledger.SubscriptionStore.
func (db *DB) ConfirmedSubscriptions(ctx context.Context) ([]*ledger.Subscription, error) {
	var rows []*ledger.Subscription
	return rows, db.sel(ctx, &rows, `SELECT `+subscriptionCols+` WHERE s.confirmed_at IS NOT NULL ORDER BY b.id, s.id`)
}

// AdvanceSubscriptions implements ledger.SubscriptionStore.
func (db *DB) AdvanceSubscriptions(ctx context.Context, ids []int64, seq int64) error {
	if len(ids) == 0 {
		return nil
	}
	q, args, err := sqlx.In(`UPDATE alert_subscriptions SET last_seq = ? WHERE id IN (?) AND last_seq < ?`, seq, ids, seq)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error { return tx.exec(ctx, q, args...) })
}

// PurgeUnconfirmed implements ledger.SubscriptionStore.
func (db *DB) PurgeUnconfirmed(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC().Truncate(time.Microsecond)
	var n int64
	err := db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, tx.q(`DELETE FROM alert_subscriptions WHERE confirmed_at IS NULL AND confirm_expires <= ?`), now)
		if err != nil {
			return mapError(err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return mapError(err)
		}
		return tx.exec(ctx, `DELETE FROM alert_subscribers WHERE NOT EXISTS
			(SELECT 1 FROM alert_subscriptions s WHERE s.subscriber_id = alert_subscribers.id)`)
	})
	return int(n), err
}

// SubscriberExists implements ledger.SubscriptionStore.
func (db *DB) SubscriberExists(ctx context.Context, email string) (bool, error) {
	var n int
	err := db.get(ctx, &n, `SELECT COUNT(*) FROM alert_subscribers WHERE email = ?`, email)
	return n > 0, err
}

var _ ledger.SubscriptionStore = (*DB)(nil)
