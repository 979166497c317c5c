-- +goose Up
-- Civic Ledger schema, version 1. Every published table carries its version
-- and the attribution of that version (recorded_by, recorded_role,
-- recorded_at); every version, including the first, is also kept whole in
-- revisions, which is append-only. Money is BIGINT fen; dates are TEXT
-- 'YYYY-MM-DD'; instants are timestamps in UTC.

CREATE TABLE rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL UNIQUE,
    title TEXT NOT NULL,
    budget_fen BIGINT NOT NULL CHECK (budget_fen >= 0),
    description TEXT NOT NULL DEFAULT '',
    opens_on TEXT NOT NULL DEFAULT '',
    closes_on TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at DATETIME NOT NULL
);

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    credit_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    district TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    founded_on TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at DATETIME NOT NULL
);
CREATE INDEX organizations_kind ON organizations (kind, name);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    round_id BIGINT NOT NULL REFERENCES rounds (id),
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    service_area TEXT NOT NULL,
    district TEXT NOT NULL,
    target_group TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    undertaker_id BIGINT NOT NULL REFERENCES organizations (id),
    evaluator_id BIGINT REFERENCES organizations (id),
    auditor_id BIGINT REFERENCES organizations (id),
    awarded_fen BIGINT NOT NULL CHECK (awarded_fen >= 0),
    cofunding_fen BIGINT NOT NULL DEFAULT 0 CHECK (cofunding_fen >= 0),
    stage TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    applied_on TEXT NOT NULL DEFAULT '',
    approved_on TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at DATETIME NOT NULL
);
CREATE INDEX projects_area_awarded ON projects (service_area, awarded_fen, code);
CREATE INDEX projects_awarded ON projects (awarded_fen, code);
CREATE INDEX projects_year ON projects (year, service_area);
CREATE INDEX projects_district ON projects (district);
CREATE INDEX projects_undertaker ON projects (undertaker_id);
CREATE INDEX projects_evaluator ON projects (evaluator_id);
CREATE INDEX projects_auditor ON projects (auditor_id);
CREATE INDEX projects_approved ON projects (approved_on, code);
CREATE INDEX projects_stage ON projects (stage, outcome);

CREATE TABLE stage_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    stage TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    occurred_on TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at DATETIME NOT NULL
);
CREATE INDEX stage_events_project ON stage_events (project_id, occurred_on);

CREATE TABLE indicator_sets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    edition TEXT NOT NULL DEFAULT '',
    published_on TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at DATETIME NOT NULL
);

CREATE TABLE indicators (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    set_id BIGINT NOT NULL REFERENCES indicator_sets (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    guidance TEXT NOT NULL DEFAULT '',
    weight REAL NOT NULL CHECK (weight > 0),
    max_score REAL NOT NULL CHECK (max_score > 0)
);
CREATE INDEX indicators_set ON indicators (set_id, position);

CREATE TABLE scorecards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    set_id BIGINT NOT NULL REFERENCES indicator_sets (id),
    kind TEXT NOT NULL,
    reviewer_id BIGINT REFERENCES organizations (id),
    reviewed_on TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    passed BOOLEAN NOT NULL,
    total REAL NOT NULL, -- computed by the store from scores and weights
    version INTEGER NOT NULL DEFAULT 1,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at DATETIME NOT NULL
);
CREATE INDEX scorecards_project ON scorecards (project_id, kind);
CREATE INDEX scorecards_reviewer ON scorecards (reviewer_id);

CREATE TABLE scores (
    scorecard_id BIGINT NOT NULL REFERENCES scorecards (id),
    indicator_id BIGINT NOT NULL REFERENCES indicators (id),
    value REAL NOT NULL CHECK (value >= 0),
    PRIMARY KEY (scorecard_id, indicator_id)
);

CREATE TABLE tranches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    paid_on TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at DATETIME NOT NULL,
    UNIQUE (project_id, kind)
);

CREATE TABLE audits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    auditor_id BIGINT REFERENCES organizations (id),
    audited_on TEXT NOT NULL,
    result TEXT NOT NULL,
    findings TEXT NOT NULL DEFAULT '',
    spent_fen BIGINT NOT NULL DEFAULT 0 CHECK (spent_fen >= 0),
    recovered_fen BIGINT NOT NULL DEFAULT 0 CHECK (recovered_fen >= 0),
    report_id BIGINT,
    version INTEGER NOT NULL DEFAULT 1,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at DATETIME NOT NULL
);
CREATE INDEX audits_project ON audits (project_id);

CREATE TABLE metrics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    kind TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    value BIGINT NOT NULL CHECK (value >= 0),
    target BIGINT,
    provenance TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at DATETIME NOT NULL
);
CREATE INDEX metrics_project ON metrics (project_id, kind, period_start);

CREATE TABLE announcements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    round_id BIGINT REFERENCES rounds (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    publisher_id BIGINT REFERENCES organizations (id),
    published_on TEXT NOT NULL,
    notice_start TEXT NOT NULL DEFAULT '',
    notice_end TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at DATETIME NOT NULL
);
CREATE INDEX announcements_kind ON announcements (kind, published_on);
CREATE INDEX announcements_published ON announcements (published_on);

CREATE TABLE announcement_projects (
    announcement_id BIGINT NOT NULL REFERENCES announcements (id),
    project_id BIGINT NOT NULL REFERENCES projects (id),
    PRIMARY KEY (announcement_id, project_id)
);
CREATE INDEX announcement_projects_project ON announcement_projects (project_id);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    author_id BIGINT REFERENCES organizations (id),
    project_id BIGINT REFERENCES projects (id),
    round_id BIGINT REFERENCES rounds (id),
    published_on TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at DATETIME NOT NULL
);
CREATE INDEX reports_project ON reports (project_id, published_on);
CREATE INDEX reports_author ON reports (author_id, published_on);
CREATE INDEX reports_kind ON reports (kind, published_on);
CREATE INDEX reports_published ON reports (published_on);

CREATE TABLE case_collections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    intro TEXT NOT NULL DEFAULT '',
    published_on TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at DATETIME NOT NULL
);

CREATE TABLE case_studies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_id BIGINT NOT NULL REFERENCES case_collections (id),
    project_id BIGINT NOT NULL REFERENCES projects (id),
    position INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL,
    narrative TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    recorded_by TEXT NOT NULL,
    recorded_role TEXT NOT NULL,
    recorded_at DATETIME NOT NULL
);
CREATE INDEX case_studies_collection ON case_studies (collection_id, position);
CREATE INDEX case_studies_project ON case_studies (project_id);

CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    respondent TEXT NOT NULL,
    verified BOOLEAN NOT NULL,
    submitted_at DATETIME NOT NULL
);
CREATE INDEX feedback_project ON feedback (project_id, submitted_at);

-- Derived per-project roll-up, rewritten by the store in the same
-- transaction as every write it depends on. Not a published record.
CREATE TABLE project_figures (
    project_id BIGINT PRIMARY KEY REFERENCES projects (id),
    beneficiary_visits BIGINT NOT NULL DEFAULT 0,
    beneficiary_persons BIGINT NOT NULL DEFAULT 0,
    volunteer_visits BIGINT NOT NULL DEFAULT 0,
    volunteer_hours BIGINT NOT NULL DEFAULT 0,
    expert_visits BIGINT NOT NULL DEFAULT 0,
    leveraged_fen BIGINT NOT NULL DEFAULT 0,
    paid_fen BIGINT NOT NULL DEFAULT 0,
    recovered_fen BIGINT NOT NULL DEFAULT 0,
    audit_findings BOOLEAN NOT NULL DEFAULT 0,
    feedback_count BIGINT NOT NULL DEFAULT 0,
    feedback_sum BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX project_figures_beneficiaries ON project_figures (beneficiary_visits);

-- Every version of every published record, append-only.
CREATE TABLE revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    version INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    recorded_at DATETIME NOT NULL,
    UNIQUE (entity, entity_id, version)
);

-- Search outbox: one row per change of searchable text, written in the
-- changing transaction; followers index from it.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    txid BIGINT NOT NULL DEFAULT 0,
    recorded_at DATETIME NOT NULL
);

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE meta;
DROP TABLE outbox;
DROP TABLE revisions;
DROP TABLE project_figures;
DROP TABLE feedback;
DROP TABLE case_studies;
DROP TABLE case_collections;
DROP TABLE reports;
DROP TABLE announcement_projects;
DROP TABLE announcements;
DROP TABLE metrics;
DROP TABLE audits;
DROP TABLE tranches;
DROP TABLE scores;
DROP TABLE scorecards;
DROP TABLE indicators;
DROP TABLE indicator_sets;
DROP TABLE stage_events;
DROP TABLE projects;
DROP TABLE organizations;
DROP TABLE rounds;
