package store

import "context"

// Exec runs a statement on the write connection, for tests that check what
// the database itself refuses.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.write.ExecContext(ctx, db.q(query), args...)
	return err
}
