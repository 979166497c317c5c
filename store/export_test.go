package store

import (
	"context"
	"reflect"
)

// Exec runs a statement on the write connection, for tests that check what
// the database itself refuses.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.write.ExecContext(ctx, db.q(query), args...)
	return err
}

// OneReadConnection makes the reader pool a single connection, so that a
// test can ask PostgreSQL about the session its reads ran in.
func (db *DB) OneReadConnection() { db.read.SetMaxOpenConns(1) }

// PlanCounts returns how often PostgreSQL used the generic plan of the
// reader session's prepared statements whose text contains like, how often
// it planned them anew (pg_prepared_statements), and their texts.
func (db *DB) PlanCounts(ctx context.Context, like string) (generic, custom int64, texts []string, err error) {
	var rows []struct {
		Statement string `db:"statement"`
		Generic   int64  `db:"generic_plans"`
		Custom    int64  `db:"custom_plans"`
	}
	err = db.read.SelectContext(ctx, &rows, `SELECT statement, generic_plans, custom_plans
		FROM pg_prepared_statements WHERE statement LIKE '%' || $1 || '%'`, like)
	for _, r := range rows {
		generic, custom, texts = generic+r.Generic, custom+r.Custom, append(texts, r.Statement)
	}
	return generic, custom, texts, err
}

// SelRows is the page scanner's read (selRows), and Sel sqlx's, for tests
// that compare the two.
func SelRows[T any](ctx context.Context, db *DB, dest *[]*T, query string) error {
	return selRows(ctx, db, dest, query)
}

func (db *DB) Sel(ctx context.Context, dest any, query string) error { return db.sel(ctx, dest, query) }

// ScansFast reports whether the page scanner takes T for query's columns.
func ScansFast[T any](ctx context.Context, db *DB, query string) (bool, error) {
	rows, err := db.read.QueryxContext(ctx, db.q(query))
	if err != nil {
		return false, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	return planFor(db.read, reflect.TypeFor[T](), cols) != nil, err
}

// Get runs a single-row read on the reader pool as the store's reads run
// (prepared, and detached on PostgreSQL: pgcancel.go).
func (db *DB) Get(ctx context.Context, dest any, query string, args ...any) error {
	return db.get(ctx, dest, query, args...)
}

// ReadConnections bounds the reader pool to n connections.
func (db *DB) ReadConnections(n int) { db.read.SetMaxOpenConns(n) }
