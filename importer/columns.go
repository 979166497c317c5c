package importer

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"civicledger/ledger"
)

// Column is one column a kind of table has: its Chinese header as the
// agencies write it, the other headers accepted for it (English names,
// shorter forms), whether every row must fill it, a value for the
// template's example row, and the ledger fields whose refusals are
// reported in it.
type Column struct {
	Header   string   // Chinese header, as the template writes it
	Aliases  []string // other accepted headers (the English name first)
	Required bool     // every row must fill it
	Example  string   // the template's example value
	Note     string   // what it holds, for docs/import.md and the template's notes
	Fields   []string // ledger fields reported in this column (e.g. "tranche.amount")
}

// English returns the column's English name.
func (c Column) English() string {
	if len(c.Aliases) > 0 {
		return c.Aliases[0]
	}
	return c.Header
}

// normalizeHeader folds a header for matching: no spaces or required
// marks, half-width brackets, lower case.
func normalizeHeader(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	return strings.ToLower(headerFolds.Replace(strings.TrimSpace(s)))
}

var headerFolds = strings.NewReplacer("（", "(", "）", ")", "*", "", "＊", "", " ", "", "\u3000", "", "\t", "", "\n", "", "_", "", "-", "")

// headerKeys returns the forms a column is recognised by: each name, and
// each name without its bracketed unit ("资助金额（元）" also as "资助金额").
func (c Column) headerKeys() []string {
	var keys []string
	for _, n := range append([]string{c.Header}, c.Aliases...) {
		k := normalizeHeader(n)
		keys = append(keys, k)
		if i := strings.Index(k, "("); i > 0 {
			keys = append(keys, k[:i])
		}
	}
	return keys
}

// Problem is one refused cell (or row) of a file: where it is and why, in
// Chinese and in English.
type Problem struct {
	Sheet  string `json:"sheet"`
	Row    int    `json:"row"`    // 1-based row of the file; the header is row 1
	Column string `json:"column"` // the column's letter and header, e.g. "C 拨付金额（元）"; "" for the whole row
	Reason string `json:"reason"` // in Chinese
	Detail string `json:"detail"` // in English
}

// String formats p on one line, as the command prints it.
func (p Problem) String() string {
	where := fmt.Sprintf("%s 第%d行", p.Sheet, p.Row)
	whereEN := fmt.Sprintf("row %d", p.Row)
	if p.Column != "" {
		where += " " + p.Column + "列"
		whereEN += ", column " + p.Column
	}
	return fmt.Sprintf("%s（%s）：%s / %s", where, whereEN, p.Reason, p.Detail)
}

// colLetter returns the spreadsheet letter of a 0-based column index.
func colLetter(i int) string {
	s, _ := excelize.ColumnNumberToName(i + 1)
	return s
}

// row is one data row being parsed: its cells by column, and the problems
// found so far.
type row struct {
	sheet    string
	num      int
	xlsx     bool // cells are raw XLSX values: dates may be serial numbers
	cells    map[string]string
	pos      map[string]int // column header → 0-based index in the file
	problems []Problem
}

// cell returns the trimmed value of a column ("" when absent or empty).
func (r *row) cell(c *Column) string { return strings.TrimSpace(r.cells[c.Header]) }

// where names a column as the problem reports show it.
func (r *row) where(c *Column) string {
	if i, ok := r.pos[c.Header]; ok {
		return colLetter(i) + " " + c.Header
	}
	return c.Header
}

// fail records a problem with column c (nil for the whole row).
func (r *row) fail(c *Column, zh, en string, args ...any) {
	p := Problem{Sheet: r.sheet, Row: r.num, Reason: zh, Detail: fmt.Sprintf(en, args...)}
	if c != nil {
		p.Column = r.where(c)
	}
	r.problems = append(r.problems, p)
}

// failErr records a refusal by the ledger in column c, with its message as
// the English detail and zh as the Chinese reason.
func (r *row) failErr(c *Column, zh string, err error) {
	r.fail(c, zh, "%s", ledger.ErrorMessage(err))
}

// text returns a column's text; a required column must not be empty.
func (r *row) text(c *Column) string {
	v := r.cell(c)
	if v == "" && c.Required {
		r.fail(c, "必填，不能为空", "is required and must not be empty")
	}
	return v
}

// money parses an amount of yuan (ledger.ParseMoney: at most two decimals).
// A number as an XLSX cell stores it may carry binary noise past the fen
// ("1234.5699999999999"): it is taken when it is within a millionth of a
// fen of a whole fen, and refused otherwise. Empty gives 0 and ok=false.
func (r *row) money(c *Column) (m ledger.Money, ok bool) {
	v := r.text(c)
	if v == "" {
		return 0, false
	}
	v = strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "", "元", "").Replace(v)
	m, err := ledger.ParseMoney(v)
	if err == nil {
		return m, true
	}
	if r.xlsx {
		if f, ferr := strconv.ParseFloat(v, 64); ferr == nil && !strings.ContainsAny(v, "eE") {
			fen := math.Round(f * 100)
			if math.Abs(f*100-fen) < 1e-6 && math.Abs(fen) < 1<<53 {
				return ledger.Money(fen), true
			}
		}
	}
	r.fail(c, "金额须为以元为单位、最多两位小数的数字", "%s", ledger.ErrorMessage(err))
	return 0, false
}

// count parses a whole, non-negative number (person-times, hours).
func (r *row) count(c *Column) (n int64, ok bool) {
	v := r.text(c)
	if v == "" {
		return 0, false
	}
	v = strings.ReplaceAll(v, ",", "")
	if strings.HasSuffix(v, ".0") { // a whole number as a spreadsheet may store it
		v = strings.TrimSuffix(v, ".0")
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		r.fail(c, "须为不小于零的整数", "%s is not a whole number of at least zero", ledger.Excerpt(v))
		return 0, false
	}
	return n, true
}

// score parses a score (a decimal number).
func (r *row) score(c *Column) (v float64, ok bool) {
	s := r.text(c)
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		r.fail(c, "须为数字", "%s is not a number", ledger.Excerpt(s))
		return 0, false
	}
	return v, true
}

// year parses a four-digit year.
func (r *row) year(c *Column) int {
	v := strings.TrimSuffix(r.text(c), "年")
	if v == "" {
		return 0
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 {
		r.fail(c, "年度须为 2000 至 2100 之间的四位年份", "%s is not a year between 2000 and 2100", ledger.Excerpt(v))
		return 0
	}
	return y
}

// dateLayouts are the date forms accepted besides YYYY-MM-DD.
var dateLayouts = []string{"2006/1/2", "2006.1.2", "2006-1-2", "2006年1月2日", "20060102"}

// date parses a date: YYYY-MM-DD, 2016/3/1, 2016年3月1日, or an XLSX date
// cell (a serial number of days).
func (r *row) date(c *Column) ledger.Date {
	v := r.text(c)
	if v == "" {
		return ""
	}
	if d, err := ledger.ParseDate(v); err == nil {
		return d
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return ledger.Date(t.Format(time.DateOnly))
		}
	}
	if r.xlsx {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 1 && f < 2958466 {
			if t, err := excelize.ExcelDateToTime(f, false); err == nil {
				return ledger.Date(t.Format(time.DateOnly))
			}
		}
	}
	r.fail(c, "不是有效日期，请写作 YYYY-MM-DD（如 2016-03-01）", "%s is not a valid date; write YYYY-MM-DD (e.g. 2016-03-01)", ledger.Excerpt(v))
	return ""
}

// creditCode checks a unified social credit code (ledger.ValidateCreditCode).
func (r *row) creditCode(c *Column) string {
	v := strings.ToUpper(r.text(c))
	if v == "" {
		return ""
	}
	if err := ledger.ValidateCreditCode(c.English(), v); err != nil {
		r.failErr(c, "统一社会信用代码有误（长度、字符或校验位不对）", err)
		return ""
	}
	return v
}

// choice reads one value of an enumeration, given by its Chinese label,
// one of its other Chinese names, or its English API value.
func choice[T ~string](r *row, c *Column, values []T, more map[string]T) (T, bool) {
	v := r.text(c)
	if v == "" {
		return "", false
	}
	for _, x := range values {
		if v == ledger.Label(x) || strings.EqualFold(v, string(x)) {
			return x, true
		}
	}
	if x, ok := more[v]; ok {
		return x, true
	}
	if x, ok := more[strings.ToLower(v)]; ok {
		return x, true
	}
	var zh, en []string
	for _, x := range values {
		zh = append(zh, ledger.Label(x))
		en = append(en, string(x))
	}
	r.fail(c, "须为以下之一："+strings.Join(zh, "、"), "%s is not one of %s", ledger.Excerpt(v), strings.Join(en, ", "))
	return "", false
}
