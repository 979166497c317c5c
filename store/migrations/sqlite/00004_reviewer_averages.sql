-- +goose Up
-- An evaluator's average scores per review kind read this index in order
-- (no sort of its hundreds of thousands of scorecards at 100,000 projects,
-- which on SQLite also cost tens of megabytes per connection).
CREATE INDEX scorecards_reviewer_kind ON scorecards (reviewer_id, kind, total);

-- +goose Down
DROP INDEX scorecards_reviewer_kind;
