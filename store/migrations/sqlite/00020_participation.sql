-- +goose Up
-- Public participation (issue 11): feedback codes, moderated comments and
-- their answers, objections during notice periods, idempotency keys and
-- the multi-party rating of third-party agencies.

-- Batches of single-use feedback codes an evaluator issued for a project.
-- Only each code's SHA-256 is kept (ledger.HashFeedbackCode): the codes
-- themselves are shown once, on the printable list.
CREATE TABLE feedback_code_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    codes INTEGER NOT NULL,
    issued_by TEXT NOT NULL,
    issued_role TEXT NOT NULL,
    issued_at DATETIME NOT NULL
);
CREATE INDEX feedback_code_batches_project ON feedback_code_batches (project_id);

CREATE TABLE feedback_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id BIGINT NOT NULL REFERENCES feedback_code_batches (id),
    project_id BIGINT NOT NULL REFERENCES projects (id),
    code_hash TEXT NOT NULL UNIQUE,
    used_at DATETIME
);
CREATE INDEX feedback_codes_project ON feedback_codes (project_id);

-- Feedback: the dimensions, the masked comment the public sees, its
-- moderation and answer, the code that verified it (used once) and the
-- client's daily-salted address hash.
ALTER TABLE feedback ADD COLUMN service_quality INTEGER CHECK (service_quality BETWEEN 1 AND 5);
ALTER TABLE feedback ADD COLUMN staff_attitude INTEGER CHECK (staff_attitude BETWEEN 1 AND 5);
ALTER TABLE feedback ADD COLUMN life_effect INTEGER CHECK (life_effect BETWEEN 1 AND 5);
ALTER TABLE feedback ADD COLUMN comment_public TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback ADD COLUMN moderation TEXT NOT NULL DEFAULT 'NONE';
ALTER TABLE feedback ADD COLUMN moderation_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback ADD COLUMN moderated_at DATETIME;
ALTER TABLE feedback ADD COLUMN moderated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback ADD COLUMN answer TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback ADD COLUMN answered_at DATETIME;
ALTER TABLE feedback ADD COLUMN answered_by TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback ADD COLUMN code_id BIGINT REFERENCES feedback_codes (id);
ALTER TABLE feedback ADD COLUMN client_hash TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX feedback_code_once ON feedback (code_id);
CREATE INDEX feedback_moderation ON feedback (moderation, submitted_at);
-- Comments recorded before moderation existed were public as they stood.
UPDATE feedback SET moderation = 'APPROVED', comment_public = comment, moderated_at = submitted_at WHERE comment <> '';

-- Objections (异议) to a project listed in a notice. The objector's name
-- and contact are read only by moderators and the bureau.
CREATE TABLE objections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    receipt TEXT NOT NULL UNIQUE,
    announcement_id BIGINT NOT NULL REFERENCES announcements (id),
    project_id BIGINT NOT NULL REFERENCES projects (id),
    body TEXT NOT NULL,
    body_public TEXT NOT NULL,
    objector_name TEXT NOT NULL,
    objector_contact TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT '',
    received_at DATETIME NOT NULL,
    decided_at DATETIME,
    verifying_at DATETIME,
    answered_at DATETIME,
    handled_by TEXT NOT NULL DEFAULT '',
    client_hash TEXT NOT NULL DEFAULT ''
);
CREATE INDEX objections_project ON objections (project_id, received_at);
CREATE INDEX objections_announcement ON objections (announcement_id);

-- A client's retry key: the first submission with a key is stored, a
-- retry gets it back. fingerprint is a hash of what was submitted, so a
-- key reused for something else is refused.
CREATE TABLE idempotency_keys (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    record_id BIGINT NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (kind, key)
);

-- Ratings of third-party agencies by the three parties, and the published
-- weights of the parties per year (in thousandths).
CREATE TABLE agency_ratings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id BIGINT NOT NULL REFERENCES organizations (id),
    year INTEGER NOT NULL,
    party TEXT NOT NULL,
    rater TEXT NOT NULL,
    independence INTEGER NOT NULL CHECK (independence BETWEEN 1 AND 5),
    professionalism INTEGER NOT NULL CHECK (professionalism BETWEEN 1 AND 5),
    timeliness INTEGER NOT NULL CHECK (timeliness BETWEEN 1 AND 5),
    communication INTEGER NOT NULL CHECK (communication BETWEEN 1 AND 5),
    rated_at DATETIME NOT NULL,
    UNIQUE (agency_id, year, party, rater)
);

CREATE TABLE agency_rating_weights (
    year INTEGER NOT NULL,
    party TEXT NOT NULL,
    permille INTEGER NOT NULL CHECK (permille BETWEEN 0 AND 1000),
    PRIMARY KEY (year, party)
);

-- +goose Down
DROP TABLE agency_rating_weights;
DROP TABLE agency_ratings;
DROP TABLE idempotency_keys;
DROP TABLE objections;
DROP INDEX feedback_moderation;
DROP INDEX feedback_code_once;
ALTER TABLE feedback DROP COLUMN client_hash;
ALTER TABLE feedback DROP COLUMN code_id;
ALTER TABLE feedback DROP COLUMN answered_by;
ALTER TABLE feedback DROP COLUMN answered_at;
ALTER TABLE feedback DROP COLUMN answer;
ALTER TABLE feedback DROP COLUMN moderated_by;
ALTER TABLE feedback DROP COLUMN moderated_at;
ALTER TABLE feedback DROP COLUMN moderation_reason;
ALTER TABLE feedback DROP COLUMN moderation;
ALTER TABLE feedback DROP COLUMN comment_public;
ALTER TABLE feedback DROP COLUMN life_effect;
ALTER TABLE feedback DROP COLUMN staff_attitude;
ALTER TABLE feedback DROP COLUMN service_quality;
DROP TABLE feedback_codes;
DROP TABLE feedback_code_batches;
