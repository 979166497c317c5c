package importer

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// asXLSX reads a CSV table as if its cells came from a workbook: raw
// numbers that may be amounts with binary noise or date serials.
type asXLSX struct{ *csvTable }

func (asXLSX) Encoding() string { return "" }

// FuzzParseCSV feeds any bytes to the CSV reader (encoding detection,
// header matching) and every kind's cell parsers, read as CSV and as
// workbook cells: nothing panics, every refused row says where and why in
// both languages, and a row is parsed into an item exactly when it has no
// problem.
func FuzzParseCSV(f *testing.F) {
	for _, k := range Kinds {
		var head, ex []string
		for _, c := range k.Columns {
			head, ex = append(head, c.Header), append(ex, c.Example)
		}
		f.Add([]byte(strings.Join(head, ",") + "\n" + strings.Join(ex, ",") + "\n"))
	}
	f.Add([]byte("\xef\xbb\xbf项目编号,拨付批次,拨付金额（元）,拨付日期\nFC2016-ELD-0001,首期,1234.5699999999999,42522\n"))
	f.Add([]byte("\xcf\xee\xc4\xbf\xb1\xe0\xba\xc5,\xc4\xea\xb6\xc8\n\xa3\xa1,2016\n")) // GB18030
	f.Fuzz(checkParse)
}

// TestParseMutatedFiles runs checkParse on a few thousand random
// mutations of the fuzz seeds, so that go test itself explores beyond
// them (the fuzzing engine is slow on this package, whose tests link the
// SQLite driver: its coverage counters dominate each run). It found the
// reader's panic on a record without fields.
func TestParseMutatedFiles(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var seeds [][]byte
	for _, k := range Kinds {
		var head, ex []string
		for _, c := range k.Columns {
			head, ex = append(head, c.Header), append(ex, c.Example)
		}
		seeds = append(seeds, []byte(strings.Join(head, ",")+"\n"+strings.Join(ex, ",")+"\n"))
	}
	for range 3000 {
		d := append([]byte(nil), seeds[r.IntN(len(seeds))]...)
		for range 1 + r.IntN(6) {
			switch i := r.IntN(len(d)); r.IntN(3) {
			case 0:
				d[i] = byte(r.IntN(256))
			case 1:
				d = append(d[:i], d[i+1:]...)
			default:
				d = append(d[:i], append([]byte{",\n\"0.9"[r.IntN(6)]}, d[i:]...)...)
			}
			if len(d) == 0 {
				break
			}
		}
		checkParse(t, d)
	}
}

// checkParse parses data as a CSV file of every kind, and as workbook
// cells, and checks what it reports.
func checkParse(t *testing.T, data []byte) {
	for _, k := range Kinds {
		for _, xlsx := range []bool{false, true} {
			ct, err := readCSV(bytes.NewReader(data), "fuzz.csv")
			if err != nil {
				return
			}
			var tb table = ct
			if xlsx {
				tb = asXLSX{ct}
			}
			res := &Result{}
			rows, items, err := parseTable(tb, k, res)
			if err != nil {
				continue // not CSV: the import stops with the error
			}
			for _, p := range res.Problems {
				if p.Row < 1 || p.Reason == "" || p.Detail == "" || p.Sheet != "fuzz.csv" {
					t.Fatalf("%s: problem without its place or reason: %+v in %q", k.Name, p, data)
				}
			}
			for i, r := range rows {
				if (items[i] == nil) != (len(r.problems) > 0) {
					t.Fatalf("%s: row %d parsed to %v with problems %v in %q", k.Name, r.num, items[i], r.problems, data)
				}
			}
		}
	}
}
