// Command civicledger serves Civic Ledger (公益金阳光公示平台), the public-
// disclosure portal of a welfare-lottery fund's purchase of social services.
//
//	civicledger [serve]   serve the portal (default)
//	civicledger reindex   rebuild the search index from the database
//	civicledger backup FILE   copy the SQLite database to FILE, while it serves
//	civicledger restore FILE  replace the SQLite database with FILE (stopped)
//	civicledger verify    compare the search index with the database
//	civicledger export DIR    write a full open-data snapshot into DIR
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
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"civicledger/alerts"
	"civicledger/api"
	"civicledger/demo"
	"civicledger/graph"
	"civicledger/ledger"
	"civicledger/metrics"
	"civicledger/portal"
	"civicledger/resolvers"
	"civicledger/resolvers/lean"
	"civicledger/search"
	"civicledger/store"
	"civicledger/web"
)

// config is the whole configuration of one process.
type config struct {
	Addr        string
	DataDir     string
	DatabaseURL string
	Demo        bool
	LogLevel    string
	// API holds the limits of the GraphQL endpoint (zero: the defaults).
	API api.Config
	// RateLimit is the -rate-limit setting: 0 switches the limiter off.
	RateLimit int
	// ResponseCacheMB is the -response-cache-mb setting: 0 switches the
	// GraphQL response cache off.
	ResponseCacheMB int
	// NoLeanWriter is -lean-writer=false: every GraphQL answer is written
	// by gqlgen's executor alone (to measure what the lean writer buys).
	NoLeanWriter bool
	// TrustedProxies is the -trusted-proxies setting: reverse proxies
	// whose X-Forwarded-For names the client.
	TrustedProxies string
	// Listen bounds the connections the server holds open.
	Listen      api.ListenerLimits
	MetricsAddr string
	PprofAddr   string
	Force       bool     // backup, restore: replace an existing file
	Args        []string // the command's arguments (backup FILE, restore FILE)

	// OpenData configures downloads, snapshots, OCDS and 360Giving.
	OpenData openDataConfig
	Import   importConfig // import: its flags (import.go)
	Alerts   alertConfig  // feeds and email alerts (feeds_alerts.go)
	// Participation holds the deadlines and limits of public submissions.
	Participation participationConfig
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// envBool reads a boolean setting; a value that is not one (such as "no")
// is recorded in bad, to be refused at start with the setting's name.
func envBool(name string, def bool, bad *[]string) bool {
	if v, ok := os.LookupEnv(name); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			*bad = append(*bad, fmt.Sprintf("%s=%q is not a boolean (true or false)", name, v))
			return def
		}
		return b
	}
	return def
}

// envInt and envDuration read numeric settings; a value that does not
// parse is recorded in bad, to be refused at start with the setting's name.
func envInt(name string, def int, bad *[]string) int {
	if v, ok := os.LookupEnv(name); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			*bad = append(*bad, fmt.Sprintf("%s=%q is not a whole number", name, v))
			return def
		}
		return n
	}
	return def
}

func envDuration(name string, def time.Duration, bad *[]string) time.Duration {
	if v, ok := os.LookupEnv(name); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			*bad = append(*bad, fmt.Sprintf("%s=%q is not a duration (such as 10s or 1h)", name, v))
			return def
		}
		return d
	}
	return def
}

// limitFlags declares the GraphQL and connection limits, each a flag with
// an environment fallback; their defaults are api.Config's.
func limitFlags(fs *flag.FlagSet, c *config, bad *[]string) {
	a := &c.API
	p := &c.Participation
	fs.IntVar(&p.ModerationDeadline, "moderation-deadline", envInt("CIVICLEDGER_MODERATION_DEADLINE", 3, bad), "working days within which a comment is to be moderated, published with the response times (CIVICLEDGER_MODERATION_DEADLINE)")
	fs.IntVar(&p.ObjectionDeadline, "objection-deadline", envInt("CIVICLEDGER_OBJECTION_DEADLINE", 10, bad), "working days within which an objection is to be answered (CIVICLEDGER_OBJECTION_DEADLINE)")
	fs.IntVar(&p.PerClientPerMinute, "feedback-per-minute", envInt("CIVICLEDGER_FEEDBACK_PER_MINUTE", 10, bad), "feedback and objections one client may submit per minute (burst 20); -1 switches the limit off (CIVICLEDGER_FEEDBACK_PER_MINUTE)")
	fs.IntVar(&p.PerCodePerHour, "feedback-code-per-hour", envInt("CIVICLEDGER_FEEDBACK_CODE_PER_HOUR", 5, bad), "attempts with one feedback code per hour (CIVICLEDGER_FEEDBACK_CODE_PER_HOUR)")
	fs.IntVar(&c.RateLimit, "rate-limit", envInt("CIVICLEDGER_RATE_LIMIT", api.DefaultRateLimit, bad), "cost points each client may spend per -rate-window; 0 switches rate limiting off (CIVICLEDGER_RATE_LIMIT)")
	fs.DurationVar(&a.RateWindow, "rate-window", envDuration("CIVICLEDGER_RATE_WINDOW", api.DefaultRateWindow, bad), "period over which the rate budget refills (CIVICLEDGER_RATE_WINDOW)")
	fs.IntVar(&a.MaxCost, "max-cost", envInt("CIVICLEDGER_MAX_COST", api.DefaultMaxCost, bad), "highest cost of one operation (CIVICLEDGER_MAX_COST)")
	fs.IntVar(&a.MaxDepth, "max-depth", envInt("CIVICLEDGER_MAX_DEPTH", api.DefaultMaxDepth, bad), "deepest field nesting (CIVICLEDGER_MAX_DEPTH)")
	fs.IntVar(&a.MaxPage, "max-page", envInt("CIVICLEDGER_MAX_PAGE", api.DefaultMaxPage, bad), "largest first/last of a page (CIVICLEDGER_MAX_PAGE)")
	fs.DurationVar(&a.Timeout, "timeout", envDuration("CIVICLEDGER_TIMEOUT", api.DefaultTimeout, bad), "longest handling of one GraphQL request (CIVICLEDGER_TIMEOUT)")
	fs.IntVar(&a.MaxResponseBytes, "max-response-bytes", envInt("CIVICLEDGER_MAX_RESPONSE_BYTES", api.DefaultMaxResponse, bad), "largest GraphQL answer (CIVICLEDGER_MAX_RESPONSE_BYTES)")
	fs.IntVar(&a.MaxConcurrent, "max-concurrent", envInt("CIVICLEDGER_MAX_CONCURRENT", api.DefaultMaxConcurrent, bad), "operations executed at once (CIVICLEDGER_MAX_CONCURRENT)")
	fs.IntVar(&a.MaxExpensive, "max-expensive", envInt("CIVICLEDGER_MAX_EXPENSIVE", api.DefaultMaxExpensive, bad), "operations dearer than -cheap-cost executed at once (CIVICLEDGER_MAX_EXPENSIVE)")
	fs.IntVar(&a.CheapCost, "cheap-cost", envInt("CIVICLEDGER_CHEAP_COST", api.DefaultCheapCost, bad), "highest cost of an operation on the shared workers (CIVICLEDGER_CHEAP_COST)")
	fs.IntVar(&a.MaxPerClient, "max-per-client", envInt("CIVICLEDGER_MAX_PER_CLIENT", api.DefaultMaxPerClient, bad), "operations one client may have in flight (CIVICLEDGER_MAX_PER_CLIENT)")
	fs.DurationVar(&a.RefuseDelay, "refuse-delay", envDuration("CIVICLEDGER_REFUSE_DELAY", api.DefaultRefuseDelay, bad), "how long a 429 answer is held before it is sent; 0 sends at once (CIVICLEDGER_REFUSE_DELAY)")
	fs.IntVar(&c.Listen.PerAddr, "max-conns-per-addr", envInt("CIVICLEDGER_MAX_CONNS_PER_ADDR", api.DefaultMaxConnsPerAddr, bad), "open connections per client address (CIVICLEDGER_MAX_CONNS_PER_ADDR)")
	fs.IntVar(&c.Listen.Total, "max-conns", envInt("CIVICLEDGER_MAX_CONNS", api.DefaultMaxConns, bad), "open connections in all (CIVICLEDGER_MAX_CONNS)")
	fs.BoolFunc("lean-writer", "write GraphQL answers with the lean writer where it can (default true); false leaves every answer to gqlgen's executor, for comparisons (CIVICLEDGER_LEAN_WRITER)", func(v string) error {
		on, err := strconv.ParseBool(v)
		c.NoLeanWriter = !on
		return err
	})
	c.NoLeanWriter = !envBool("CIVICLEDGER_LEAN_WRITER", true, bad)
	fs.IntVar(&c.ResponseCacheMB, "response-cache-mb", envInt("CIVICLEDGER_RESPONSE_CACHE_MB", 64, bad), "megabytes of answers to repeated anonymous GraphQL queries kept until the data change; 0 switches the response cache off (CIVICLEDGER_RESPONSE_CACHE_MB)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", env("CIVICLEDGER_TRUSTED_PROXIES", ""), "comma-separated CIDR prefixes of reverse proxies whose X-Forwarded-For names the client (CIVICLEDGER_TRUSTED_PROXIES)")
}

// resolveLimits checks the limit settings and turns them into api.Config.
func (c *config) resolveLimits() error {
	a := &c.API
	for name, v := range map[string]int{"-max-cost": a.MaxCost, "-max-depth": a.MaxDepth, "-max-page": a.MaxPage,
		"-max-response-bytes": a.MaxResponseBytes, "-max-concurrent": a.MaxConcurrent, "-max-expensive": a.MaxExpensive,
		"-cheap-cost": a.CheapCost, "-max-per-client": a.MaxPerClient, "-max-conns-per-addr": c.Listen.PerAddr, "-max-conns": c.Listen.Total} {
		if v <= 0 {
			return fmt.Errorf("%s must be positive, got %d", name, v)
		}
	}
	for name, v := range map[string]time.Duration{"-rate-window": a.RateWindow, "-timeout": a.Timeout} {
		if v <= 0 {
			return fmt.Errorf("%s must be positive, got %s", name, v)
		}
	}
	if a.RefuseDelay == 0 {
		a.RefuseDelay = -1 // the flag's 0 means at once; api.Config's zero means the default
	}
	if c.ResponseCacheMB < 0 {
		return fmt.Errorf("-response-cache-mb must be 0 (off) or positive, got %d", c.ResponseCacheMB)
	}
	switch {
	case c.RateLimit < 0:
		return fmt.Errorf("-rate-limit must be 0 (off) or positive, got %d", c.RateLimit)
	case c.RateLimit == 0:
		a.RateLimit = -1
	default:
		a.RateLimit = c.RateLimit
	}
	if c.TrustedProxies != "" {
		var prefixes []netip.Prefix
		for p := range strings.SplitSeq(c.TrustedProxies, ",") {
			pfx, err := netip.ParsePrefix(strings.TrimSpace(p))
			if err != nil {
				return fmt.Errorf("-trusted-proxies: %q is not a CIDR prefix such as 10.0.0.0/8", strings.TrimSpace(p))
			}
			prefixes = append(prefixes, pfx)
		}
		a.ClientKey = api.ForwardedForKey(prefixes...)
	}
	return nil
}

// usage is the head of -h's answer; the flags follow it.
const usage = `Civic Ledger · 公益金阳光公示平台

usage: civicledger [command] [flags]

commands:
  serve         serve the portal (the default)
  reindex       rebuild this node's search index from the database;
                stop the server first (one process holds the index)
  verify        compare the search index with the database (exits 1 on a
                difference); stop the server first
  backup FILE   copy the SQLite database to FILE while the portal serves
  restore FILE  replace the SQLite database with FILE (server stopped);
                the search index is rebuilt at the next start
  export DIR    write a full open-data snapshot (CSV, JSON Lines, OCDS,
                360Giving, manifest, data dictionary) into an empty DIR
  ` + importUsage + `
  org add | user add|list | token create|list|revoke | audit
                publishing accounts, API tokens and the audit log (README,
                "Publishing"); passwords are read from a prompt or stdin

flags (each with an environment fallback, shown in brackets):
`

// synopsis is the command line in one line, for errors.
const synopsis = "civicledger [serve|reindex|verify|backup FILE|restore FILE|import KIND FILE|export DIR|org|user|token|audit] [flags]"

// commandArgs names the arguments each command takes.
var commandArgs = map[string][]string{"backup": {"FILE"}, "restore": {"FILE"}, "export": {"DIR"}}

// parseArgs reads the command line: an optional command (serve, the
// default, reindex, backup or restore) and its arguments, before or after
// the flags.
func parseArgs(args []string) (cmd string, c config, err error) {
	fs := flag.NewFlagSet("civicledger", flag.ContinueOnError)
	var bad []string
	fs.StringVar(&c.Addr, "addr", env("CIVICLEDGER_ADDR", "127.0.0.1:8080"), "listen address (CIVICLEDGER_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", env("CIVICLEDGER_DATA_DIR", "./data"), "data directory: SQLite file, search index (CIVICLEDGER_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("CIVICLEDGER_DATABASE_URL", ""), "postgres://… URL, or empty for SQLite in the data directory (CIVICLEDGER_DATABASE_URL)")
	fs.BoolVar(&c.Demo, "demo", envBool("CIVICLEDGER_DEMO", true, &bad), "load the demo data set when the database is empty (CIVICLEDGER_DEMO)")
	fs.StringVar(&c.LogLevel, "log-level", env("CIVICLEDGER_LOG_LEVEL", "info"), "debug, info, warn or error (CIVICLEDGER_LOG_LEVEL)")
	limitFlags(fs, &c, &bad)
	openDataFlags(fs, &c, &bad)
	alertFlags(fs, &c.Alerts, &bad)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("CIVICLEDGER_METRICS_ADDR", ""), "listen address of /metrics (Prometheus), or empty for none (CIVICLEDGER_METRICS_ADDR)")
	fs.StringVar(&c.PprofAddr, "pprof-addr", env("CIVICLEDGER_PPROF_ADDR", ""), "listen address of Go's profiler (/debug/pprof/), or empty for none; never the public address (CIVICLEDGER_PPROF_ADDR)")
	fs.BoolVar(&c.Force, "force", false, "backup, restore: replace the file if it exists")
	importFlags(fs, &c.Import)
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return "", c, err
	}
	// Arguments and flags may be mixed: civicledger restore FILE -force.
	for rest := fs.Args(); len(rest) > 0; rest = fs.Args() {
		if cmd == "" {
			cmd = rest[0]
		} else {
			c.Args = append(c.Args, rest[0])
		}
		if err := fs.Parse(rest[1:]); err != nil {
			return "", c, err
		}
	}
	if cmd == "import" { // import checks its own arguments: KIND [FILE]
	} else if want := commandArgs[cmd]; len(c.Args) != len(want) {
		if len(want) == 0 {
			return "", c, fmt.Errorf("unexpected argument %q (usage: %s)", c.Args[0], synopsis)
		}
		return "", c, fmt.Errorf("%s takes %s (usage: %s)", cmd, strings.Join(want, " "), synopsis)
	}
	if len(bad) > 0 {
		return "", c, errors.New(strings.Join(bad, "; "))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return "", c, fmt.Errorf("-log-level (CIVICLEDGER_LOG_LEVEL) %q: use debug, info, warn or error", c.LogLevel)
	}
	if cmd == "" {
		cmd = "serve"
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = filepath.Join(c.DataDir, "civicledger.db")
	}
	// The demo data is loaded into PostgreSQL only when asked for.
	_, demoEnv := os.LookupEnv("CIVICLEDGER_DEMO")
	demoFlag := false
	fs.Visit(func(f *flag.Flag) { demoFlag = demoFlag || f.Name == "demo" })
	if !demoEnv && !demoFlag && store.IsPostgresURL(c.DatabaseURL) {
		c.Demo = false
	}
	if err := c.resolveLimits(); err != nil {
		return "", c, err
	}
	if err := c.Alerts.resolve(); err != nil {
		return "", c, err
	}
	// One -public-url serves the feeds, the alert mails and the downloads.
	c.OpenData.PublicURL = c.Alerts.PublicURL
	return cmd, c, nil
}

func main() {
	if len(os.Args) > 1 && accountCommands[os.Args[1]] { // org, user, token, audit: accounts_cli.go
		os.Exit(accountCommand(os.Args[1], os.Args[2:]))
	}
	cmd, cfg, err := parseArgs(os.Args[1:])
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(os.Stderr, "civicledger:", err)
		}
		os.Exit(2)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // checked by parseArgs
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
	case "backup":
		err = backup(ctx, cfg, log)
	case "restore":
		err = restore(ctx, cfg, log)
	case "verify":
		err = verify(ctx, cfg, log, os.Stdout)
	case "export":
		err = export(ctx, cfg, log)
	case "import":
		err = importCommand(ctx, cfg, log, os.Stdout)
	default:
		err = fmt.Errorf("unknown command %q (usage: %s)", cmd, synopsis)
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
	metrics  *metrics.Metrics // nil without -metrics-addr
	od       openDataConfig
	// noLeanWriter leaves every GraphQL answer to gqlgen (-lean-writer=false).
	noLeanWriter bool
	dataDir      string
	addr         string
	alerts       alertConfig
	digests      *alerts.Alerts // nil without -smtp-addr
	// participation configures the public's submissions.
	participation participationConfig
}

// participationConfig is the -moderation-deadline, -objection-deadline,
// -feedback-per-minute and -feedback-code-per-hour settings.
type participationConfig struct {
	ModerationDeadline, ObjectionDeadline int
	PerClientPerMinute, PerCodePerHour    int
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

// readyBudget is the longest /readyz takes to answer.
const readyBudget = 2 * time.Second

// startWait is how long start-up waits for a PostgreSQL server that is
// not up yet (for example, started at the same time as the portal).
const startWait = 60 * time.Second

// openDB opens the database; a PostgreSQL server that cannot be reached is
// tried again, with growing pauses, for up to startWait.
func openDB(ctx context.Context, cfg config, log *slog.Logger) (*store.DB, error) {
	deadline := time.Now().Add(startWait)
	pause := 250 * time.Millisecond
	for {
		db, err := store.Open(ctx, cfg.DatabaseURL)
		if err == nil || ledger.ErrorCode(err) != ledger.EUNAVAILABLE || time.Now().After(deadline) {
			return db, err
		}
		log.Warn("database not reachable yet; trying again", "url", store.RedactDSN(cfg.DatabaseURL), "in", pause, "err", err.Error())
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// databaseIDFile names, inside the data directory, the file that records
// which database (its identity, made when its schema was created) this data
// directory has served.
const databaseIDFile = "database.id"

// loadDemo loads the demo data set when asked to and the database is empty
// — but only into a database this data directory has not served before: a
// database that was emptied or lost (a SQLite file truncated to nothing, a
// PostgreSQL database dropped and made anew) is refused, never silently
// refilled with demo data. The demo data and its flag commit in one
// transaction, so a crash at any moment leaves either no data or demo data
// marked as such.
func loadDemo(ctx context.Context, cfg config, db *store.DB, log *slog.Logger) error {
	id, err := db.Identity(ctx)
	if err != nil {
		return err
	}
	empty, err := db.Empty(ctx)
	if err != nil {
		return err
	}
	idPath := filepath.Join(cfg.DataDir, databaseIDFile)
	if prev, err := os.ReadFile(idPath); err == nil && strings.TrimSpace(string(prev)) != id {
		if empty {
			return fmt.Errorf("the database is empty, but this data directory (%s) served another database (%s): "+
				"it was emptied or lost; restore it (civicledger restore FILE), or remove %s to start afresh",
				cfg.DataDir, strings.TrimSpace(string(prev)), idPath)
		}
		log.Warn("this data directory served another database; the search index will be rebuilt",
			"previous", strings.TrimSpace(string(prev)), "now", id)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return err
	}
	if err := writeFileAtomic(idPath, []byte(id+"\n")); err != nil {
		return fmt.Errorf("record the database identity: %w", err)
	}
	if !cfg.Demo || !empty {
		return nil
	}
	t := time.Now()
	sum, err := demo.Load(ctx, db, demo.Options{Meta: &ledger.Meta{Demo: true, LoadedAt: time.Now(), Note: demo.Note}})
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	log.Info("demo data loaded", "projects", sum.Projects, "reports", sum.Reports, "took", time.Since(t).Round(time.Millisecond))
	return nil
}

// writeFileAtomic writes a small file by renaming a synced temporary one.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// open opens the database, loads the demo data on first start and builds
// the HTTP handler.
func open(ctx context.Context, cfg config, log *slog.Logger) (*app, error) {
	start := time.Now()
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	log.Info("database open", "dialect", db.Dialect(), "url", store.RedactDSN(cfg.DatabaseURL), "took", time.Since(start).Round(time.Millisecond))
	if err := loadDemo(ctx, cfg, db, log); err != nil {
		db.Close()
		return nil, err
	}
	ix, fol, err := openSearch(cfg, db, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	a := &app{db: db, index: ix, follower: fol, od: cfg.OpenData, dataDir: cfg.DataDir, addr: cfg.Addr, alerts: cfg.Alerts,
		participation: cfg.Participation}
	if cfg.MetricsAddr != "" {
		a.metrics = newMetrics(db, fol)
	}
	if cfg.ResponseCacheMB > 0 {
		rc := api.NewResponseCache(int64(cfg.ResponseCacheMB)<<20, db.DataPosition)
		cfg.API.ResponseCache = rc
		if a.metrics != nil {
			a.metrics.WatchResponseCache(func() metrics.CacheStats {
				s := rc.Stats()
				return metrics.CacheStats{Hits: s.Hits, Misses: s.Misses, Entries: s.Entries, Bytes: s.Bytes}
			})
		}
	}
	a.noLeanWriter = cfg.NoLeanWriter
	a.handler = a.routes(cfg.API, log)
	return a, nil
}

// routes returns the portal's HTTP handler with the GraphQL limits of apiCfg.
func (a *app) routes(apiCfg api.Config, log *slog.Logger) http.Handler {
	db, fol := a.db, a.follower
	core := &portal.Portal{Reader: db, Meta: db, Searcher: a.index, Publishing: &portal.Publishing{Store: db}}
	pc := a.participation
	core.Participation = &portal.Participation{Store: db, ModerationDeadline: pc.ModerationDeadline, ObjectionDeadline: pc.ObjectionDeadline,
		Limits: portal.Limits{PerClientPerMinute: pc.PerClientPerMinute, PerCodePerHour: pc.PerCodePerHour}}
	res := resolvers.New(core)
	var gql http.Handler = api.NewHandler(graph.NewExecutableSchema(res.Config()), apiCfg, log)
	if a.metrics != nil {
		gql = a.metrics.Middleware(gql)
	}

	mux := http.NewServeMux()
	graphqlHandler := resolvers.WithLoaders(core, gql)
	if a.noLeanWriter {
		inner := graphqlHandler
		graphqlHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inner.ServeHTTP(w, r.WithContext(lean.Off(r.Context())))
		})
	}
	mux.Handle("/graphql", publicCORS(api.Authenticate(core.Publishing.Authenticate, apiCfg)(graphqlHandler)))
	mux.Handle("/graphiql", api.GraphiQL())
	mux.Handle("/graphiql/", api.GraphiQL())
	mux.Handle("/download/", publicCORS(a.openData(core, log)))
	a.feedRoutes(mux, core, apiCfg.ClientKey, log) // /feeds/…, /alerts/…
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		// The probe answers within its budget whatever the database does:
		// a database that does not answer in time is not ready.
		ctx, cancel := context.WithTimeout(r.Context(), readyBudget)
		defer cancel()
		type state struct {
			err      error
			max, lag int64
		}
		done := make(chan state, 1)
		go func() {
			if err := db.Ping(ctx); err != nil {
				done <- state{err: err}
				return
			}
			max, err := db.OutboxMaxSeq(ctx)
			done <- state{err: err, max: max}
		}()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		var st state
		select {
		case st = <-done:
		case <-ctx.Done():
			st.err = &ledger.Error{Code: ledger.EUNAVAILABLE, Message: "database did not answer within " + readyBudget.String()}
		}
		if st.err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: " + ledger.ErrorMessage(st.err) + "\n"))
			return
		}
		// Search is derived: a node still catching up serves everything
		// else, so it is ready; the line says how far the index is.
		fmt.Fprintf(w, "ready\nsearch: indexed through outbox %d of %d\n", fol.Watermark(), st.max)
		writeSearchStatus(w, fol.Status(), st.max)
	})
	mux.Handle("/", web.MustNew(core, web.Options{BaseURL: a.alerts.PublicURL, Log: log, ClientKey: apiCfg.ClientKey}))
	return logRequests(log, securityHeaders(mux))
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
	defer a.startSnapshots(log)()
	go a.runDigests(fctx, log)
	if a.metrics != nil {
		stopMetrics, err := serveMetrics(cfg.MetricsAddr, a.metrics, log)
		if err != nil {
			return fmt.Errorf("metrics address: %w", err)
		}
		defer stopMetrics()
	}
	if cfg.PprofAddr != "" {
		stopPprof, err := servePprof(cfg.PprofAddr, log)
		if err != nil {
			return fmt.Errorf("pprof address: %w", err)
		}
		defer stopPprof()
	}
	raiseFileLimit(log)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := newServer(a.handler, log)
	errc := make(chan error, 1)
	if a.metrics != nil {
		cfg.Listen.OnRefuse = func() { a.metrics.Refused(metrics.ReasonConnections) }
	}
	go func() { errc <- srv.Serve(api.LimitListener(ln, cfg.Listen, log)) }()
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

// newServer returns the HTTP server of the portal: bounded reads of headers
// and bodies, idle keep-alive connections closed after a minute, and the
// server's own errors (accept errors among them) logged as errors.
func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 60 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)}
}

// raiseFileLimit raises the soft limit of open files to the hard limit, so
// the connection limits, not the descriptor table, decide who is refused.
func raiseFileLimit(log *slog.Logger) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			log.Warn("cannot raise the open-file limit", "err", err.Error())
		}
	}
}

// securityHeaders sets the headers every answer carries: no MIME sniffing,
// no referrer sent onwards, not framed by other sites.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
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
		// The CORS headers depend on Origin: shared caches must key on it.
		w.Header().Add("Vary", "Origin")
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
