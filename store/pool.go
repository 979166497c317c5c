package store

import "database/sql"

// PoolStats returns the statistics of the database's connection pools, for
// metrics: on SQLite the writer ("sqlite_write", one connection), the
// readers ("sqlite_read") and the readers of dear operations
// ("sqlite_bulk"); on PostgreSQL the main pool ("postgres") and the dear
// operations' one ("postgres_bulk").
func (db *DB) PoolStats() map[string]sql.DBStats {
	if db.dialect == Postgres {
		return map[string]sql.DBStats{"postgres": db.write.Stats(), "postgres_bulk": db.bulk.Stats()}
	}
	return map[string]sql.DBStats{"sqlite_write": db.write.Stats(), "sqlite_read": db.read.Stats(), "sqlite_bulk": db.bulk.Stats()}
}
