package resolvers

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strconv"
	"time"

	"civicledger/graph/model"
	"civicledger/ledger"
)

func (r *queryResolver) Dataset(ctx context.Context) (*ledger.Meta, error) {
	return r.Meta.Meta(ctx)
}

func (r *datasetResolver) Currency(ctx context.Context, obj *ledger.Meta) (string, error) {
	return "CNY", nil
}

func (r *datasetResolver) LoadedAt(ctx context.Context, obj *ledger.Meta) (*time.Time, error) {
	if obj.LoadedAt.IsZero() {
		return nil, nil
	}
	t := obj.LoadedAt.In(ledger.Shanghai)
	return &t, nil
}

// MaxNodes is the most IDs nodes(ids:) accepts.
const MaxNodes = 100

func (r *queryResolver) Node(ctx context.Context, id string) (ledger.Node, error) {
	ns, err := r.Nodes(ctx, []string{id})
	if err != nil || len(ns) == 0 {
		return nil, err
	}
	return ns[0], nil
}

// Nodes fetches objects by global ID with one store call per type.
func (r *queryResolver) Nodes(ctx context.Context, ids []string) ([]ledger.Node, error) {
	if len(ids) > MaxNodes {
		return nil, ledger.Invalid("ids", "at most %d IDs per call, got %d", MaxNodes, len(ids))
	}
	out := make([]ledger.Node, len(ids))
	type wanted struct {
		pos  []int // positions in ids
		keys []string
	}
	byType := map[string]*wanted{}
	for i, id := range ids {
		typ, key, ok := parseGlobalID(id)
		if !ok {
			continue // unknown IDs resolve to null, as Relay expects
		}
		w := byType[typ]
		if w == nil {
			w = &wanted{}
			byType[typ] = w
		}
		w.pos, w.keys = append(w.pos, i), append(w.keys, key)
	}
	for typ, w := range byType {
		var err error
		switch typ {
		case "Project":
			err = fillNodes(ctx, out, w.pos, w.keys, r.Reader.ProjectsByCodes)
		case "Organization":
			err = fillNodes(ctx, out, w.pos, w.keys, r.Reader.OrganizationsByCodes)
		case "Report":
			err = fillNodes(ctx, out, w.pos, w.keys, r.Reader.ReportsByCodes)
		case "Announcement":
			err = fillNodes(ctx, out, w.pos, w.keys, r.Reader.AnnouncementsByCodes)
		case "Round":
			err = fillNodes(ctx, out, w.pos, w.keys, r.roundsByYears)
		case "IndicatorSet":
			err = fillNodes(ctx, out, w.pos, w.keys, byNumericKeys(r.Reader.IndicatorSetsByIDs))
		case "CaseCollection":
			err = fillNodes(ctx, out, w.pos, w.keys, byNumericKeys(r.Reader.CaseCollectionsByIDs))
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fillNodes loads the records of one type by key and puts the ones found
// at their positions in out.
func fillNodes[T any](ctx context.Context, out []ledger.Node, pos []int, keys []string, load func(context.Context, []string) ([]*T, error)) error {
	vs, err := load(ctx, keys)
	if err != nil {
		return err
	}
	for j, v := range vs {
		if v != nil {
			out[pos[j]] = v
		}
	}
	return nil
}

// byNumericKeys adapts a by-IDs loader to keys that are decimal IDs.
func byNumericKeys[T any](load func(context.Context, []int64) ([]*T, error)) func(context.Context, []string) ([]*T, error) {
	return func(ctx context.Context, keys []string) ([]*T, error) {
		ids := make([]int64, len(keys))
		for i, k := range keys {
			ids[i], _ = strconv.ParseInt(k, 10, 64)
		}
		return load(ctx, ids)
	}
}

// roundsByYears loads rounds by year keys ("2014"); missing years are nil.
func (r *queryResolver) roundsByYears(ctx context.Context, keys []string) ([]*ledger.Round, error) {
	all, err := r.Reader.Rounds(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*ledger.Round, len(keys))
	for i, k := range keys {
		for _, rd := range all {
			if strconv.Itoa(rd.Year) == k {
				out[i] = rd
			}
		}
	}
	return out, nil
}

func (r *queryResolver) Rounds(ctx context.Context) ([]*ledger.Round, error) {
	return r.Reader.Rounds(ctx)
}

func (r *queryResolver) Round(ctx context.Context, year int) (*ledger.Round, error) {
	rd, err := r.Reader.RoundByYear(ctx, year)
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return nil, nil
	}
	return rd, err
}

func (r *queryResolver) Projects(ctx context.Context, filter *model.ProjectFilter, orderBy *model.ProjectOrder, first *int, after *string, last *int, before *string) (*model.ProjectConnection, error) {
	f, err := r.projectFilter(ctx, filter)
	if err != nil {
		return nil, err
	}
	return r.projectConnection(ctx, f, projectOrder(orderBy), pageArgs{first, last, after, before})
}

func (r *queryResolver) Project(ctx context.Context, code string) (*ledger.Project, error) {
	p, err := r.Reader.Project(ctx, code)
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return nil, nil
	}
	return p, err
}

func (r *queryResolver) Organizations(ctx context.Context, kinds []ledger.OrgKind, first *int, after *string, last *int, before *string) (*model.OrganizationConnection, error) {
	items, w, total, pi, err := paginate(pageArgs{first, last, after, before}, func(offset, limit int) ([]*ledger.Organization, int, error) {
		return r.Reader.FindOrganizations(ctx, kinds, offset, limit)
	})
	if err != nil {
		return nil, err
	}
	c := &model.OrganizationConnection{Nodes: items, PageInfo: pi, TotalCount: total, Edges: make([]*model.OrganizationEdge, len(items))}
	for i, o := range items {
		c.Edges[i] = &model.OrganizationEdge{Cursor: encodeCursor(w.offset + i), Node: o}
	}
	return c, nil
}

func (r *queryResolver) Organization(ctx context.Context, creditCode string) (*ledger.Organization, error) {
	o, err := r.Reader.Organization(ctx, creditCode)
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return nil, nil
	}
	return o, err
}

func (r *queryResolver) Announcements(ctx context.Context, filter *model.AnnouncementFilter, first *int, after *string, last *int, before *string) (*model.AnnouncementConnection, error) {
	var f ledger.AnnouncementFilter
	if filter != nil {
		f = ledger.AnnouncementFilter{Kinds: filter.Kinds, Years: filter.Years, NoticeOpen: filter.NoticeOpen, NoticeOpenOn: r.today()}
		if filter.PublishedFrom != nil {
			f.PublishedFrom = *filter.PublishedFrom
		}
		if filter.PublishedTo != nil {
			f.PublishedTo = *filter.PublishedTo
		}
	}
	items, w, total, pi, err := paginate(pageArgs{first, last, after, before}, func(offset, limit int) ([]*ledger.Announcement, int, error) {
		return r.Reader.FindAnnouncements(ctx, f, offset, limit)
	})
	if err != nil {
		return nil, err
	}
	c := &model.AnnouncementConnection{Nodes: items, PageInfo: pi, TotalCount: total, Edges: make([]*model.AnnouncementEdge, len(items))}
	for i, a := range items {
		c.Edges[i] = &model.AnnouncementEdge{Cursor: encodeCursor(w.offset + i), Node: a}
	}
	return c, nil
}

func (r *queryResolver) Announcement(ctx context.Context, code string) (*ledger.Announcement, error) {
	as, err := r.Reader.AnnouncementsByCodes(ctx, []string{code})
	if err != nil || len(as) == 0 {
		return nil, err
	}
	return as[0], nil
}

func (r *queryResolver) Reports(ctx context.Context, filter *model.ReportFilter, first *int, after *string, last *int, before *string) (*model.ReportConnection, error) {
	var f ledger.ReportFilter
	if filter != nil {
		f = ledger.ReportFilter{Kinds: filter.Kinds, Years: filter.Years}
		if filter.PublishedFrom != nil {
			f.PublishedFrom = *filter.PublishedFrom
		}
		if filter.PublishedTo != nil {
			f.PublishedTo = *filter.PublishedTo
		}
		if filter.Project != nil {
			p, err := r.Reader.Project(ctx, *filter.Project)
			if ledger.ErrorCode(err) == ledger.ENOTFOUND {
				return nil, ledger.Invalid("filter.project", "no project has code %q", *filter.Project)
			} else if err != nil {
				return nil, err
			}
			f.ProjectIDs = []int64{p.ID}
		}
		if filter.Organization != nil {
			ids, err := r.orgIDs(ctx, "filter.organization", []string{*filter.Organization})
			if err != nil {
				return nil, err
			}
			f.AuthorIDs = ids
		}
	}
	return r.reportConnection(ctx, f, pageArgs{first, last, after, before})
}

func (r *queryResolver) Report(ctx context.Context, code string) (*ledger.Report, error) {
	rs, err := r.Reader.ReportsByCodes(ctx, []string{code})
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return rs[0], nil
}

func (r *queryResolver) CaseCollections(ctx context.Context, year *int) ([]*ledger.CaseCollection, error) {
	y := 0
	if year != nil {
		y = *year
	}
	return r.Reader.CaseCollections(ctx, y)
}

func (r *queryResolver) IndicatorSets(ctx context.Context, kind *ledger.ReviewKind) ([]*ledger.IndicatorSet, error) {
	var k ledger.ReviewKind
	if kind != nil {
		k = *kind
	}
	return r.Reader.IndicatorSets(ctx, k)
}

func (r *queryResolver) Stats(ctx context.Context, filter *model.ProjectFilter, groupBy []ledger.StatsGroup) (*model.Stats, error) {
	f, err := r.projectFilter(ctx, filter)
	if err != nil {
		return nil, err
	}
	total, rows, err := r.Reader.Stats(ctx, f, groupBy)
	if err != nil {
		return nil, err
	}
	if rows == nil {
		rows = []*ledger.StatsRow{}
	}
	return &model.Stats{Total: total, Rows: rows}, nil
}

func (r *statsResolver) GroupCount(ctx context.Context, obj *model.Stats) (int, error) {
	return len(obj.Rows), nil
}

// Groups serves one page of the groups in the order asked for; rows that
// tie keep the order of their groupBy values, so pages never overlap.
func (r *statsResolver) Groups(ctx context.Context, obj *model.Stats, orderBy *model.StatsOrder, first *int, offset *int) ([]*ledger.StatsRow, error) {
	n, from := MaxPage, 0
	if first != nil {
		if *first < 0 || *first > MaxPage {
			return nil, ledger.Invalid("first", "must be between 0 and %d, got %d", MaxPage, *first)
		}
		n = *first
	}
	if offset != nil {
		if *offset < 0 {
			return nil, ledger.Invalid("offset", "must not be negative, got %d", *offset)
		}
		from = *offset
	}
	rows := obj.Rows
	if orderBy != nil && orderBy.Field != model.StatsOrderFieldKey {
		by, ok := statsOrder[orderBy.Field]
		if !ok {
			return nil, ledger.Invalid("orderBy.field", "cannot order groups by %s", orderBy.Field)
		}
		desc := orderBy.Direction == nil || *orderBy.Direction == model.OrderDirectionDesc
		type keyed struct {
			v   *float64
			row *ledger.StatsRow
		}
		ks := make([]keyed, len(rows))
		for i, row := range rows {
			ks[i] = keyed{by(row), row}
		}
		slices.SortStableFunc(ks, func(a, b keyed) int {
			// Groups without the figure (no responses) come last either way.
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
	} else if orderBy != nil && orderBy.Direction != nil && *orderBy.Direction == model.OrderDirectionDesc {
		rows = slices.Clone(rows)
		slices.Reverse(rows)
	}
	from = min(from, len(rows))
	return rows[from:min(from+n, len(rows))], nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// statsOrder gives the figure each order field sorts groups by; nil where a
// group has none.
var statsOrder = map[model.StatsOrderField]func(*ledger.StatsRow) *float64{
	model.StatsOrderFieldProjects:      func(r *ledger.StatsRow) *float64 { return ptr(float64(r.Projects)) },
	model.StatsOrderFieldAwarded:       func(r *ledger.StatsRow) *float64 { return ptr(float64(r.Awarded)) },
	model.StatsOrderFieldLeveraged:     func(r *ledger.StatsRow) *float64 { return ptr(float64(r.Leveraged)) },
	model.StatsOrderFieldBeneficiaries: func(r *ledger.StatsRow) *float64 { return ptr(float64(r.Beneficiaries)) },
	model.StatsOrderFieldVolunteers:    func(r *ledger.StatsRow) *float64 { return ptr(float64(r.Volunteers)) },
	model.StatsOrderFieldExperts:       func(r *ledger.StatsRow) *float64 { return ptr(float64(r.Experts)) },
	model.StatsOrderFieldSatisfaction:  func(r *ledger.StatsRow) *float64 { return r.Satisfaction() },
	model.StatsOrderFieldLeverageRatio: func(r *ledger.StatsRow) *float64 {
		if r.Awarded == 0 {
			return nil
		}
		return ptr(float64(r.Leveraged) / float64(r.Awarded))
	},
}

func ptr[T any](v T) *T { return &v }

func (r *queryResolver) Labels(ctx context.Context) ([]*model.EnumLabel, error) {
	var out []*model.EnumLabel
	add := func(enum string, values ...string) {
		for _, v := range values {
			out = append(out, &model.EnumLabel{Enum: enum, Value: v, Label: ledger.Label(v)})
		}
	}
	add("ServiceArea", strs(ledger.ServiceAreas)...)
	add("Stage", strs(ledger.Stages)...)
	add("Outcome", string(ledger.Rejected), string(ledger.Terminated), string(ledger.Completed))
	add("ReviewKind", strs(ledger.ReviewKinds)...)
	add("OrganizationKind", strs(ledger.OrgKinds)...)
	add("TrancheKind", strs(ledger.TrancheKinds)...)
	add("MetricKind", strs(ledger.MetricKinds)...)
	add("Provenance", string(ledger.SelfReported), string(ledger.Verified))
	add("AnnouncementKind", strs(ledger.AnnouncementKinds)...)
	add("ReportKind", strs(ledger.ReportKinds)...)
	add("AuditResult", string(ledger.AuditClean), string(ledger.AuditFindings))
	return out, nil
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// Round

func (r *roundResolver) ID(ctx context.Context, obj *ledger.Round) (string, error) {
	return globalID("Round", strconv.Itoa(obj.Year)), nil
}

func (r *roundResolver) Stats(ctx context.Context, obj *ledger.Round) (*ledger.StatsRow, error) {
	t, _, err := r.Reader.Stats(ctx, ledger.ProjectFilter{RoundIDs: []int64{obj.ID}}, nil)
	return t, err
}

func (r *roundResolver) Announcements(ctx context.Context, obj *ledger.Round) ([]*ledger.Announcement, error) {
	as, _, err := r.Reader.FindAnnouncements(ctx, ledger.AnnouncementFilter{RoundIDs: []int64{obj.ID}}, 0, 1000)
	return as, err
}

// Stats rows

func (r *statsRowResolver) Key(ctx context.Context, obj *ledger.StatsRow) (*model.StatsKey, error) {
	if obj.Key == nil {
		return nil, nil
	}
	k := &model.StatsKey{}
	for g, v := range obj.Key {
		v := v
		switch g {
		case ledger.GroupByYear:
			y, _ := strconv.Atoi(v)
			k.Year = &y
		case ledger.GroupByServiceArea:
			a := ledger.ServiceArea(v)
			l := ledger.Label(a)
			k.ServiceArea, k.ServiceAreaLabel = &a, &l
		case ledger.GroupByDistrict:
			k.District = &v
		case ledger.GroupByStage:
			s := ledger.Stage(v)
			l := ledger.Label(s)
			k.Stage, k.StageLabel = &s, &l
		case ledger.GroupByUndertaker, ledger.GroupByEvaluator:
			id, _ := strconv.ParseInt(v, 10, 64)
			if id == 0 {
				continue
			}
			o, err := r.loaders(ctx).Organization.Load(ctx, id)
			if err != nil {
				return nil, err
			}
			if g == ledger.GroupByUndertaker {
				k.Undertaker = o
			} else {
				k.Evaluator = o
			}
		}
	}
	return k, nil
}

func (r *statsRowResolver) LeverageRatio(ctx context.Context, obj *ledger.StatsRow) (*string, error) {
	return ratio(obj.Leveraged, obj.Awarded), nil
}

func (r *statsRowResolver) Satisfaction(ctx context.Context, obj *ledger.StatsRow) (*float64, error) {
	return obj.Satisfaction(), nil
}

// Organizations

func (r *organizationResolver) ID(ctx context.Context, obj *ledger.Organization) (string, error) {
	return globalID("Organization", obj.CreditCode), nil
}

func (r *organizationResolver) KindLabel(ctx context.Context, obj *ledger.Organization) (string, error) {
	return ledger.Label(obj.Kind), nil
}

func (r *organizationResolver) Projects(ctx context.Context, obj *ledger.Organization, role *ledger.OrgKind, orderBy *model.ProjectOrder, first *int, after *string, last *int, before *string) (*model.ProjectConnection, error) {
	var f ledger.ProjectFilter
	switch {
	case role == nil:
		f.AnyOrgIDs = []int64{obj.ID}
	case *role == ledger.Undertaker:
		f.UndertakerIDs = []int64{obj.ID}
	case *role == ledger.Evaluator:
		f.EvaluatorIDs = []int64{obj.ID}
	case *role == ledger.Auditor:
		f.AuditorIDs = []int64{obj.ID}
	default:
		return nil, ledger.Invalid("role", "projects are linked to undertakers, evaluators and auditors, not to %s", *role)
	}
	return r.projectConnection(ctx, f, projectOrder(orderBy), pageArgs{first, last, after, before})
}

func (r *organizationResolver) Stats(ctx context.Context, obj *ledger.Organization) (*ledger.StatsRow, error) {
	t, _, err := r.Reader.Stats(ctx, ledger.ProjectFilter{AnyOrgIDs: []int64{obj.ID}}, nil)
	return t, err
}

func (r *organizationResolver) AwardedByYear(ctx context.Context, obj *ledger.Organization) ([]*model.YearAmount, error) {
	_, rows, err := r.Reader.Stats(ctx, ledger.ProjectFilter{UndertakerIDs: []int64{obj.ID}}, []ledger.StatsGroup{ledger.GroupByYear})
	if err != nil {
		return nil, err
	}
	out := make([]*model.YearAmount, 0, len(rows))
	for _, row := range rows {
		y, _ := strconv.Atoi(row.Key[ledger.GroupByYear])
		out = append(out, &model.YearAmount{Year: y, Projects: row.Projects, Amount: row.Awarded})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Year < out[j].Year })
	return out, nil
}

func (r *organizationResolver) AverageScores(ctx context.Context, obj *ledger.Organization) ([]*model.ReviewAverage, error) {
	avgs, err := r.Reader.ReviewAverages(ctx, obj.ID, obj.Kind)
	if err != nil {
		return nil, err
	}
	out := make([]*model.ReviewAverage, len(avgs))
	for i, a := range avgs {
		out[i] = &model.ReviewAverage{Kind: a.Kind, KindLabel: ledger.Label(a.Kind), Scorecards: a.Scorecards, Average: a.Average}
	}
	return out, nil
}

func (r *organizationResolver) Reports(ctx context.Context, obj *ledger.Organization, first *int, after *string, last *int, before *string) (*model.ReportConnection, error) {
	return r.reportConnection(ctx, ledger.ReportFilter{AuthorIDs: []int64{obj.ID}}, pageArgs{first, last, after, before})
}
