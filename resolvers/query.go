package resolvers

import (
	"context"
	"strconv"
	"time"

	"civicledger/graph/model"
	"civicledger/ledger"
	"civicledger/portal"
)

func (r *queryResolver) Dataset(ctx context.Context) (*ledger.Meta, error) {
	return r.Portal.Dataset(ctx)
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
		vs, err := r.ByKeys(ctx, typ, w.keys)
		if err != nil {
			return nil, err
		}
		if typ == "Project" {
			var ps []*ledger.Project
			for _, v := range vs {
				if p, ok := v.(*ledger.Project); ok && p != nil {
					ps = append(ps, p)
				}
			}
			if err := r.Prefetch(ctx, ps, requestedFields(ctx)); err != nil {
				return nil, err
			}
		}
		for j, v := range vs {
			if v != nil {
				out[w.pos[j]] = v
			}
		}
	}
	return out, nil
}

func (r *queryResolver) Rounds(ctx context.Context) ([]*ledger.Round, error) {
	return r.Portal.Rounds(ctx)
}

func (r *queryResolver) Round(ctx context.Context, year int) (*ledger.Round, error) {
	return r.Portal.Round(ctx, year)
}

func (r *queryResolver) Projects(ctx context.Context, filter *portal.ProjectQuery, orderBy *model.ProjectOrder, first *int, after *string, last *int, before *string) (*model.ProjectConnection, error) {
	f, err := r.ProjectFilter(ctx, "filter", filter)
	if err != nil {
		return nil, err
	}
	pg, err := r.Portal.Projects(ctx, f, projectOrder(orderBy), pageArgs(first, after, last, before), requestedFields(ctx))
	if err != nil {
		return nil, err
	}
	return projectConnection(pg), nil
}

func (r *queryResolver) Project(ctx context.Context, code string) (*ledger.Project, error) {
	return r.ProjectFor(ctx, code, requestedFields(ctx))
}

func (r *queryResolver) Organizations(ctx context.Context, kinds []ledger.OrgKind, first *int, after *string, last *int, before *string) (*model.OrganizationConnection, error) {
	pg, err := r.Portal.Organizations(ctx, kinds, pageArgs(first, after, last, before))
	if err != nil {
		return nil, err
	}
	c := &model.OrganizationConnection{Nodes: pg.Items, PageInfo: pageInfo(pg), TotalCount: pg.Total, Edges: make([]*model.OrganizationEdge, len(pg.Items))}
	for i, o := range pg.Items {
		c.Edges[i] = &model.OrganizationEdge{Cursor: pg.Cursor(i), Node: o}
	}
	return c, nil
}

func (r *queryResolver) Organization(ctx context.Context, creditCode string) (*ledger.Organization, error) {
	return r.Portal.Organization(ctx, creditCode)
}

func (r *queryResolver) Announcements(ctx context.Context, filter *portal.AnnouncementQuery, first *int, after *string, last *int, before *string) (*model.AnnouncementConnection, error) {
	pg, err := r.Portal.Announcements(ctx, r.AnnouncementFilter(filter), pageArgs(first, after, last, before))
	if err != nil {
		return nil, err
	}
	c := &model.AnnouncementConnection{Nodes: pg.Items, PageInfo: pageInfo(pg), TotalCount: pg.Total, Edges: make([]*model.AnnouncementEdge, len(pg.Items))}
	for i, a := range pg.Items {
		c.Edges[i] = &model.AnnouncementEdge{Cursor: pg.Cursor(i), Node: a}
	}
	return c, nil
}

func (r *queryResolver) Announcement(ctx context.Context, code string) (*ledger.Announcement, error) {
	return r.Portal.Announcement(ctx, code)
}

func (r *queryResolver) Reports(ctx context.Context, filter *portal.ReportQuery, first *int, after *string, last *int, before *string) (*model.ReportConnection, error) {
	f, err := r.ReportFilter(ctx, "filter", filter)
	if err != nil {
		return nil, err
	}
	pg, err := r.Portal.Reports(ctx, f, pageArgs(first, after, last, before))
	if err != nil {
		return nil, err
	}
	return reportConnection(pg), nil
}

func (r *queryResolver) Report(ctx context.Context, code string) (*ledger.Report, error) {
	return r.Portal.Report(ctx, code)
}

func (r *queryResolver) CaseCollections(ctx context.Context, year *int) ([]*ledger.CaseCollection, error) {
	y := 0
	if year != nil {
		y = *year
	}
	return r.Portal.CaseCollections(ctx, y)
}

func (r *queryResolver) IndicatorSets(ctx context.Context, kind *ledger.ReviewKind) ([]*ledger.IndicatorSet, error) {
	var k ledger.ReviewKind
	if kind != nil {
		k = *kind
	}
	return r.Portal.IndicatorSets(ctx, k)
}

func (r *queryResolver) Stats(ctx context.Context, filter *portal.ProjectQuery, groupBy []ledger.StatsGroup) (*model.Stats, error) {
	total, rows, err := r.Portal.Stats(ctx, filter, groupBy)
	if err != nil {
		return nil, err
	}
	return &model.Stats{Scope: filter.ScopeOrDefault(), Total: total, Rows: rows}, nil
}

func (r *statsResolver) GroupCount(ctx context.Context, obj *model.Stats) (int, error) {
	return len(obj.Rows), nil
}

// Groups serves one page of the groups in the order asked for.
func (r *statsResolver) Groups(ctx context.Context, obj *model.Stats, orderBy *model.StatsOrder, first *int, offset *int) ([]*ledger.StatsRow, error) {
	n, from := portal.MaxPage, 0
	if first != nil {
		n = *first
	}
	if offset != nil {
		from = *offset
	}
	by, desc := portal.ByKey, false
	if orderBy != nil {
		by = portal.GroupOrder(orderBy.Field)
		// Figures default to descending, keys to ascending.
		desc = by != portal.ByKey && orderBy.Direction == nil || orderBy.Direction != nil && *orderBy.Direction == model.OrderDirectionDesc
	}
	return portal.GroupPage(obj.Rows, by, desc, n, from)
}

func (r *queryResolver) Labels(ctx context.Context) ([]*model.EnumLabel, error) {
	ls := portal.EnumLabels()
	out := make([]*model.EnumLabel, len(ls))
	for i, l := range ls {
		out[i] = &model.EnumLabel{Enum: l.Enum, Value: l.Value, Label: l.Label}
	}
	return out, nil
}

// Round

func (r *roundResolver) ID(ctx context.Context, obj *ledger.Round) (string, error) {
	return globalID("Round", strconv.Itoa(obj.Year)), nil
}

func (r *roundResolver) Stats(ctx context.Context, obj *ledger.Round) (*ledger.StatsRow, error) {
	return r.RoundStats(ctx, obj.ID)
}

func (r *roundResolver) Announcements(ctx context.Context, obj *ledger.Round) ([]*ledger.Announcement, error) {
	return r.RoundAnnouncements(ctx, obj.ID)
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
			o, err := r.Loaders(ctx).Organization().Load(ctx, id)
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
	pg, err := r.OrganizationProjects(ctx, obj, role, projectOrder(orderBy), pageArgs(first, after, last, before), requestedFields(ctx))
	if err != nil {
		return nil, err
	}
	return projectConnection(pg), nil
}

func (r *organizationResolver) Stats(ctx context.Context, obj *ledger.Organization) (*ledger.StatsRow, error) {
	return r.OrganizationStats(ctx, obj.ID)
}

func (r *organizationResolver) AwardedByYear(ctx context.Context, obj *ledger.Organization) ([]*model.YearAmount, error) {
	ys, err := r.Portal.AwardedByYear(ctx, obj.ID)
	if err != nil {
		return nil, err
	}
	out := make([]*model.YearAmount, len(ys))
	for i, y := range ys {
		out[i] = &model.YearAmount{Year: y.Year, Projects: y.Projects, Amount: y.Amount}
	}
	return out, nil
}

func (r *organizationResolver) AverageScores(ctx context.Context, obj *ledger.Organization) ([]*model.ReviewAverage, error) {
	avgs, err := r.ReviewAverages(ctx, obj)
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
	pg, err := r.Portal.Reports(ctx, ledger.ReportFilter{AuthorIDs: []int64{obj.ID}}, pageArgs(first, after, last, before))
	if err != nil {
		return nil, err
	}
	return reportConnection(pg), nil
}

func (r *organizationResolver) Description(ctx context.Context, obj *ledger.Organization) (string, error) {
	o, err := r.WholeOrganization(ctx, obj)
	return o.Description, err
}

// FoundedOn is never nil: an empty date is written as null by its marshaler.
func (r *organizationResolver) FoundedOn(ctx context.Context, obj *ledger.Organization) (*ledger.Date, error) {
	o, err := r.WholeOrganization(ctx, obj)
	return &o.FoundedOn, err
}
