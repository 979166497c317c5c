package store

import (
	"context"
	"database/sql/driver"
	"io"
	"strconv"
	"sync/atomic"
	"time"
)

// Ending a read without a goroutine per statement (issue 9).
//
// lib/pq watches the context of every statement with a goroutine of its
// own, which the statement's end must hand a message to, and database/sql
// starts another for the rows: two goroutines started, scheduled and
// stopped for each read, whatever happens. On the comparison's Q2 (one
// read) they were 10% of the server's CPU and 0.02–0.03 ms of the one-client
// latency. Here a read on a PostgreSQL reader pool runs under a context
// with no end (detach) that carries the request's context as a value; the
// connection (pgConn) registers context.AfterFunc on that context, which
// costs nothing unless it ends. If it ends while the statement is in
// progress, the connection is broken off: its socket deadline moves to the
// past, so the driver's read or write fails at once (lib/pq then marks the
// connection bad and database/sql drops it; a broken-off connection is
// never used again even when its statement had just finished), and the
// statement is cancelled on the server with pg_cancel_backend from another
// connection, as lib/pq's cancel request would have. The caller gets the
// context's error, as before.
//
// Only reads on the reader and bulk pools are detached (stmtCache.run);
// transactions keep lib/pq's own watch.

// watchKey carries the context a detached read ends with.
type watchKey struct{}

// detach returns the context a read on a PostgreSQL pool runs under: ctx's
// values, no end, and ctx itself for the connection to watch.
func detach(ctx context.Context) context.Context {
	if ctx.Done() == nil {
		return ctx
	}
	return context.WithValue(context.WithoutCancel(ctx), watchKey{}, ctx)
}

// cancelTimeout bounds connecting and sending the pg_cancel_backend of a
// broken-off statement.
const cancelTimeout = 5 * time.Second

// pgConnector makes lib/pq's connections into pgConns.
type pgConnector struct {
	inner driver.Connector
}

// dialed is where the dialer leaves the socket of the connection being
// made (a context value of Connect's context).
type dialed struct{ c atomic.Pointer[deadlineConn] }

type dialedKey struct{}

func (pc *pgConnector) Driver() driver.Driver { return pc.inner.Driver() }

// Connect makes a connection. For a detached read it ends with the read's
// context too: lib/pq's start-up exchange heeds only its connect timeout
// (5 s), so when the context ends the socket being set up is broken off.
func (pc *pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	d := &dialed{}
	cctx := context.WithValue(ctx, dialedKey{}, d)
	parent, _ := ctx.Value(watchKey{}).(context.Context)
	if parent != nil {
		if err := parent.Err(); err != nil {
			return nil, err
		}
		var cancel context.CancelFunc
		cctx, cancel = context.WithCancel(cctx)
		defer cancel()
		defer context.AfterFunc(parent, func() {
			cancel()
			if c := d.c.Load(); c != nil {
				_ = c.Conn.SetDeadline(past)
			}
		})()
	}
	dc, err := pc.inner.Connect(cctx)
	if err != nil {
		if parent != nil && parent.Err() != nil {
			return nil, parent.Err()
		}
		return nil, err
	}
	c, ok := dc.(pqConn)
	sock := d.c.Load()
	if !ok || sock == nil {
		return dc, nil // not lib/pq's connection as we know it: its own watch stands
	}
	if parent != nil && parent.Err() != nil {
		_ = dc.Close() // broken off as it was made
		return nil, parent.Err()
	}
	// The backend's process ID, for pg_cancel_backend (one more round trip
	// per connection made).
	v := make([]driver.Value, 1)
	rows, err := c.QueryContext(ctx, "SELECT pg_backend_pid()", nil)
	if err == nil {
		err = rows.Next(v)
		_ = rows.Close()
	}
	pid, ok := v[0].(int64)
	if err != nil || !ok {
		_ = dc.Close()
		switch {
		case parent != nil && parent.Err() != nil:
			err = parent.Err() // broken off while it asked
		case err == nil:
			err = driver.ErrBadConn
		}
		return nil, err
	}
	return &pgConn{pqConn: c, sock: sock, pid: pid, owner: pc}, nil
}

// pqConn is what lib/pq's connection implements and database/sql uses.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// pqStmt and pqRows are what lib/pq's statements and rows implement.
type pqStmt interface {
	driver.Stmt
	driver.StmtQueryContext
	driver.StmtExecContext
}

type pqRows interface {
	driver.Rows
	driver.RowsNextResultSet
	driver.RowsColumnTypeScanType
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypePrecisionScale
}

// pgConn is a lib/pq connection whose detached statements end with the
// context they carry.
type pgConn struct {
	pqConn
	sock  *deadlineConn
	pid   int64
	owner *pgConnector
}

// watch watches the context a detached statement carries, until its end
// method is called (nil when there is nothing to watch).
func (c *pgConn) watch(ctx context.Context) (*watching, error) {
	parent, _ := ctx.Value(watchKey{}).(context.Context)
	if parent == nil {
		return nil, nil
	}
	if err := parent.Err(); err != nil {
		return nil, err
	}
	w := &watching{parent: parent, sock: c.sock}
	w.turn = c.sock.begin()
	w.stop = context.AfterFunc(parent, func() {
		if c.sock.breakOff(w.turn) {
			c.cancelOnServer()
		}
	})
	return w, nil
}

// watching is one statement's watch.
type watching struct {
	parent context.Context
	sock   *deadlineConn
	turn   uint64
	stop   func() bool
}

// end stops watching and returns the statement's error, err (see mapErr).
func (w *watching) end(err error) error {
	if w == nil {
		return err
	}
	w.stop()
	w.sock.end(w.turn)
	return w.mapErr(err)
}

// mapErr returns the context's error in place of err when the context has
// ended (err is then the broken-off socket's, or the server's "canceling
// statement").
func (w *watching) mapErr(err error) error {
	if w != nil && err != nil && w.parent.Err() != nil {
		return w.parent.Err()
	}
	return err
}

// cancelOnServer cancels what the connection's backend is running, from a
// connection of its own (as lib/pq's cancel request does): not one of the
// pool's, which may all be waiting on a server that stopped answering.
func (c *pgConn) cancelOnServer() {
	ctx, cancel := context.WithTimeout(context.Background(), cancelTimeout)
	defer cancel()
	dc, err := c.owner.inner.Connect(ctx)
	if err != nil {
		return
	}
	defer dc.Close()
	if ex, ok := dc.(driver.ExecerContext); ok {
		_, _ = ex.ExecContext(ctx, "SELECT pg_cancel_backend("+strconv.FormatInt(c.pid, 10)+")", nil)
	}
}

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	w, err := c.watch(ctx) // a read's statement is prepared on a connection when it first runs there
	if err != nil {
		return nil, err
	}
	st, err := c.pqConn.PrepareContext(ctx, query)
	if err = w.end(err); err != nil {
		return nil, err
	}
	if s, ok := st.(pqStmt); ok {
		return &pgStmt{pqStmt: s, c: c}, nil
	}
	return st, nil // a COPY: not a read
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	w, err := c.watch(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.pqConn.QueryContext(ctx, query, args)
	return rowsWatched(rows, err, w)
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	w, err := c.watch(ctx)
	if err != nil {
		return nil, err
	}
	res, err := c.pqConn.ExecContext(ctx, query, args)
	return res, w.end(err)
}

// IsValid and ResetSession refuse a broken-off connection, so that
// database/sql drops it.
func (c *pgConn) IsValid() bool { return !c.sock.broken() && c.pqConn.IsValid() }

func (c *pgConn) ResetSession(ctx context.Context) error {
	if c.sock.broken() {
		return driver.ErrBadConn
	}
	return c.pqConn.ResetSession(ctx)
}

// rowsWatched watches rows until they are closed.
func rowsWatched(rows driver.Rows, err error, w *watching) (driver.Rows, error) {
	if err != nil {
		return nil, w.end(err)
	}
	if w == nil {
		return rows, nil
	}
	r, ok := rows.(pqRows)
	if !ok {
		_ = w.end(nil)
		return rows, nil // unknown rows: read under the socket deadline alone
	}
	return &pgRows{pqRows: r, w: w}, nil
}

type pgStmt struct {
	pqStmt
	c *pgConn
}

func (s *pgStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	w, err := s.c.watch(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.pqStmt.QueryContext(ctx, args)
	return rowsWatched(rows, err, w)
}

func (s *pgStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	w, err := s.c.watch(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.pqStmt.ExecContext(ctx, args)
	return res, w.end(err)
}

type pgRows struct {
	pqRows
	w      *watching
	closed bool
}

func (r *pgRows) Next(dest []driver.Value) error {
	err := r.pqRows.Next(dest)
	if err != nil && err != io.EOF {
		return r.w.mapErr(err)
	}
	return err
}

func (r *pgRows) Close() error {
	err := r.pqRows.Close()
	if r.closed {
		return err
	}
	r.closed = true
	return r.w.end(err)
}
