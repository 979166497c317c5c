-- +goose Up
-- Email alerts (issue 13): the addresses of subscribers and what each
-- follows. An address is personal data: it is read only to send mail to it,
-- and deleted with all its subscriptions on unsubscribe.
CREATE TABLE alert_subscribers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    unsubscribe_token TEXT NOT NULL UNIQUE,
    created_at DATETIME NOT NULL
);

-- One followed project (kind PROJECT, target its code) or saved search
-- (kind SEARCH, target its canonical query string) of one address. A
-- pending subscription has the SHA-256 of its single-use confirmation token
-- and when it expires; confirmation clears both.
CREATE TABLE alert_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscriber_id INTEGER NOT NULL REFERENCES alert_subscribers (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    confirm_hash TEXT UNIQUE,
    confirm_expires DATETIME,
    created_at DATETIME NOT NULL,
    confirmed_at DATETIME,
    last_seq BIGINT NOT NULL DEFAULT 0,
    UNIQUE (subscriber_id, kind, target)
);
CREATE INDEX alert_subscriptions_expires ON alert_subscriptions (confirm_expires);

-- +goose Down
DROP TABLE alert_subscriptions;
DROP TABLE alert_subscribers;
