// Command civicledger serves Civic Ledger (公益金阳光公示平台), the public-
// disclosure portal of a welfare-lottery fund's purchase of social services.
//
//	civicledger [serve]   serve the portal (default)
//	civicledger reindex   rebuild the search index from the database
//	civicledger verify    compare the search index with the database
//
// Configuration is by flags with CIVICLEDGER_* environment fallbacks; see
// README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"civicledger/api"
	"civicledger/demo"
	"civicledger/graph"
	"civicledger/ledger"
	"civicledger/resolvers"
	"civicledger/search"
	"civicledger/store"
)

// config is the whole configuration of one process.
type config struct {
	Addr        string
	DataDir     string
	DatabaseURL string
	Demo        bool
	LogLevel    string
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envBool(name string, def bool) bool {
	if v, ok := os.LookupEnv(name); ok {
		b, err := strconv.ParseBool(v)
		if err == nil {
			return b
		}
	}
	return def
}

// parseArgs reads the command line: an optional command (serve, the
// default, or reindex) before or after the flags.
func parseArgs(args []string) (cmd string, c config, err error) {
	fs := flag.NewFlagSet("civicledger", flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", env("CIVICLEDGER_ADDR", "127.0.0.1:8080"), "listen address (CIVICLEDGER_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", env("CIVICLEDGER_DATA_DIR", "./data"), "data directory: SQLite file, search index (CIVICLEDGER_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("CIVICLEDGER_DATABASE_URL", ""), "postgres://… URL, or empty for SQLite in the data directory (CIVICLEDGER_DATABASE_URL)")
	fs.BoolVar(&c.Demo, "demo", envBool("CIVICLEDGER_DEMO", true), "load the demo data set when the database is empty (CIVICLEDGER_DEMO)")
	fs.StringVar(&c.LogLevel, "log-level", env("CIVICLEDGER_LOG_LEVEL", "info"), "debug, info, warn or error (CIVICLEDGER_LOG_LEVEL)")
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return "", c, err
	}
	if rest := fs.Args(); len(rest) > 0 && cmd == "" {
		cmd = rest[0]
		if err := fs.Parse(rest[1:]); err != nil {
			return "", c, err
		}
	}
	if rest := fs.Args(); len(rest) > 0 {
		return "", c, fmt.Errorf("unexpected argument %q (usage: civicledger [serve|reindex|verify] [flags])", rest[0])
	}
	if cmd == "" {
		cmd = "serve"
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = filepath.Join(c.DataDir, "civicledger.db")
	}
	return cmd, c, nil
}

func main() {
	cmd, cfg, err := parseArgs(os.Args[1:])
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(os.Stderr, "civicledger:", err)
		}
		os.Exit(2)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)

	// A soft heap limit keeps the process inside the memory budget (400 MB
	// resident at 100,000 projects). Measured there: under four clients
	// running the heaviest documented queries, peak 354–392 MB at 200 MiB and
	// 463 MB at 300 MiB; a full search rebuild costs 11% more CPU time at
	// 200 MiB (2,820 instead of 3,150 records/s). GOMEMLIMIT overrides it.
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(200 << 20)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "serve":
		err = serve(ctx, cfg, log)
	case "reindex":
		err = reindex(ctx, cfg, log)
	case "verify":
		err = verify(ctx, cfg, log, os.Stdout)
	default:
		err = fmt.Errorf("unknown command %q (serve, reindex, verify)", cmd)
	}
	if err != nil {
		log.Error("civicledger stopped", "err", err)
		os.Exit(1)
	}
}

// app is one running portal: its database, search index and handlers.
type app struct {
	db       *store.DB
	index    *search.Index
	follower *search.Follower
	handler  http.Handler
}

// close releases the index and the database.
func (a *app) close() {
	if a.index != nil {
		a.index.Close()
	}
	a.db.Close()
}

// openSearch opens this node's search index under the data directory.
func openSearch(cfg config, db *store.DB, log *slog.Logger) (*search.Index, *search.Follower, error) {
	ix, err := search.Open(filepath.Join(cfg.DataDir, "search"), log)
	if err != nil {
		return nil, nil, fmt.Errorf("open search index: %w", err)
	}
	return ix, search.NewFollower(ix, db, log), nil
}

// open opens the database, loads the demo data on first start and builds
// the HTTP handler.
func open(ctx context.Context, cfg config, log *slog.Logger) (*app, error) {
	start := time.Now()
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	log.Info("database open", "dialect", db.Dialect(), "url", store.RedactDSN(cfg.DatabaseURL), "took", time.Since(start).Round(time.Millisecond))
	if cfg.Demo {
		empty, err := db.Empty(ctx)
		if err != nil {
			db.Close()
			return nil, err
		}
		if empty {
			t := time.Now()
			sum, err := demo.Load(ctx, db, demo.Options{})
			if err != nil {
				db.Close()
				return nil, fmt.Errorf("load demo data: %w", err)
			}
			err = db.SetMeta(ctx, &ledger.Meta{Demo: true, LoadedAt: time.Now(), Note: demo.Note})
			if err != nil {
				db.Close()
				return nil, err
			}
			log.Info("demo data loaded", "projects", sum.Projects, "reports", sum.Reports, "took", time.Since(t).Round(time.Millisecond))
		}
	}
	ix, fol, err := openSearch(cfg, db, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	a := &app{db: db, index: ix, follower: fol}
	res := &resolvers.Resolver{Reader: db, Meta: db, Searcher: ix}
	gql := api.NewHandler(graph.NewExecutableSchema(res.Config()), api.Config{}, log)

	mux := http.NewServeMux()
	mux.Handle("/graphql", publicCORS(resolvers.WithLoaders(db, gql)))
	mux.Handle("/graphiql", api.GraphiQL())
	mux.Handle("/graphiql/", api.GraphiQL())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := db.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(ledger.ErrorMessage(err) + "\n"))
			return
		}
		// Search is derived: a node still catching up serves everything
		// else, so it is ready; the line says how far the index is.
		max, _ := db.OutboxMaxSeq(ctx)
		fmt.Fprintf(w, "ready\nsearch: indexed through outbox %d of %d\n", fol.Watermark(), max)
		writeSearchStatus(w, fol.Status(), max)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/graphiql", http.StatusFound)
	})
	a.handler = logRequests(log, mux)
	return a, nil
}

func serve(ctx context.Context, cfg config, log *slog.Logger) error {
	start := time.Now()
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	// The follower builds or catches up the search index in the background
	// while the portal already serves.
	fctx, stopFollower := context.WithCancel(context.Background())
	followerDone := make(chan struct{})
	go func() {
		defer close(followerDone)
		_ = a.follower.Run(fctx)
	}()
	go func() {
		if err := a.follower.Sync(fctx); err == nil {
			n, _ := a.index.DocCount()
			log.Info("search index caught up", "docs", n, "since_start", time.Since(start).Round(time.Millisecond))
		}
	}()
	defer func() { stopFollower(); <-followerDone }()
	srv := &http.Server{Addr: cfg.Addr, Handler: a.handler, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("serving", "addr", "http://"+cfg.Addr, "graphql", "http://"+cfg.Addr+"/graphql", "startup", time.Since(start).Round(time.Millisecond))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// reindex rebuilds this node's search index from the database. Run it
// while the node is stopped (the index is held by one process at a time).
func reindex(ctx context.Context, cfg config, log *slog.Logger) error {
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	ix, fol, err := openSearch(cfg, db, log)
	if err != nil {
		return err
	}
	defer ix.Close()
	start := time.Now()
	if err := fol.Rebuild(ctx); err != nil {
		return err
	}
	if err := fol.CatchUp(ctx); err != nil {
		return err
	}
	n, _ := ix.DocCount()
	log.Info("reindexed", "docs", n, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// statusWriter records the status and size of a response for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line per request with its duration. It logs no
// client address, query string or body: no personal data in logs.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "bytes", sw.bytes,
			"duration", time.Since(start).Round(time.Microsecond))
	})
}

// publicCORS lets pages on any site read the public API from a browser:
// it is read-only and uses no cookies, so any origin may call it, without
// credentials. Preflight requests are answered here.
func publicCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") != "" {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Access-Control-Expose-Headers", "ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Content-Type, Accept, If-None-Match")
				h.Set("Access-Control-Max-Age", "86400")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
