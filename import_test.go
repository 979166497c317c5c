package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/store"
)

// TestImportCommand runs `civicledger import` as an operator would: the
// template, a dry run that names the bad row, a refused run that writes
// nothing, and the fixed file imported as the evaluation agency's rows.
func TestImportCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "ledger.db")
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	att := ledger.Attribution{Actor: "seed", Role: ledger.RoleBureau}
	round := &ledger.Round{Year: 2016, Title: "2016年度", Budget: ledger.Yuan(1_000_000)}
	und := &ledger.Organization{CreditCode: ledger.MakeCreditCode('5', '2', "310000", "MJ000077"), Name: "示例社工服务社", Kind: ledger.Undertaker}
	ev := &ledger.Organization{CreditCode: "52310000MJ00000265", Name: "明德评估中心", Kind: ledger.Evaluator}
	for _, err := range []error{db.CreateRound(ctx, att, round), db.CreateOrganization(ctx, att, und), db.CreateOrganization(ctx, att, ev)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	p := &ledger.Project{Code: "FC2016-ELD-0009", RoundID: round.ID, Title: "助餐", ServiceArea: ledger.ElderlySupport, District: "黄浦区",
		UndertakerID: und.ID, EvaluatorID: &ev.ID, Awarded: ledger.Yuan(100_000), Stage: ledger.Execution}
	if err := db.CreateProject(ctx, att, p); err != nil {
		t.Fatal(err)
	}
	pub := &portal.Publishing{Store: db}
	acct := &ledger.Account{Login: "mingde", Name: "明德评估员", OrgID: ev.ID, Roles: []ledger.Role{ledger.RoleEvaluator}}
	if err := pub.AddAccount(ctx, portal.Operator("test"), acct, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	secret, _, err := pub.CreateToken(ctx, portal.Operator("test"), "mingde", "import", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	run := func(args ...string) (string, error) {
		t.Helper()
		cmd, cfg, err := parseArgs(append(args, "-database-url", dbPath))
		if err != nil || cmd != "import" {
			t.Fatalf("%q: %s %v", args, cmd, err)
		}
		var out bytes.Buffer
		err = importCommand(ctx, cfg, log, &out)
		return out.String(), err
	}

	tpl := filepath.Join(dir, "metrics.xlsx")
	if out, err := run("import", "metrics", "--template", tpl); err != nil || !strings.Contains(out, tpl) {
		t.Fatalf("template: %q %v", out, err)
	}
	if _, err := run("import", "metrics", "-template", tpl); err == nil {
		t.Fatal("the template overwrote an existing file")
	}
	csv := filepath.Join(dir, "季度指标.csv")
	write := func(value string) {
		body := "项目编号,开始日期,结束日期,受益人次,数据来源\n" +
			"FC2016-ELD-0009,2016-04-01,2016-06-30,120,第三方核实\n" +
			"FC2016-ELD-0009,2016-07-01,2016-09-30," + value + ",第三方核实\n"
		if err := os.WriteFile(csv, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("12O") // a letter O for a zero
	out, err := run("import", "metrics", csv, "--dry-run", "--as", "mingde")
	t.Logf("dry run:\n%s%v", out, err)
	if err == nil || !strings.Contains(out, "第3行") || !strings.Contains(out, "D 受益人次") || !strings.Contains(out, "row 3, column D") {
		t.Fatalf("dry run: %q %v", out, err)
	}
	if _, err := run("import", "metrics", csv, "--as", "mingde"); err == nil {
		t.Fatal("a file with a bad row was imported")
	}
	if _, err := run("import", "metrics", csv); err == nil {
		t.Fatal("imported without -as")
	}
	if _, err := run("import", "metrics", csv, "--as", "nobody"); err == nil {
		t.Fatal("imported as an account that does not exist")
	}
	if _, err := run("import", "metrics", csv, "--token", "clt_not-a-token"); err == nil {
		t.Fatal("imported with a token that does not exist")
	}
	write("130")
	if out, err := run("import", "metrics", csv, "--dry-run", "--token", secret); err != nil || !strings.Contains(out, "nothing written") {
		t.Fatalf("dry run with the account's token: %q %v", out, err)
	}
	out, err = run("import", "metrics", csv, "--as", "mingde")
	if err != nil || !strings.Contains(out, "imported 2 rows (2 use cases") {
		t.Fatalf("import: %q %v", out, err)
	}
	db, err = store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := db.MetricsByProjectIDs(ctx, []int64{p.ID})
	if err != nil || len(ms[0]) != 2 || ms[0][1].Value != 130 || ms[0][1].Provenance != ledger.Verified {
		t.Fatalf("metrics %v %v", ms, err)
	}
	revs, err := db.Revisions(ctx, ledger.EntityMetric, ms[0][0].ID)
	if err != nil || revs[0].Actor != "mingde" || revs[0].Role != ledger.RoleEvaluator {
		t.Fatalf("attribution %+v %v", revs, err)
	}
}
