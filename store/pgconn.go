package store

import (
	"context"
	"database/sql"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Deadlines toward PostgreSQL, so that a server that stops answering (paused,
// partitioned, or a proxy that stops forwarding) ends the statements waiting
// on it instead of holding them for minutes. Each applies only where the
// database URL does not set its own.
const (
	// pgConnectTimeout bounds connecting, TLS and authentication.
	pgConnectTimeout = 5 * time.Second
	// pgStatementTimeout is PostgreSQL's statement_timeout: the server
	// ends a statement running longer (the longest public read at 100,000
	// projects takes about 1.5 s uncached).
	pgStatementTimeout = 15 * time.Second
	// pgIdleInTx is idle_in_transaction_session_timeout: a transaction
	// whose client went silent releases its locks.
	pgIdleInTx = 60 * time.Second
	// pgIOTimeout is the socket deadline of a statement: from the moment a
	// request is written, its answer must start within this time, or the
	// connection is closed as broken. It is longer than statement_timeout,
	// so the server's own timeout speaks first while the server is alive.
	pgIOTimeout = pgStatementTimeout + 5*time.Second
	// pgKeepAlive is the TCP keepalive period; pgUserTimeout the longest
	// time written data may stay unacknowledged before the kernel drops
	// the connection (TCP_USER_TIMEOUT, Linux).
	pgKeepAlive   = 10 * time.Second
	pgUserTimeout = 20 * time.Second
)

// openPostgres opens a pool on dsn with the deadlines above. While relaxed
// is above zero (a bulk copy in progress), new exchanges get no socket
// deadline.
func openPostgres(dsn string, relaxed *atomic.Int32) (*sqlx.DB, error) {
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		return nil, redactError(err, dsn)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = pgConnectTimeout
	}
	if cfg.Runtime == nil {
		cfg.Runtime = map[string]string{}
	}
	setDefault := func(k string, d time.Duration) {
		if _, ok := cfg.Runtime[k]; !ok {
			cfg.Runtime[k] = strconv.FormatInt(d.Milliseconds(), 10)
		}
	}
	setDefault("statement_timeout", pgStatementTimeout)
	setDefault("idle_in_transaction_session_timeout", pgIdleInTx)
	c, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, redactError(err, dsn)
	}
	c.Dialer(pgDialer{d: net.Dialer{KeepAlive: pgKeepAlive, Control: tcpUserTimeout(pgUserTimeout)}, io: pgIOTimeout, relaxed: relaxed})
	return sqlx.NewDb(sql.OpenDB(&pgConnector{inner: c}), "postgres"), nil
}

// pgDialer dials PostgreSQL honouring the caller's context, and wraps each
// connection in a statement deadline.
type pgDialer struct {
	d       net.Dialer
	io      time.Duration
	relaxed *atomic.Int32
}

func (p pgDialer) Dial(network, addr string) (net.Conn, error) {
	return p.DialContext(context.Background(), network, addr)
}

func (p pgDialer) DialTimeout(network, addr string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return p.DialContext(ctx, network, addr)
}

func (p pgDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := p.d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	dc := &deadlineConn{Conn: c, io: p.io, relaxed: p.relaxed}
	if d, ok := ctx.Value(dialedKey{}).(*dialed); ok {
		d.c.Store(dc)
		if ctx.Err() != nil { // the read it was made for ended while it was dialled
			_ = c.Close()
			return nil, ctx.Err()
		}
	}
	return dc, nil
}

// deadlineConn gives every exchange with the server a deadline: each write
// (a statement sent) moves the connection's deadline to io from now, so a
// server that stops answering fails the read that waits for it. The
// protocol is request–response, so a connection idle in the pool has no
// read pending and no deadline to meet. While the driver sets a deadline
// of its own (during connection start-up), that one stands.
type deadlineConn struct {
	net.Conn
	io      time.Duration
	fixed   atomic.Bool
	relaxed *atomic.Int32

	// The watch of detached statements (pgcancel.go): turn counts the
	// statements begun, cut says the connection was broken off.
	mu   sync.Mutex
	turn uint64
	cut  bool
}

func (c *deadlineConn) SetDeadline(t time.Time) error {
	c.fixed.Store(!t.IsZero())
	return c.Conn.SetDeadline(t)
}

// past is a deadline already gone: it fails every read and write.
var past = time.Unix(1, 0)

func (c *deadlineConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	cut := c.cut
	c.mu.Unlock()
	if cut {
		_ = c.Conn.SetDeadline(past) // the write fails as a timeout (*net.OpError), which lib/pq treats as a bad connection
	} else if !c.fixed.Load() {
		d := time.Now().Add(c.io)
		if c.relaxed != nil && c.relaxed.Load() > 0 {
			d = time.Time{} // a bulk copy: its last statement may check millions of rows
		}
		if err := c.Conn.SetDeadline(d); err != nil {
			return 0, err
		}
	}
	return c.Conn.Write(b)
}

// begin starts a watched statement and returns its turn.
func (c *deadlineConn) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.turn++
	return c.turn
}

// end ends turn's watch: a later breakOff of it does nothing.
func (c *deadlineConn) end(turn uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.turn == turn {
		c.turn++
	}
}

// breakOff breaks the connection off if turn's statement is still in
// progress: every read and write fails from now on. It reports whether it
// did.
func (c *deadlineConn) breakOff(turn uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.turn != turn || c.cut {
		return false
	}
	c.cut = true
	_ = c.Conn.SetDeadline(past)
	return true
}

// broken reports whether the connection was broken off.
func (c *deadlineConn) broken() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cut
}

// dsnPassword finds the password of a postgres:// URL or of a key=value
// connection string, even when the rest does not parse.
var dsnPassword = regexp.MustCompile(`(?i)(postgres(?:ql)?://[^:/@?#\s]*:)([^@\s]*)(@)|(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// RedactDSN hides the password of a database URL or connection string, for
// logs and errors, whether or not the rest of it parses.
func RedactDSN(dsn string) string {
	return dsnPassword.ReplaceAllStringFunc(dsn, func(m string) string {
		sub := dsnPassword.FindStringSubmatch(m)
		if sub[1] != "" {
			return sub[1] + "xxxxx" + sub[3]
		}
		return sub[4] + "xxxxx"
	})
}

// redactError returns err with any password of dsn removed from its text
// (the driver's and net/url's parse errors quote the whole URL).
func redactError(err error, dsn string) error {
	msg := err.Error()
	for _, m := range dsnPassword.FindAllStringSubmatch(dsn, -1) {
		pw := m[2]
		if pw == "" {
			pw = strings.Trim(m[5], "'")
		}
		if pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return &redactedError{msg: RedactDSN(msg)}
}

type redactedError struct{ msg string }

func (e *redactedError) Error() string { return "database URL: " + e.msg }
