package store

import "database/sql"

// PoolStats returns the statistics of the database's connection pools, for
// metrics: on SQLite the writer ("sqlite_write", one connection) and the
// readers ("sqlite_read"); on PostgreSQL the one pool ("postgres").
func (db *DB) PoolStats() map[string]sql.DBStats {
	if db.dialect == Postgres {
		return map[string]sql.DBStats{"postgres": db.write.Stats()}
	}
	return map[string]sql.DBStats{"sqlite_write": db.write.Stats(), "sqlite_read": db.read.Stats()}
}
