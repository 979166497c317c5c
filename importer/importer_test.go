package importer_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"civicledger/importer"
	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/store"
	"civicledger/store/storetest"
)

// where is a problem's place, what the tests compare.
type where struct {
	Row    int
	Column string
}

func places(ps []importer.Problem) []where {
	var out []where
	for _, p := range ps {
		out = append(out, where{p.Row, p.Column})
	}
	return out
}

// A 5,000-row XLSX with one bad cell imports nothing and names that row
// and column; with the cell fixed, every row is imported.
func TestImport5000RowsAllOrNothing(t *testing.T) {
	const n, bad = 5000, 3172 // bad: the 0-based data row, on file row bad+2
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 40)
		path := tempPath(t, "申报汇总.xlsx")
		writeApplicationsXLSX(t, path, n, 40, func(i int, row []any) {
			if i == bad {
				row[10] = "12.345" // three decimals: not an amount of yuan and fen
			}
		})
		for _, dry := range []bool{true, false} {
			res := f.run(t, importer.Kinds[0], path, dry)
			if res.Rows != n || res.Written != 0 {
				t.Fatalf("dry=%v: rows %d written %d, want %d and 0", dry, res.Rows, res.Written, n)
			}
			if diff := cmp.Diff([]where{{bad + 2, "K 配套资金（元）"}}, places(res.Problems)); diff != "" {
				t.Fatalf("dry=%v: problems (-want +got):\n%s\n%v", dry, diff, res.Problems)
			}
			if p := res.Problems[0]; p.Sheet != "Sheet1" || !strings.Contains(p.Reason, "两位小数") || !strings.Contains(p.Detail, "12.345") {
				t.Errorf("problem %+v: want the sheet, a Chinese reason and the English detail naming the value", p)
			}
		}
		if got := projects(t, db); len(got) != 0 {
			t.Fatalf("a refused import wrote %d projects", len(got))
		}

		writeApplicationsXLSX(t, path, n, 40, nil)
		res := f.run(t, importer.Kinds[0], path, false)
		if !res.OK() || res.Written != n {
			t.Fatalf("fixed file: written %d, problems %v", res.Written, res.Problems)
		}
		got := projects(t, db)
		if len(got) != n {
			t.Fatalf("%d projects after the import, want %d", len(got), n)
		}
		// Every row as the file has it: the XLSX number and date cells too.
		for i, p := range got {
			want := applicationRow(i, 40)
			if p.Code != want[1] || p.Title != want[3] || p.CoFunding.String() != want[10] || string(p.AppliedOn) != want[11] ||
				p.Stage != ledger.Solicitation || p.RecordedBy != "admin" || p.RecordedAs != ledger.RoleBureau {
				t.Fatalf("project %d = %+v, want the row %v, attributed to admin as BUREAU", i, p, want)
			}
		}
		// Importing the same file again refuses every row: the codes exist.
		res = f.run(t, importer.Kinds[0], path, true)
		if len(res.Problems) != n || res.Problems[0].Column != "B 项目编号" {
			t.Fatalf("re-import: %d problems (first %v), want %d on the code", len(res.Problems), res.Problems[0], n)
		}
	})
}

// A GB18030 CSV, as Excel in China saves it, imports exactly what its
// UTF-8 twins (with and without a byte-order mark) import.
func TestGB18030MatchesUTF8(t *testing.T) {
	rows := [][]string{applicationHeader}
	for i := range 60 {
		rows = append(rows, applicationRow(i, 5))
	}
	rows[7][7] = "含逗号,引号\"和生僻字：䶮、𠀀、鱻" // GB18030 holds every Unicode character
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) { gbTwins(t, d, rows) })
	}
}

func gbTwins(t *testing.T, d store.Dialect, rows [][]string) {
	{
		var first []*ledger.Project
		for _, enc := range []string{"UTF-8", "UTF-8 BOM", "GB18030"} {
			db := storetest.MustOpenDB(t, d)
			f := newFixture(t, db, 5)
			path := tempPath(t, "applications.csv")
			writeCSV(t, path, rows, enc)
			if enc == "GB18030" {
				raw, _ := os.ReadFile(path)
				if strings.Contains(string(raw), "项目") {
					t.Fatal("the GB18030 file holds UTF-8 text")
				}
			}
			res := f.run(t, importer.Kinds[0], path, false)
			if !res.OK() || res.Encoding != enc || res.Written != 60 {
				t.Fatalf("%s: encoding %q, written %d, problems %v", enc, res.Encoding, res.Written, res.Problems)
			}
			got := projects(t, db)
			if first == nil {
				first = got
				if got[7].Summary != rows[8][7] {
					t.Fatalf("summary %q, want %q", got[7].Summary, rows[8][7])
				}
				continue
			}
			if diff := cmp.Diff(first, got, cmpProject); diff != "" {
				t.Fatalf("%s imports differently from UTF-8 (-utf8 +%s):\n%s", enc, enc, diff)
			}
		}
	}
}

// cmpProject compares projects as imported, without the IDs and times
// that differ between two databases.
var cmpProject = cmp.Transformer("project", func(p *ledger.Project) map[string]any {
	return map[string]any{"code": p.Code, "year": p.Year, "title": p.Title, "area": p.ServiceArea, "district": p.District,
		"target": p.TargetGroup, "summary": p.Summary, "cofunding": p.CoFunding, "applied": p.AppliedOn, "stage": p.Stage,
		"by": p.RecordedBy, "as": p.RecordedAs}
})

// Each kind's template, with its example row, imports; in order, the
// examples record one project from its application to its figures.
func TestTemplatesRoundTrip(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 0)
		ctx := context.Background()
		for _, k := range importer.Kinds {
			if k.Name == "tranches" {
				// Between the approved list and the first tranche: the
				// approval notice, its period over, and the agreement.
				pub := &portal.Publishing{Store: db}
				op := portal.Operator("test")
				_, err := pub.PublishApprovalNotice(ctx, op, &portal.NoticeInput{RoundYear: 2016, ProjectCodes: []string{"FC2016-ELD-0001"},
					Announcement: ledger.Announcement{Code: "LXGS-2016-01", Title: "2016年度立项公示", Body: "公示名单", PublishedOn: "2016-05-11",
						NoticeStart: "2016-05-11", NoticeEnd: "2016-05-17"}})
				must(t, err)
				_, err = pub.RecordAgreement(ctx, op, &portal.AgreementInput{ProjectCode: "FC2016-ELD-0001", SignedOn: "2016-05-25",
					CoFunding: ledger.Yuan(50_000), Report: ledger.Report{Code: "XY-2016-0001", Title: "项目协议书", Body: "协议正文"}})
				must(t, err)
			}
			path := tempPath(t, k.Name+".xlsx")
			out, err := os.Create(path)
			must(t, err)
			must(t, importer.WriteTemplate(out, k))
			must(t, out.Close())
			res := f.run(t, k, path, false)
			if !res.OK() || res.Written != 1 || len(res.Ignored) != 0 || res.Sheet != k.Title {
				t.Fatalf("%s template: sheet %q, written %d, ignored %v, problems %v", k.Name, res.Sheet, res.Written, res.Ignored, res.Problems)
			}
		}
		p, err := db.Project(ctx, "FC2016-ELD-0001")
		must(t, err)
		und, err := db.Organization(ctx, "52310000MJ0000018A")
		must(t, err)
		if p.Stage != ledger.Execution || p.Awarded != ledger.Yuan(200_000) || p.CoFunding != ledger.Yuan(50_000) ||
			p.UndertakerID != und.ID || p.EvaluatorID == nil || *p.EvaluatorID != f.evaluator.ID {
			t.Fatalf("project after the templates: %+v", p)
		}
		if und.Name != "上海市示例社会服务中心" || und.Kind != ledger.Undertaker {
			t.Fatalf("registered undertaker %+v", und)
		}
		figs, err := db.FiguresByProjectIDs(ctx, []int64{p.ID})
		must(t, err)
		if fg := figs[0]; fg.Paid != ledger.Yuan(100_000) || fg.BeneficiaryVisits != 1200 || fg.Leveraged != ledger.Yuan(12_000) {
			t.Fatalf("figures %+v", fg)
		}
		cards, err := db.ScorecardsByProjectIDs(ctx, []int64{p.ID})
		must(t, err)
		if len(cards[0]) != 1 || len(cards[0][0].Scores) != 5 || !cards[0][0].Passed {
			t.Fatalf("scorecards %+v", cards[0])
		}
		// Each row went through its use case, which left its line in the
		// audit log, attributed to the importing account.
		entries, _, err := db.AuditEntries(ctx, ledger.AuditFilter{Login: "admin"}, 0, 100)
		must(t, err)
		var acts []string
		for _, e := range entries {
			acts = append([]string{e.Action}, acts...) // oldest first
			if e.Role != ledger.RoleBureau || e.AccountID != f.admin.AccountID {
				t.Errorf("audit entry %+v", e)
			}
		}
		want := []string{"REGISTER_ORGANIZATION", "REGISTER_APPLICATION", "RECORD_SCREENING", "DECIDE_APPROVAL",
			"RECORD_TRANCHE", "SUBMIT_QUARTERLY"}
		if diff := cmp.Diff(want, acts); diff != "" {
			t.Fatalf("audit log (-want +got):\n%s", diff)
		}
	})
}

// A dry run reports every bad row, each with its column and both
// languages, and checks each row against the rows before it.
func TestDryRunReportsEveryBadRow(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 2)
		ctx := context.Background()
		p := &ledger.Project{Code: "FC2016-ELD-0042", RoundID: f.round.ID, Title: "助餐", ServiceArea: ledger.ElderlySupport,
			District: "浦东新区", UndertakerID: f.undertakers[0].ID, Awarded: ledger.Yuan(100_000), Stage: ledger.Closing}
		must(t, db.CreateProject(ctx, seedAtt, p))
		path := tempPath(t, "tranches.csv")
		writeCSV(t, path, [][]string{
			{"项目编号", "拨付批次", "拨付金额（元）", "拨付日期", "备注"},
			{"FC2016-ELD-0042", "首期资金", "50000", "2016-06-01", ""},  // 2: fine
			{"FC2016-ELD-0042", "首期", "100", "2016/6/2", ""},        // 3: a second first tranche
			{"FC2016-XXX-0001", "尾款", "100", "2016-06-01", ""},      // 4: no such project
			{"FC2016-ELD-0042", "尾款", "60000", "2016-07-01", ""},    // 5: more than is left
			{"FC2016-ELD-0042", "第四期", "1,000.5", "2016-02-30", ""}, // 6: kind and date
			{"", "", "", "", ""}, // blank rows are skipped
			{"FC2016-ELD-0042", "尾款", "-5", "2016-08-01", ""},       // 8: not positive
			{"FC2016-ELD-0042", "FINAL", "50000", "2016-09-01", ""}, // 9: fine, the rest of the award
			{"FC2016-ELD-0042", "第二期", "100", "2016-09-02", ""},     // 10: no passed mid-term review
		}, "UTF-8")
		res := f.run(t, importer.Kinds[3], path, true)
		want := []where{{3, "B 拨付批次"}, {4, "A 项目编号"}, {5, "C 拨付金额（元）"}, {6, "B 拨付批次"}, {6, "D 拨付日期"}, {8, "C 拨付金额（元）"}, {10, "B 拨付批次"}}
		if diff := cmp.Diff(want, places(res.Problems)); diff != "" {
			t.Fatalf("problems (-want +got):\n%s\n%v", diff, res.Problems)
		}
		for _, p := range res.Problems {
			if p.Reason == "" || p.Detail == "" || p.Sheet != "tranches.csv" {
				t.Errorf("problem without both languages or its sheet: %+v", p)
			}
		}
		if diff := cmp.Diff([]string{"备注"}, res.Ignored); diff != "" {
			t.Errorf("ignored headers: %s", diff)
		}
		// A real run of the same file writes nothing either.
		res = f.run(t, importer.Kinds[3], path, false)
		ts, err := db.TranchesByProjectIDs(ctx, []int64{p.ID})
		must(t, err)
		if res.Written != 0 || len(ts[0]) != 0 {
			t.Fatalf("written %d, tranches %v", res.Written, ts[0])
		}
	})
}

// The import goes through the publishing policy: an undertaker may submit
// its own project's figures, not another's, and may not record tranches;
// a refused row writes nothing.
func TestImportFollowsThePolicy(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 2)
		ctx := context.Background()
		var ps []*ledger.Project
		for i, code := range []string{"FC2016-ELD-0001", "FC2016-ELD-0002"} {
			p := &ledger.Project{Code: code, RoundID: f.round.ID, Title: "助餐", ServiceArea: ledger.ElderlySupport,
				District: "浦东新区", UndertakerID: f.undertakers[i].ID, Awarded: ledger.Yuan(100_000), Stage: ledger.Execution}
			must(t, db.CreateProject(ctx, seedAtt, p))
			ps = append(ps, p)
		}
		own := ledger.Actor{AccountID: 7, Login: "sg-1", OrgID: f.undertakers[0].ID, Roles: []ledger.Role{ledger.RoleUndertaker}}
		path := tempPath(t, "metrics.csv")
		writeCSV(t, path, [][]string{
			{"项目编号", "开始日期", "结束日期", "受益人次", "撬动社会资金（元）", "数据来源"},
			{"FC2016-ELD-0001", "2016-07-01", "2016-09-30", "300", "1500.50", "承接方自报"},
			{"FC2016-ELD-0002", "2016-07-01", "2016-09-30", "300", "", ""},
			{"FC2016-ELD-0001", "2016-07-01", "2016-09-30", "320", "", "第三方核实"},
		}, "UTF-8")
		res := f.runAs(t, own, importer.Kinds[4], path, false)
		if diff := cmp.Diff([]where{{3, ""}, {4, ""}}, places(res.Problems)); diff != "" || res.Written != 0 {
			t.Fatalf("written %d; problems (-want +got):\n%s\n%v", res.Written, diff, res.Problems)
		}
		if !strings.Contains(res.Problems[0].Detail, "FC2016-ELD-0002") || !strings.Contains(res.Problems[0].Reason, "无权") {
			t.Errorf("refusal %+v", res.Problems[0])
		}
		ms, err := db.MetricsByProjectIDs(ctx, []int64{ps[0].ID, ps[1].ID})
		must(t, err)
		if len(ms[0])+len(ms[1]) != 0 {
			t.Fatalf("a refused import wrote metrics: %v", ms)
		}
		// Its own row alone imports, attributed to the undertaker, and the
		// same figures again are refused as already recorded.
		writeCSV(t, path, [][]string{
			{"projectCode", "periodStart", "periodEnd", "beneficiaryVisits", "leveragedFunds"},
			{"FC2016-ELD-0001", "2016-07-01", "2016-09-30", "300", "1500.50"},
		}, "UTF-8")
		if res := f.runAs(t, own, importer.Kinds[4], path, false); !res.OK() || res.Records != 1 {
			t.Fatalf("own figures: %+v", res)
		}
		ms, err = db.MetricsByProjectIDs(ctx, []int64{ps[0].ID})
		must(t, err)
		if len(ms[0]) != 2 || ms[0][1].Value != 150050 || ms[0][0].Provenance != ledger.SelfReported {
			t.Fatalf("metrics %+v", ms[0])
		}
		if res := f.runAs(t, own, importer.Kinds[4], path, true); len(res.Problems) != 1 || res.Problems[0].Column != "报告编号" {
			t.Fatalf("the same figures again: %v", res.Problems)
		}
		// Tranches are not the undertaker's to record.
		tpath := tempPath(t, "tranches.csv")
		writeCSV(t, tpath, [][]string{{"项目编号", "拨付批次", "拨付金额（元）", "拨付日期"}, {"FC2016-ELD-0001", "首期资金", "100", "2016-06-01"}}, "UTF-8")
		if res := f.runAs(t, own, importer.Kinds[3], tpath, false); len(res.Problems) != 1 || res.Written != 0 {
			t.Fatalf("tranche by an undertaker: %+v", res)
		}
		if res := f.runAs(t, ledger.Actor{}, importer.Kinds[3], tpath, true); len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Detail, "sign in") {
			t.Fatalf("anonymous tranche: %+v", res.Problems)
		}
	})
}

// Headers are matched in Chinese or English, with or without units, full-
// or half-width brackets and required marks; a missing required column is
// named before any row is read.
func TestHeaders(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 1)
		path := tempPath(t, "h.csv")
		writeCSV(t, path, [][]string{{"项目编号", "拨付金额", "paidOn"}, {"X", "1", "2016-01-01"}}, "UTF-8")
		res := f.run(t, importer.Kinds[3], path, true)
		if diff := cmp.Diff([]where{{1, "拨付批次"}}, places(res.Problems)); diff != "" || res.Rows != 0 {
			t.Fatalf("missing column: %s %v", diff, res.Problems)
		}
		for _, empty := range []string{"", "\n\n", "\xef\xbb\xbf"} { // an empty file is a problem, not a crash
			must(t, os.WriteFile(path, []byte(empty), 0o644))
			res = f.run(t, importer.Kinds[3], path, true)
			if diff := cmp.Diff([]where{{1, ""}}, places(res.Problems)); diff != "" {
				t.Fatalf("empty file %q: %s %v", empty, diff, res.Problems)
			}
		}
		writeCSV(t, path, [][]string{{"*项目编号", "拨付批次", "拨付金额(元)", "拨付日期"}}, "UTF-8")
		res = f.run(t, importer.Kinds[3], path, true)
		if diff := cmp.Diff([]where{{2, ""}}, places(res.Problems)); diff != "" {
			t.Fatalf("no rows: %s %v", diff, res.Problems)
		}
	})
}

// docs/import.md lists every kind and every column by its headers.
func TestDocsListEveryColumn(t *testing.T) {
	b, err := os.ReadFile("../docs/import.md")
	must(t, err)
	doc := string(b)
	for _, k := range importer.Kinds {
		if !strings.Contains(doc, "### `"+k.Name+"` — "+k.Title) {
			t.Errorf("docs/import.md has no section for %s (%s)", k.Name, k.Title)
		}
		for _, c := range k.Columns {
			if strings.HasPrefix(c.English(), "score") { // one row for the ten: 指标1得分 … 指标10得分
				continue
			}
			if !strings.Contains(doc, "| "+c.Header) && !strings.Contains(doc, "… "+c.Header) {
				t.Errorf("docs/import.md does not list column %s of %s", c.Header, k.Name)
			}
			if !strings.Contains(doc, "`"+c.English()+"`") {
				t.Errorf("docs/import.md does not name column %s of %s", c.English(), k.Name)
			}
		}
	}
}

// Row numbers are the workbook's, empty rows between included, and a
// sheet is chosen by name.
func TestXLSXRowNumbersAndSheets(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 1)
		path := tempPath(t, "gaps.xlsx")
		x := excelize.NewFile()
		_, err := x.NewSheet("拨付")
		must(t, err)
		for cell, v := range map[string]string{"A1": "项目编号", "B1": "拨付批次", "C1": "拨付金额（元）", "D1": "拨付日期",
			"A2": "FC2016-ELD-0404", "B2": "首期", "C2": "100", "D2": "2016-06-01",
			"A7": "FC2016-ELD-0404", "B7": "尾款", "C7": "1e3", "D7": "2016-06-02"} {
			must(t, x.SetCellStr("拨付", cell, v))
		}
		must(t, x.SaveAs(path))
		res, err := importer.Run(context.Background(), db, importer.PortalServices{Store: db},
			importer.Options{Kind: importer.Kinds[3], Path: path, Sheet: "拨付", DryRun: true, Actor: f.admin})
		must(t, err)
		want := []where{{2, "A 项目编号"}, {7, "C 拨付金额（元）"}} // a row whose cells are refused is not looked up further
		if diff := cmp.Diff(want, places(res.Problems)); diff != "" || res.Sheet != "拨付" {
			t.Fatalf("sheet %q; problems (-want +got):\n%s\n%v", res.Sheet, diff, res.Problems)
		}
		if _, err := importer.Run(context.Background(), db, importer.PortalServices{Store: db},
			importer.Options{Kind: importer.Kinds[3], Path: path, Sheet: "没有", DryRun: true, Actor: f.admin}); err == nil {
			t.Fatal("a sheet that does not exist was read")
		}
	})
}
