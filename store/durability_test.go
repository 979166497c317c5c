package store

import (
	"context"
	"path/filepath"
	"testing"
)

// Every acknowledged write is durable (README, "Durability"): the SQLite
// writer syncs the write-ahead log at each commit (synchronous=FULL, 2),
// not only at checkpoints (NORMAL, 1), which a power loss or an operating
// system crash could undo.
func TestSQLiteWriterSyncsEachCommit(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var sync, journal string
	if err := db.write.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if err := db.write.QueryRow("PRAGMA journal_mode").Scan(&journal); err != nil {
		t.Fatal(err)
	}
	if sync != "2" || journal != "wal" {
		t.Errorf("writer runs synchronous=%s journal_mode=%s, want 2 (FULL) and wal", sync, journal)
	}
}
