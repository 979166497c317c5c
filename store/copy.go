package store

import (
	"context"
	"fmt"

	"github.com/lib/pq"

	"civicledger/ledger"
)

// copyTables lists every table in an order that satisfies foreign keys.
var copyTables = []string{
	"rounds", "organizations", "projects", "stage_events", "indicator_sets", "indicators",
	"scorecards", "scores", "tranches", "reports", "audits", "metrics", "announcements",
	"announcement_projects", "case_collections", "case_studies", "feedback", "project_figures", "stats_rollup",
	"revisions", "outbox", "meta",
	"accounts", "tokens", "audit_log", "corrections", "drafts",
}

// identityColumns names each table's generated key, if any.
var identityColumns = map[string]string{
	"rounds": "id", "organizations": "id", "projects": "id", "stage_events": "id", "indicator_sets": "id",
	"indicators": "id", "scorecards": "id", "tranches": "id", "reports": "id", "audits": "id",
	"metrics": "id", "announcements": "id", "case_collections": "id", "case_studies": "id",
	"feedback": "id", "revisions": "id", "outbox": "seq",
	"accounts": "id", "tokens": "id", "audit_log": "id", "corrections": "id", "drafts": "id",
}

// CopyAll copies every row of src into the empty database dst, keeping
// IDs, versions and history exactly: moving a ledger from the embedded
// SQLite to PostgreSQL (or back) loses nothing. On PostgreSQL it uses COPY
// and then moves each identity sequence past the copied keys. It runs in one
// transaction on dst; on error dst is left empty.
func CopyAll(ctx context.Context, src, dst *DB) (rows int64, err error) {
	empty, err := dst.Empty(ctx)
	if err != nil {
		return 0, err
	}
	if !empty {
		return 0, ledger.Errorf(ledger.ECONFLICT, "the destination database already holds projects; copy only into an empty one")
	}
	// A copy of millions of rows is no public request: its statements may
	// run for minutes (COPY, then the foreign-key checks at commit).
	dst.relaxed.Add(1)
	defer dst.relaxed.Add(-1)
	err = dst.inTx(ctx, func(tx *Tx) error {
		if dst.dialect == Postgres {
			if err := tx.exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
				return err
			}
			// meta may hold defaults written at open; the copy brings src's.
			if err := tx.exec(ctx, `DELETE FROM meta`); err != nil {
				return err
			}
		}
		for _, table := range copyTables {
			n, err := copyTable(ctx, src, tx, table)
			if err != nil {
				return fmt.Errorf("copy %s: %w", table, err)
			}
			rows += n
			if col, ok := identityColumns[table]; ok && dst.dialect == Postgres {
				if _, err := tx.ExecContext(ctx, fmt.Sprintf(
					`SELECT setval(pg_get_serial_sequence('%s', '%s'), COALESCE((SELECT MAX(%s) FROM %s), 0) + 1, false)`,
					table, col, col, table)); err != nil {
					return mapError(err)
				}
			}
		}
		return nil
	})
	return rows, err
}

func copyTable(ctx context.Context, src *DB, tx *Tx, table string) (int64, error) {
	rs, err := src.read.QueryxContext(ctx, "SELECT * FROM "+table)
	if err != nil {
		return 0, mapError(err)
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return 0, err
	}
	var insert func(vals []any) error
	var finish func() error
	if tx.db.dialect == Postgres {
		st, err := tx.PrepareContext(ctx, pq.CopyIn(table, cols...))
		if err != nil {
			return 0, mapError(err)
		}
		defer st.Close()
		insert = func(vals []any) error { _, err := st.ExecContext(ctx, vals...); return err }
		finish = func() error { _, err := st.ExecContext(ctx); return err }
	} else {
		q := "INSERT INTO " + table + " ("
		ph := ""
		for i, c := range cols {
			if i > 0 {
				q += ", "
				ph += ", "
			}
			q += c
			ph += "?"
		}
		q += ") VALUES (" + ph + ")"
		insert = func(vals []any) error { return tx.exec(ctx, q, vals...) }
		finish = func() error { return nil }
	}
	var n int64
	for rs.Next() {
		vals, err := rs.SliceScan()
		if err != nil {
			return n, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok { // text arrives as bytes from lib/pq
				vals[i] = string(b)
			}
		}
		if err := insert(vals); err != nil {
			return n, mapError(err)
		}
		n++
	}
	if err := rs.Err(); err != nil {
		return n, err
	}
	return n, mapError(finish())
}
