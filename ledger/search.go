package ledger

import (
	"context"
	"time"
)

// DocKind is the kind of a searchable record.
type DocKind string

// Searchable kinds.
const (
	DocReport       DocKind = "REPORT"
	DocAnnouncement DocKind = "ANNOUNCEMENT"
	DocProject      DocKind = "PROJECT"
	DocOrganization DocKind = "ORGANIZATION"
	DocCaseStudy    DocKind = "CASE_STUDY"
	DocComment      DocKind = "COMMENT" // an approved feedback comment, masked
)

// SearchDoc is the searchable form of one record, built by the store from
// the database (the only source of truth) and indexed by search/.
type SearchDoc struct {
	Key         string  // unique, stable: "report:123", "project:45", …
	Kind        DocKind // what the record is
	Code        string  // its public code (project code, report code, credit code)
	Title       string
	Body        string // full text; for projects the summary and target group
	SubKind     string // report kind, announcement kind or organization kind
	Date        Date   // publication / approval date
	Year        int
	ServiceArea ServiceArea // of the project, when there is one
	District    string
	Stage       Stage
	ProjectCode string
	ProjectID   int64
	OrgName     string // author / undertaker organization
	OrgCode     string // its credit code
}

// OutboxEntry is one row of the search outbox: a record whose searchable
// text changed, appended in the same transaction as the change.
type OutboxEntry struct {
	Seq        int64     `db:"seq"`
	Entity     Entity    `db:"entity"`    // a searchable kind: report, announcement, project, organization, case study
	EntityID   int64     `db:"entity_id"` //
	TxID       int64     `db:"txid"`      // writing transaction (PostgreSQL xid; 0 on SQLite)
	RecordedAt time.Time `db:"recorded_at"`
}

// Horizon tells an outbox follower which transactions may still commit rows
// it has not seen: every transaction with an ID below XMin has ended. On
// SQLite, which has one writer, XMin is the maximum int64: a gap in the
// sequence there is always a rolled-back write.
type Horizon struct {
	XMin int64 // oldest transaction still running when the read was taken
	XMax int64 // first transaction ID not yet assigned at that time
}

// Outbox is the store's side of search synchronisation.
type Outbox interface {
	// OutboxAfter returns up to limit entries with Seq > after in Seq order,
	// and the horizon as of the same read.
	OutboxAfter(ctx context.Context, after int64, limit int) ([]OutboxEntry, Horizon, error)
	// OutboxMaxSeq returns the highest sequence number written so far.
	OutboxMaxSeq(ctx context.Context) (int64, error)
	// SearchDocs returns the current searchable form of the given records of
	// one entity kind; records that no longer exist are absent from the map.
	SearchDocs(ctx context.Context, entity Entity, ids []int64) (map[int64]*SearchDoc, error)
	// EachSearchDoc calls fn for every searchable record, for a full rebuild.
	EachSearchDoc(ctx context.Context, fn func(*SearchDoc) error) error
	// Identity returns the database's identity: a random ID given to it
	// once, when its schema was created, and kept by its backups. A search
	// index records the identity of the database it follows.
	Identity(ctx context.Context) (string, error)
}

// SearchCounter counts the searchable records, for comparing a search
// index with the database (civicledger verify).
type SearchCounter interface {
	// CountSearchDocs returns how many records of each kind EachSearchDoc
	// would hand over.
	CountSearchDocs(ctx context.Context) (map[DocKind]int64, error)
}
