package store

import (
	"context"
	"database/sql"
	"math"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"civicledger/ledger"
)

func sqlxIn(q string, args ...any) (string, []any, error) { return sqlx.In(q, args...) }

// OutboxAfter implements ledger.Outbox. On PostgreSQL the horizon comes from
// pg_current_snapshot() in the same statement as the rows, so a row that is
// not visible yet belongs to a transaction at or above the horizon's XMin.
func (db *DB) OutboxAfter(ctx context.Context, after int64, limit int) ([]ledger.OutboxEntry, ledger.Horizon, error) {
	var h ledger.Horizon
	var rows []ledger.OutboxEntry
	if db.dialect == Postgres {
		// One REPEATABLE READ snapshot for both statements: the horizon then
		// describes exactly the snapshot the rows were read in, so a row
		// that is invisible belongs to a transaction at or above XMin.
		tx, err := db.read.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return nil, h, mapError(err)
		}
		defer tx.Rollback()
		if err := tx.GetContext(ctx, &h, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin,
			pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax`); err != nil {
			return nil, h, mapError(err)
		}
		if err := tx.SelectContext(ctx, &rows, `SELECT seq, entity, entity_id, txid, recorded_at FROM outbox
			WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit); err != nil {
			return nil, h, mapError(err)
		}
		return rows, h, nil
	}
	h = ledger.Horizon{XMin: math.MaxInt64, XMax: math.MaxInt64}
	err := db.sel(ctx, &rows, `SELECT seq, entity, entity_id, txid, recorded_at FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	return rows, h, err
}

// OutboxMaxSeq implements ledger.Outbox.
func (db *DB) OutboxMaxSeq(ctx context.Context) (int64, error) {
	var n int64
	return n, db.get(ctx, &n, `SELECT COALESCE(MAX(seq), 0) FROM outbox`)
}

// searchDocQueries build SearchDocs for each searchable entity. Each selects
// the same columns; "WHERE x.id IN (?)" is appended for targeted reads.
var searchDocQueries = map[ledger.Entity]string{
	ledger.EntityReport: `SELECT 'report:' || CAST(r.id AS TEXT) AS key, 'REPORT' AS kind, r.code, r.title, r.body, r.kind AS sub_kind,
		r.published_on AS date, COALESCE(p.service_area, '') AS service_area, COALESCE(p.district, o.district, '') AS district,
		COALESCE(p.stage, '') AS stage, COALESCE(p.code, '') AS project_code, COALESCE(p.id, 0) AS project_id,
		COALESCE(o.name, '') AS org_name, COALESCE(o.credit_code, '') AS org_code, r.id AS id
		FROM reports r LEFT JOIN projects p ON p.id = r.project_id LEFT JOIN organizations o ON o.id = r.author_id`,
	ledger.EntityAnnouncement: `SELECT 'announcement:' || CAST(a.id AS TEXT) AS key, 'ANNOUNCEMENT' AS kind, a.code, a.title, a.body,
		a.kind AS sub_kind, a.published_on AS date, '' AS service_area, '' AS district, '' AS stage, '' AS project_code,
		0 AS project_id, COALESCE(o.name, '') AS org_name, COALESCE(o.credit_code, '') AS org_code, a.id AS id
		FROM announcements a LEFT JOIN organizations o ON o.id = a.publisher_id`,
	ledger.EntityProject: `SELECT 'project:' || CAST(p.id AS TEXT) AS key, 'PROJECT' AS kind, p.code, p.title,
		p.summary || ' ' || p.target_group AS body, p.service_area AS sub_kind, p.approved_on AS date,
		p.service_area, p.district, p.stage, p.code AS project_code, p.id AS project_id, o.name AS org_name,
		o.credit_code AS org_code, p.id AS id
		FROM projects p JOIN organizations o ON o.id = p.undertaker_id`,
	ledger.EntityOrganization: `SELECT 'organization:' || CAST(o.id AS TEXT) AS key, 'ORGANIZATION' AS kind, o.credit_code AS code,
		o.name AS title, o.description AS body, o.kind AS sub_kind, o.founded_on AS date, '' AS service_area,
		o.district, '' AS stage, '' AS project_code, 0 AS project_id, o.name AS org_name, o.credit_code AS org_code, o.id AS id
		FROM organizations o`,
	ledger.EntityCaseStudy: `SELECT 'case_study:' || CAST(c.id AS TEXT) AS key, 'CASE_STUDY' AS kind, p.code, c.title, c.narrative AS body,
		'CASE_STUDY' AS sub_kind, cc.published_on AS date, p.service_area, p.district, p.stage, p.code AS project_code,
		p.id AS project_id, o.name AS org_name, o.credit_code AS org_code, c.id AS id
		FROM case_studies c JOIN case_collections cc ON cc.id = c.collection_id JOIN projects p ON p.id = c.project_id
		JOIN organizations o ON o.id = p.undertaker_id`,
	// An approved feedback comment, masked, with its public answer.
	ledger.EntityComment: `SELECT 'comment:' || CAST(f.id AS TEXT) AS key, 'COMMENT' AS kind, p.code, p.title,
		CASE WHEN f.answer = '' THEN f.comment_public ELSE f.comment_public || ' ' || f.answer END AS body,
		f.respondent AS sub_kind, SUBSTR(CAST(f.submitted_at AS TEXT), 1, 10) AS date, p.service_area, p.district, p.stage,
		p.code AS project_code, p.id AS project_id, o.name AS org_name, o.credit_code AS org_code, f.id AS id
		FROM feedback f JOIN projects p ON p.id = f.project_id JOIN organizations o ON o.id = p.undertaker_id`,
}

// searchDocWhere narrows an entity's searchable records. A report of kind
// CASE_STUDY whose project has a case study of the same title tells the same
// story: it is found once, as the case study (AddCaseStudy touches such a
// report, so one indexed before its case study existed is taken out).
var searchDocWhere = map[ledger.Entity]string{
	ledger.EntityComment: `f.moderation = 'APPROVED'`, // only approved comments are public
	ledger.EntityReport:  `NOT (r.kind = 'CASE_STUDY' AND EXISTS (SELECT 1 FROM case_studies cs WHERE cs.project_id = r.project_id AND cs.title = r.title))`,
}

// searchWhere is the WHERE clause of an entity's search documents with a
// further condition.
func searchWhere(entity ledger.Entity, cond string) string {
	if w := searchDocWhere[entity]; w != "" {
		return " WHERE " + w + " AND " + cond
	}
	return " WHERE " + cond
}

var searchDocAlias = map[ledger.Entity]string{ledger.EntityReport: "r", ledger.EntityAnnouncement: "a", ledger.EntityProject: "p",
	ledger.EntityOrganization: "o", ledger.EntityCaseStudy: "c", ledger.EntityComment: "f"}

// SearchEntities lists the entity names that have searchable text.
var SearchEntities = []ledger.Entity{ledger.EntityOrganization, ledger.EntityProject, ledger.EntityAnnouncement,
	ledger.EntityReport, ledger.EntityCaseStudy, ledger.EntityComment}

type searchRow struct {
	Key         string `db:"key"`
	Kind        string `db:"kind"`
	Code        string `db:"code"`
	Title       string `db:"title"`
	Body        string `db:"body"`
	SubKind     string `db:"sub_kind"`
	Date        string `db:"date"`
	ServiceArea string `db:"service_area"`
	District    string `db:"district"`
	Stage       string `db:"stage"`
	ProjectCode string `db:"project_code"`
	ProjectID   int64  `db:"project_id"`
	OrgName     string `db:"org_name"`
	OrgCode     string `db:"org_code"`
	ID          int64  `db:"id"`
}

func (r *searchRow) doc() *ledger.SearchDoc {
	d := &ledger.SearchDoc{Key: r.Key, Kind: ledger.DocKind(r.Kind), Code: r.Code, Title: r.Title, Body: r.Body,
		SubKind: r.SubKind, Date: ledger.Date(r.Date), ServiceArea: ledger.ServiceArea(r.ServiceArea), District: r.District,
		Stage: ledger.Stage(r.Stage), ProjectCode: r.ProjectCode, ProjectID: r.ProjectID, OrgName: r.OrgName, OrgCode: r.OrgCode}
	d.Year = d.Date.Year()
	return d
}

// SearchDocs implements ledger.Outbox.
func (db *DB) SearchDocs(ctx context.Context, entity ledger.Entity, ids []int64) (map[int64]*ledger.SearchDoc, error) {
	q, ok := searchDocQueries[entity]
	if !ok {
		return nil, ledger.Invalid("entity", "%q has no searchable text", entity)
	}
	out := map[int64]*ledger.SearchDoc{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []searchRow
	if err := db.selIn(ctx, &rows, q+searchWhere(entity, searchDocAlias[entity]+`.id IN (?)`), ids); err != nil {
		return nil, err
	}
	for i := range rows {
		out[rows[i].ID] = rows[i].doc()
	}
	return out, nil
}

// EachSearchDoc implements ledger.Outbox, reading each entity in pages of
// 2,000 by id so memory stays flat however large the ledger is.
func (db *DB) EachSearchDoc(ctx context.Context, fn func(*ledger.SearchDoc) error) error {
	for _, entity := range SearchEntities {
		alias := searchDocAlias[entity]
		var after int64
		for {
			var rows []searchRow
			if err := db.sel(ctx, &rows, searchDocQueries[entity]+searchWhere(entity, alias+`.id > ?`)+` ORDER BY `+alias+`.id LIMIT 2000`, after); err != nil {
				return err
			}
			for i := range rows {
				if err := fn(rows[i].doc()); err != nil {
					return err
				}
			}
			if len(rows) < 2000 {
				break
			}
			after = rows[len(rows)-1].ID
		}
	}
	return nil
}

// Meta implements ledger.MetaStore.
func (db *DB) Meta(ctx context.Context) (*ledger.Meta, error) {
	var kv []struct {
		Key   string `db:"key"`
		Value string `db:"value"`
	}
	if err := db.sel(ctx, &kv, `SELECT key, value FROM meta`); err != nil {
		return nil, err
	}
	m := &ledger.Meta{}
	for _, e := range kv {
		switch e.Key {
		case "demo":
			m.Demo = e.Value == "true"
		case "note":
			m.Note = e.Value
		case "loaded_at":
			m.LoadedAt, _ = time.Parse(time.RFC3339, e.Value)
		}
	}
	return m, nil
}

// SetMeta implements ledger.MetaStore.
func (db *DB) SetMeta(ctx context.Context, m *ledger.Meta) error {
	return db.inTx(ctx, func(tx *Tx) error { return setMeta(ctx, tx, m) })
}

// SetMeta implements ledger.Writer: the facts about the data set, written
// with the transaction's other writes (the demo data and its flag commit
// together, so demo data is never served as real).
func (w txWriter) SetMeta(ctx context.Context, m *ledger.Meta) error { return setMeta(ctx, w.tx, m) }

func setMeta(ctx context.Context, tx *Tx, m *ledger.Meta) error {
	for k, v := range map[string]string{"demo": strconv.FormatBool(m.Demo), "note": m.Note, "loaded_at": m.LoadedAt.UTC().Format(time.RFC3339)} {
		if err := tx.exec(ctx, `DELETE FROM meta WHERE key = ?`, k); err != nil {
			return err
		}
		if err := tx.exec(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`, k, v); err != nil {
			return err
		}
	}
	return nil
}

// Empty reports whether the ledger holds no projects yet (first start).
func (db *DB) Empty(ctx context.Context) (bool, error) {
	var n int
	if err := db.get(ctx, &n, `SELECT COUNT(*) FROM (SELECT 1 FROM projects LIMIT 1) x`); err != nil {
		return false, err
	}
	return n == 0, nil
}

var (
	_ ledger.Reader    = (*DB)(nil)
	_ ledger.Publisher = (*DB)(nil)
	_ ledger.Outbox    = (*DB)(nil)
	_ ledger.MetaStore = (*DB)(nil)
)
