package portal

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strconv"

	"civicledger/ledger"
)

// Stats returns the totals of the projects a public query selects and, when
// groups are given, one row per combination of group values.
func (p *Portal) Stats(ctx context.Context, q *ProjectQuery, groups []ledger.StatsGroup) (*ledger.StatsRow, []*ledger.StatsRow, error) {
	f, err := p.ProjectFilter(ctx, "filter", q)
	if err != nil {
		return nil, nil, err
	}
	total, rows, err := p.Reader.Stats(ctx, f, groups)
	if rows == nil {
		rows = []*ledger.StatsRow{}
	}
	return total, rows, err
}

// RoundStats returns the totals of one funding round.
func (p *Portal) RoundStats(ctx context.Context, roundID int64) (*ledger.StatsRow, error) {
	t, _, err := p.Reader.Stats(ctx, ledger.ProjectFilter{RoundIDs: []int64{roundID}}, nil)
	return t, err
}

// OrganizationStats returns the totals of the projects an organization took
// part in, in any role.
func (p *Portal) OrganizationStats(ctx context.Context, orgID int64) (*ledger.StatsRow, error) {
	t, _, err := p.Reader.Stats(ctx, ledger.ProjectFilter{AnyOrgIDs: []int64{orgID}}, nil)
	return t, err
}

// YearAmount is what an undertaker was awarded in one year.
type YearAmount struct {
	Year     int
	Projects int64
	Amount   ledger.Money
}

// AwardedByYear returns what an undertaker was awarded each year, oldest
// first.
func (p *Portal) AwardedByYear(ctx context.Context, orgID int64) ([]YearAmount, error) {
	_, rows, err := p.Reader.Stats(ctx, ledger.ProjectFilter{UndertakerIDs: []int64{orgID}}, []ledger.StatsGroup{ledger.GroupByYear})
	if err != nil {
		return nil, err
	}
	out := make([]YearAmount, 0, len(rows))
	for _, row := range rows {
		y, _ := strconv.Atoi(row.Key[ledger.GroupByYear])
		out = append(out, YearAmount{Year: y, Projects: row.Projects, Amount: row.Awarded})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Year < out[j].Year })
	return out, nil
}

// GroupOrder is a figure statistics groups can be ordered by; the names are
// the GraphQL StatsOrderField values.
type GroupOrder string

// The orders of statistics groups.
const (
	ByKey           GroupOrder = "KEY"
	ByProjects      GroupOrder = "PROJECTS"
	ByAwarded       GroupOrder = "AWARDED"
	ByLeveraged     GroupOrder = "LEVERAGED"
	ByLeverageRatio GroupOrder = "LEVERAGE_RATIO"
	ByBeneficiaries GroupOrder = "BENEFICIARIES"
	ByVolunteers    GroupOrder = "VOLUNTEERS"
	ByExperts       GroupOrder = "EXPERTS"
	BySatisfaction  GroupOrder = "SATISFACTION"
)

// groupFigure gives the figure each order sorts groups by; nil where a
// group has none.
var groupFigure = map[GroupOrder]func(*ledger.StatsRow) *float64{
	ByProjects:      func(r *ledger.StatsRow) *float64 { return ptr(float64(r.Projects)) },
	ByAwarded:       func(r *ledger.StatsRow) *float64 { return ptr(float64(r.Awarded)) },
	ByLeveraged:     func(r *ledger.StatsRow) *float64 { return ptr(float64(r.Leveraged)) },
	ByBeneficiaries: func(r *ledger.StatsRow) *float64 { return ptr(float64(r.Beneficiaries)) },
	ByVolunteers:    func(r *ledger.StatsRow) *float64 { return ptr(float64(r.Volunteers)) },
	ByExperts:       func(r *ledger.StatsRow) *float64 { return ptr(float64(r.Experts)) },
	BySatisfaction:  func(r *ledger.StatsRow) *float64 { return r.Satisfaction() },
	ByLeverageRatio: func(r *ledger.StatsRow) *float64 {
		if r.Awarded == 0 {
			return nil
		}
		return ptr(float64(r.Leveraged) / float64(r.Awarded))
	},
}

func ptr[T any](v T) *T { return &v }

// GroupPage returns one page of statistics groups in the order asked for:
// by a figure (descending unless asc), or by key (in the order of the
// groupBy values, reversed when desc). Groups without the figure (no
// responses) come last either way; ties keep key order, so pages never
// overlap. first is at most MaxPage; offset is not negative.
func GroupPage(rows []*ledger.StatsRow, by GroupOrder, desc bool, first, offset int) ([]*ledger.StatsRow, error) {
	if first < 0 || first > MaxPage {
		return nil, ledger.Invalid("first", "must be between 0 and %d, got %d", MaxPage, first)
	}
	if offset < 0 {
		return nil, ledger.Invalid("offset", "must not be negative, got %d", offset)
	}
	if by != ByKey && by != "" {
		fig, ok := groupFigure[by]
		if !ok {
			return nil, ledger.Invalid("orderBy.field", "cannot order groups by %s", by)
		}
		type keyed struct {
			v   *float64
			row *ledger.StatsRow
		}
		ks := make([]keyed, len(rows))
		for i, row := range rows {
			ks[i] = keyed{fig(row), row}
		}
		slices.SortStableFunc(ks, func(a, b keyed) int {
			if a.v == nil || b.v == nil {
				return cmp.Compare(boolInt(a.v == nil), boolInt(b.v == nil))
			}
			if desc {
				return cmp.Compare(*b.v, *a.v)
			}
			return cmp.Compare(*a.v, *b.v)
		})
		rows = make([]*ledger.StatsRow, len(ks))
		for i, k := range ks {
			rows[i] = k.row
		}
	} else if desc {
		rows = slices.Clone(rows)
		slices.Reverse(rows)
	}
	offset = min(offset, len(rows))
	return rows[offset:min(offset+first, len(rows))], nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
