-- +goose Up
-- The database's identity: a random ID made once, with the schema, and never
-- changed. A search index records the identity of the database it follows,
-- so an index built from another database, or from a database that was
-- emptied and created again, is rebuilt instead of served (see
-- store.DB.Identity). A backup restored keeps its identity.
CREATE TABLE database_identity (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    id TEXT NOT NULL
);
INSERT INTO database_identity (one, id) VALUES (1, replace(gen_random_uuid()::text, '-', ''));

-- +goose Down
DROP TABLE database_identity;
