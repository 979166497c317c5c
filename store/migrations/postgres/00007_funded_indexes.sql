-- +goose Up
-- Lists and counts default to funded projects (outcome <> 'REJECTED'): the
-- rejected applications are more than half of the projects table in the
-- demo data. These partial indexes hold only the funded projects, so a page
-- of one service area by award and its count walk what they return, as they
-- did before the applications were added (the count becomes index-only).
-- Both planners use a partial index when the query's WHERE repeats its
-- condition, which store.projectWhere does word for word.
CREATE INDEX projects_funded_area_awarded ON projects (service_area, awarded_fen, code) WHERE outcome <> 'REJECTED';
CREATE INDEX projects_funded_awarded ON projects (awarded_fen, code) WHERE outcome <> 'REJECTED';
CREATE INDEX projects_funded_code ON projects (code) WHERE outcome <> 'REJECTED';
CREATE INDEX projects_funded_year ON projects (year, service_area) WHERE outcome <> 'REJECTED';

-- +goose Down
DROP INDEX projects_funded_area_awarded;
DROP INDEX projects_funded_awarded;
DROP INDEX projects_funded_code;
DROP INDEX projects_funded_year;
