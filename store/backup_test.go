package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

// feedbackCounts returns the feedback rows in the SQLite file at path and
// the feedback count its statistics give: equal in any consistent copy.
func feedbackCounts(t *testing.T, path string) (rows, stats int64) {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	total, _, err := db.Stats(context.Background(), ledger.ProjectFilter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := x.QueryRow("SELECT count(*) FROM feedback").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	return rows, total.FeedbackCount
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := ledger.ErrorCode(err); got != code {
		t.Fatalf("error %v has code %q, want %q", err, got, code)
	}
}

// A backup taken while 8 writers record feedback through another
// connection pool (the serving portal) completes without stopping them and
// is one consistent snapshot: feedback rows and the statistics computed in
// the same transactions agree, and nothing after the backup is in it.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.db")
	server, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	f := newFixture(t, server)
	for i := range 50 {
		must(t, server.RecordFeedback(ctx, &ledger.Feedback{ProjectID: f.p1.ID, Rating: 1 + i%5, Respondent: "RECIPIENT", Verified: true}))
	}

	var written, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				err := server.RecordFeedback(ctx, &ledger.Feedback{ProjectID: []int64{f.p1.ID, f.p2.ID}[(w+i)%2], Rating: 1 + i%5, Respondent: "RECIPIENT", Verified: true})
				if err != nil {
					failed.Add(1)
					t.Error(err)
					return
				}
				written.Add(1)
			}
		}()
	}
	// The backup command opens the database as a second process would.
	for written.Load() < 20 { // the writers are running
		time.Sleep(time.Millisecond)
	}
	cli, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	err = cli.Backup(ctx, backup, false)
	cli.Close()
	atDone := written.Load()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if failed.Load() > 0 {
		t.Fatalf("%d writes failed during the backup", failed.Load())
	}

	rows, stats := feedbackCounts(t, backup)
	if rows != stats {
		t.Errorf("backup holds %d feedback rows but its statistics count %d: not one snapshot", rows, stats)
	}
	if rows < 50+20 || rows > 50+atDone {
		t.Errorf("backup holds %d feedback rows, want between %d (before it began) and %d (when it ended)", rows, 50+20, 50+atDone)
	}
	for _, side := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(backup + side); err == nil {
			t.Errorf("the backup left %s beside it: it is not one self-contained file", side)
		}
	}
	t.Logf("%d feedback written while the backup ran; %d in the backup", written.Load(), rows-50)

	// An existing file is replaced only with force.
	err = server.Backup(ctx, backup, false)
	wantCode(t, err, ledger.ECONFLICT)
	must(t, server.Backup(ctx, backup, true))
	if rows2, _ := feedbackCounts(t, backup); rows2 != 50+written.Load() {
		t.Errorf("forced backup holds %d feedback rows, want %d", rows2, 50+written.Load())
	}
}

// Restore puts a backup in place of a database that is not in use, and
// refuses: a database in use, an existing one without force, a file that
// is not a Civic Ledger database, and PostgreSQL.
func TestRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, db)
	must(t, db.RecordFeedback(ctx, &ledger.Feedback{ProjectID: f.p1.ID, Rating: 4, Respondent: "RECIPIENT", Verified: true}))
	backup := filepath.Join(t.TempDir(), "b.db")
	must(t, db.Backup(ctx, backup, false))
	// Written after the backup: the restore takes it back.
	must(t, db.RecordFeedback(ctx, &ledger.Feedback{ProjectID: f.p1.ID, Rating: 2, Respondent: "RECIPIENT", Verified: true}))

	called := 0
	opt := store.RestoreOptions{Force: true, BeforeReplace: func() error { called++; return nil }}
	err = store.Restore(ctx, backup, path, opt)
	wantCode(t, err, ledger.EUNAVAILABLE) // the "portal" still has it open
	db.Close()
	if called != 0 {
		t.Fatal("BeforeReplace ran for a refused restore")
	}
	if rows, _ := feedbackCounts(t, path); rows != 2 {
		t.Fatalf("a refused restore changed the database: %d feedback rows, want 2", rows)
	}

	err = store.Restore(ctx, backup, path, store.RestoreOptions{})
	wantCode(t, err, ledger.ECONFLICT)
	if le := (*ledger.Error)(nil); errors.As(err, &le) && le.Field != "data-dir" {
		t.Errorf("refusal to replace the database names field %q, want data-dir", le.Field)
	}

	notDB := filepath.Join(t.TempDir(), "notes.txt")
	must(t, os.WriteFile(notDB, []byte("not a database, but long enough to look like a file of some size"), 0o644))
	err = store.Restore(ctx, notDB, path, opt)
	wantCode(t, err, ledger.EINVALID)
	var le *ledger.Error
	if errors.As(err, &le) && le.Field != "FILE" {
		t.Errorf("error names field %q, want FILE", le.Field)
	}
	empty := filepath.Join(t.TempDir(), "empty.db") // a SQLite file without our schema
	x, _ := sql.Open("sqlite", empty)
	_, err = x.Exec("CREATE TABLE t (x)")
	x.Close()
	must(t, err)
	wantCode(t, store.Restore(ctx, empty, path, opt), ledger.EINVALID)
	wantCode(t, store.Restore(ctx, filepath.Join(dir, "missing.db"), path, opt), ledger.EINVALID)

	stop := errors.New("stop")
	err = store.Restore(ctx, backup, path, store.RestoreOptions{Force: true, BeforeReplace: func() error { return stop }})
	if !errors.Is(err, stop) {
		t.Fatalf("BeforeReplace's error was not returned: %v", err)
	}
	if rows, _ := feedbackCounts(t, path); rows != 2 {
		t.Fatalf("a restore stopped by BeforeReplace changed the database: %d feedback rows, want 2", rows)
	}

	must(t, store.Restore(ctx, backup, path, opt))
	if called != 1 {
		t.Errorf("BeforeReplace ran %d times, want 1", called)
	}
	if rows, stats := feedbackCounts(t, path); rows != 1 || stats != 1 {
		t.Errorf("restored database has %d feedback rows (statistics %d), want the backup's 1", rows, stats)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".ledger.db.tmp-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// Into a fresh data directory, no force needed.
	fresh := filepath.Join(t.TempDir(), "new", "ledger.db")
	must(t, store.Restore(ctx, backup, fresh, store.RestoreOptions{}))
	if rows, _ := feedbackCounts(t, fresh); rows != 1 {
		t.Errorf("restored into a fresh directory: %d feedback rows, want 1", rows)
	}
}

// On PostgreSQL, backup and restore refuse and point to pg_dump.
func TestBackupPostgresRefused(t *testing.T) {
	db := storetest.MustOpenDB(t, store.Postgres)
	ctx := context.Background()
	err := db.Backup(ctx, filepath.Join(t.TempDir(), "b.db"), false)
	if !errors.Is(err, store.ErrPostgresBackup) {
		t.Errorf("Backup on PostgreSQL: %v", err)
	}
	err = store.Restore(ctx, "b.db", storetest.PostgresURL(t), store.RestoreOptions{Force: true})
	if !errors.Is(err, store.ErrPostgresBackup) {
		t.Errorf("Restore on PostgreSQL: %v", err)
	}
}
