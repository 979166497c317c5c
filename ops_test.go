package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"civicledger/ledger"
)

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startServe runs serve (the `civicledger serve` command) on a fresh data
// directory with /metrics on its own address, and waits until its search
// index has caught up. It returns the configuration and the two base URLs.
func startServe(t *testing.T) (cfg config, url, metricsURL string) {
	t.Helper()
	dir := t.TempDir()
	cfg = config{Addr: freeAddr(t), MetricsAddr: freeAddr(t), DataDir: dir, DatabaseURL: filepath.Join(dir, "civicledger.db"), Demo: true}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	url = "http://" + cfg.Addr
	waitIndexed(t, url, done)
	return cfg, url, "http://" + cfg.MetricsAddr + "/metrics"
}

// waitIndexed polls /readyz until the search index has caught up with the
// outbox (or serve ends, or 2,400 polls of 50 ms pass).
func waitIndexed(t *testing.T, url string, done chan error) {
	t.Helper()
	for range 2400 {
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v", err)
		default:
		}
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var w, max int64
			if _, err := fmt.Sscanf(strings.TrimPrefix(string(b), "ready\n"), "search: indexed through outbox %d of %d", &w, &max); err == nil && max > 0 && w == max {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the search index did not catch up")
}

// post sends one GraphQL request and returns its status.
func postRaw(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url+"/graphql", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func scrapeMetrics(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// value sums the samples of family name whose labels include want.
func value(mfs map[string]*dto.MetricFamily, name string, want ...string) (float64, bool) {
	mf := mfs[name]
	if mf == nil {
		return 0, false
	}
	var v float64
	found := false
next:
	for _, m := range mf.Metric {
		for i := 0; i+1 < len(want); i += 2 {
			ok := false
			for _, l := range m.Label {
				ok = ok || l.GetName() == want[i] && l.GetValue() == want[i+1]
			}
			if !ok {
				continue next
			}
		}
		found = true
		v += m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
	}
	return v, found
}

// answers returns the demo's totals and a few search answers, as the public
// API gives them.
func answers(t *testing.T, url string) map[string]any {
	t.Helper()
	out := map[string]any{}
	var s map[string]any
	gql(t, url, `{ dataset { demo } stats(groupBy: [YEAR]) { total { projects awarded leveraged beneficiaries volunteers experts }
		groups { key { year } projects awarded } } }`, nil, &s)
	out["stats"] = s
	for _, w := range []string{"长者食堂", "助残", "社区", "\"居家养老\" -助餐"} {
		total, partial, hits := searchFor(t, url, w, 20)
		if total == 0 || len(hits) == 0 {
			t.Errorf("search %s: no hits", w)
		}
		// Hits of equal score come in no fixed order (a rebuilt index
		// numbers its documents otherwise), so the page is compared by
		// what ranks it: each hit's kind and service area, in order.
		ranked := make([]string, len(hits))
		for i, h := range hits {
			ranked[i] = h.Kind + " " + h.area()
		}
		out["search "+w] = []any{total, partial, ranked}
	}
	return out
}

// The served portal: /metrics on its own address counts the GraphQL
// requests just made and shows the database pools, the cache and the index
// position; `civicledger backup` copies the database while it serves, and
// `civicledger restore` into a fresh data directory gives a portal with the
// same totals and the same search answers.
func TestServeMetricsBackupRestore(t *testing.T) {
	cfg, url, murl := startServe(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	t.Run("metrics", func(t *testing.T) {
		for range 3 {
			if s := postRaw(t, url, `{"query":"query Totals { stats { total { projects } } }"}`); s != 200 {
				t.Fatalf("status %d", s)
			}
		}
		postRaw(t, url, `{"query":"{ dataset { demo } }"}`)
		postRaw(t, url, `not json`)
		mfs := scrapeMetrics(t, murl)
		// The API tells the middleware each operation's name and the code
		// of its error.
		if v, _ := value(mfs, "civicledger_graphql_requests_total", "operation", "Totals", "outcome", "ok"); v != 3 {
			t.Errorf("%v Totals operations counted ok, want 3", v)
		}
		if v, _ := value(mfs, "civicledger_graphql_requests_total", "outcome", "ok"); v < 4 {
			t.Errorf("%v requests counted ok, want at least 4", v)
		}
		if v, _ := value(mfs, "civicledger_graphql_requests_total", "outcome", "error", "code", "BAD_REQUEST"); v != 1 {
			t.Errorf("%v malformed requests counted, want 1", v)
		}
		if v, _ := value(mfs, "civicledger_graphql_cost_points_total"); v < 3 {
			t.Errorf("%v cost points counted, want at least 3", v)
		}
		if v, _ := value(mfs, "civicledger_graphql_request_duration_seconds"); v < 5 {
			t.Errorf("%v durations observed, want at least 5", v)
		}
		for _, name := range []string{"civicledger_graphql_in_flight_requests", "go_sql_open_connections",
			"civicledger_aggregate_cache_misses_total", "civicledger_search_lag_entries", "process_resident_memory_bytes", "go_goroutines"} {
			if _, ok := value(mfs, name); !ok {
				t.Errorf("no %s in /metrics", name)
			}
		}
		if v, _ := value(mfs, "civicledger_search_lag_entries"); v != 0 {
			t.Errorf("search lag %v after the index caught up", v)
		}
		if v, _ := value(mfs, "civicledger_outbox_max_seq"); v == 0 {
			t.Error("outbox position 0 on the demo data")
		}
		if v, _ := value(mfs, "go_sql_max_open_connections", "db_name", "sqlite_write"); v != 1 {
			t.Errorf("writer pool max %v, want 1", v)
		}
		// The public address does not serve /metrics.
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("/metrics is served on the public address")
		}
	})

	t.Run("backup and restore", func(t *testing.T) {
		want := answers(t, url)
		file := filepath.Join(t.TempDir(), "civicledger-backup.db")
		// Backed up while the portal serves (it holds the database open).
		c := cfg
		c.Args = []string{file}
		if err := backup(context.Background(), c, log); err != nil {
			t.Fatal(err)
		}
		if err := backup(context.Background(), c, log); ledger.ErrorCode(err) != ledger.ECONFLICT {
			t.Errorf("second backup to the same file without -force: %v", err)
		}

		dir := t.TempDir()
		fresh := config{DataDir: dir, DatabaseURL: filepath.Join(dir, "civicledger.db"), Demo: true, Args: []string{file}}
		if err := restore(context.Background(), fresh, log); err != nil {
			t.Fatal(err)
		}
		// A stale index in the data directory is removed by a restore.
		if err := os.MkdirAll(filepath.Join(dir, "search", "stale"), 0o755); err != nil {
			t.Fatal(err)
		}
		fresh.Force = true
		if err := restore(context.Background(), fresh, log); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "search")); !os.IsNotExist(err) {
			t.Errorf("restore left the search index: %v", err)
		}

		// Open the restored data directory as the server does.
		fresh.Args = nil
		a, err := open(context.Background(), fresh, log)
		if err != nil {
			t.Fatal(err)
		}
		defer a.close()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = a.follower.Run(ctx) }()
		defer func() { cancel(); <-done }()
		sctx, scancel := context.WithTimeout(ctx, 2*time.Minute)
		defer scancel()
		if err := a.follower.Sync(sctx); err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: a.handler}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		got := answers(t, "http://"+ln.Addr().String())
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("the restored portal answers differently (-before +after):\n%s", d)
		}
		if s := want["stats"].(map[string]any)["stats"].(map[string]any)["total"].(map[string]any)["projects"]; s != float64(717) {
			t.Errorf("demo totals: %v projects", s)
		}

		// While a portal has it open, restore refuses.
		fresh.Args = []string{file}
		if err := restore(context.Background(), fresh, log); ledger.ErrorCode(err) != ledger.EUNAVAILABLE {
			t.Errorf("restore into a database in use: %v", err)
		}
	})
}

// backup and restore refuse PostgreSQL and point to the README.
func TestBackupRestorePostgresRefused(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := config{DatabaseURL: "postgres://u:p@127.0.0.1:1/x", DataDir: t.TempDir(), Args: []string{"f.db"}}
	for name, cmd := range map[string]func(context.Context, config, *slog.Logger) error{"backup": backup, "restore": restore} {
		err := cmd(context.Background(), c, log)
		if err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Errorf("%s on PostgreSQL: %v", name, err)
		}
	}
	// A missing SQLite database is not created to be backed up.
	dir := t.TempDir()
	c = config{DataDir: dir, DatabaseURL: filepath.Join(dir, "civicledger.db"), Args: []string{filepath.Join(dir, "b.db")}}
	if err := backup(context.Background(), c, log); err == nil {
		t.Error("backup of a missing database succeeded")
	}
	if _, err := os.Stat(c.DatabaseURL); !os.IsNotExist(err) {
		t.Errorf("backup created the database it was to copy: %v", err)
	}
}

// The command line takes backup and restore with their FILE, flags before
// or after.
func TestCommandLineBackupRestore(t *testing.T) {
	for _, c := range []struct {
		args  []string
		cmd   string
		file  string
		force bool
		bad   bool
	}{
		{[]string{"backup", "b.db"}, "backup", "b.db", false, false},
		{[]string{"restore", "b.db", "-force"}, "restore", "b.db", true, false},
		{[]string{"-force", "restore", "-data-dir", "x", "b.db"}, "restore", "b.db", true, false},
		{[]string{"backup"}, "", "", false, true},
		{[]string{"restore", "a.db", "b.db"}, "", "", false, true},
		{[]string{"serve", "b.db"}, "", "", false, true},
	} {
		cmd, cfg, err := parseArgs(c.args)
		if c.bad {
			if err == nil {
				t.Errorf("%q: accepted as %s %q", c.args, cmd, cfg.Args)
			}
			continue
		}
		if err != nil || cmd != c.cmd || len(cfg.Args) != 1 || cfg.Args[0] != c.file || cfg.Force != c.force {
			t.Errorf("%q: got %s %q force=%v %v", c.args, cmd, cfg.Args, cfg.Force, err)
		}
	}
}
