// Package store implements the ledger's services on SQL with sqlx: SQLite
// (modernc.org/sqlite, pure Go) as the embedded default and PostgreSQL
// (lib/pq) in production. SQL is written once with ? placeholders and
// rebound per dialect at the call; migrations are embedded per dialect with
// the same numbering and applied by goose at open.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"

	"civicledger/ledger"
)

//go:embed migrations
var migrations embed.FS

func init() {
	// The pure-Go driver registers as "sqlite"; sqlx must know it uses ?.
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
}

// Dialect names the SQL database behind a DB.
type Dialect string

// Dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the ledger's store. It is safe for concurrent use. On SQLite it
// keeps one writer connection (SQLite has one writer) and a pool of readers.
type DB struct {
	dialect Dialect
	write   *sqlx.DB
	read    *sqlx.DB
	// bulk serves the reads of dear operations (ledger.WithBulk): a few
	// connections of their own, so reading much can never take the
	// connections that cheap reads need.
	bulk *sqlx.DB
	// relaxed counts bulk copies in progress: while above zero, the
	// writer pool's connections have no socket deadline (pgconn.go).
	relaxed atomic.Int32
	// Now returns the current time; tests may replace it. It is read once
	// per transaction.
	Now func() time.Time
	// reads counts read statements, for the N+1 tests and benchmarks.
	reads atomic.Int64
	// commits counts the write transactions committed (DataPosition).
	commits atomic.Int64
	// tableColumns caches the column names of tables (columns).
	tableColumns sync.Map
	// rebound remembers PostgreSQL's text of ?-queries (q).
	rebound  sync.Map
	reboundN atomic.Int64
	// pageCols remembers the column lists of pages of projects.
	pageCols sync.Map
	// projectWith remembers ProjectWith's statements.
	projectWith sync.Map
	// readStmts and bulkStmts keep the prepared reads of the reader and
	// bulk pools (stmts.go); nil when reads are not prepared.
	readStmts, bulkStmts *stmtCache
	// cache holds aggregates checked against the ledger's generation.
	cache *aggCache
	// noRollup makes statistics scan the projects even where stats_rollup
	// could answer (SetStatsRollup).
	noRollup bool
}

// ReadStatements returns how many read statements the DB has run so far.
func (db *DB) ReadStatements() int64 { return db.reads.Load() }

// Open opens the database named by dsn and brings its schema up to date.
// A dsn starting with postgres:// or postgresql:// selects PostgreSQL; a
// path, a file: URL or sqlite:// path selects SQLite (the directory is
// created). Errors are internal (EUNAVAILABLE when the server is unreachable).
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{Now: time.Now, cache: newAggCache()}
	var err error
	if IsPostgresURL(dsn) {
		db.dialect = Postgres
		if db.write, err = openPostgres(dsn, &db.relaxed); err != nil {
			return nil, err
		}
		db.write.SetMaxOpenConns(20)
		db.write.SetMaxIdleConns(20)
		db.write.SetConnMaxIdleTime(5 * time.Minute)
		db.read = db.write
		if db.bulk, err = openPostgres(dsn, nil); err != nil {
			db.Close()
			return nil, err
		}
		db.bulk.SetMaxOpenConns(4)
		db.bulk.SetMaxIdleConns(4)
		db.bulk.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		db.dialect = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		// synchronous(FULL): each commit syncs the WAL, so an acknowledged
		// write survives a power loss too (README, "Durability").
		common := "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_time_format=sqlite"
		// SQLite's connections share one page-cache budget, the sum of
		// their cache sizes (pcache1's shared group), so the writer's 8 MB
		// is also what the readers may fill: at 64 MB the readers of a
		// server at 100,000 projects held ~120 MB of SQLite memory.
		if db.write, err = sqlx.Open("sqlite", "file:"+path+"?"+common+"&_txlock=immediate&_pragma=cache_size(-8192)"); err != nil {
			return nil, err
		}
		db.write.SetMaxOpenConns(1)
		if db.read, err = sqlx.Open("sqlite", "file:"+path+"?"+common+"&_pragma=query_only(1)"); err != nil {
			return nil, err
		}
		db.read.SetMaxOpenConns(4)
		db.read.SetMaxIdleConns(4)
		if db.bulk, err = sqlx.Open("sqlite", "file:"+path+"?"+common+"&_pragma=query_only(1)"); err != nil {
			return nil, err
		}
		db.bulk.SetMaxOpenConns(2)
		db.bulk.SetMaxIdleConns(2)
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, &ledger.Error{Code: ledger.EUNAVAILABLE, Message: "database unreachable: " + redactError(err, dsn).Error()}
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	db.readStmts, db.bulkStmts = newStmtCache(db.read, db.dialect), newStmtCache(db.bulk, db.dialect)
	return db, nil
}

// IsPostgresURL reports whether a database URL names PostgreSQL (and not
// the embedded SQLite).
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Dialect returns the database's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes the database.
func (db *DB) Close() error {
	db.readStmts.close()
	db.bulkStmts.close()
	var err error
	if db.read != nil && db.read != db.write {
		err = db.read.Close()
	}
	if db.bulk != nil {
		err = errors.Join(err, db.bulk.Close())
	}
	if db.write != nil {
		err = errors.Join(err, db.write.Close())
	}
	return err
}

// Ping checks that the database answers, for readiness probes. It returns
// when ctx ends even if the driver is still waiting on a server that has
// stopped answering (the statement deadline ends that wait later).
func (db *DB) Ping(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- db.read.PingContext(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			return &ledger.Error{Code: ledger.EUNAVAILABLE, Message: "database unreachable"}
		}
		return nil
	case <-ctx.Done():
		return &ledger.Error{Code: ledger.EUNAVAILABLE, Message: "database did not answer in time"}
	}
}

func (db *DB) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return err
	}
	dialect := goose.DialectSQLite3
	if db.dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	// Each area of the code has its own range of migration numbers (see
	// docs/design.md, "Layout"), so a database may have
	// applied a higher number before a lower one of another area lands:
	// such a migration is applied late rather than refused.
	p, err := goose.NewProvider(dialect, db.write.DB, sub, goose.WithAllowOutofOrder(true))
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// Tx is one write transaction. Its time is read once when it begins. It
// caches prepared statements (a bulk load repeats a few dozen statements
// thousands of times) and the projects whose figures need recomputing,
// which it recomputes once each just before commit.
type Tx struct {
	*sqlx.Tx
	db    *DB
	now   time.Time
	stmts map[string]*sqlx.Stmt
	dirty map[int64]bool
	// Each project whose contribution to stats_rollup this transaction
	// changes, with that contribution before (nil for a new project).
	before map[int64]*contribution
	// Records read or written by this transaction, so a bulk write does not
	// read the same project, organization or indicator set again per row.
	projects   map[int64]ledger.Project
	orgKinds   map[int64]ledger.OrgKind
	indicators map[int64][]ledger.Indicator
	sets       map[int64]ledger.IndicatorSet
	roundYears map[int64]int // round ID → its year
	// Revision and outbox rows, written in multi-row statements at commit.
	revisions [][]any
	outbox    [][]any
}

// stmt returns the transaction's prepared statement for a ?-query.
func (tx *Tx) stmt(ctx context.Context, query string) (*sqlx.Stmt, error) {
	if st, ok := tx.stmts[query]; ok {
		return st, nil
	}
	st, err := tx.PreparexContext(ctx, tx.q(query))
	if err != nil {
		return nil, mapError(err)
	}
	tx.stmts[query] = st
	return st, nil
}

// begin starts a write transaction.
func (db *DB) begin(ctx context.Context) (*Tx, error) {
	tx, err := db.write.BeginTxx(ctx, nil)
	if err != nil {
		return nil, mapError(err)
	}
	return &Tx{Tx: tx, db: db, now: db.Now().UTC().Truncate(time.Microsecond),
		stmts: map[string]*sqlx.Stmt{}, dirty: map[int64]bool{}, before: map[int64]*contribution{}, projects: map[int64]ledger.Project{},
		orgKinds: map[int64]ledger.OrgKind{}, indicators: map[int64][]ledger.Indicator{}, sets: map[int64]ledger.IndicatorSet{},
		roundYears: map[int64]int{}}, nil
}

// inTx runs fn in a write transaction, committing when it returns nil.
// On PostgreSQL a transaction that loses a deadlock (two transactions
// locking the same projects in opposite orders) or a serialization
// conflict is run again from the start, up to three more times; fn must
// therefore do nothing but write through tx.
func (db *DB) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.inTxOnce(ctx, fn)
		var pe *pq.Error
		if attempt < 4 && errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001") {
			select {
			case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return err
	}
}

func (db *DB) inTxOnce(ctx context.Context, fn func(tx *Tx) error) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	err = fn(tx)
	if e := ledger.AuditFrom(ctx); err == nil && e != nil {
		err = tx.appendAudit(ctx, e) // the use case's entry, with its write
	}
	if err == nil {
		err = tx.flushFigures(ctx)
	}
	if err == nil {
		err = tx.flushRollup(ctx)
	}
	if err == nil {
		err = tx.flushRows(ctx)
	}
	for _, st := range tx.stmts {
		st.Close()
	}
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	err = mapError(tx.Commit())
	// Counted after the commit, so that a position read before it differs
	// from one read after anything this commit made visible.
	db.commits.Add(1)
	return err
}

// q rebinds a ?-query for the dialect. PostgreSQL's are remembered (up to
// maxRebound texts; reads have a bounded number of shapes): a page's
// statement is a few kilobytes, rebound on every request otherwise.
func (db *DB) q(query string) string {
	if db.dialect != Postgres {
		return query
	}
	if r, ok := db.rebound.Load(query); ok {
		return r.(string)
	}
	r := sqlx.Rebind(sqlx.DOLLAR, query)
	if db.reboundN.Add(1) <= maxRebound {
		db.rebound.Store(query, r)
	}
	return r
}

const maxRebound = 4096

// reader returns the pool a read in ctx runs on: the bulk pool for a dear
// operation's reads, the reader pool for every other.
func (db *DB) reader(ctx context.Context) *sqlx.DB {
	if db.bulk != nil && ledger.IsBulk(ctx) {
		return db.bulk
	}
	return db.read
}

// get runs a single-row read on the reader pool.
func (db *DB) get(ctx context.Context, dest any, query string, args ...any) error {
	db.reads.Add(1)
	if sc := db.stmts(ctx); sc != nil {
		return mapError(sc.run(ctx, db.q(query), func(ctx context.Context, st *sqlx.Stmt) error { return st.GetContext(ctx, dest, args...) }))
	}
	return mapError(db.reader(ctx).GetContext(ctx, dest, db.q(query), args...))
}

// sel runs a multi-row read on the reader pool.
func (db *DB) sel(ctx context.Context, dest any, query string, args ...any) error {
	db.reads.Add(1)
	if sc := db.stmts(ctx); sc != nil {
		return mapError(sc.run(ctx, db.q(query), func(ctx context.Context, st *sqlx.Stmt) error { return st.SelectContext(ctx, dest, args...) }))
	}
	return mapError(db.reader(ctx).SelectContext(ctx, dest, db.q(query), args...))
}

// selIn runs a multi-row read whose arguments include slices for IN (?).
func (db *DB) selIn(ctx context.Context, dest any, query string, args ...any) error {
	q, a, err := readIn(query, args...)
	if err != nil {
		return err
	}
	return db.sel(ctx, dest, q, a...)
}

func (tx *Tx) q(query string) string { return tx.db.q(query) }

func (tx *Tx) exec(ctx context.Context, query string, args ...any) error {
	st, err := tx.stmt(ctx, query)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	return mapError(err)
}

func (tx *Tx) get(ctx context.Context, dest any, query string, args ...any) error {
	st, err := tx.stmt(ctx, query)
	if err != nil {
		return err
	}
	return mapError(st.GetContext(ctx, dest, args...))
}

func (tx *Tx) sel(ctx context.Context, dest any, query string, args ...any) error {
	st, err := tx.stmt(ctx, query)
	if err != nil {
		return err
	}
	return mapError(st.SelectContext(ctx, dest, args...))
}

// insert inserts one row and returns its id.
func (tx *Tx) insert(ctx context.Context, table string, cols []string, args ...any) (int64, error) {
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	query := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + ph + ") RETURNING id"
	var id int64
	if err := tx.get(ctx, &id, query, args...); err != nil {
		return 0, err
	}
	return id, nil
}

// mapError is the one place driver errors become ledger errors: missing rows
// become ENOTFOUND, uniqueness and foreign-key violations ECONFLICT/EINVALID,
// an unreachable server EUNAVAILABLE. Driver text never reaches a client.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var le *ledger.Error
	if errors.As(err, &le) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &ledger.Error{Code: ledger.ENOTFOUND, Message: "not found"}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	// The server cannot be reached, or the connection broke mid-statement.
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &ledger.Error{Code: ledger.EUNAVAILABLE, Message: "database unavailable"}
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &ledger.Error{Code: ledger.ECONFLICT, Message: "a record with the same key already exists"}
		case "23503":
			return &ledger.Error{Code: ledger.EINVALID, Message: "refers to a record that does not exist"}
		case "23514":
			return &ledger.Error{Code: ledger.EINVALID, Message: "a value is out of its allowed range"}
		case "57P01", "57P03", "53300", "08000", "08003", "08006":
			return &ledger.Error{Code: ledger.EUNAVAILABLE, Message: "database unavailable"}
		}
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case 2067, 1555: // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
			return &ledger.Error{Code: ledger.ECONFLICT, Message: "a record with the same key already exists"}
		case 787: // SQLITE_CONSTRAINT_FOREIGNKEY
			return &ledger.Error{Code: ledger.EINVALID, Message: "refers to a record that does not exist"}
		case 275: // SQLITE_CONSTRAINT_CHECK
			return &ledger.Error{Code: ledger.EINVALID, Message: "a value is out of its allowed range"}
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return &ledger.Error{Code: ledger.EUNAVAILABLE, Message: "database busy"}
		}
	}
	return err
}
