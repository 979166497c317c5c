package portal

import (
	"context"

	"civicledger/ledger"
)

// Alerts is the email-alert service as the doors see it (package alerts
// implements it; nil on a portal without SMTP, whose doors then answer
// UNAVAILABLE).
type Alerts interface {
	// Subscribe records a pending subscription of email to a project (kind
	// PROJECT, target its code) or a saved search (kind SEARCH, target its
	// query string) and mails the confirmation link; client is charged
	// against the per-client limit.
	Subscribe(ctx context.Context, client, email string, kind ledger.AlertKind, target string) error
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
