package portal

import (
	"context"
	"slices"

	"civicledger/ledger"
)

// The public side of participation: satisfaction from verified ratings,
// approved comments (masked) with their answers, objections' public
// answers, open notices with their working days left, how fast comments
// and objections are handled, and the agencies' scores. Nothing here
// shows a comment as submitted, an objector's identity or a client hash.

// Satisfaction is the published satisfaction of a project or a round.
func (p *Portal) Satisfaction(ctx context.Context, by string, id int64) (*ledger.Satisfaction, error) {
	pp, err := p.participation()
	if err != nil {
		return nil, err
	}
	counts, codes, err := pp.Store.RatingCounts(ctx, by, []int64{id})
	if err != nil {
		return nil, err
	}
	s := ledger.SatisfactionOf(counts[id], codes[id])
	return &s, nil
}

// PublicComment is a comment as the public sees it.
type PublicComment struct {
	ID          int64
	Project     int64
	Rating      int
	Respondent  ledger.Respondent
	Verified    bool
	Text        string // masked
	SubmittedAt ledger.Date
	Answer      string // the undertaker's answer, masked
	AnsweredAt  *ledger.Date
}

func publicComment(f *ledger.Feedback) PublicComment {
	c := PublicComment{ID: f.ID, Project: f.ProjectID, Rating: f.Rating, Respondent: f.Respondent, Verified: f.Verified,
		Text: f.PublicComment, SubmittedAt: ledger.DateOf(f.SubmittedAt), Answer: f.Answer}
	if f.AnsweredAt != nil {
		d := ledger.DateOf(*f.AnsweredAt)
		c.AnsweredAt = &d
	}
	return c
}

// Comments pages the approved comments (of a project when projectID is
// not 0), newest first.
func (p *Portal) Comments(ctx context.Context, projectID int64, a PageArgs) (*Page[PublicComment], error) {
	pp, err := p.participation()
	if err != nil {
		return nil, err
	}
	f := ledger.CommentFilter{States: []ledger.ModerationState{ledger.ModerationApproved}}
	if projectID != 0 {
		f.ProjectIDs = []int64{projectID}
	}
	return Paginate(CommentList, a, func(offset, limit int) ([]PublicComment, int, error) {
		rows, n, err := pp.Store.FindComments(ctx, f, offset, limit)
		out := make([]PublicComment, len(rows))
		for i, r := range rows {
			out[i] = publicComment(r)
		}
		return out, n, err
	})
}

// PublicObjection is an objection as the public sees it: no identity, no
// receipt; the text (masked) once the objection is closed.
type PublicObjection struct {
	Announcement int64
	Project      int64
	State        ledger.ObjectionState
	ReceivedOn   ledger.Date
	Text         string // masked; "" until closed
	Reason       string // why it was not accepted
	Answer       string // the published answer, masked
	AnsweredOn   *ledger.Date
	WorkingDays  *int // received → answered (or not accepted)
}

func (pp *Participation) publicObjection(o *ledger.Objection) PublicObjection {
	po := PublicObjection{Announcement: o.AnnouncementID, Project: o.ProjectID, State: o.State, ReceivedOn: ledger.DateOf(o.ReceivedAt)}
	if o.State.Closed() {
		po.Text, po.Reason, po.Answer = o.PublicText, o.Reason, o.Answer
	}
	if o.AnsweredAt != nil {
		d := ledger.DateOf(*o.AnsweredAt)
		n := pp.calendar().ElapsedWorkingDays(po.ReceivedOn, d)
		po.AnsweredOn, po.WorkingDays = &d, &n
	}
	return po
}

// Objections lists the objections to a project, oldest first.
func (p *Portal) Objections(ctx context.Context, projectID int64) ([]PublicObjection, error) {
	pp, err := p.participation()
	if err != nil {
		return nil, err
	}
	rows, _, err := pp.Store.FindObjections(ctx, ledger.ObjectionFilter{ProjectIDs: []int64{projectID}}, 0, 1000)
	if err != nil {
		return nil, err
	}
	out := make([]PublicObjection, len(rows))
	for i, o := range rows {
		out[i] = pp.publicObjection(o)
	}
	return out, nil
}

// ObjectionStatus is what the holder of a receipt may see of their
// objection (no identity: the receipt alone proves nothing about who).
func (p *Portal) ObjectionStatus(ctx context.Context, receipt string) (*PublicObjection, error) {
	pp, err := p.participation()
	if err != nil {
		return nil, err
	}
	o, err := pp.Store.ObjectionByReceipt(ctx, receipt)
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	po := pp.publicObjection(o)
	return &po, nil
}

// NoticeDays counts an announcement's notice period in working days as
// of today; nil for an announcement without one.
func (p *Portal) NoticeDays(a *ledger.Announcement) *ledger.NoticeDays {
	if a.NoticeStart == "" || a.NoticeEnd == "" {
		return nil
	}
	cal := ledger.Workdays
	today := p.Today()
	if p.Participation != nil {
		cal, today = p.Participation.calendar(), p.Participation.today()
	}
	n := cal.Notice(a.NoticeStart, a.NoticeEnd, today)
	return &n
}

// OpenNotices lists the notices whose objection period is open today.
func (p *Portal) OpenNotices(ctx context.Context) ([]*ledger.Announcement, error) {
	open := true
	today := p.Today()
	if p.Participation != nil {
		today = p.Participation.today()
	}
	as, _, err := p.Reader.FindAnnouncements(ctx, ledger.AnnouncementFilter{NoticeOpen: &open, NoticeOpenOn: today}, 0, MaxPage)
	return as, err
}

// ResponseGroup is how fast the comments and objections of one round or
// one agency were handled.
type ResponseGroup struct {
	RoundID    int64 // when grouped by round
	AgencyID   int64 // when grouped by agency (0: projects without one)
	Comments   ledger.ResponseTimes
	Objections ledger.ResponseTimes
}

// ResponseTimes publishes how fast comments are moderated and objections
// answered, in working days against the configured deadlines, per
// "AGENCY" (the project's third-party evaluation agency) or per "ROUND".
func (p *Portal) ResponseTimes(ctx context.Context, by string) ([]ResponseGroup, error) {
	pp, err := p.participation()
	if err != nil {
		return nil, err
	}
	if by != "AGENCY" && by != "ROUND" {
		return nil, ledger.Invalid("by", "response times are by AGENCY or ROUND, not %s", ledger.Excerpt(by))
	}
	comments, err := pp.Store.CommentHandling(ctx)
	if err != nil {
		return nil, err
	}
	objections, err := pp.Store.ObjectionHandling(ctx)
	if err != nil {
		return nil, err
	}
	key := func(h ledger.Handling) int64 {
		if by == "ROUND" {
			return h.RoundID
		}
		if h.AgencyID == nil {
			return 0
		}
		return *h.AgencyID
	}
	group := func(hs []ledger.Handling) map[int64][]ledger.Timing {
		out := map[int64][]ledger.Timing{}
		for _, h := range hs {
			t := ledger.Timing{From: ledger.DateOf(h.From)}
			if h.To != nil {
				t.To = ledger.DateOf(*h.To)
			}
			out[key(h)] = append(out[key(h)], t)
		}
		return out
	}
	cg, og := group(comments), group(objections)
	var ids []int64
	for id := range cg {
		ids = append(ids, id)
	}
	for id := range og {
		if _, ok := cg[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	cal, today := pp.calendar(), pp.today()
	out := make([]ResponseGroup, 0, len(ids))
	for _, id := range ids {
		g := ResponseGroup{Comments: ledger.MeasureResponseTimes(cg[id], pp.ModerationDays(), today, cal),
			Objections: ledger.MeasureResponseTimes(og[id], pp.ObjectionDays(), today, cal)}
		if by == "ROUND" {
			g.RoundID = id
		} else {
			g.AgencyID = id
		}
		out = append(out, g)
	}
	return out, nil
}

// AgencyScores returns every rated agency's composite score for a year
// (the latest year with ratings when year is 0), best first.
func (p *Portal) AgencyScores(ctx context.Context, year int) ([]ledger.AgencyScore, error) {
	pp, err := p.participation()
	if err != nil {
		return nil, err
	}
	if year == 0 {
		ys, err := pp.Store.AgencyRatingYears(ctx)
		if err != nil || len(ys) == 0 {
			return []ledger.AgencyScore{}, err
		}
		year = ys[0]
	}
	rs, err := pp.Store.AgencyRatings(ctx, year, nil)
	if err != nil {
		return nil, err
	}
	w, err := pp.Store.PartyWeights(ctx, year)
	if err != nil {
		return nil, err
	}
	byAgency := map[int64][]ledger.AgencyRating{}
	var ids []int64
	for _, r := range rs {
		if _, ok := byAgency[r.AgencyID]; !ok {
			ids = append(ids, r.AgencyID)
		}
		byAgency[r.AgencyID] = append(byAgency[r.AgencyID], r)
	}
	out := make([]ledger.AgencyScore, 0, len(ids))
	for _, id := range ids {
		out = append(out, ledger.ScoreAgency(id, year, byAgency[id], w))
	}
	slices.SortStableFunc(out, func(a, b ledger.AgencyScore) int {
		switch {
		case a.Composite == nil && b.Composite == nil:
			return 0
		case a.Composite == nil:
			return 1
		case b.Composite == nil:
			return -1
		case *a.Composite > *b.Composite:
			return -1
		case *a.Composite < *b.Composite:
			return 1
		}
		return 0
	})
	return out, nil
}
