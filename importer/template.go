package importer

import (
	"io"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// WriteTemplate writes an XLSX workbook for kind k: a sheet named after
// the table with the Chinese headers (required ones in bold red) and one
// example row, and a sheet 填写说明 that explains every column in Chinese
// and English. The example rows of the kinds refer to each other: filled
// in order (applications, reviews, approvals, tranches, metrics) they
// record one project from its application to its quarterly figures.
func WriteTemplate(w io.Writer, k *Kind) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := k.Title
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	required, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}})
	if err != nil {
		return err
	}
	optional, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": cells keep what is typed (codes, dates)
	if err != nil {
		return err
	}
	for i, c := range k.Columns {
		col := colLetter(i)
		style := optional
		if c.Required {
			style = required
		}
		if err := f.SetCellStr(sheet, col+"1", c.Header); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, col+"1", col+"1", style); err != nil {
			return err
		}
		if err := f.SetCellStr(sheet, col+"2", c.Example); err != nil {
			return err
		}
		if err := f.SetColStyle(sheet, col, text); err != nil {
			return err
		}
		width := float64(max(utf8.RuneCountInString(c.Header), len(c.Example)/2+2, 8)) * 2
		if err := f.SetColWidth(sheet, col, col, min(width, 40)); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	// The notes.
	notes := "填写说明"
	if _, err := f.NewSheet(notes); err != nil {
		return err
	}
	rows := [][]string{
		{k.Title + " / " + k.English},
		{"第一行为表头，从第二行起每行一条记录；红色表头为必填列。整张表要么全部导入，要么全部不导入。"},
		{"The first row is the header, each further row one record; red headers are required. The whole table is imported or nothing is."},
		{"civicledger import " + k.Name + " FILE --dry-run 检查每一行 / checks every row; without --dry-run it imports."},
		{},
		{"列 / column", "表头 / header", "英文名 / English", "必填 / required", "说明 / notes", "示例 / example"},
	}
	for i, c := range k.Columns {
		req := "否 / no"
		if c.Required {
			req = "是 / yes"
		}
		rows = append(rows, []string{colLetter(i), c.Header, c.English(), req, c.Note, c.Example})
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = v
		}
		if err := f.SetSheetRow(notes, cell, &vals); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(notes, "B", "C", 24); err != nil {
		return err
	}
	if err := f.SetColWidth(notes, "E", "E", 60); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}
