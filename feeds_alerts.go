package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"civicledger/alerts"
	"civicledger/feeds"
	"civicledger/ledger"
	"civicledger/portal"
)

// alertConfig holds the settings of the feeds and the email alerts.
type alertConfig struct {
	PublicURL    string // the portal's public address: feed links and ids, links in mails
	SMTPAddr     string // host:port of the SMTP server; empty: no email alerts
	SMTPUser     string
	SMTPPassword string
	From         string // sender address of the alert mails
	DigestAt     time.Duration
	digestAt     string // -digest-at as given ("07:00")
	AlertLimit   int    // subscription requests per client per hour
}

// alertFlags registers the feed and alert settings.
func alertFlags(fs *flag.FlagSet, c *alertConfig, bad *[]string) {
	fs.StringVar(&c.PublicURL, "public-url", env("CIVICLEDGER_PUBLIC_URL", ""), "the portal's public address, e.g. https://gongyi.example.org: links and ids in feeds, links in alert mails; required with -smtp-addr (CIVICLEDGER_PUBLIC_URL)")
	fs.StringVar(&c.SMTPAddr, "smtp-addr", env("CIVICLEDGER_SMTP_ADDR", ""), "host:port of the SMTP server that sends email alerts; empty switches alerts off (CIVICLEDGER_SMTP_ADDR)")
	fs.StringVar(&c.SMTPUser, "smtp-user", env("CIVICLEDGER_SMTP_USER", ""), "SMTP user, for PLAIN authentication over TLS (CIVICLEDGER_SMTP_USER)")
	fs.StringVar(&c.SMTPPassword, "smtp-password", env("CIVICLEDGER_SMTP_PASSWORD", ""), "SMTP password; prefer the environment variable (CIVICLEDGER_SMTP_PASSWORD)")
	fs.StringVar(&c.From, "smtp-from", env("CIVICLEDGER_SMTP_FROM", ""), "sender address of alert mails, e.g. alerts@gongyi.example.org (CIVICLEDGER_SMTP_FROM)")
	fs.StringVar(&c.digestAt, "digest-at", env("CIVICLEDGER_DIGEST_AT", "07:00"), "time of day (Asia/Shanghai) the daily alert digests are sent (CIVICLEDGER_DIGEST_AT)")
	fs.IntVar(&c.AlertLimit, "alert-limit", envInt("CIVICLEDGER_ALERT_LIMIT", alerts.DefaultLimit, bad), "alert subscription requests one client may make per hour (CIVICLEDGER_ALERT_LIMIT)")
}

// resolve checks the settings, by name.
func (c *alertConfig) resolve() error {
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("-public-url (CIVICLEDGER_PUBLIC_URL) %q: use the site's address, such as https://gongyi.example.org", c.PublicURL)
		}
		c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	}
	t, err := time.Parse("15:04", c.digestAt)
	if err != nil {
		return fmt.Errorf("-digest-at (CIVICLEDGER_DIGEST_AT) %q: use a time of day such as 07:00", c.digestAt)
	}
	c.DigestAt = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	if c.AlertLimit <= 0 {
		return fmt.Errorf("-alert-limit (CIVICLEDGER_ALERT_LIMIT) must be at least 1")
	}
	if c.SMTPAddr == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
		return fmt.Errorf("-smtp-addr (CIVICLEDGER_SMTP_ADDR) %q: use host:port, such as smtp.example.org:587", c.SMTPAddr)
	}
	if c.PublicURL == "" {
		return fmt.Errorf("-smtp-addr needs -public-url (CIVICLEDGER_PUBLIC_URL): the links in alert mails point to it")
	}
	if err := ledger.CheckEmail("smtp-from", c.From); err != nil {
		return fmt.Errorf("-smtp-from (CIVICLEDGER_SMTP_FROM): the sender address of alert mails is required with -smtp-addr")
	}
	return nil
}

// newAlerts returns the alert service, or nil when SMTP is not configured.
func (a *app) newAlerts(core *portal.Portal, clientKey func(*http.Request) string, log *slog.Logger) *alerts.Alerts {
	c := a.alerts
	if c.SMTPAddr == "" {
		return nil
	}
	return &alerts.Alerts{Portal: core, Store: a.db, Outbox: a.db, Watermark: a.follower.Watermark,
		Mailer: &alerts.SMTP{Addr: c.SMTPAddr, User: c.SMTPUser, Password: c.SMTPPassword, From: c.From},
		From:   c.From, PublicURL: c.PublicURL, ClientKey: clientKey, Limit: c.AlertLimit, Log: log}
}

// feedRoutes adds the Atom feeds and, when SMTP is configured, the alert
// endpoints to mux (without SMTP they answer 503).
func (a *app) feedRoutes(mux *http.ServeMux, core *portal.Portal, clientKey func(*http.Request) string, log *slog.Logger) {
	(&feeds.Feeds{Portal: core, Corrections: a.db, BaseURL: a.alerts.PublicURL, Log: log}).Register(mux)
	if al := a.newAlerts(core, clientKey, log); al != nil {
		al.Register(mux)
		core.Alerts = al // the GraphQL mutations subscribeAlert, confirmAlert, unsubscribeAlert
		a.digests = al
		return
	}
	mux.HandleFunc("/alerts/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("email alerts are not configured on this portal (-smtp-addr)\n"))
	})
}

// runDigests sends the daily alert digests until ctx ends; nothing runs
// unless SMTP is configured.
func (a *app) runDigests(ctx context.Context, log *slog.Logger) {
	if a.digests == nil {
		return
	}
	log.Info("alert digests scheduled", "at", a.alerts.digestAt, "zone", "Asia/Shanghai")
	a.digests.Run(ctx, a.alerts.DigestAt)
}
