package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"civicledger/ledger"
	"civicledger/store"
)

// smallDataDir makes a data directory whose SQLite database holds a
// project and n reports.
func smallDataDir(t *testing.T, n int) config {
	t.Helper()
	dir := t.TempDir()
	cfg := config{DataDir: dir, DatabaseURL: filepath.Join(dir, "civicledger.db")}
	ctx := context.Background()
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	att := ledger.Attribution{Actor: "verify-test", Role: ledger.RoleBureau}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	round := &ledger.Round{Year: 2018, Title: "2018年度公益金项目", Budget: ledger.Yuan(10_000_000)}
	must(db.CreateRound(ctx, att, round))
	org := &ledger.Organization{CreditCode: ledger.MakeCreditCode('5', '2', "310105", "MJ000999"), Name: "徐汇区邻里服务中心",
		Kind: ledger.Undertaker, District: "徐汇区"}
	must(db.CreateOrganization(ctx, att, org))
	p := &ledger.Project{Code: "FC2018-ELD-0001", RoundID: round.ID, Title: "社区长者食堂", ServiceArea: ledger.ElderlySupport,
		District: "徐汇区", TargetGroup: "高龄老人", Summary: "为高龄老人提供助餐", UndertakerID: org.ID,
		Awarded: ledger.Yuan(100_000), Stage: ledger.Execution, ApprovedOn: "2018-04-01"}
	must(db.CreateProject(ctx, att, p))
	for i := range n {
		must(db.PublishReport(ctx, att, &ledger.Report{Code: fmt.Sprintf("RPT-%d", i), Kind: ledger.MidtermReport,
			Title: fmt.Sprintf("第%d份评估报告", i+1), Body: "长者食堂运行平稳，台账齐全。", ProjectID: &p.ID, AuthorID: &org.ID,
			PublishedOn: "2018-09-30"}))
	}
	return cfg
}

// TestVerifyCommand: `civicledger verify` passes on a rebuilt index and
// fails (with the difference named) on a corrupt segment and on an index
// whose database was replaced; serving such a data directory rebuilds the
// index for the database it now has.
func TestVerifyCommand(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := smallDataDir(t, 4)
	run := func() (string, error) {
		var out bytes.Buffer
		err := verify(ctx, cfg, log, &out)
		return out.String(), err
	}
	if err := reindex(ctx, cfg, log); err != nil {
		t.Fatal(err)
	}
	if out, err := run(); err != nil || !strings.Contains(out, "REPORT                  4          4") {
		t.Fatalf("verify after reindex: %v\n%s", err, out)
	}

	// Random bytes in the middle of every segment file.
	filepath.WalkDir(filepath.Join(cfg.DataDir, "search"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".zap") {
			b, _ := os.ReadFile(p)
			for i := len(b) / 2; i < len(b)/2+8; i++ {
				b[i] ^= 0xa5
			}
			os.WriteFile(p, b, 0o644)
		}
		return nil
	})
	if out, err := run(); err == nil || !strings.Contains(out, "checksum") {
		t.Errorf("verify of a corrupt index: %v\n%s", err, out)
	}
	if err := reindex(ctx, cfg, log); err != nil {
		t.Fatal(err)
	}
	if out, err := run(); err != nil {
		t.Fatalf("verify after a second reindex: %v\n%s", err, out)
	}

	// The database replaced by a new, empty one (its file lost).
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(cfg.DatabaseURL + suffix)
	}
	if out, err := run(); err == nil || !strings.Contains(out, "another database") {
		t.Errorf("verify of an index of another database: %v\n%s", err, out)
	}
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	ix, fol, err := openSearch(cfg, db, log)
	if err != nil {
		t.Fatal(err)
	}
	err = fol.CatchUp(ctx)
	n, _ := ix.DocCount()
	ix.Close()
	db.Close()
	if err != nil || n != 0 {
		t.Errorf("serving the replaced database: %v, %d documents; want an empty index", err, n)
	}
	if out, err := run(); err != nil {
		t.Errorf("verify after the rebuild: %v\n%s", err, out)
	}
}

// TestReadyzReportsSearch: /readyz says how far the index lags and what its
// checks found.
func TestReadyzReportsSearch(t *testing.T) {
	_, url := startPortal(t)
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{"search: indexed through outbox ", "search: lag ", "search: counts per kind agree with the database"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/readyz lacks %q:\n%s", want, b)
		}
	}
}
