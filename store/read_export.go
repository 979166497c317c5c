package store

import (
	"context"

	"civicledger/ledger"
)

// Reads for downloads and snapshots (ledger.ExportReader): keyset pages,
// each after the last key of the one before, without a total. An OFFSET
// page would walk every row before it, and the list's COUNT would run once
// per page: at 100,000 projects a whole download would read the table
// about a hundred times.

// ProjectsAfter implements ledger.ExportReader.
func (db *DB) ProjectsAfter(ctx context.Context, filter ledger.ProjectFilter, after string, limit int) ([]*ledger.Project, error) {
	where, args, needsFigures := projectWhereFigures(filter, "f")
	from := ` FROM projects p WHERE `
	if needsFigures {
		from = ` FROM projects p JOIN project_figures f ON f.project_id = p.id WHERE `
	}
	q, a, err := sqlxIn(`SELECT p.*`+from+where+` AND p.code > ? ORDER BY p.code LIMIT ?`, append(args, after, limit)...)
	if err != nil {
		return nil, err
	}
	rows := []*ledger.Project{}
	return rows, db.sel(ctx, &rows, q, a...)
}

// ReportsAfter implements ledger.ExportReader.
func (db *DB) ReportsAfter(ctx context.Context, filter ledger.ReportFilter, after int64, limit int) ([]*ledger.Report, error) {
	where, args := reportWhere(filter)
	q, a, err := sqlxIn(`SELECT r.* FROM reports r WHERE `+where+` AND r.id > ? ORDER BY r.id LIMIT ?`, append(args, after, limit)...)
	if err != nil {
		return nil, err
	}
	rows := []*ledger.Report{}
	return rows, db.sel(ctx, &rows, q, a...)
}
