-- +goose Up
-- Ordering projects by satisfaction (the best-rated first) walks this index
-- instead of computing and sorting every project's average. The expression
-- is the one store/read.go orders by, character for character.
CREATE INDEX project_figures_satisfaction ON project_figures
    ((CASE WHEN feedback_count > 0 THEN feedback_sum * 1.0 / feedback_count ELSE -1 END));

-- +goose Down
DROP INDEX project_figures_satisfaction;
