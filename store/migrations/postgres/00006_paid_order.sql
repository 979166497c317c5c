-- +goose Up
-- Ordering projects by the money paid out to them walks this index.
CREATE INDEX project_figures_paid ON project_figures (paid_fen);

-- +goose Down
DROP INDEX project_figures_paid;
