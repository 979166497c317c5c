-- +goose Up
-- A project's average is published only from 5 verified ratings (issue
-- 11): ordering by satisfaction ranks projects with fewer as if they had
-- none, so the order reveals no single rating either. The expression is
-- the one store/read.go orders by, character for character.
DROP INDEX project_figures_satisfaction;
CREATE INDEX project_figures_satisfaction ON project_figures
    ((CASE WHEN feedback_count >= 5 THEN feedback_sum * 1.0 / feedback_count ELSE -1 END));

-- +goose Down
DROP INDEX project_figures_satisfaction;
CREATE INDEX project_figures_satisfaction ON project_figures
    ((CASE WHEN feedback_count > 0 THEN feedback_sum * 1.0 / feedback_count ELSE -1 END));
