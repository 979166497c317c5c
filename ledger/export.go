package ledger

import "context"

// ExportReader reads records for downloads and snapshots a page at a time,
// each page after the last record of the one before (keyset paging), so a
// download of any size holds one page in memory and never re-reads the rows
// it skipped. No total is counted.
type ExportReader interface {
	// ProjectsAfter returns up to limit projects matching filter whose code
	// sorts after after ("" from the first), in code order: the project
	// list's default order.
	ProjectsAfter(ctx context.Context, filter ProjectFilter, after string, limit int) ([]*Project, error)
	// ReportsAfter returns up to limit reports matching filter whose ID is
	// above after (0 from the first), in ID order (publication order).
	ReportsAfter(ctx context.Context, filter ReportFilter, after int64, limit int) ([]*Report, error)
}
