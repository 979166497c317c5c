package model

import "civicledger/ledger"

// Stats is the answer of the stats query: the total, and every group, of
// which the groups field serves one ordered page.
type Stats struct {
	// Scope is which projects the totals count.
	Scope ledger.ProjectScope
	Total *ledger.StatsRow
	// Rows are all the groups, in the order of their groupBy values.
	Rows []*ledger.StatsRow
}
