package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/search"
)

func ptr[T any](v T) *T { return &v }

// paging is a list page's position and the links to its neighbours.
type paging struct {
	From, To, Total int
	Prev, Next      string
}

// pageArgs reads a list's position from ?after= or ?before=.
func pageArgs(q url.Values, size int) portal.PageArgs {
	a := portal.PageArgs{First: &size}
	if s := q.Get("after"); s != "" {
		a.After = &s
	} else if s := q.Get("before"); s != "" {
		a.Before, a.First, a.Last = &s, nil, &size
	}
	return a
}

// pager links a page of a list to its neighbours, keeping the filters.
func pager[T any](r *http.Request, pg *portal.Page[T]) paging {
	p := paging{Total: pg.Total}
	if len(pg.Items) > 0 {
		p.From, p.To = pg.Offset+1, pg.Offset+len(pg.Items)
	}
	link := func(key, cursor string) string {
		q := r.URL.Query()
		q.Del("after")
		q.Del("before")
		q.Set(key, cursor)
		return r.URL.Path + "?" + q.Encode()
	}
	if pg.HasPrevious && pg.StartCursor != nil {
		p.Prev = link("before", *pg.StartCursor)
	}
	if pg.HasNext && pg.EndCursor != nil {
		p.Next = link("after", *pg.EndCursor)
	}
	return p
}

// ints parses every value of a repeated numeric parameter.
func ints(q url.Values, name string) ([]int, error) {
	var out []int
	for _, s := range q[name] {
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, ledger.Invalid(name, "%s is not a year", ledger.Excerpt(s))
		}
		out = append(out, n)
	}
	return out, nil
}

// enums parses every value of a repeated enumeration parameter.
func enums[T ~string](q url.Values, name string, valid func(T) bool) ([]T, error) {
	var out []T
	for _, s := range q[name] {
		if s == "" {
			continue
		}
		if !valid(T(s)) {
			return nil, ledger.Invalid(name, "%s is not one of the choices", ledger.Excerpt(s))
		}
		out = append(out, T(s))
	}
	return out, nil
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Home

type homeData struct {
	Total    *ledger.StatsRow
	Charts   []*chart
	Latest   []*ledger.Announcement
	Open     []noticeRow
	Headline string
}

type noticeRow struct {
	A      *ledger.Announcement
	Notice *ledger.NoticeDays
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	total, _, err := h.core.Stats(ctx, nil, nil)
	if err != nil {
		return err
	}
	cs, err := h.charts(ctx, v.Lang)
	if err != nil {
		return err
	}
	latest, err := h.core.Announcements(ctx, h.core.AnnouncementFilter(&portal.AnnouncementQuery{}), portal.PageArgs{First: ptr(6)})
	if err != nil {
		return err
	}
	open, err := h.core.OpenNotices(ctx)
	if err != nil {
		return err
	}
	d := &homeData{Total: total, Charts: cs, Latest: latest.Items, Headline: headlineQuery}
	for _, a := range open {
		d.Open = append(d.Open, noticeRow{A: a, Notice: h.core.NoticeDays(a)})
	}
	v.Title, v.Description, v.Data = v.T("siteName"), v.T("homeDesc"), d
	return h.render(w, r, v, "home", http.StatusOK)
}

// Projects

type projectRow struct {
	P          *ledger.Project
	Undertaker *ledger.Organization
	Fig        *ledger.Figures
}

type projectsData struct {
	Rows      []projectRow
	Paging    paging
	Years     []int
	Districts []string
	Q         url.Values
	Orders    []ledger.ProjectOrderField
	Areas     []ledger.ServiceArea
	Stages    []ledger.Stage
	Scopes    []ledger.ProjectScope
	Outcomes  []ledger.Outcome
}

// projectQuery reads the project filter from the address, as the API's
// ProjectFilter takes it.
func projectQuery(q url.Values) (*portal.ProjectQuery, ledger.ProjectOrder, error) {
	pq := &portal.ProjectQuery{Districts: nonEmpty(q["district"]), Undertakers: nonEmpty(q["undertaker"])}
	var err error
	if pq.Years, err = ints(q, "year"); err != nil {
		return nil, ledger.ProjectOrder{}, err
	}
	if pq.ServiceAreas, err = enums(q, "area", ledger.ServiceArea.Valid); err != nil {
		return nil, ledger.ProjectOrder{}, err
	}
	if pq.Stages, err = enums(q, "stage", ledger.Stage.Valid); err != nil {
		return nil, ledger.ProjectOrder{}, err
	}
	if pq.Outcomes, err = enums(q, "outcome", func(o ledger.Outcome) bool { return o != ledger.Ongoing && o.Valid() }); err != nil {
		return nil, ledger.ProjectOrder{}, err
	}
	if s := q.Get("scope"); s != "" {
		sc := ledger.ProjectScope(s)
		if !sc.Valid() {
			return nil, ledger.ProjectOrder{}, ledger.Invalid("scope", "%s is not one of the choices", ledger.Excerpt(s))
		}
		pq.Scope = &sc
	}
	if q.Get("audit") == "1" {
		pq.HasAuditFindings = ptr(true)
	}
	o := ledger.ProjectOrder{Field: ledger.OrderByCode}
	if s := q.Get("order"); s != "" {
		f := ledger.ProjectOrderField(s)
		if !slices.Contains(projectOrders, f) {
			return nil, o, ledger.Invalid("order", "%s is not one of the choices", ledger.Excerpt(s))
		}
		o.Field = f
		o.Desc = f != ledger.OrderByCode
	}
	switch q.Get("dir") {
	case "asc":
		o.Desc = false
	case "desc":
		o.Desc = true
	}
	return pq, o, nil
}

var projectOrders = []ledger.ProjectOrderField{ledger.OrderByCode, ledger.OrderByAwarded, ledger.OrderByApprovedOn,
	ledger.OrderByBeneficiaries, ledger.OrderBySatisfaction, ledger.OrderByPaid}

func (h *Handler) projects(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	q := r.URL.Query()
	pq, order, err := projectQuery(q)
	if err != nil {
		return err
	}
	f, err := h.core.ProjectFilter(ctx, "", pq)
	if err != nil {
		return err
	}
	pg, err := h.core.Projects(ctx, f, order, pageArgs(q, portal.DefaultPage), portal.Want{"undertaker": true, "figures": true})
	if err != nil {
		return err
	}
	d := &projectsData{Paging: pager(r, pg), Q: q, Orders: projectOrders, Areas: ledger.ServiceAreas, Stages: ledger.Stages,
		Scopes: ledger.ProjectScopes, Outcomes: []ledger.Outcome{ledger.Completed, ledger.Terminated, ledger.Rejected}}
	l := h.core.Loaders(ctx)
	for _, p := range pg.Items {
		row := projectRow{P: p}
		if row.Undertaker, err = l.Organization().Load(ctx, p.UndertakerID); err != nil {
			return err
		}
		if row.Fig, err = l.Figures().Load(ctx, p.ID); err != nil {
			return err
		}
		d.Rows = append(d.Rows, row)
	}
	rounds, err := h.core.Rounds(ctx)
	if err != nil {
		return err
	}
	for _, rd := range rounds {
		d.Years = append(d.Years, rd.Year)
	}
	_, districts, err := h.core.Stats(ctx, nil, []ledger.StatsGroup{ledger.GroupByDistrict})
	if err != nil {
		return err
	}
	for _, row := range districts {
		d.Districts = append(d.Districts, row.Key[ledger.GroupByDistrict])
	}
	slices.Sort(d.Districts)
	v.Title, v.Description, v.Data = v.T("projects"), v.T("projectsDesc"), d
	return h.render(w, r, v, "projects", http.StatusOK)
}

// Project

type stageView struct {
	Stage  ledger.Stage
	Events []*ledger.StageEvent
	Status string // done, current, todo
	Reps   []*ledger.Report
	Anns   []*ledger.Announcement
	start  ledger.Date
}

type scoreRow struct {
	In               *ledger.Indicator
	Score, Weighted  float64
	HasScore, IsLast bool
}

type scorecardView struct {
	S        *ledger.Scorecard
	Set      *ledger.IndicatorSet
	Reviewer *ledger.Organization
	Rows     []scoreRow
	Total    float64
	Grade    ledger.Grade
}

type auditView struct {
	A       *ledger.Audit
	Auditor *ledger.Organization
	Report  *ledger.Report
}

type caseView struct {
	C          *ledger.CaseStudy
	Collection *ledger.CaseCollection
}

type projectData struct {
	P                              *ledger.Project
	Round                          *ledger.Round
	Undertaker, Evaluator, Auditor *ledger.Organization
	Fig                            *ledger.Figures
	Stages                         []*stageView
	Scorecards                     []scorecardView
	Tranches                       []*ledger.Tranche
	Audits                         []auditView
	Metrics                        []*ledger.Metric
	Cases                          []caseView
	History                        []*ledger.Revision
	Satisfaction                   *float64
	LeverageRatio                  string
	Form                           *form
	Feedback                       bool // the feedback form is offered
	Comments                       []portal.PublicComment
	CommentCount                   int
	Objections                     []portal.PublicObjection
	Respondents                    []ledger.Respondent
}

func (h *Handler) project(w http.ResponseWriter, r *http.Request, v *view) error {
	return h.renderProject(w, r, v, r.PathValue("code"), newForm(w, r), http.StatusOK)
}

// renderProject shows a project's page with its feedback form in state f.
func (h *Handler) renderProject(w http.ResponseWriter, r *http.Request, v *view, code string, f *form, status int) error {
	ctx := r.Context()
	p, err := h.core.Project(ctx, code)
	if err != nil {
		return err
	}
	if p == nil {
		return ledger.NotFound("project", code)
	}
	want := portal.Want{"undertaker": true, "evaluator": true, "auditor": true, "round": true, "figures": true, "metrics": true,
		"timeline": true, "tranches": true, "audits": true, "scorecards": true, "announcements": true, "reports": true, "caseStudies": true}
	if err := h.core.Prefetch(ctx, []*ledger.Project{p}, want); err != nil {
		return err
	}
	l := h.core.Loaders(ctx)
	d := &projectData{P: p, Form: f, Feedback: h.core.Participation != nil && p.Outcome != ledger.Rejected,
		Respondents: []ledger.Respondent{ledger.RespondentRecipient, ledger.RespondentFamily, ledger.RespondentRepresentative}}
	org := func(id *int64) (*ledger.Organization, error) {
		if id == nil {
			return nil, nil
		}
		return l.Organization().Load(ctx, *id)
	}
	if d.Round, err = l.Round().Load(ctx, p.RoundID); err != nil {
		return err
	}
	if d.Undertaker, err = org(&p.UndertakerID); err != nil {
		return err
	}
	if d.Evaluator, err = org(p.EvaluatorID); err != nil {
		return err
	}
	if d.Auditor, err = org(p.AuditorID); err != nil {
		return err
	}
	if d.Fig, err = l.Figures().Load(ctx, p.ID); err != nil {
		return err
	}
	if d.Fig == nil {
		d.Fig = &ledger.Figures{ProjectID: p.ID}
	}
	d.Satisfaction = d.Fig.Satisfaction()
	d.LeverageRatio = ledger.Ratio(d.Fig.Leveraged, p.Awarded)
	events, err := l.Timeline().Load(ctx, p.ID)
	if err != nil {
		return err
	}
	reps, err := l.ProjectReps().Load(ctx, p.ID)
	if err != nil {
		return err
	}
	anns, err := l.ProjectAnns().Load(ctx, p.ID)
	if err != nil {
		return err
	}
	d.Stages = timeline(p, events, reps, anns)
	cards, err := l.Scorecards().Load(ctx, p.ID)
	if err != nil {
		return err
	}
	if d.Tranches, err = l.Tranches().Load(ctx, p.ID); err != nil {
		return err
	}
	audits, err := l.Audits().Load(ctx, p.ID)
	if err != nil {
		return err
	}
	if d.Metrics, err = l.Metrics().Load(ctx, p.ID); err != nil {
		return err
	}
	cases, err := l.ProjectCases().Load(ctx, p.ID)
	if err != nil {
		return err
	}
	// What those records name, asked for at once so the loaders batch it:
	// indicator sets, reviewers and auditors, audit reports, collections.
	var setIDs, orgIDs, reportIDs, collIDs []int64
	for _, s := range cards {
		setIDs = append(setIDs, s.SetID)
		if s.ReviewerID != nil {
			orgIDs = append(orgIDs, *s.ReviewerID)
		}
	}
	for _, a := range audits {
		if a.AuditorID != nil {
			orgIDs = append(orgIDs, *a.AuditorID)
		}
		if a.ReportID != nil {
			reportIDs = append(reportIDs, *a.ReportID)
		}
	}
	for _, c := range cases {
		collIDs = append(collIDs, c.CollectionID)
	}
	setsT, orgsT := l.IndicatorSet().LoadAllThunk(ctx, setIDs), l.Organization().LoadAllThunk(ctx, orgIDs)
	repsT, collsT := l.Report().LoadAllThunk(ctx, reportIDs), l.Collection().LoadAllThunk(ctx, collIDs)
	sets, err := setsT()
	if err != nil {
		return err
	}
	if _, err := orgsT(); err != nil {
		return err
	}
	if _, err := repsT(); err != nil {
		return err
	}
	if _, err := collsT(); err != nil {
		return err
	}
	for i, s := range cards {
		set := sets[i]
		sv := scorecardView{S: s, Set: set}
		if sv.Reviewer, err = org(s.ReviewerID); err != nil {
			return err
		}
		if set != nil {
			byID := map[int64]float64{}
			for _, sc := range s.Scores {
				byID[sc.IndicatorID] = sc.Value
			}
			for i := range set.Indicators {
				in := &set.Indicators[i]
				val, ok := byID[in.ID]
				sv.Rows = append(sv.Rows, scoreRow{In: in, Score: val, HasScore: ok,
					Weighted: ledger.WeightedTotal([]ledger.Indicator{*in}, []ledger.Score{{IndicatorID: in.ID, Value: val}})})
			}
			sv.Total = ledger.WeightedTotal(set.Indicators, s.Scores)
			sv.Grade = ledger.GradeOf(sv.Total)
		}
		d.Scorecards = append(d.Scorecards, sv)
	}
	for _, a := range audits {
		av := auditView{A: a}
		if av.Auditor, err = org(a.AuditorID); err != nil {
			return err
		}
		if a.ReportID != nil {
			if av.Report, err = l.Report().Load(ctx, *a.ReportID); err != nil {
				return err
			}
		}
		d.Audits = append(d.Audits, av)
	}
	for _, c := range cases {
		cv := caseView{C: c}
		if cv.Collection, err = l.Collection().Load(ctx, c.CollectionID); err != nil {
			return err
		}
		d.Cases = append(d.Cases, cv)
	}
	if d.History, err = h.core.Revisions(ctx, ledger.EntityProject, p.ID); err != nil {
		return err
	}
	if h.core.Participation != nil {
		cs, err := h.core.Comments(ctx, p.ID, portal.PageArgs{First: ptr(10)})
		if err != nil {
			return err
		}
		d.Comments, d.CommentCount = cs.Items, cs.Total
		if d.Objections, err = h.core.Objections(ctx, p.ID); err != nil {
			return err
		}
	}
	v.Title = p.Title
	v.Description = v.L(p.ServiceArea) + " · " + p.District + " · " + strings.TrimSpace(excerpt(p.Summary, 120))
	v.Data = d
	return h.render(w, r, v, "project", status)
}

// timeline lays a project's stage history out over the four stages, each
// with the documents published while it was the project's stage (by date).
func timeline(p *ledger.Project, events []*ledger.StageEvent, reps []*ledger.Report, anns []*ledger.Announcement) []*stageView {
	out := make([]*stageView, len(ledger.Stages))
	cur := slices.Index(ledger.Stages, p.Stage)
	for i, st := range ledger.Stages {
		sv := &stageView{Stage: st, Status: "todo"}
		switch {
		case i < cur || i == cur && p.Outcome == ledger.Completed:
			sv.Status = "done"
		case i == cur:
			sv.Status = "current"
		}
		for _, e := range events {
			if e.Stage == st {
				sv.Events = append(sv.Events, e)
				if sv.start == "" || e.OccurredOn < sv.start {
					sv.start = e.OccurredOn
				}
			}
		}
		out[i] = sv
	}
	stageOn := func(day ledger.Date) *stageView {
		at := out[0]
		for _, sv := range out {
			if sv.start != "" && sv.start <= day {
				at = sv
			}
		}
		return at
	}
	for _, rp := range reps {
		sv := stageOn(rp.PublishedOn)
		sv.Reps = append(sv.Reps, rp)
	}
	for _, a := range anns {
		sv := stageOn(a.PublishedOn)
		sv.Anns = append(sv.Anns, a)
	}
	return out
}

func excerpt(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}

// Organizations

type orgsData struct {
	Orgs   []*ledger.Organization
	Paging paging
	Kinds  []ledger.OrgKind
	Kind   string
}

func (h *Handler) organizations(w http.ResponseWriter, r *http.Request, v *view) error {
	q := r.URL.Query()
	kinds, err := enums(q, "kind", ledger.OrgKind.Valid)
	if err != nil {
		return err
	}
	pg, err := h.core.Organizations(r.Context(), kinds, pageArgs(q, 50))
	if err != nil {
		return err
	}
	v.Title, v.Description = v.T("organizations"), v.T("orgsDesc")
	v.Data = &orgsData{Orgs: pg.Items, Paging: pager(r, pg), Kinds: ledger.OrgKinds, Kind: q.Get("kind")}
	return h.render(w, r, v, "organizations", http.StatusOK)
}

type orgData struct {
	O        *ledger.Organization
	Stats    *ledger.StatsRow
	Years    []portal.YearAmount
	Averages []*ledger.ReviewAverage
	Projects []projectRow
	Paging   paging
	Reports  []*ledger.Report
}

func (h *Handler) organization(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	o, err := h.core.Organization(ctx, r.PathValue("code"))
	if err != nil {
		return err
	}
	if o == nil {
		return ledger.NotFound("organization", r.PathValue("code"))
	}
	d := &orgData{O: o}
	if d.Stats, err = h.core.OrganizationStats(ctx, o.ID); err != nil {
		return err
	}
	if o.Kind == ledger.Undertaker {
		if d.Years, err = h.core.AwardedByYear(ctx, o.ID); err != nil {
			return err
		}
	}
	if d.Averages, err = h.core.ReviewAverages(ctx, o); err != nil {
		return err
	}
	pg, err := h.core.OrganizationProjects(ctx, o, nil, ledger.ProjectOrder{Field: ledger.OrderByApprovedOn, Desc: true},
		pageArgs(r.URL.Query(), portal.DefaultPage), portal.Want{"undertaker": true, "figures": true})
	if err != nil {
		return err
	}
	d.Paging = pager(r, pg)
	l := h.core.Loaders(ctx)
	for _, p := range pg.Items {
		row := projectRow{P: p}
		if row.Undertaker, err = l.Organization().Load(ctx, p.UndertakerID); err != nil {
			return err
		}
		if row.Fig, err = l.Figures().Load(ctx, p.ID); err != nil {
			return err
		}
		d.Projects = append(d.Projects, row)
	}
	reps, err := h.core.Reports(ctx, ledger.ReportFilter{AuthorIDs: []int64{o.ID}}, portal.PageArgs{First: ptr(10)})
	if err != nil {
		return err
	}
	d.Reports = reps.Items
	v.Title = o.Name
	v.Description = v.L(o.Kind) + " · " + o.District + " · " + excerpt(o.Description, 100)
	v.Data = d
	return h.render(w, r, v, "organization", http.StatusOK)
}

// Announcements

type annsData struct {
	Rows   []noticeRow
	Paging paging
	Kinds  []ledger.AnnouncementKind
	Years  []int
	Q      url.Values
}

func (h *Handler) announcements(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	q := r.URL.Query()
	aq := &portal.AnnouncementQuery{}
	var err error
	if aq.Kinds, err = enums(q, "kind", ledger.AnnouncementKind.Valid); err != nil {
		return err
	}
	if aq.Years, err = ints(q, "year"); err != nil {
		return err
	}
	if q.Get("open") == "1" {
		aq.NoticeOpen = ptr(true)
	}
	pg, err := h.core.Announcements(ctx, h.core.AnnouncementFilter(aq), pageArgs(q, portal.DefaultPage))
	if err != nil {
		return err
	}
	d := &annsData{Paging: pager(r, pg), Kinds: ledger.AnnouncementKinds, Q: q}
	for _, a := range pg.Items {
		d.Rows = append(d.Rows, noticeRow{A: a, Notice: h.core.NoticeDays(a)})
	}
	rounds, err := h.core.Rounds(ctx)
	if err != nil {
		return err
	}
	for _, rd := range rounds {
		d.Years = append(d.Years, rd.Year)
	}
	v.Title, v.Description, v.Data = v.T("announcements"), v.T("annsDesc"), d
	return h.render(w, r, v, "announcements", http.StatusOK)
}

type annData struct {
	A          *ledger.Announcement
	Publisher  *ledger.Organization
	Round      *ledger.Round
	Notice     *ledger.NoticeDays // nil without a notice period
	Open       bool
	Objections bool // the objection form is offered
	Projects   []projectRow
	More       int
	QR         string
	Form       *form
}

func (h *Handler) announcement(w http.ResponseWriter, r *http.Request, v *view) error {
	return h.renderAnnouncement(w, r, v, r.PathValue("code"), newForm(w, r), http.StatusOK)
}

// renderAnnouncement shows an announcement with its objection form (while
// its notice is open) in state f.
func (h *Handler) renderAnnouncement(w http.ResponseWriter, r *http.Request, v *view, code string, f *form, status int) error {
	ctx := r.Context()
	a, err := h.core.Announcement(ctx, code)
	if err != nil {
		return err
	}
	if a == nil {
		return ledger.NotFound("announcement", code)
	}
	l := h.core.Loaders(ctx)
	d := &annData{A: a, Notice: h.core.NoticeDays(a), QR: "/qr/announcements/" + url.PathEscape(a.Code) + ".svg", Form: f}
	d.Open = d.Notice != nil && d.Notice.Open
	d.Objections = d.Open && a.Kind == ledger.ApprovalNotice && h.core.Participation != nil
	var publisher func() (*ledger.Organization, error)
	var round func() (*ledger.Round, error)
	if a.PublisherID != nil {
		publisher = l.Organization().LoadThunk(ctx, *a.PublisherID)
	}
	if a.RoundID != nil {
		round = l.Round().LoadThunk(ctx, *a.RoundID)
	}
	if publisher != nil {
		if d.Publisher, err = publisher(); err != nil {
			return err
		}
	}
	if round != nil {
		if d.Round, err = round(); err != nil {
			return err
		}
	}
	pg, err := h.core.Projects(ctx, ledger.ProjectFilter{AnnouncementID: a.ID}, ledger.ProjectOrder{Field: ledger.OrderByCode},
		portal.PageArgs{First: ptr(listedProjects)}, portal.Want{"undertaker": true})
	if err != nil {
		return err
	}
	for _, p := range pg.Items {
		row := projectRow{P: p}
		if row.Undertaker, err = l.Organization().Load(ctx, p.UndertakerID); err != nil {
			return err
		}
		d.Projects = append(d.Projects, row)
	}
	d.More = pg.Total - len(pg.Items)
	v.Title, v.Description, v.Data = a.Title, excerpt(a.Body, 120), d
	return h.render(w, r, v, "announcement", status)
}

// listedProjects is how many of a notice's projects its page tabulates
// (its text names them all).
const listedProjects = 20

// Reports

type reportData struct {
	R       *ledger.Report
	Author  *ledger.Organization
	Project *ledger.Project
}

func (h *Handler) report(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	rp, err := h.core.Report(ctx, r.PathValue("code"))
	if err != nil {
		return err
	}
	if rp == nil {
		return ledger.NotFound("report", r.PathValue("code"))
	}
	l := h.core.Loaders(ctx)
	d := &reportData{R: rp}
	var author func() (*ledger.Organization, error)
	var project func() (*ledger.Project, error)
	if rp.AuthorID != nil {
		author = l.Organization().LoadThunk(ctx, *rp.AuthorID)
	}
	if rp.ProjectID != nil {
		project = l.Project().LoadThunk(ctx, *rp.ProjectID)
	}
	if author != nil {
		if d.Author, err = author(); err != nil {
			return err
		}
	}
	if project != nil {
		if d.Project, err = project(); err != nil {
			return err
		}
	}
	v.Title, v.Description, v.Data = rp.Title, excerpt(rp.Body, 120), d
	return h.render(w, r, v, "report", http.StatusOK)
}

// Search

type facetLink struct {
	Label   string
	Count   int
	Href    string
	Checked bool
}

type facetGroup struct {
	Name  string // parameter
	Title string // text key
	Links []facetLink
}

type hitView struct {
	H    *search.Hit
	Href string
}

type searchData struct {
	Query       string
	Asked       bool
	Hits        []hitView
	Paging      paging
	Facets      []facetGroup
	Suggestions []string
	Fallback    bool
	Indexing    bool
	Active      []facetLink
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	q := r.URL.Query()
	text := strings.TrimSpace(q.Get("q"))
	d := &searchData{Query: text, Asked: text != ""}
	v.Title, v.Description, v.Data = v.T("search"), v.T("searchDesc"), d
	if text != "" {
		v.Title = text + " · " + v.T("search")
		v.NoIndex = true
		f := &portal.SearchQuery{Districts: nonEmpty(q["district"])}
		var err error
		if f.Kinds, err = enums(q, "kind", func(k ledger.DocKind) bool { return portal.KindLabel(k) != string(k) }); err != nil {
			return err
		}
		if f.ServiceAreas, err = enums(q, "area", ledger.ServiceArea.Valid); err != nil {
			return err
		}
		if f.Years, err = ints(q, "year"); err != nil {
			return err
		}
		res, err := h.core.Search(ctx, text, f, "", portal.SearchOptions{Facets: true, Suggest: true}, pageArgs(q, portal.DefaultPage))
		if err != nil {
			return err
		}
		d.Paging = pager(r, res.Page)
		for _, hit := range res.Items {
			d.Hits = append(d.Hits, hitView{H: hit, Href: hitHref(hit)})
		}
		if res.Result != nil {
			d.Suggestions, d.Fallback, d.Indexing = res.Result.Suggestions, res.Result.Fallback, res.Result.Indexing
		}
		fs := portal.LabelFacets(res.Result)
		group := func(name, title string, counts []portal.FacetCount) {
			g := facetGroup{Name: name, Title: title}
			for _, c := range counts {
				label := c.Label
				if v.En() && name != "district" {
					label = v.L(c.Value)
				}
				if name == "kind" && v.En() {
					label = v.T("kind" + c.Value)
				}
				checked := slices.Contains(q[name], c.Value)
				g.Links = append(g.Links, facetLink{Label: label, Count: c.Count, Checked: checked, Href: toggle(r, name, c.Value)})
				if checked {
					d.Active = append(d.Active, facetLink{Label: label, Href: toggle(r, name, c.Value), Checked: true})
				}
			}
			if len(g.Links) > 0 {
				d.Facets = append(d.Facets, g)
			}
		}
		group("kind", "facetKind", fs.Kind)
		group("area", "facetArea", fs.ServiceArea)
		group("year", "facetYear", fs.Year)
		group("district", "facetDistrict", fs.District)
	}
	return h.render(w, r, v, "search", http.StatusOK)
}

// toggle is the current search with one filter value added or removed.
func toggle(r *http.Request, name, value string) string {
	q := r.URL.Query()
	q.Del("after")
	q.Del("before")
	vs := q[name]
	if i := slices.Index(vs, value); i >= 0 {
		q[name] = slices.Delete(slices.Clone(vs), i, i+1)
	} else {
		q.Add(name, value)
	}
	return "/search?" + q.Encode()
}

// hitHref is the page of a search hit's record.
func hitHref(hit *search.Hit) string {
	switch hit.Kind {
	case ledger.DocReport:
		return "/reports/" + url.PathEscape(hit.Code)
	case ledger.DocAnnouncement:
		return "/announcements/" + url.PathEscape(hit.Code)
	case ledger.DocProject:
		return "/projects/" + url.PathEscape(hit.Code)
	case ledger.DocOrganization:
		return "/organizations/" + url.PathEscape(hit.Code)
	case ledger.DocCaseStudy:
		return "/projects/" + url.PathEscape(hit.ProjectCode) + "#cases"
	}
	return "/search"
}

// Case collections

func (h *Handler) cases(w http.ResponseWriter, r *http.Request, v *view) error {
	cs, err := h.core.CaseCollections(r.Context(), 0)
	if err != nil {
		return err
	}
	v.Title, v.Description, v.Data = v.T("cases"), v.T("casesDesc"), cs
	return h.render(w, r, v, "cases", http.StatusOK)
}

type collectionData struct {
	C      *ledger.CaseCollection
	Cases  []caseRow
	Paging paging
}

// casesPerPage is how many case studies a collection's page shows.
const casesPerPage = 20

type caseRow struct {
	C *ledger.CaseStudy
	P *ledger.Project
}

func (h *Handler) collection(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	ns, err := h.core.ByKeys(ctx, "CaseCollection", []string{r.PathValue("id")})
	if err != nil {
		return err
	}
	c, _ := ns[0].(*ledger.CaseCollection)
	if c == nil {
		return ledger.NotFound("case collection", r.PathValue("id"))
	}
	l := h.core.Loaders(ctx)
	studies, err := l.Cases().Load(ctx, c.ID)
	if err != nil {
		return err
	}
	d := &collectionData{C: c}
	// A collection can hold hundreds of case studies: shown 20 a page.
	page := 1
	if s := r.URL.Query().Get("page"); s != "" {
		if page, err = strconv.Atoi(s); err != nil || page < 1 || (page-1)*casesPerPage >= max(len(studies), 1) {
			return ledger.Invalid("page", "%s is not a page of this collection", ledger.Excerpt(s))
		}
	}
	from := (page - 1) * casesPerPage
	to := min(from+casesPerPage, len(studies))
	d.Paging = paging{From: from + 1, To: to, Total: len(studies)}
	if len(studies) == 0 {
		d.Paging.From = 0
	}
	link := func(n int) string { return r.URL.Path + "?page=" + strconv.Itoa(n) }
	if page > 1 {
		d.Paging.Prev = link(page - 1)
	}
	if to < len(studies) {
		d.Paging.Next = link(page + 1)
	}
	studies = studies[from:to]
	ids := make([]int64, len(studies))
	for i, s := range studies {
		ids[i] = s.ProjectID
	}
	ps, err := l.Project().LoadAll(ctx, ids)
	if err != nil {
		return err
	}
	for i, s := range studies {
		d.Cases = append(d.Cases, caseRow{C: s, P: ps[i]})
	}
	v.Title, v.Description, v.Data = c.Title, excerpt(c.Intro, 120), d
	return h.render(w, r, v, "collection", http.StatusOK)
}

// About the data, open data

func (h *Handler) about(w http.ResponseWriter, r *http.Request, v *view) error {
	v.Title, v.Description, v.Data = v.T("about"), v.T("aboutDesc"), headlineQuery
	return h.render(w, r, v, "about", http.StatusOK)
}

func (h *Handler) openData(w http.ResponseWriter, r *http.Request, v *view) error {
	v.Title, v.Description = v.T("openData"), v.T("openDataDesc")
	v.Data = struct{ Headline, Example string }{headlineQuery, exampleQuery}
	return h.render(w, r, v, "opendata", http.StatusOK)
}

const exampleQuery = `{ projects(first: 5, filter: {serviceAreas: [ELDERLY_SUPPORT]}, orderBy: {field: AWARDED, direction: DESC}) {
  totalCount nodes { code title awarded undertaker { name } figures { beneficiaries leveraged } } } }`

// The corrections register

type correctionRow struct {
	C       *ledger.Correction
	Org     *ledger.Organization
	Href    string
	Project *ledger.Project
}

type correctionsData struct {
	Rows   []correctionRow
	Paging paging
}

// correctionsPerPage is how many lines of the register a page shows.
const correctionsPerPage = 50

// corrections shows the public corrections register (更正公示): every
// correction and withdrawal of a published record, newest first.
func (h *Handler) corrections(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	page := 1
	if s := r.URL.Query().Get("page"); s != "" {
		var err error
		if page, err = strconv.Atoi(s); err != nil || page < 1 || page > 1_000_000 {
			return ledger.Invalid("page", "%s is not a page number", ledger.Excerpt(s))
		}
	}
	from := (page - 1) * correctionsPerPage
	cs, total, err := h.core.Publishing.Corrections(ctx, portal.CorrectionQuery{}, from, correctionsPerPage)
	if err != nil {
		return err
	}
	d := &correctionsData{Paging: paging{Total: total}}
	if len(cs) > 0 {
		d.Paging.From, d.Paging.To = from+1, from+len(cs)
	}
	if page > 1 {
		d.Paging.Prev = "/corrections?page=" + strconv.Itoa(page-1)
	}
	if from+len(cs) < total {
		d.Paging.Next = "/corrections?page=" + strconv.Itoa(page+1)
	}
	l := h.core.Loaders(ctx)
	var orgs, projects []int64
	for _, c := range cs {
		orgs = append(orgs, c.OrgID)
		if c.ProjectID != 0 {
			projects = append(projects, c.ProjectID)
		}
	}
	orgsT, projT := l.Organization().LoadAllThunk(ctx, orgs), l.Project().LoadAllThunk(ctx, projects)
	if _, err := orgsT(); err != nil {
		return err
	}
	if _, err := projT(); err != nil {
		return err
	}
	for _, c := range cs {
		row := correctionRow{C: c}
		if row.Org, err = l.Organization().Load(ctx, c.OrgID); err != nil {
			return err
		}
		if c.ProjectID != 0 {
			if row.Project, err = l.Project().Load(ctx, c.ProjectID); err != nil {
				return err
			}
		}
		switch c.Entity {
		case ledger.EntityReport:
			if rp, err := l.Report().Load(ctx, c.EntityID); err == nil && rp != nil {
				row.Href = "/reports/" + url.PathEscape(rp.Code)
			}
		case ledger.EntityAnnouncement:
			if a, err := l.Announcement().Load(ctx, c.EntityID); err == nil && a != nil {
				row.Href = "/announcements/" + url.PathEscape(a.Code)
			}
		}
		if row.Href == "" && row.Project != nil {
			row.Href = "/projects/" + url.PathEscape(row.Project.Code) + "#history"
		}
		d.Rows = append(d.Rows, row)
	}
	v.Title, v.Description, v.Data = v.T("correctionsTitle"), v.T("correctionsDesc"), d
	return h.render(w, r, v, "corrections", http.StatusOK)
}
