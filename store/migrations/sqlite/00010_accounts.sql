-- +goose Up
-- Accounts of the people and scripts who publish, each of one organization
-- with its roles (comma-separated role names), the password only as an
-- argon2id hash; their tokens only as SHA-256 hashes of the secret.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    roles TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL
);

CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    hash TEXT NOT NULL UNIQUE,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    revoked_at DATETIME,
    last_used_at DATETIME
);
CREATE INDEX tokens_account ON tokens (account_id, created_at);

-- +goose Down
DROP TABLE tokens;
DROP TABLE accounts;
