-- +goose Up
-- Publication and corrections. A published record is never deleted: the
-- database refuses DELETE on every published table and on revisions, and
-- refuses to rewrite a revision or a line of the corrections register.
-- corrections is the public corrections register (更正): one line per
-- correction or withdrawal, the version it made and its reason. drafts
-- holds what an organization prepares before publishing (visible to its
-- own accounts only); publishing a draft publishes a record and marks the
-- draft, which is kept.
CREATE TABLE corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason <> ''),
    organization_id BIGINT NOT NULL DEFAULT 0,
    project_id BIGINT NOT NULL DEFAULT 0,
    login TEXT NOT NULL,
    role TEXT NOT NULL,
    corrected_at DATETIME NOT NULL
);
CREATE INDEX corrections_at ON corrections (corrected_at, id);
CREATE INDEX corrections_entity ON corrections (entity, entity_id, version);

CREATE TABLE drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    payload TEXT NOT NULL,
    organization_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    published_at DATETIME,
    published_id BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX drafts_org ON drafts (organization_id, updated_at);

-- +goose StatementBegin
CREATE TRIGGER rounds_no_delete BEFORE DELETE ON rounds
BEGIN
    SELECT RAISE(ABORT, 'published records are never deleted: rounds');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER organizations_no_delete BEFORE DELETE ON organizations
BEGIN
    SELECT RAISE(ABORT, 'published records are never deleted: organizations');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER projects_no_delete BEFORE DELETE ON projects
BEGIN
    SELECT RAISE(ABORT, 'published records are never deleted: projects');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER stage_events_no_delete BEFORE DELETE ON stage_events
BEGIN
    SELECT RAISE(ABORT, 'published records are never deleted: stage_events');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER indicator_sets_no_delete BEFORE DELETE ON indicator_sets
BEGIN
    SELECT RAISE(ABORT, 'published records are never deleted: indicator_sets');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER scorecards_no_delete BEFORE DELETE ON scorecards
BEGIN
    SELECT RAISE(ABORT, 'published records are never deleted: scorecards');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER tranches_no_delete BEFORE DELETE ON tranches
BEGIN
    SELECT RAISE(ABORT, 'published records are never deleted: tranches');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audits_no_delete BEFORE DELETE ON audits
BEGIN
    SELECT RAISE(ABORT, 'published records are never deleted: audits');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER metrics_no_delete BEFORE DELETE ON metrics
BEGIN
    SELECT RAISE(ABORT, 'published records are never deleted: metrics');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER announcements_no_delete BEFORE DELETE ON announcements
BEGIN
    SELECT RAISE(ABORT, 'published records are never deleted: announcements');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER reports_no_delete BEFORE DELETE ON reports
BEGIN
    SELECT RAISE(ABORT, 'published records are never deleted: reports');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER case_collections_no_delete BEFORE DELETE ON case_collections
BEGIN
    SELECT RAISE(ABORT, 'published records are never deleted: case_collections');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER case_studies_no_delete BEFORE DELETE ON case_studies
BEGIN
    SELECT RAISE(ABORT, 'published records are never deleted: case_studies');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER revisions_no_delete BEFORE DELETE ON revisions
BEGIN
    SELECT RAISE(ABORT, 'published records are never deleted: revisions');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER corrections_no_delete BEFORE DELETE ON corrections
BEGIN
    SELECT RAISE(ABORT, 'published records are never deleted: corrections');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER revisions_no_update BEFORE UPDATE ON revisions
BEGIN
    SELECT RAISE(ABORT, 'revisions is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER corrections_no_update BEFORE UPDATE ON corrections
BEGIN
    SELECT RAISE(ABORT, 'corrections is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER revisions_no_update;
DROP TRIGGER corrections_no_update;
DROP TRIGGER rounds_no_delete;
DROP TRIGGER organizations_no_delete;
DROP TRIGGER projects_no_delete;
DROP TRIGGER stage_events_no_delete;
DROP TRIGGER indicator_sets_no_delete;
DROP TRIGGER scorecards_no_delete;
DROP TRIGGER tranches_no_delete;
DROP TRIGGER audits_no_delete;
DROP TRIGGER metrics_no_delete;
DROP TRIGGER announcements_no_delete;
DROP TRIGGER reports_no_delete;
DROP TRIGGER case_collections_no_delete;
DROP TRIGGER case_studies_no_delete;
DROP TRIGGER revisions_no_delete;
DROP TRIGGER corrections_no_delete;
DROP TABLE drafts;
DROP TABLE corrections;
