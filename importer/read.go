package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// maxCSVBytes bounds a CSV file, which is read whole to tell its encoding.
const maxCSVBytes = 256 << 20

// table is a sheet of rows read one at a time: the header first.
type table interface {
	// Sheet names the sheet (an XLSX sheet's name; a CSV file's base name).
	Sheet() string
	// Next returns the next row and its 1-based number in the file, or io.EOF.
	Next() (cells []string, row int, err error)
	// Encoding says how a CSV file was decoded ("" for XLSX).
	Encoding() string
	Close() error
}

// openTable opens a CSV or XLSX file by its extension; sheet picks an XLSX
// sheet ("" is the first).
func openTable(path, sheet string) (table, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".txt":
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return readCSV(f, filepath.Base(path))
	case ".xlsx", ".xlsm":
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		t, err := readXLSX(f, sheet)
		if err != nil {
			f.Close()
			return nil, err
		}
		t.file = f
		return t, nil
	}
	return nil, fmt.Errorf("%s: 只能导入 .csv 或 .xlsx 文件 / only .csv and .xlsx files can be imported", path)
}

// csvTable is a CSV file decoded into memory.
type csvTable struct {
	name, encoding string
	r              *csv.Reader
}

// readCSV reads a CSV file in UTF-8 (with or without a byte-order mark)
// or, when it is not valid UTF-8, in GB18030 (which includes GBK and
// GB2312), as Excel in China saves "CSV (逗号分隔)".
func readCSV(r io.Reader, name string) (*csvTable, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxCSVBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxCSVBytes {
		return nil, fmt.Errorf("%s: 文件超过 %d MB / the file is larger than %d MB", name, maxCSVBytes>>20, maxCSVBytes>>20)
	}
	t := &csvTable{name: name, encoding: "UTF-8"}
	switch {
	case bytes.HasPrefix(b, []byte("\xef\xbb\xbf")):
		b, t.encoding = b[3:], "UTF-8 BOM"
	case !utf8.Valid(b):
		d, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err != nil {
			return nil, fmt.Errorf("%s: 既不是 UTF-8 也不是 GB18030 编码 / the file is neither UTF-8 nor GB18030: %v", name, err)
		}
		b, t.encoding = d, "GB18030"
	}
	t.r = csv.NewReader(bytes.NewReader(b))
	t.r.FieldsPerRecord = -1
	t.r.ReuseRecord = false
	return t, nil
}

func (t *csvTable) Sheet() string    { return t.name }
func (t *csvTable) Encoding() string { return t.encoding }
func (t *csvTable) Close() error     { return nil }

func (t *csvTable) Next() ([]string, int, error) {
	rec, err := t.r.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, pe.StartLine, fmt.Errorf("第 %d 行不是合法的 CSV / line %d is not valid CSV: %v", pe.StartLine, pe.StartLine, pe.Err)
	} else if err != nil {
		return nil, 0, err
	}
	line, _ := t.r.FieldPos(0) // a record read has at least one field
	return rec, line, nil
}

// xlsxTable streams the rows of one sheet of a workbook.
type xlsxTable struct {
	f     *excelize.File
	file  *os.File
	sheet string
	rows  *excelize.Rows
	n     int
}

// readXLSX opens sheet (the first when "") of a workbook for streaming.
// Cells are read raw (RawCellValue): a number as stored, not as its format
// shows it, so amounts keep their fen and dates arrive as serial numbers
// that the date columns convert.
func readXLSX(r io.Reader, sheet string) (*xlsxTable, error) {
	f, err := excelize.OpenReader(r, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("不是可读的 XLSX 文件 / not a readable XLSX file: %v", err)
	}
	if sheet == "" {
		sheet = f.GetSheetName(0)
	} else if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
		f.Close()
		return nil, fmt.Errorf("工作簿中没有名为 %q 的工作表 / the workbook has no sheet %q (sheets: %s)", sheet, sheet, strings.Join(f.GetSheetList(), ", "))
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &xlsxTable{f: f, sheet: sheet, rows: rows}, nil
}

func (t *xlsxTable) Sheet() string    { return t.sheet }
func (t *xlsxTable) Encoding() string { return "" }

func (t *xlsxTable) Next() ([]string, int, error) {
	if !t.rows.Next() {
		if err := t.rows.Error(); err != nil {
			return nil, t.n, err
		}
		return nil, t.n, io.EOF
	}
	t.n++
	cells, err := t.rows.Columns()
	return cells, t.n, err
}

func (t *xlsxTable) Close() error {
	t.rows.Close()
	err := t.f.Close()
	if t.file != nil {
		t.file.Close()
	}
	return err
}
