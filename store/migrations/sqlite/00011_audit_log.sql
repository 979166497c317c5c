-- +goose Up
-- The append-only audit log of every write and sign-in: who (account,
-- login, role, organization), what (action, record, a summary), when,
-- through which token or session, from which client (a salted hash of its
-- address). The database itself refuses to change or remove a line.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at DATETIME NOT NULL,
    account_id BIGINT NOT NULL DEFAULT 0,
    login TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT '',
    organization_id BIGINT NOT NULL DEFAULT 0,
    action TEXT NOT NULL,
    entity TEXT NOT NULL DEFAULT '',
    entity_id BIGINT NOT NULL DEFAULT 0,
    summary TEXT NOT NULL DEFAULT '',
    credential TEXT NOT NULL DEFAULT '',
    client TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_login ON audit_log (login, at);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_log;
