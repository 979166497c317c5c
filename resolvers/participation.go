package resolvers

import (
	"context"
	"strconv"

	"civicledger/graph/model"
	"civicledger/ledger"
	"civicledger/portal"
)

// Public participation: thin converters over portal's participation use
// cases (portal/participation*.go).

func (r *queryResolver) FeedbackFigures(ctx context.Context, project *string, year *int) (*model.FeedbackFigures, error) {
	var by string
	var id int64
	switch {
	case project != nil && year != nil:
		return nil, ledger.Invalid("year", "ask for a project or a year, not both")
	case project != nil:
		p, err := r.Portal.Project(ctx, *project)
		if err != nil || p == nil {
			return nil, err
		}
		by, id = "project", p.ID
	case year != nil:
		rd, err := r.Portal.Round(ctx, *year)
		if err != nil || rd == nil {
			return nil, err
		}
		by, id = "round", rd.ID
	default:
		return nil, ledger.Invalid("project", "ask for a project (by code) or a round (by year)")
	}
	s, err := r.Portal.Satisfaction(ctx, by, id)
	if err != nil {
		return nil, err
	}
	out := &model.FeedbackFigures{VerifiedOnly: true, Responses: s.Responses, CodesIssued: s.CodesIssued,
		ResponseRate: s.ResponseRate, Withheld: s.Withheld}
	for _, d := range s.Dimensions {
		out.Dimensions = append(out.Dimensions, &model.DimensionFigures{Dimension: model.RatingDimension(d.Dimension),
			Label: ledger.Label(d.Dimension), Responses: d.Responses, Mean: d.Mean, Distribution: d.Distribution})
	}
	return out, nil
}

// projectCodes maps project IDs to their codes, in one read.
func (r *queryResolver) projectCodes(ctx context.Context, ids []int64) (map[int64]string, error) {
	ps, err := r.Portal.Reader.ProjectsByIDs(ctx, ids)
	out := make(map[int64]string, len(ps))
	for _, p := range ps {
		if p != nil {
			out[p.ID] = p.Code
		}
	}
	return out, err
}

// announcementCodes maps announcement IDs to their codes, in one read.
func (r *queryResolver) announcementCodes(ctx context.Context, ids []int64) (map[int64]string, error) {
	as, err := r.Portal.Reader.AnnouncementsByIDs(ctx, ids)
	out := make(map[int64]string, len(as))
	for _, a := range as {
		if a != nil {
			out[a.ID] = a.Code
		}
	}
	return out, err
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (r *queryResolver) Comments(ctx context.Context, project *string, first *int, after *string, last *int, before *string) (*model.CommentConnection, error) {
	var pid int64
	if project != nil {
		p, err := r.Portal.Project(ctx, *project)
		if err != nil {
			return nil, err
		} else if p == nil {
			return &model.CommentConnection{Nodes: []*model.Comment{}, PageInfo: &model.PageInfo{}}, nil
		}
		pid = p.ID
	}
	page, err := r.Portal.Comments(ctx, pid, pageArgs(first, after, last, before))
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(page.Items))
	for i, c := range page.Items {
		ids[i] = c.Project
	}
	codes, err := r.projectCodes(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := &model.CommentConnection{Nodes: make([]*model.Comment, len(page.Items)), PageInfo: pageInfo(page), TotalCount: page.Total}
	for i, c := range page.Items {
		out.Nodes[i] = &model.Comment{ID: strconv.FormatInt(c.ID, 10), Project: codes[c.Project], Rating: c.Rating,
			Respondent: model.Respondent(c.Respondent), Verified: c.Verified, Text: c.Text, SubmittedOn: c.SubmittedAt,
			Answer: optString(c.Answer), AnsweredOn: c.AnsweredAt}
	}
	return out, nil
}

func (r *queryResolver) publicObjections(ctx context.Context, os []portal.PublicObjection) ([]*model.PublicObjection, error) {
	pids, aids := make([]int64, len(os)), make([]int64, len(os))
	for i, o := range os {
		pids[i], aids[i] = o.Project, o.Announcement
	}
	pcodes, err := r.projectCodes(ctx, pids)
	if err != nil {
		return nil, err
	}
	acodes, err := r.announcementCodes(ctx, aids)
	if err != nil {
		return nil, err
	}
	out := make([]*model.PublicObjection, len(os))
	for i, o := range os {
		out[i] = &model.PublicObjection{Announcement: acodes[o.Announcement], Project: pcodes[o.Project],
			State: model.ObjectionState(o.State), ReceivedOn: o.ReceivedOn, Text: optString(o.Text), Reason: optString(o.Reason),
			Answer: optString(o.Answer), AnsweredOn: o.AnsweredOn, WorkingDays: o.WorkingDays}
	}
	return out, nil
}

func (r *queryResolver) Objections(ctx context.Context, project string) ([]*model.PublicObjection, error) {
	p, err := r.Portal.Project(ctx, project)
	if err != nil || p == nil {
		return []*model.PublicObjection{}, err
	}
	os, err := r.Portal.Objections(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return r.publicObjections(ctx, os)
}

func (r *queryResolver) ObjectionStatus(ctx context.Context, receipt string) (*model.PublicObjection, error) {
	o, err := r.Portal.ObjectionStatus(ctx, receipt)
	if err != nil || o == nil {
		return nil, err
	}
	out, err := r.publicObjections(ctx, []portal.PublicObjection{*o})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

func (r *queryResolver) OpenNotices(ctx context.Context) ([]*ledger.Announcement, error) {
	return r.Portal.OpenNotices(ctx)
}

func (r *announcementResolver) NoticeWorkingDays(ctx context.Context, obj *ledger.Announcement) (*model.NoticeWorkingDays, error) {
	n := r.Portal.NoticeDays(obj)
	if n == nil {
		return nil, nil
	}
	return &model.NoticeWorkingDays{Open: n.Open, Total: n.Total, Left: n.Left, ClosesOn: n.ClosedOn}, nil
}

func responseFigures(t ledger.ResponseTimes) *model.ResponseFigures {
	return &model.ResponseFigures{Handled: t.Handled, Pending: t.Pending, MedianWorkingDays: t.Median, Overdue: t.Overdue,
		OverdueShare: t.OverdueShare}
}

func (r *queryResolver) ResponseTimes(ctx context.Context, by model.ResponseGrouping) (*model.ResponseTimes, error) {
	gs, err := r.Portal.ResponseTimes(ctx, string(by))
	if err != nil {
		return nil, err
	}
	out := &model.ResponseTimes{Groups: make([]*model.ResponseTimeGroup, len(gs))}
	if pp := r.Portal.Participation; pp != nil {
		out.ModerationDeadline, out.ObjectionDeadline = pp.ModerationDays(), pp.ObjectionDays()
	}
	var ids []int64
	for _, g := range gs {
		ids = append(ids, g.RoundID+g.AgencyID)
	}
	rounds := map[int64]*ledger.Round{}
	orgs := map[int64]*ledger.Organization{}
	if by == model.ResponseGroupingRound {
		rs, err := r.Portal.Reader.RoundsByIDs(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, x := range rs {
			if x != nil {
				rounds[x.ID] = x
			}
		}
	} else {
		os, err := r.Portal.Reader.OrganizationsByIDs(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, x := range os {
			if x != nil {
				orgs[x.ID] = x
			}
		}
	}
	for i, g := range gs {
		out.Groups[i] = &model.ResponseTimeGroup{Round: rounds[g.RoundID], Agency: orgs[g.AgencyID],
			Comments: responseFigures(g.Comments), Objections: responseFigures(g.Objections)}
	}
	return out, nil
}

func (r *queryResolver) AgencyScores(ctx context.Context, year *int) (*model.AgencyScores, error) {
	y := 0
	if year != nil {
		y = *year
	}
	ss, err := r.Portal.AgencyScores(ctx, y)
	if err != nil {
		return nil, err
	}
	out := &model.AgencyScores{Year: year, Agencies: make([]*model.AgencyScore, 0, len(ss)), Weights: []*model.PartyWeight{}}
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.AgencyID
	}
	orgs, err := r.Portal.Reader.OrganizationsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	weights := ledger.DefaultPartyWeights
	if len(ss) > 0 {
		out.Year, weights = &ss[0].Year, ss[0].Weights
	}
	for _, p := range ledger.RaterParties {
		out.Weights = append(out.Weights, &model.PartyWeight{Party: model.RaterParty(p), Label: ledger.Label(p), Weight: weights[p]})
	}
	for i, s := range ss {
		a := &model.AgencyScore{Agency: orgs[i], Composite: s.Composite, Raters: s.Raters}
		for _, p := range s.Parties {
			ps := &model.PartyScore{Party: model.RaterParty(p.Party), Label: ledger.Label(p.Party), Weight: p.Weight,
				AppliedWeight: p.Applied, Raters: p.Raters, Score: p.Score}
			for _, c := range p.Criteria {
				ps.Criteria = append(ps.Criteria, &model.CriterionScore{Criterion: model.AgencyCriterion(c.Criterion),
					Label: ledger.Label(c.Criterion), Score: c.Score})
			}
			a.Parties = append(a.Parties, ps)
		}
		out.Agencies = append(out.Agencies, a)
	}
	return out, nil
}

func (r *queryResolver) ModerationQueue(ctx context.Context, state *model.ModerationState, first *int, after *string, last *int, before *string) (*model.ModerationConnection, error) {
	var st ledger.ModerationState
	if state != nil {
		st = ledger.ModerationState(*state)
	}
	page, err := r.Portal.ModerationQueue(ctx, st, pageArgs(first, after, last, before))
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(page.Items))
	for i, f := range page.Items {
		ids[i] = f.ProjectID
	}
	codes, err := r.projectCodes(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := &model.ModerationConnection{Nodes: make([]*model.ModerationItem, len(page.Items)), PageInfo: pageInfo(page), TotalCount: page.Total}
	for i, f := range page.Items {
		out.Nodes[i] = &model.ModerationItem{ID: strconv.FormatInt(f.ID, 10), Project: codes[f.ProjectID], Rating: f.Rating,
			Respondent: model.Respondent(f.Respondent), Verified: f.Verified, SubmittedText: f.Comment, MaskedText: f.PublicComment,
			State: model.ModerationState(f.Moderation), Reason: optString(f.ModerationNote), SubmittedAt: f.SubmittedAt}
	}
	return out, nil
}

func (r *queryResolver) ObjectionQueue(ctx context.Context, states []model.ObjectionState, first *int, after *string, last *int, before *string) (*model.ObjectionConnection, error) {
	sts := make([]ledger.ObjectionState, len(states))
	for i, s := range states {
		sts[i] = ledger.ObjectionState(s)
	}
	page, err := r.Portal.ObjectionsForModerators(ctx, sts, pageArgs(first, after, last, before))
	if err != nil {
		return nil, err
	}
	pids, aids := make([]int64, len(page.Items)), make([]int64, len(page.Items))
	for i, o := range page.Items {
		pids[i], aids[i] = o.ProjectID, o.AnnouncementID
	}
	pcodes, err := r.projectCodes(ctx, pids)
	if err != nil {
		return nil, err
	}
	acodes, err := r.announcementCodes(ctx, aids)
	if err != nil {
		return nil, err
	}
	out := &model.ObjectionConnection{Nodes: make([]*model.ObjectionItem, len(page.Items)), PageInfo: pageInfo(page), TotalCount: page.Total}
	for i, o := range page.Items {
		out.Nodes[i] = &model.ObjectionItem{Receipt: o.Receipt, Announcement: acodes[o.AnnouncementID], Project: pcodes[o.ProjectID],
			State: model.ObjectionState(o.State), ObjectorName: o.Name, ObjectorContact: o.Contact, SubmittedText: o.Text,
			Reason: optString(o.Reason), Answer: optString(o.Answer), ReceivedAt: o.ReceivedAt}
	}
	return out, nil
}
