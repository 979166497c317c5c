package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"civicledger/ledger"
	"civicledger/store"
)

// TestTruncatedDatabaseNotRefilled: a SQLite file truncated to nothing is
// not a first start. Before, it was silently refilled with demo data (and
// the old search index kept); now the portal refuses to start and says how
// to restore or start afresh.
func TestTruncatedDatabaseNotRefilled(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := config{DataDir: dir, DatabaseURL: filepath.Join(dir, "civicledger.db"), Demo: true}
	a, err := open(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	a.close()
	for _, f := range []string{"civicledger.db", "civicledger.db-wal", "civicledger.db-shm"} {
		if err := os.Truncate(filepath.Join(dir, f), 0); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	_, err = open(context.Background(), cfg, log)
	if err == nil || !strings.Contains(err.Error(), "emptied or lost") {
		t.Fatalf("open of a truncated database: %v; want a refusal", err)
	}
	db, err := store.Open(context.Background(), cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if empty, _ := db.Empty(context.Background()); !empty {
		t.Error("demo data was loaded into the emptied database")
	}
	// Removing the record of the old database is the way to start afresh.
	db.Close()
	if err := os.Remove(filepath.Join(dir, databaseIDFile)); err != nil {
		t.Fatal(err)
	}
	a, err = open(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("after removing %s: %v", databaseIDFile, err)
	}
	a.close()
}

// TestDemoCrashWindow kills the portal (SIGKILL) at moments spread over its
// first start, demo load included, and checks after each kill that the
// database holds either nothing or the whole demo data set flagged as demo
// data — never data without its flag — and that the next start serves the
// demo data set. Before, the data and the flag were two transactions: a kill
// between them left demo data served as real, for good.
func TestDemoCrashWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the binary several times")
	}
	bin := filepath.Join(t.TempDir(), "civicledger")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ctx := context.Background()
	for _, delay := range []time.Duration{50, 150, 300, 500, 700, 900, 1200, 1600, 2200} {
		delay *= time.Millisecond
		dir := t.TempDir()
		cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-data-dir", dir, "-log-level", "error")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()

		dbPath := filepath.Join(dir, "civicledger.db")
		if _, err := os.Stat(dbPath); err != nil {
			continue // killed before the database was created
		}
		db, err := store.Open(ctx, dbPath)
		if err != nil {
			t.Fatalf("after a kill at %s: %v", delay, err)
		}
		empty, err := db.Empty(ctx)
		if err != nil {
			t.Fatal(err)
		}
		meta, err := db.Meta(ctx)
		if err != nil {
			t.Fatal(err)
		}
		st, _, err := db.Stats(ctx, ledger.ProjectFilter{}, nil)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !empty && (!meta.Demo || st.Projects != 717) {
			t.Errorf("kill at %s: %d projects, demo flag %v: data without its flag", delay, st.Projects, meta.Demo)
		}

		// The next start recovers: demo data, flagged.
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		a, err := open(ctx, config{DataDir: dir, DatabaseURL: dbPath, Demo: true}, log)
		if err != nil {
			t.Fatalf("restart after a kill at %s: %v", delay, err)
		}
		meta, _ = a.db.Meta(ctx)
		st, _, _ = a.db.Stats(ctx, ledger.ProjectFilter{}, nil)
		a.close()
		if !meta.Demo || st.Projects != 717 {
			t.Errorf("restart after a kill at %s: %d projects, demo %v", delay, st.Projects, meta.Demo)
		}
	}
}
