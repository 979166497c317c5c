package api

import (
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of ListenerLimits.
const (
	DefaultMaxConnsPerAddr = 256
	DefaultMaxConns        = 8192
)

// ListenerLimits bounds the connections a server holds open. The zero value
// of each field means its default.
type ListenerLimits struct {
	// PerAddr is how many connections one client address may hold open;
	// a connection past it is closed as soon as it is accepted.
	// Default 256.
	PerAddr int
	// Total is how many connections the server holds open in all; keep it
	// well below the process's file-descriptor limit. Default 8,192.
	Total int
	// OnRefuse, when set, is called for each connection closed for being
	// past a limit (for metrics).
	OnRefuse func()
}

// LimitListener wraps l so that no client address holds more than
// lim.PerAddr connections and the server no more than lim.Total: the
// connection past a limit is closed at once, so idle keep-alive connections
// from one address cannot use up the process's file descriptors and lock
// everyone else out. Refusals are logged at most once every 10 s, with
// their count.
func LimitListener(l net.Listener, lim ListenerLimits, log *slog.Logger) *Listener {
	if lim.PerAddr <= 0 {
		lim.PerAddr = DefaultMaxConnsPerAddr
	}
	if lim.Total <= 0 {
		lim.Total = DefaultMaxConns
	}
	if log == nil {
		log = slog.Default()
	}
	return &Listener{Listener: l, lim: lim, log: log, perAddr: map[string]int{}}
}

// Listener is a net.Listener with connection limits; see LimitListener.
type Listener struct {
	net.Listener
	lim ListenerLimits
	log *slog.Logger

	mu      sync.Mutex
	perAddr map[string]int
	total   int

	refused    atomic.Int64
	lastLogged atomic.Int64 // unix nanoseconds
}

// Refused returns how many connections were closed for being past a limit.
func (l *Listener) Refused() int64 { return l.refused.Load() }

// Open returns how many connections are open now.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

// Accept returns the next connection within the limits, closing those past
// them.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := ""
		if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
			key = addrKey(a.IP.String())
		}
		l.mu.Lock()
		ok := l.total < l.lim.Total && l.perAddr[key] < l.lim.PerAddr
		if ok {
			l.total++
			l.perAddr[key]++
		}
		l.mu.Unlock()
		if ok {
			return &limitedConn{Conn: c, l: l, key: key}, nil
		}
		c.Close()
		if l.lim.OnRefuse != nil {
			l.lim.OnRefuse()
		}
		n := l.refused.Add(1)
		now := time.Now().UnixNano()
		if last := l.lastLogged.Load(); now-last > int64(10*time.Second) && l.lastLogged.CompareAndSwap(last, now) {
			l.log.Warn("connections refused: past the per-address or total limit",
				"refused_total", n, "per_addr_limit", l.lim.PerAddr, "total_limit", l.lim.Total)
		}
	}
}

func (l *Listener) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.perAddr[key] <= 1 {
		delete(l.perAddr, key)
	} else {
		l.perAddr[key]--
	}
}

type limitedConn struct {
	net.Conn
	l    *Listener
	key  string
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.key) })
	return err
}
