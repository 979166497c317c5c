package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"civicledger/importer"
	"civicledger/ledger"
	"civicledger/store"
)

var seedAtt = ledger.Attribution{Actor: "test-seed", Role: ledger.RoleBureau}

// fixture is a programme ready for imports: the 2016 round, the bureau,
// the example evaluator and auditor of the templates, undertakers and the
// 2014 approval-review indicator set the reviews template's scores fit.
type fixture struct {
	db          *store.DB
	round       *ledger.Round
	bureau      *ledger.Organization
	evaluator   *ledger.Organization
	auditor     *ledger.Organization
	undertakers []*ledger.Organization
	set         *ledger.IndicatorSet
	admin       ledger.Actor // a bureau administrator
}

func undertakerCode(i int) string {
	return ledger.MakeCreditCode('5', '2', "310115", fmt.Sprintf("MJ%06d", 100+i))
}

func newFixture(t testing.TB, db *store.DB, undertakers int) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db,
		round:     &ledger.Round{Year: 2016, Title: "2016年度福彩公益金资助项目", Budget: ledger.Yuan(20_000_000)},
		bureau:    &ledger.Organization{CreditCode: ledger.MakeCreditCode('1', '1', "310000", "00000004"), Name: "市民政局", Kind: ledger.Department},
		evaluator: &ledger.Organization{CreditCode: "52310000MJ00000265", Name: "明德社会服务评估中心", Kind: ledger.Evaluator},
		auditor:   &ledger.Organization{CreditCode: "91310000MA00000315", Name: "诚信会计师事务所", Kind: ledger.Auditor},
		set: &ledger.IndicatorSet{Kind: ledger.ApprovalReview, Name: "立项评审指标", Edition: "2014版", PublishedOn: "2014-01-10",
			Indicators: []ledger.Indicator{
				{Name: "需求分析", Weight: 25, MaxScore: 100}, {Name: "项目设计", Weight: 20, MaxScore: 100},
				{Name: "组织能力", Weight: 20, MaxScore: 100}, {Name: "预算合理性", Weight: 20, MaxScore: 100},
				{Name: "预期成效", Weight: 15, MaxScore: 100}}},
	}
	must(t, db.CreateRound(ctx, seedAtt, f.round))
	for _, o := range []*ledger.Organization{f.bureau, f.evaluator, f.auditor} {
		must(t, db.CreateOrganization(ctx, seedAtt, o))
	}
	for i := range undertakers {
		o := &ledger.Organization{CreditCode: undertakerCode(i), Name: fmt.Sprintf("浦东新区第%d社会工作服务社", i+1), Kind: ledger.Undertaker, District: "浦东新区"}
		must(t, db.CreateOrganization(ctx, seedAtt, o))
		f.undertakers = append(f.undertakers, o)
	}
	must(t, db.CreateIndicatorSet(ctx, seedAtt, f.set))
	f.admin = ledger.Actor{AccountID: 1, Login: "admin", OrgID: f.bureau.ID, Roles: []ledger.Role{ledger.RoleBureau}}
	return f
}

// run imports path as the bureau administrator.
func (f *fixture) run(t testing.TB, k *importer.Kind, path string, dry bool) *importer.Result {
	t.Helper()
	return f.runAs(t, f.admin, k, path, dry)
}

func (f *fixture) runAs(t testing.TB, a ledger.Actor, k *importer.Kind, path string, dry bool) *importer.Result {
	t.Helper()
	res, err := importer.Run(context.Background(), f.db, importer.PortalServices{Store: f.db},
		importer.Options{Kind: k, Path: path, DryRun: dry, Actor: a})
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	return res
}

// projects returns every project of the ledger, applications included,
// as the public reads them, by code.
func projects(t testing.TB, db *store.DB) []*ledger.Project {
	t.Helper()
	ps, _, err := db.FindProjects(context.Background(), ledger.ProjectFilter{Scope: ledger.ScopeApplications}, ledger.ProjectOrder{}, 0, 100_000)
	must(t, err)
	return ps
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var applicationHeader = []string{"序号", "项目编号", "年度", "项目名称", "服务领域", "所在区县", "服务对象", "项目简介",
	"申报单位统一社会信用代码", "申报单位名称", "配套资金（元）", "申报日期", "第三方评估机构统一社会信用代码"}

var areas = []string{"扶老助老", "扶残助残", "扶贫济困", "社区公益"}

// applicationRow is the i-th row of a generated summary table of
// applications: Chinese text, amounts with fen, dates.
func applicationRow(i int, undertakers int) []string {
	return []string{
		fmt.Sprint(i + 1),
		fmt.Sprintf("FC2016-IMP-%04d", i+1),
		"2016",
		fmt.Sprintf("第%d个社区长者关爱服务项目（“银龄”计划）", i+1),
		areas[i%len(areas)],
		[]string{"浦东新区", "黄浦区", "徐汇区", "长宁区"}[i%4],
		"高龄、独居、失能老人",
		"上门探访、助餐送餐，链接社区资源，每季度回访一次。",
		undertakerCode(i % undertakers),
		"",
		fmt.Sprintf("%d.%02d", 10_000+i*7, i%100),
		fmt.Sprintf("2016-03-%02d", 1+i%28),
		"52310000MJ00000265",
	}
}

// writeApplicationsXLSX writes n generated application rows to an XLSX
// file with the streaming writer, the way a large export from another
// system is written: amounts as numbers, application dates as date cells.
// edit, when set, may change each row before it is written.
func writeApplicationsXLSX(t testing.TB, path string, n, undertakers int, edit func(i int, row []any)) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	must(t, err)
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(t, err)
	head := make([]any, len(applicationHeader))
	for i, h := range applicationHeader {
		head[i] = h
	}
	must(t, sw.SetRow("A1", head))
	for i := range n {
		cells := applicationRow(i, undertakers)
		row := make([]any, len(cells))
		for j, c := range cells {
			row[j] = c
		}
		var amount float64
		fmt.Sscan(cells[10], &amount)
		row[10] = amount // a number cell, as Excel holds amounts
		day, _ := time.Parse(time.DateOnly, cells[11])
		row[11] = excelize.Cell{StyleID: dateStyle, Value: day}
		if edit != nil {
			edit(i, row)
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		must(t, sw.SetRow(cell, row))
	}
	must(t, sw.Flush())
	must(t, f.SaveAs(path))
}

// writeCSV writes rows as CSV in UTF-8, with a byte-order mark or in
// GB18030 when asked.
func writeCSV(t testing.TB, path string, rows [][]string, encoding string) {
	t.Helper()
	var b bytes.Buffer
	for _, r := range rows {
		for j, c := range r {
			if j > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(c, ",\"\n") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			b.WriteString(c)
		}
		b.WriteString("\r\n")
	}
	out := b.Bytes()
	switch encoding {
	case "UTF-8 BOM":
		out = append([]byte("\xef\xbb\xbf"), out...)
	case "GB18030":
		var err error
		out, err = simplifiedchinese.GB18030.NewEncoder().Bytes(out)
		must(t, err)
	}
	must(t, os.WriteFile(path, out, 0o644))
}

func tempPath(t testing.TB, name string) string { return filepath.Join(t.TempDir(), name) }
