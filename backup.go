package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"civicledger/store"
)

// backup copies the SQLite database to the file cfg.Args[0] while the
// portal may be serving it (see store.DB.Backup). The search index is not
// copied: it is derived, and rebuilt from the database after a restore.
func backup(ctx context.Context, cfg config, log *slog.Logger) error {
	file := cfg.Args[0]
	path, ok := store.SQLitePath(cfg.DatabaseURL)
	if !ok {
		return store.ErrPostgresBackup
	}
	// Opening a missing database would create an empty one and back that up.
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no database to back up at %s (check -data-dir): %w", path, err)
	}
	start := time.Now()
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, file, cfg.Force); err != nil {
		return err
	}
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	log.Info("backed up", "database", path, "to", file, "bytes", fi.Size(), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// restore replaces the SQLite database with the backup in the file
// cfg.Args[0]. The portal must be stopped. The search index is removed
// just before the database is replaced, so the next start rebuilds it from
// the restored database.
func restore(ctx context.Context, cfg config, log *slog.Logger) error {
	file := cfg.Args[0]
	if _, ok := store.SQLitePath(cfg.DatabaseURL); !ok {
		return store.ErrPostgresBackup
	}
	start := time.Now()
	index := filepath.Join(cfg.DataDir, "search")
	err := store.Restore(ctx, file, cfg.DatabaseURL, store.RestoreOptions{
		Force:         cfg.Force,
		BeforeReplace: func() error { return os.RemoveAll(index) },
	})
	if err != nil {
		return err
	}
	log.Info("restored", "from", file, "database", cfg.DatabaseURL, "took", time.Since(start).Round(time.Millisecond),
		"search", "index removed; the next start rebuilds it")
	return nil
}
