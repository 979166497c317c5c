package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"civicledger/metrics"
	"civicledger/search"
	"civicledger/store"
)

// newMetrics builds the portal's metrics: the request collectors, the Go
// runtime and process, the database pools, the aggregate cache and the
// search index's lag behind the outbox.
func newMetrics(db *store.DB, fol *search.Follower) *metrics.Metrics {
	m := metrics.New(nil)
	m.WatchDB(db.PoolStats)
	m.WatchCache(func() metrics.CacheStats {
		s := db.CacheStats()
		return metrics.CacheStats{Hits: s.Hits, Misses: s.Misses, Entries: s.Entries, Bytes: s.Bytes}
	})
	m.WatchIndex(func(ctx context.Context) (int64, int64, error) {
		max, err := db.OutboxMaxSeq(ctx)
		return fol.Watermark(), max, err
	})
	return m
}

// serveMetrics serves /metrics on addr until stop is called. It listens before
// it returns, so a bad or taken address stops the start.
func serveMetrics(addr string, m *metrics.Metrics, log *slog.Logger) (stop func(), err error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return serveAside(addr, "metrics", "/metrics", mux, log)
}

// servePprof serves Go's profiler (net/http/pprof) on its own address, for
// finding where a request's time goes; it is off unless -pprof-addr is set,
// and must never be the public address.
func servePprof(addr string, log *slog.Logger) (stop func(), err error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return serveAside(addr, "pprof", "/debug/pprof/", mux, log)
}

// serveAside serves an operator's handler on an address of its own (never
// the public one) until stop is called; it listens before it returns.
func serveAside(addr, name, path string, h http.Handler, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error(name+" server stopped", "err", err)
		}
	}()
	log.Info("serving "+name, "addr", "http://"+ln.Addr().String()+path)
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-done
	}, nil
}
