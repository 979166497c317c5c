package metrics

import (
	"context"
	"database/sql"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// WatchDB adds the statistics of the database pools that pools returns at
// each scrape, keyed by pool name (the db_name label). The metric names are
// those of client_golang's collectors.NewDBStatsCollector (go_sql_…), so
// dashboards made for it work; this one takes a function instead of a
// *sql.DB, so the store need not hand out its connections.
func (m *Metrics) WatchDB(pools func() map[string]sql.DBStats) {
	m.reg.MustRegister(&dbCollector{pools: pools})
}

// CacheStats are the counters of a cache.
type CacheStats struct {
	Hits, Misses int64 // look-ups answered from the cache, and computed
	Entries      int   // answers held
	Bytes        int64 // their estimated size
}

// WatchCache adds the aggregate cache's counters, read at each scrape.
func (m *Metrics) WatchCache(stats func() CacheStats) {
	m.reg.MustRegister(&cacheCollector{stats: stats, descs: cacheDescs})
}

// WatchResponseCache adds the GraphQL response cache's counters, read at
// each scrape.
func (m *Metrics) WatchResponseCache(stats func() CacheStats) {
	m.reg.MustRegister(&cacheCollector{stats: stats, descs: responseDescs})
}

// IndexPosition reports the outbox position the search index has reached
// (watermark) and the highest position in the database's outbox (max).
type IndexPosition func(ctx context.Context) (watermark, max int64, err error)

// WatchIndex adds how far the search index lags behind the outbox, read at
// each scrape with a 2-second budget. When the position cannot be read the
// scrape carries no index figures (and the error counter moves) rather than
// wrong ones.
func (m *Metrics) WatchIndex(pos IndexPosition) {
	c := &indexCollector{pos: pos, errors: prometheus.NewCounter(prometheus.CounterOpts{
		Name: "civicledger_search_position_errors_total",
		Help: "Scrapes at which the search index's position could not be read.",
	})}
	m.reg.MustRegister(c)
}

var (
	dbDescs = struct {
		maxOpen, open, inUse, idle, waitCount, waitDuration, maxIdleClosed, maxIdleTimeClosed, maxLifetimeClosed *prometheus.Desc
	}{
		maxOpen:           dbDesc("max_open_connections", "Maximum number of open connections to the database."),
		open:              dbDesc("open_connections", "The number of established connections both in use and idle."),
		inUse:             dbDesc("in_use_connections", "The number of connections currently in use."),
		idle:              dbDesc("idle_connections", "The number of idle connections."),
		waitCount:         dbDesc("wait_count_total", "The total number of connections waited for."),
		waitDuration:      dbDesc("wait_duration_seconds_total", "The total time blocked waiting for a new connection."),
		maxIdleClosed:     dbDesc("max_idle_closed_total", "The total number of connections closed due to SetMaxIdleConns."),
		maxIdleTimeClosed: dbDesc("max_idle_time_closed_total", "The total number of connections closed due to SetConnMaxIdleTime."),
		maxLifetimeClosed: dbDesc("max_lifetime_closed_total", "The total number of connections closed due to SetConnMaxLifetime."),
	}
	cacheDescs = struct{ hits, misses, entries, bytes *prometheus.Desc }{
		hits:    prometheus.NewDesc("civicledger_aggregate_cache_hits_total", "Aggregate look-ups answered from the cache.", nil, nil),
		misses:  prometheus.NewDesc("civicledger_aggregate_cache_misses_total", "Aggregate look-ups computed (not cached, or stale).", nil, nil),
		entries: prometheus.NewDesc("civicledger_aggregate_cache_entries", "Answers held by the aggregate cache.", nil, nil),
		bytes:   prometheus.NewDesc("civicledger_aggregate_cache_bytes", "Estimated bytes held by the aggregate cache.", nil, nil),
	}
	responseDescs = struct{ hits, misses, entries, bytes *prometheus.Desc }{
		hits:    prometheus.NewDesc("civicledger_response_cache_hits_total", "Anonymous queries answered from the response cache.", nil, nil),
		misses:  prometheus.NewDesc("civicledger_response_cache_misses_total", "Anonymous queries executed (not cached, or the data changed since).", nil, nil),
		entries: prometheus.NewDesc("civicledger_response_cache_entries", "Answers held by the response cache.", nil, nil),
		bytes:   prometheus.NewDesc("civicledger_response_cache_bytes", "Bytes of answers and keys held by the response cache.", nil, nil),
	}
	indexDescs = struct{ watermark, max, lag *prometheus.Desc }{
		watermark: prometheus.NewDesc("civicledger_search_indexed_seq", "Outbox position this node's search index has reached.", nil, nil),
		max:       prometheus.NewDesc("civicledger_outbox_max_seq", "Highest position in the database's outbox.", nil, nil),
		lag:       prometheus.NewDesc("civicledger_search_lag_entries", "Outbox entries not yet in this node's search index (0 when caught up).", nil, nil),
	}
)

func dbDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName("go", "sql", name), help, []string{"db_name"}, nil)
}

type dbCollector struct{ pools func() map[string]sql.DBStats }

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	d := dbDescs
	for _, x := range []*prometheus.Desc{d.maxOpen, d.open, d.inUse, d.idle, d.waitCount, d.waitDuration, d.maxIdleClosed, d.maxIdleTimeClosed, d.maxLifetimeClosed} {
		ch <- x
	}
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	pools := c.pools()
	names := make([]string, 0, len(pools))
	for name := range pools {
		names = append(names, name)
	}
	sort.Strings(names)
	d := dbDescs
	for _, name := range names {
		s := pools[name]
		ch <- prometheus.MustNewConstMetric(d.maxOpen, prometheus.GaugeValue, float64(s.MaxOpenConnections), name)
		ch <- prometheus.MustNewConstMetric(d.open, prometheus.GaugeValue, float64(s.OpenConnections), name)
		ch <- prometheus.MustNewConstMetric(d.inUse, prometheus.GaugeValue, float64(s.InUse), name)
		ch <- prometheus.MustNewConstMetric(d.idle, prometheus.GaugeValue, float64(s.Idle), name)
		ch <- prometheus.MustNewConstMetric(d.waitCount, prometheus.CounterValue, float64(s.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(d.waitDuration, prometheus.CounterValue, s.WaitDuration.Seconds(), name)
		ch <- prometheus.MustNewConstMetric(d.maxIdleClosed, prometheus.CounterValue, float64(s.MaxIdleClosed), name)
		ch <- prometheus.MustNewConstMetric(d.maxIdleTimeClosed, prometheus.CounterValue, float64(s.MaxIdleTimeClosed), name)
		ch <- prometheus.MustNewConstMetric(d.maxLifetimeClosed, prometheus.CounterValue, float64(s.MaxLifetimeClosed), name)
	}
}

type cacheCollector struct {
	stats func() CacheStats
	descs struct{ hits, misses, entries, bytes *prometheus.Desc }
}

func (c *cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.descs.hits
	ch <- c.descs.misses
	ch <- c.descs.entries
	ch <- c.descs.bytes
}

func (c *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(c.descs.hits, prometheus.CounterValue, float64(s.Hits))
	ch <- prometheus.MustNewConstMetric(c.descs.misses, prometheus.CounterValue, float64(s.Misses))
	ch <- prometheus.MustNewConstMetric(c.descs.entries, prometheus.GaugeValue, float64(s.Entries))
	ch <- prometheus.MustNewConstMetric(c.descs.bytes, prometheus.GaugeValue, float64(s.Bytes))
}

type indexCollector struct {
	pos    IndexPosition
	errors prometheus.Counter
}

func (c *indexCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- indexDescs.watermark
	ch <- indexDescs.max
	ch <- indexDescs.lag
	c.errors.Describe(ch)
}

func (c *indexCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	w, max, err := c.pos(ctx)
	if err != nil {
		c.errors.Inc()
	} else {
		ch <- prometheus.MustNewConstMetric(indexDescs.watermark, prometheus.GaugeValue, float64(w))
		ch <- prometheus.MustNewConstMetric(indexDescs.max, prometheus.GaugeValue, float64(max))
		ch <- prometheus.MustNewConstMetric(indexDescs.lag, prometheus.GaugeValue, float64(lag(w, max)))
	}
	c.errors.Collect(ch)
}

// lag is how many outbox positions the index still has to cover; an index
// ahead of the database (another or an older database) shows as 0 here,
// and its watermark above the maximum shows the mismatch.
func lag(watermark, max int64) int64 {
	if max > watermark {
		return max - watermark
	}
	return 0
}
