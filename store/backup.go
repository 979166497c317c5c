package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"

	"civicledger/ledger"
)

// Backups of SQLite use SQLite's online backup API (sqlite3_backup_*, which
// modernc.org/sqlite exposes as the connection's NewBackup), copying every
// page in one step. That step reads inside one read transaction, so the copy
// is the database as of one commit; in WAL mode a read transaction does not
// block the writer, so the portal keeps serving and accepting writes while
// it runs. Copying in several steps would let other connections' writes in
// between, and SQLite restarts the copy after each such write, so under a
// steady flow of feedback it might never end. VACUUM INTO would also give a
// consistent, even compacted copy, but rebuilds every table and index (far
// more CPU for the same snapshot) and does not sync what it writes. The copy
// is written beside its destination, checked (PRAGMA quick_check), synced
// and renamed into place, so FILE is either the old file or a whole backup.

// ErrPostgresBackup is the error of Backup and Restore on PostgreSQL, whose
// backups are made with its own tools.
var ErrPostgresBackup = &ledger.Error{Code: ledger.EINVALID, Field: "database-url",
	Message: "backup and restore handle the embedded SQLite database only; on PostgreSQL use pg_dump and pg_restore (README, \"Backup and restore\")"}

// SQLitePath returns the database file a SQLite dsn names, and false for a
// PostgreSQL URL.
func SQLitePath(dsn string) (string, bool) {
	if IsPostgresURL(dsn) {
		return "", false
	}
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path, true
}

// backuper is the part of modernc.org/sqlite's connection that starts an
// online backup.
type backuper interface {
	NewBackup(dstURI string) (*sqlite.Backup, error)
}

// Backup writes a consistent copy of the database to the file path while
// the database stays in use. An existing file is replaced only when force
// is set. On PostgreSQL it returns ErrPostgresBackup.
func (db *DB) Backup(ctx context.Context, path string, force bool) error {
	if db.dialect != SQLite {
		return ErrPostgresBackup
	}
	if err := checkTarget(path, "FILE", force); err != nil {
		return err
	}
	tmp, err := tempBeside(path)
	if err != nil {
		return err
	}
	defer removeDB(tmp) // after a successful rename there is nothing left to remove
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return mapError(err)
	}
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(backuper)
		if !ok {
			return fmt.Errorf("the SQLite driver offers no online backup")
		}
		bk, err := b.NewBackup(tmp)
		if err != nil {
			return err
		}
		if _, err := bk.Step(-1); err != nil {
			_ = bk.Finish()
			return err
		}
		return bk.Finish()
	})
	conn.Close()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkDatabase(ctx, tmp); err != nil {
		return fmt.Errorf("backup: the copy does not check: %w", err)
	}
	return syncRename(tmp, path)
}

// RestoreOptions are the options of Restore.
type RestoreOptions struct {
	// Force replaces an existing database.
	Force bool
	// BeforeReplace, when set, runs after every check has passed and just
	// before the database is replaced; an error stops the restore. The
	// command uses it to remove the search index, so that a crash leaves
	// either the old database or a database whose index is rebuilt.
	BeforeReplace func() error
}

// Restore replaces the SQLite database named by dsn with the backup in the
// file src. The database must not be in use: a portal serving it holds it
// open and Restore refuses (EUNAVAILABLE). An existing database is replaced
// only with opt.Force. The backup is copied beside the database, checked,
// synced and renamed over it, so the database is at every moment either
// the old one or the whole backup. On PostgreSQL it returns
// ErrPostgresBackup.
func Restore(ctx context.Context, src, dsn string, opt RestoreOptions) error {
	force := opt.Force
	path, ok := SQLitePath(dsn)
	if !ok {
		return ErrPostgresBackup
	}
	if _, err := os.Stat(src); err != nil {
		return &ledger.Error{Code: ledger.EINVALID, Field: "FILE", Message: "backup file " + src + " cannot be read: " + err.Error()}
	}
	if err := checkTarget(path, "data-dir", force); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	tmp, err := tempBeside(path)
	if err != nil {
		return err
	}
	defer removeDB(tmp)
	if err := copyFile(src, tmp); err != nil {
		return fmt.Errorf("restore: copy %s: %w", src, err)
	}
	if err := checkDatabase(ctx, tmp); err != nil {
		return &ledger.Error{Code: ledger.EINVALID, Field: "FILE", Message: src + " is not a Civic Ledger SQLite backup: " + err.Error()}
	}
	if _, err := os.Stat(path); err == nil {
		// Take the old database for ourselves: this fails while another
		// process (a running portal) has it open, and it folds the old
		// write-ahead log into the file, so no -wal file of the old
		// database is left to be replayed onto the new one.
		if err := quiesce(ctx, path); err != nil {
			return err
		}
	}
	if opt.BeforeReplace != nil {
		if err := opt.BeforeReplace(); err != nil {
			return err
		}
	}
	if err := syncRename(tmp, path); err != nil {
		return err
	}
	for _, side := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(path + side); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// checkTarget refuses to replace an existing file unless force is set;
// field names the input that named the file.
func checkTarget(path, field string, force bool) error {
	if _, err := os.Stat(path); err == nil && !force {
		return &ledger.Error{Code: ledger.ECONFLICT, Field: field, Message: path + " exists; pass -force to replace it"}
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// tempBeside returns a new file name in path's directory, so that a
// rename moves it over path atomically.
func tempBeside(path string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	return name, f.Close()
}

// removeDB removes a database file and its side files, if they exist.
func removeDB(path string) {
	for _, side := range []string{"", "-wal", "-shm", "-journal"} {
		_ = os.Remove(path + side)
	}
}

// checkDatabase opens the SQLite file at path, runs PRAGMA quick_check and
// checks that it holds a migrated Civic Ledger schema, then closes it in
// rollback-journal mode so that it is one self-contained file.
func checkDatabase(ctx context.Context, path string) error {
	x, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer x.Close()
	x.SetMaxOpenConns(1)
	var res string
	if err := x.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("quick_check: %s", res)
	}
	var n int
	if err := x.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('goose_db_version', 'projects', 'outbox')").Scan(&n); err != nil {
		return err
	}
	if n != 3 {
		return errors.New("it has no Civic Ledger schema")
	}
	if err := x.QueryRowContext(ctx, "PRAGMA journal_mode=DELETE").Scan(&res); err != nil {
		return err
	}
	return nil
}

// quiesce checks that no other connection has the SQLite database at path
// open, and checkpoints its write-ahead log into the file.
func quiesce(ctx context.Context, path string) error {
	x, err := sql.Open("sqlite", "file:"+path+"?_pragma=locking_mode(EXCLUSIVE)&_pragma=busy_timeout(0)")
	if err != nil {
		return err
	}
	defer x.Close()
	x.SetMaxOpenConns(1)
	if _, err := x.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) {
			switch se.Code() & 0xff {
			case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
				return &ledger.Error{Code: ledger.EUNAVAILABLE, Message: path + " is in use: stop the portal before restoring"}
			case 11, 26: // SQLITE_CORRUPT, SQLITE_NOTADB: a damaged database, to be replaced
				return nil
			}
		}
		return err
	}
	return nil
}

// copyFile copies src to dst (which exists) and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncRename syncs the file tmp, renames it to path and syncs the
// directory, so the rename survives a crash.
func syncRename(tmp, path string) error {
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
