// Package storetest opens real databases for tests: a fresh SQLite file
// always, and a fresh PostgreSQL schema when CIVICLEDGER_TEST_DATABASE_URL is
// set. Under CI=true a missing or unreachable PostgreSQL fails the test
// instead of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // PostgreSQL driver

	"civicledger/store"
)

// Dialects lists the dialects the suite runs on.
var Dialects = []store.Dialect{store.SQLite, store.Postgres}

// EachDialect runs fn as a subtest per dialect with a fresh, migrated DB.
func EachDialect(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) { fn(t, MustOpenDB(t, d)) })
	}
}

// PostgresURL returns the test PostgreSQL URL, skipping (or failing under
// CI) when none is configured.
func PostgresURL(tb testing.TB) string {
	u := os.Getenv("CIVICLEDGER_TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("CI=true but CIVICLEDGER_TEST_DATABASE_URL is not set: the PostgreSQL suite must run")
		}
		tb.Skip("CIVICLEDGER_TEST_DATABASE_URL not set; PostgreSQL tests skipped")
	}
	return u
}

// MustOpenDB opens a fresh database of the dialect, closed (and on
// PostgreSQL its schema dropped) when the test ends. Without a PostgreSQL
// URL the test is skipped, or fails under CI=true.
func MustOpenDB(tb testing.TB, d store.Dialect) *store.DB {
	tb.Helper()
	if d == store.Postgres {
		PostgresURL(tb)
	}
	db, closeDB, err := Open(context.Background(), d)
	if err != nil {
		tb.Fatalf("open %s: %v", d, err)
	}
	tb.Cleanup(closeDB)
	return db
}

// Open opens a fresh database of the dialect outside any one test (for a
// package's shared fixture); close releases it. On PostgreSQL it returns
// an error when CIVICLEDGER_TEST_DATABASE_URL is unset.
func Open(ctx context.Context, d store.Dialect) (db *store.DB, close func(), err error) {
	if d == store.SQLite {
		dir, err := os.MkdirTemp("", "civicledger-test-")
		if err != nil {
			return nil, nil, err
		}
		db, err := store.Open(ctx, filepath.Join(dir, "ledger.db"))
		if err != nil {
			return nil, nil, err
		}
		return db, func() { db.Close(); os.RemoveAll(dir) }, nil
	}
	base := os.Getenv("CIVICLEDGER_TEST_DATABASE_URL")
	if base == "" {
		return nil, nil, errNoPostgres
	}
	admin, err := sqlx.Open("postgres", base)
	if err != nil {
		return nil, nil, err
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		return nil, nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err = store.Open(ctx, u.String())
	if err != nil {
		return nil, nil, err
	}
	return db, func() {
		db.Close()
		if a, err := sqlx.Open("postgres", base); err == nil {
			_, _ = a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	}, nil
}

// PostgresSchema creates a fresh, empty schema in the test PostgreSQL and
// returns a URL whose search_path is that schema; the schema is dropped
// when the test ends. It skips (or fails under CI) without PostgreSQL.
func PostgresSchema(tb testing.TB) string {
	tb.Helper()
	base := PostgresURL(tb)
	admin, err := sqlx.Open("postgres", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if a, err := sqlx.Open("postgres", base); err == nil {
			_, _ = a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

var errNoPostgres = errorString("CIVICLEDGER_TEST_DATABASE_URL not set")

type errorString string

func (e errorString) Error() string { return string(e) }

// Skip skips (or under CI=true fails) a test that needs PostgreSQL when
// err says it is not configured, and fails it on any other error.
func Skip(tb testing.TB, err error) {
	tb.Helper()
	if err == errNoPostgres && os.Getenv("CI") != "true" {
		tb.Skip(err.Error())
	}
	tb.Fatal(err)
}
