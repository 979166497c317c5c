package opendata

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"civicledger/ledger"
)

// Format is a download's file format.
type Format string

// Download formats.
const (
	CSV   Format = "csv"   // UTF-8 with a byte-order mark, so Excel in China opens it
	XLSX  Format = "xlsx"  // Office Open XML spreadsheet, written by excelize's stream writer
	JSONL Format = "jsonl" // JSON Lines: one JSON object per row, keyed by column
)

// Formats lists the download formats.
var Formats = []Format{CSV, XLSX, JSONL}

// ContentType is the media type of a format.
func (f Format) ContentType() string {
	switch f {
	case CSV:
		return "text/csv; charset=utf-8"
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "application/jsonl; charset=utf-8"
}

// RowWriter writes a table's header and rows in one format.
type RowWriter interface {
	// Row writes one row: a value per chosen column.
	Row(cells []any) error
	// Close finishes the file (for XLSX, writes it all out).
	Close() error
}

// NewRowWriter starts a file of format f on w with the header of the
// chosen columns of t (indexes cols) in lang.
func NewRowWriter(w io.Writer, f Format, t *Table, cols []int, lang Lang) (RowWriter, error) {
	switch f {
	case CSV:
		return newCSVWriter(w, t, cols, lang)
	case XLSX:
		return newXLSXWriter(w, t, cols, lang)
	case JSONL:
		return newJSONLWriter(w, t, cols), nil
	}
	return nil, ledger.Invalid("format", "format %s is not one of csv, xlsx, jsonl", ledger.Excerpt(string(f)))
}

// EscapeFormula defuses a text cell a spreadsheet would read as a formula:
// one that begins with =, +, - or @ (or a tab or carriage return, which
// some spreadsheets skip before such a sign) gets a leading apostrophe, the
// escape OWASP recommends. Numbers are written as numbers and need none.
func EscapeFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// text formats a cell for CSV: numbers as numbers, money as yuan with two
// decimals, text escaped against formulas, nil as an empty cell.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return EscapeFormula(v)
	case ledger.Date:
		return string(v)
	case ledger.Money:
		return v.String()
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return EscapeFormula(fmt.Sprint(v))
}

type csvWriter struct {
	bw   *bufio.Writer
	cw   *csv.Writer
	cols []int
	rec  []string
}

func newCSVWriter(w io.Writer, t *Table, cols []int, lang Lang) (*csvWriter, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("\uFEFF")
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	c := &csvWriter{bw: bw, cw: cw, cols: cols, rec: make([]string, len(cols))}
	for i, ci := range cols {
		c.rec[i] = t.Columns[ci].Header(lang)
	}
	return c, cw.Write(c.rec)
}

func (c *csvWriter) Row(cells []any) error {
	for i, ci := range c.cols {
		c.rec[i] = text(cells[ci])
	}
	return c.cw.Write(c.rec)
}

func (c *csvWriter) Close() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

type jsonlWriter struct {
	bw   *bufio.Writer
	keys [][]byte
	cols []int
	buf  []byte
}

func newJSONLWriter(w io.Writer, t *Table, cols []int) *jsonlWriter {
	j := &jsonlWriter{bw: bufio.NewWriterSize(w, 64<<10), cols: cols}
	for _, ci := range cols {
		k, _ := json.Marshal(t.Columns[ci].Key)
		j.keys = append(j.keys, k)
	}
	return j
}

// jsonValue is a cell as JSON: money as a decimal string of yuan, as the
// API gives it; text as it is (JSON is not a spreadsheet).
func jsonValue(v any) any {
	switch v := v.(type) {
	case ledger.Money:
		return v.String()
	case ledger.Date:
		return string(v)
	}
	return v
}

// appendJSON appends a cell as JSON: the common types directly, anything
// else through encoding/json.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, v), nil
	case ledger.Money:
		return strconv.AppendQuote(b, v.String()), nil // digits, '.', '-'
	case ledger.Date:
		return appendJSONString(b, string(v)), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	}
	m, err := json.Marshal(jsonValue(v))
	return append(b, m...), err
}

// appendJSONString appends s as a JSON string, escaping what JSON requires
// (and U+2028, U+2029, which some JavaScript parsers refuse), replacing
// invalid UTF-8 with U+FFFD as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

func (j *jsonlWriter) Row(cells []any) error {
	b := append(j.buf[:0], '{')
	for i, ci := range j.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, j.keys[i]...)
		b = append(b, ':')
		var err error
		if b, err = appendJSON(b, cells[ci]); err != nil {
			return err
		}
	}
	b = append(b, '}', '\n')
	j.buf = b
	_, err := j.bw.Write(b)
	return err
}

func (j *jsonlWriter) Close() error { return j.bw.Flush() }

type xlsxWriter struct {
	w    io.Writer
	f    *excelize.File
	sw   *excelize.StreamWriter
	cols []int
	row  int
	vals []any
	// money is the style of money cells: two decimals.
	money   int
	closed  bool
	started bool // counted in xlsxGC until discarded
}

// excelize's stream writer keeps up to 32 MiB of the sheet's XML in memory
// before it spills to a temporary file, and with the collector's default
// headroom (GOGC 100) that buffer costs twice its size: 64 MB above idle
// for a 100,000-project download. While any XLSX download runs, the
// collector runs at GOGC 50 instead (47–48 MB measured), at the price of
// more frequent collections for the whole process meanwhile.
var xlsxGC struct {
	sync.Mutex
	running int
	before  int
}

func xlsxStarted() {
	xlsxGC.Lock()
	defer xlsxGC.Unlock()
	if xlsxGC.running == 0 {
		xlsxGC.before = debug.SetGCPercent(50)
	}
	xlsxGC.running++
}

func xlsxDone() {
	xlsxGC.Lock()
	defer xlsxGC.Unlock()
	if xlsxGC.running--; xlsxGC.running == 0 {
		debug.SetGCPercent(xlsxGC.before)
	}
}

func newXLSXWriter(w io.Writer, t *Table, cols []int, lang Lang) (*xlsxWriter, error) {
	f := excelize.NewFile()
	sheet := t.ZH
	if lang == English {
		sheet = t.EN
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	money, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
	if err != nil {
		return nil, err
	}
	x := &xlsxWriter{w: w, f: f, sw: sw, cols: cols, row: 1, vals: make([]any, len(cols)), money: money}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	for i, ci := range cols {
		x.vals[i] = excelize.Cell{StyleID: bold, Value: t.Columns[ci].Header(lang)}
	}
	// The header row stays in view (panes are set before the first row).
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	if err := sw.SetRow("A1", x.vals, excelize.RowOpts{}); err != nil {
		return nil, err
	}
	xlsxStarted()
	x.started = true
	return x, nil
}

func (x *xlsxWriter) Row(cells []any) error {
	x.row++
	for i, ci := range x.cols {
		switch v := cells[ci].(type) {
		case nil:
			x.vals[i] = nil
		case string:
			x.vals[i] = EscapeFormula(v)
		case ledger.Date:
			x.vals[i] = string(v)
		case ledger.Money:
			x.vals[i] = excelize.Cell{StyleID: x.money, Value: float64(v) / 100}
		default:
			x.vals[i] = v
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, x.vals)
}

// discard releases the workbook's temporary file when a download stops
// before Close.
func (x *xlsxWriter) discard() {
	if !x.closed {
		x.closed = true
		x.f.Close()
		if x.started {
			xlsxDone()
		}
	}
}

func (x *xlsxWriter) Close() error {
	defer x.discard()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	// excelize zips the workbook into a buffer in memory and then copies
	// it out (File.WriteTo): the whole file at once. Its zip writer is
	// replaceable, so the archive goes straight to w instead, and the
	// buffer stays empty. (The buffer is only patched afterwards for
	// ZIP64 entries, parts over 4 GB, which a download never has.)
	x.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(x.w) })
	_, err := x.f.WriteTo(io.Discard)
	return err
}
