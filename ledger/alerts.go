package ledger

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// AlertKind is what an email alert follows.
type AlertKind string

// The alert kinds.
const (
	AlertProject AlertKind = "PROJECT" // a followed project: Target is its code
	AlertSearch  AlertKind = "SEARCH"  // a saved search: Target is its canonical query string
)

// Valid reports whether k is a known alert kind.
func (k AlertKind) Valid() bool { return k == AlertProject || k == AlertSearch }

// Subscription is one email alert of one address. The address is personal
// data: it is never shown in public, never logged, and deleted with every
// subscription of the address on unsubscribe.
type Subscription struct {
	ID           int64      `db:"id"`
	SubscriberID int64      `db:"subscriber_id"`
	Email        string     `db:"email"`
	Kind         AlertKind  `db:"kind"`
	Target       string     `db:"target"`
	CreatedAt    time.Time  `db:"created_at"`
	ConfirmedAt  *time.Time `db:"confirmed_at"` // nil until the address confirmed it
	// LastSeq is the outbox position through which the subscriber has been
	// told of changes (set at confirmation, advanced by each digest).
	LastSeq int64 `db:"last_seq"`
	// UnsubscribeToken is the address's one-click unsubscribe token.
	UnsubscribeToken string `db:"unsubscribe_token"`
}

// MaxEmailLength is the longest address accepted (RFC 5321's path limit).
const MaxEmailLength = 254

// CheckEmail refuses what is not one plain email address (no display
// name, no list), naming field. The message never repeats the address.
func CheckEmail(field, addr string) error {
	if addr == "" {
		return Invalid(field, "an email address is required")
	}
	if len(addr) > MaxEmailLength {
		return Invalid(field, "the address is longer than %d bytes", MaxEmailLength)
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr || a.Name != "" || !strings.Contains(addr[strings.LastIndexByte(addr, '@')+1:], ".") {
		return Invalid(field, "not a plain email address such as name@example.org")
	}
	return nil
}

// SubscriptionStore keeps email alert subscriptions. Tokens are stored as
// given; callers pass a hash of the confirmation token, never the token.
type SubscriptionStore interface {
	// Subscribe records an unconfirmed subscription of email to (kind,
	// target) whose confirmation token hashes to confirmHash and expires at
	// expires. Asking again for a pending subscription replaces its token;
	// asking for a confirmed one changes nothing and returns confirmed true
	// (no mail needs to be sent). unsubscribeToken is used when the address
	// is new.
	Subscribe(ctx context.Context, email string, kind AlertKind, target, confirmHash, unsubscribeToken string, expires, now time.Time) (confirmed bool, err error)
	// ConfirmSubscription confirms the pending subscription whose token
	// hashes to confirmHash, once: the token is then spent. lastSeq is the
	// outbox position changes are reported from. ENOTFOUND when no pending
	// subscription has that token or it has expired.
	ConfirmSubscription(ctx context.Context, confirmHash string, lastSeq int64, now time.Time) (*Subscription, error)
	// Unsubscribe deletes the address whose unsubscribe token is token, with
	// every subscription of it. ENOTFOUND when no address has that token.
	Unsubscribe(ctx context.Context, token string) error
	// ConfirmedSubscriptions returns every confirmed subscription, by
	// address then id.
	ConfirmedSubscriptions(ctx context.Context) ([]*Subscription, error)
	// AdvanceSubscriptions records that the subscriptions ids have been
	// told of every change through outbox position seq.
	AdvanceSubscriptions(ctx context.Context, ids []int64, seq int64) error
	// PurgeUnconfirmed deletes subscriptions whose confirmation expired
	// before now, and addresses left without any subscription.
	PurgeUnconfirmed(ctx context.Context, now time.Time) (int, error)
	// SubscriberExists reports whether the address is kept at all, in any
	// subscription, pending or confirmed (for tests: no door answers it).
	SubscriberExists(ctx context.Context, email string) (bool, error)
}
