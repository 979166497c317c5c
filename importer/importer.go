package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"civicledger/ledger"
)

// Source is what an import reads of the ledger to check its rows: the
// rounds, organizations and projects they name, and what those projects
// already have. store.DB implements it.
type Source interface {
	RoundByYear(ctx context.Context, year int) (*ledger.Round, error)
	OrganizationsByCodes(ctx context.Context, codes []string) ([]*ledger.Organization, error)
	ProjectsByCodes(ctx context.Context, codes []string) ([]*ledger.Project, error)
	TranchesByProjectIDs(ctx context.Context, ids []int64) ([][]*ledger.Tranche, error)
	MetricsByProjectIDs(ctx context.Context, ids []int64) ([][]*ledger.Metric, error)
	ScorecardsByProjectIDs(ctx context.Context, ids []int64) ([][]*ledger.Scorecard, error)
	IndicatorSets(ctx context.Context, kind ledger.ReviewKind) ([]*ledger.IndicatorSet, error)
	ReportsByCodes(ctx context.Context, codes []string) ([]*ledger.Report, error)
}

// Options say what to import, as whom, and whether to write.
type Options struct {
	Kind   *Kind
	Path   string // a .csv or .xlsx file
	Sheet  string // the XLSX sheet ("" for the first)
	DryRun bool   // check every row, write nothing
	Actor  ledger.Actor
	// Now is the clock the rules are judged by (an indicator set must be
	// published by today); time.Now when nil.
	Now func() time.Time
	// Progress, when set, is called as rows are checked and written, with
	// the rows done and the rows in all.
	Progress func(done, total int)
}

// Result is what an import found and did.
type Result struct {
	Kind     string
	Sheet    string
	Encoding string   // how a CSV file was decoded: UTF-8, UTF-8 BOM or GB18030
	Rows     int      // data rows read (empty rows skipped)
	Written  int      // rows imported: 0 on a dry run or when any row was refused
	Records  int      // use cases run, each with its audit-log entry (an application naming a new undertaker or its agency runs more than one)
	Ignored  []string // headers that name no column of the kind, ignored
	Problems []Problem
}

// OK reports whether every row passed.
func (r *Result) OK() bool { return len(r.Problems) == 0 }

// Run imports a file of one kind: it reads every row, checks each against
// the columns, the ledger's rules and the policy (reporting every refused
// row and column, not only the first), and unless the run is dry or any
// row was refused, writes all the rows in one transaction through svc, so
// that they are all recorded or none is. Problems with the rows are in the
// Result; an error means the import could not run (an unreadable file, a
// database that failed).
func Run(ctx context.Context, src Source, svc Transactor, opts Options) (*Result, error) {
	t, err := openTable(opts.Path, opts.Sheet)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	res := &Result{Kind: opts.Kind.Name, Sheet: t.Sheet(), Encoding: t.Encoding()}
	rows, items, err := parseTable(t, opts.Kind, res)
	if err != nil || !res.OK() && len(rows) == 0 {
		return res, err
	}
	s := newState(ctx, src, opts.Kind, opts.Actor)
	if opts.Now != nil {
		s.now = opts.Now
	}
	if err := s.prefetch(items); err != nil {
		return nil, err
	}
	total := len(items)
	if !opts.DryRun {
		total *= 2
	}
	for i, it := range items {
		if it != nil {
			it.check(s, rows[i])
			if s.err != nil {
				return nil, s.err
			}
		}
		res.Problems = append(res.Problems, rows[i].problems...)
		if opts.Progress != nil {
			opts.Progress(i+1, total)
		}
	}
	if opts.DryRun || !res.OK() {
		return res, nil
	}
	written := 0
	err = svc.InTx(ctx, func(w Services) error {
		wc := &writeCtx{ctx: ctx, svc: w, actor: opts.Actor}
		for i, it := range items {
			if err := it.write(wc); err != nil {
				return &rowError{row: rows[i], err: err}
			}
			if opts.Progress != nil {
				opts.Progress(len(items)+i+1, total)
			}
		}
		written = wc.records
		return nil
	})
	var re *rowError
	if errors.As(err, &re) && ledger.ErrorCode(re.err) != ledger.EINTERNAL {
		// A rule only the write could check (another writer got there
		// first): the row is reported like the others, nothing is written.
		re.row.problems = nil
		reportLedger(opts.Kind, re.row, re.err)
		res.Problems = append(res.Problems, re.row.problems...)
		return res, nil
	} else if err != nil {
		return nil, err
	}
	res.Written, res.Records = len(items), written
	return res, nil
}

// rowError is a write refused at one row.
type rowError struct {
	row *row
	err error
}

func (e *rowError) Error() string { return fmt.Sprintf("row %d: %v", e.row.num, e.err) }
func (e *rowError) Unwrap() error { return e.err }

// parseTable reads the header and every row of t: the rows with their
// problems, and for each row its item (nil when the row was refused).
func parseTable(t table, k *Kind, res *Result) ([]*row, []item, error) {
	header, hrow, err := t.Next()
	if err == io.EOF {
		res.Problems = append(res.Problems, Problem{Sheet: t.Sheet(), Row: 1, Reason: "文件是空的，第一行应为表头",
			Detail: "the file is empty; its first row must be the header"})
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	pos, ignored, missing := matchHeader(k, header)
	res.Ignored = ignored
	for _, c := range missing {
		res.Problems = append(res.Problems, Problem{Sheet: t.Sheet(), Row: hrow, Column: c.Header,
			Reason: "缺少必填列“" + c.Header + "”", Detail: "the required column " + c.English() + " is missing from the header"})
	}
	if len(missing) > 0 {
		return nil, nil, nil
	}
	xlsx := t.Encoding() == ""
	var rows []*row
	var items []item
	for {
		cells, n, err := t.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, nil, err
		}
		r := &row{sheet: t.Sheet(), num: n, xlsx: xlsx, cells: make(map[string]string, len(pos)), pos: pos}
		empty := true
		for h, i := range pos {
			if i < len(cells) {
				r.cells[h] = cells[i]
				empty = empty && isBlank(cells[i])
			}
		}
		if empty {
			continue
		}
		it := k.parse(r)
		if len(r.problems) > 0 {
			it = nil
		}
		rows, items = append(rows, r), append(items, it)
	}
	res.Rows = len(rows)
	if len(rows) == 0 {
		res.Problems = append(res.Problems, Problem{Sheet: t.Sheet(), Row: hrow + 1, Reason: "表头下没有数据行",
			Detail: "there are no rows below the header"})
	}
	return rows, items, nil
}

func isBlank(s string) bool {
	for _, r := range s {
		if r != ' ' && r != '\t' && r != '\u3000' && r != '\r' && r != '\n' {
			return false
		}
	}
	return true
}

// matchHeader finds each column of k in a header row: its position by
// column header, the headers that name no column (ignored), and the
// required columns that are missing.
func matchHeader(k *Kind, header []string) (pos map[string]int, ignored []string, missing []*Column) {
	pos = map[string]int{}
	for i, h := range header {
		n := normalizeHeader(h)
		if n == "" {
			continue
		}
		found := false
		for _, c := range k.Columns {
			if _, taken := pos[c.Header]; !taken && slices.Contains(c.headerKeys(), n) {
				pos[c.Header], found = i, true
				break
			}
		}
		if !found && n != "序号" && n != "no." && n != "no" {
			ignored = append(ignored, h)
		}
	}
	for _, c := range k.Columns {
		if _, ok := pos[c.Header]; !ok && c.Required {
			missing = append(missing, c)
		}
	}
	return pos, ignored, missing
}
