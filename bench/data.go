package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"civicledger/demo"
	"civicledger/store"
)

// largeOptions is the data set of `make bench-large` (resolvers/bench_test.go,
// largeSQLite): the same options give the same ledger, and both use the same
// cached file.
var largeOptions = demo.Options{Projects: 100_000, ReportsPerProject: 2}

// dataCmd makes sure the database named by -url exists and holds the
// 100,000-project ledger: the SQLite ledger in -cache is generated through
// the store's write path if missing (several minutes), then copied with
// store.CopyAll (COPY) into the database when it holds no projects yet.
func dataCmd(args []string) error {
	fs := flag.NewFlagSet("data", flag.ExitOnError)
	dbURL := fs.String("url", "", "PostgreSQL URL of the bench database (created if missing)")
	cache := fs.String("cache", "bench-data/ledger-100k.db", "the cached SQLite ledger")
	projects := fs.Int("projects", largeOptions.Projects, "projects to generate (another count wants another -cache file)")
	sqlFile := fs.String("sql", "", "SQL file to run in the database afterwards (PostGraphile's Q3 function)")
	fs.Parse(args)
	if *dbURL == "" {
		return fmt.Errorf("-url is required")
	}
	ctx := context.Background()
	if err := createDatabase(*dbURL); err != nil {
		return err
	}
	// The copy is one transaction of minutes with statements of minutes:
	// lift the store's statement and idle-in-transaction timeouts for it.
	dst, err := store.Open(ctx, withoutTimeouts(*dbURL))
	if err != nil {
		return err
	}
	defer dst.Close()
	empty, err := dst.Empty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		log.Printf("the bench database already holds the ledger")
		return runSQL(*dbURL, *sqlFile)
	}
	_, statErr := os.Stat(*cache)
	src, err := store.Open(ctx, *cache)
	if err != nil {
		return err
	}
	defer src.Close()
	if statErr != nil {
		start := time.Now()
		opts := largeOptions
		opts.Projects = *projects
		log.Printf("generating %d projects into %s (several minutes at 100,000, once)", opts.Projects, *cache)
		if _, err := demo.Load(ctx, src, opts); err != nil {
			src.Close()
			os.Remove(*cache)
			return err
		}
		log.Printf("built %s in %s", *cache, time.Since(start).Round(time.Second))
	}
	start := time.Now()
	// The store's connections give each answer 20 s (store/pgconn.go); a
	// COPY of millions of rows ends with the checks of its foreign keys,
	// longer than that on a busy machine. So the keys are dropped for the
	// copy and added back (and checked) afterwards on a plain connection.
	admin, err := sqlx.Open("postgres", *dbURL)
	if err != nil {
		return err
	}
	defer admin.Close()
	restore, err := dropForeignKeys(admin)
	var n int64
	if err == nil {
		n, err = store.CopyAll(ctx, src, dst)
	}
	for _, stmt := range restore {
		if _, rerr := admin.Exec(stmt); rerr != nil && err == nil {
			err = fmt.Errorf("restore foreign key: %s: %w", stmt, rerr)
		}
	}
	if err != nil {
		return err
	}
	if _, err := admin.Exec("VACUUM ANALYZE"); err != nil {
		return err
	}
	log.Printf("copied %d rows into PostgreSQL in %s", n, time.Since(start).Round(time.Second))
	return runSQL(*dbURL, *sqlFile)
}

// runSQL runs the statements of a file (none when path is empty).
func runSQL(dbURL, path string) error {
	if path == "" {
		return nil
	}
	script, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(string(script)); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// dropForeignKeys drops every foreign key of the current schema and returns
// the statements that add them back.
func dropForeignKeys(db *sqlx.DB) ([]string, error) {
	var fks []struct {
		Table string `db:"tbl"`
		Name  string `db:"name"`
		Def   string `db:"def"`
	}
	err := db.Select(&fks, `SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def
		FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	var restore []string
	for _, fk := range fks {
		if _, err := db.Exec(fmt.Sprintf(`ALTER TABLE %s DROP CONSTRAINT %q`, fk.Table, fk.Name)); err != nil {
			return restore, err
		}
		restore = append(restore, fmt.Sprintf(`ALTER TABLE %s ADD CONSTRAINT %q %s`, fk.Table, fk.Name, fk.Def))
	}
	return restore, nil
}

// withoutTimeouts sets statement_timeout and
// idle_in_transaction_session_timeout to 0 (none) in a PostgreSQL URL that
// does not set them.
func withoutTimeouts(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return dbURL
	}
	q := u.Query()
	for _, k := range []string{"statement_timeout", "idle_in_transaction_session_timeout"} {
		if q.Get(k) == "" {
			q.Set(k, "0")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// createDatabase creates the database named in dbURL, connecting to the
// server's postgres database, unless it exists.
func createDatabase(dbURL string) error {
	u, err := url.Parse(dbURL)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || strings.ContainsAny(name, `"/`) {
		return fmt.Errorf("-url names no usable database: %q", name)
	}
	u.Path = "/postgres"
	admin, err := sqlx.Open("postgres", u.String())
	if err != nil {
		return err
	}
	defer admin.Close()
	var n int
	if err := admin.Get(&n, `SELECT COUNT(*) FROM pg_database WHERE datname = $1`, name); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err = admin.Exec(`CREATE DATABASE "` + name + `"`)
	return err
}
