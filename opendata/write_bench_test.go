package opendata_test

import (
	"io"
	"testing"

	"civicledger/ledger"
	"civicledger/opendata"
)

// BenchmarkWriteRow measures writing one project row (every column) in each
// format, without the database: the writers' own cost per row.
func BenchmarkWriteRow(b *testing.B) {
	tab := opendata.TableNamed("projects")
	all, _ := tab.Select("")
	row := []any{"FC2015-ELD-0042", "社区居家养老助餐服务项目", int64(2015), "ELDERLY_SUPPORT", "扶老助老", "海曙区", "辖区内高龄独居老人",
		"为辖区内高龄、独居、空巢老人提供助餐、助洁、助医等居家养老服务，并组织志愿者结对关爱。", "宁波市海曙区乐龄社会工作服务中心", "52330203MJ1234567X",
		"第三方评估中心", "52330200MJ7654321Y", nil, nil, ledger.Money(28000000), ledger.Money(5000000), ledger.Money(14000000), ledger.Money(0),
		ledger.Money(6100000), "EXECUTION", "项目执行", nil, nil, ledger.Date("2015-03-02"), ledger.Date("2015-05-20"), int64(12840), int64(356),
		int64(820), int64(2460), int64(45), int64(120), 4.62, false, int64(1), "https://gongyi.example.cn/projects/FC2015-ELD-0042"}
	for _, f := range opendata.Formats {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			w, err := opendata.NewRowWriter(io.Discard, f, tab, all, opendata.Chinese)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := w.Row(row); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
