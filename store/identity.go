package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"

	"civicledger/ledger"
)

// Identity implements ledger.Outbox: the random ID the database was given
// when its schema was created (migration 00005). Should the row be missing,
// a new ID is made and kept, once; later calls return it. It is read
// anew on every call, so a database replaced under a running process is
// noticed.
func (db *DB) Identity(ctx context.Context) (string, error) {
	var ids []string
	if err := db.sel(ctx, &ids, `SELECT id FROM database_identity WHERE one = 1`); err != nil {
		return "", err
	}
	if len(ids) == 1 && ids[0] != "" {
		return ids[0], nil
	}
	b := make([]byte, 16)
	rand.Read(b)
	err := db.inTx(ctx, func(tx *Tx) error {
		return tx.exec(ctx, `INSERT INTO database_identity (one, id) VALUES (1, ?) ON CONFLICT (one) DO NOTHING`, hex.EncodeToString(b))
	})
	if err != nil {
		return "", err
	}
	var id string
	// From the writer: a reader may not see the row just written yet.
	return id, mapError(db.write.GetContext(ctx, &id, db.q(`SELECT id FROM database_identity WHERE one = 1`)))
}

// searchKinds is the DocKind of each searchable entity.
var searchKinds = map[ledger.Entity]ledger.DocKind{
	ledger.EntityReport: ledger.DocReport, ledger.EntityAnnouncement: ledger.DocAnnouncement, ledger.EntityProject: ledger.DocProject,
	ledger.EntityOrganization: ledger.DocOrganization, ledger.EntityCaseStudy: ledger.DocCaseStudy,
	ledger.EntityComment: ledger.DocComment,
}

// CountSearchDocs implements ledger.SearchCounter: how many records of each
// kind EachSearchDoc hands over (the same tables and joins), for comparing
// an index with the database. Kinds with no records are present with 0.
func (db *DB) CountSearchDocs(ctx context.Context) (map[ledger.DocKind]int64, error) {
	out := make(map[ledger.DocKind]int64, len(SearchEntities))
	for _, entity := range SearchEntities {
		q := searchDocQueries[entity]
		from := q[strings.LastIndex(q, "FROM "):]
		// A LEFT JOIN on a primary key neither adds nor removes rows.
		from, _, _ = strings.Cut(from, " LEFT JOIN ")
		if w := searchDocWhere[entity]; w != "" {
			from += " WHERE " + w
		}
		var n int64
		if err := db.get(ctx, &n, `SELECT COUNT(*) `+from); err != nil {
			return nil, err
		}
		out[searchKinds[entity]] += n
	}
	return out, nil
}

var _ ledger.SearchCounter = (*DB)(nil)
