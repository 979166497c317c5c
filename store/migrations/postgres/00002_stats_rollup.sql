-- +goose Up
-- stats_rollup holds the programme's figures summed per combination of the
-- dimensions most statistics group and filter by (round, year, service
-- area, district, stage, outcome, audit findings). The store keeps it in
-- step with projects and project_figures inside every write transaction, so
-- totals by year, area, district or stage read a few thousand rows instead
-- of scanning every project, and stay exact with no cache to go stale.
-- A combination whose projects all moved elsewhere keeps a row of zeros.
CREATE TABLE stats_rollup (
    round_id BIGINT NOT NULL,
    year INTEGER NOT NULL,
    service_area TEXT NOT NULL,
    district TEXT NOT NULL,
    stage TEXT NOT NULL,
    outcome TEXT NOT NULL,
    audit_findings BOOLEAN NOT NULL DEFAULT FALSE,
    projects BIGINT NOT NULL DEFAULT 0,
    awarded_fen BIGINT NOT NULL DEFAULT 0,
    leveraged_fen BIGINT NOT NULL DEFAULT 0,
    paid_fen BIGINT NOT NULL DEFAULT 0,
    recovered_fen BIGINT NOT NULL DEFAULT 0,
    beneficiary_visits BIGINT NOT NULL DEFAULT 0,
    volunteer_visits BIGINT NOT NULL DEFAULT 0,
    expert_visits BIGINT NOT NULL DEFAULT 0,
    feedback_count BIGINT NOT NULL DEFAULT 0,
    feedback_sum BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, year, service_area, district, stage, outcome, audit_findings)
);

INSERT INTO stats_rollup
SELECT p.round_id, p.year, p.service_area, p.district, p.stage, p.outcome, f.audit_findings,
    COUNT(*), SUM(p.awarded_fen), SUM(f.leveraged_fen), SUM(f.paid_fen), SUM(f.recovered_fen),
    SUM(f.beneficiary_visits), SUM(f.volunteer_visits), SUM(f.expert_visits), SUM(f.feedback_count), SUM(f.feedback_sum)
FROM projects p JOIN project_figures f ON f.project_id = p.id
GROUP BY p.round_id, p.year, p.service_area, p.district, p.stage, p.outcome, f.audit_findings;

-- +goose Down
DROP TABLE stats_rollup;
