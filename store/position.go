package store

import (
	"context"
	"strconv"
)

// DataPosition returns a value that changes whenever a write to the ledger
// commits, on this node or any other sharing the database: two equal
// positions read at t0 and t2 mean that nothing was committed in between,
// so an answer computed after t0 is still the answer at t2 (the response
// cache keys its answers to it, api.ResponseCache).
//
// On PostgreSQL it is the current snapshot (pg_current_snapshot): a commit
// either removes its transaction from the snapshot's in-progress list or,
// when it began after the snapshot was taken, moves its xmax; the maximum
// of a sequence would not do, since a transaction holding a lower id may
// commit after one holding a higher id. The snapshot covers the whole
// cluster, so a write to another database also moves it (a needless miss,
// never a stale answer). On SQLite, which one process writes, it is the
// number of transactions this DB has committed together with the ledger's
// generation (revisions and feedback, written in commit order by SQLite's
// one writer), which also sees what another process (an import) wrote.
func (db *DB) DataPosition(ctx context.Context) (string, error) {
	if db.dialect == Postgres {
		var s string
		err := db.get(ctx, &s, `SELECT CAST(pg_current_snapshot() AS TEXT)`)
		return s, err
	}
	g, err := db.generation(ctx)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(db.commits.Load(), 10) + ":" + strconv.FormatInt(g.Revisions, 10) + ":" + strconv.FormatInt(g.Feedback, 10), nil
}
