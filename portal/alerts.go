package portal

import (
	"context"

	"civicledger/ledger"
)

// Alerts is the email-alert service as the doors see it (package alerts
// implements it; nil on a portal without SMTP, whose doors then answer
// UNAVAILABLE).
type Alerts interface {
	// SubscribeTo records a pending subscription of email to a project (its
	// code) or a saved search (its query string) — exactly one of the two,
	// else refused naming "project" — and mails the confirmation link;
	// client is charged against the per-client limit.
	SubscribeTo(ctx context.Context, client, email, project, search string) error
	// Confirm spends a confirmation token.
	Confirm(ctx context.Context, token string) (*ledger.Subscription, error)
	// Unsubscribe deletes the address of an unsubscribe token with all its
	// subscriptions.
	Unsubscribe(ctx context.Context, token string) error
}

// AlertService returns the alert service, or UNAVAILABLE without one.
func (p *Portal) AlertService() (Alerts, error) {
	if p.Alerts == nil {
		return nil, ledger.Errorf(ledger.EUNAVAILABLE, "email alerts are not configured on this portal")
	}
	return p.Alerts, nil
}
