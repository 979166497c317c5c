package opendata

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"civicledger/ledger"
)

// Standards configures the documents in the open standards.
type Standards struct {
	// OCIDPrefix is the OCDS prefix of every contracting process's ID
	// ("ocds-" and six characters, registered with the Open Contracting
	// Partnership). The demo uses ocds-demo00, which is not registered.
	OCIDPrefix string
	// GrantPrefix starts every 360Giving grant identifier (a 360Giving
	// prefix such as 360G-xxxx, given by 360Giving); the demo uses
	// 360G-demo, which is not one.
	GrantPrefix string
	// PublisherName names the publisher of the packages.
	PublisherName string
	// Now returns the time the packages are published (time.Now when nil).
	Now func() time.Time
}

func (st Standards) now() time.Time {
	if st.Now != nil {
		return st.Now()
	}
	return time.Now()
}

func (st Standards) ocidPrefix() string {
	if st.OCIDPrefix == "" {
		return "ocds-demo00"
	}
	return st.OCIDPrefix
}

func (st Standards) grantPrefix() string {
	if st.GrantPrefix == "" {
		return "360G-demo"
	}
	return st.GrantPrefix
}

func (st Standards) publisher() string {
	if st.PublisherName == "" {
		return "公益金阳光公示平台 Civic Ledger"
	}
	return st.PublisherName
}

// OCDSVersion and OCDSExtensions describe the packages; docs/ocds.md
// documents the local extensions.
const OCDSVersion = "1.1"

// UUSCIScheme is the identifier scheme of a unified social credit code
// (统一社会信用代码) in OCDS organization identifiers.
const USCIScheme = "CN-USCI"

// ocdsDateTime turns a date into the date-time OCDS asks for: midnight in
// Shanghai.
func ocdsDateTime(d ledger.Date) string {
	if d == "" || !d.Valid() {
		return ""
	}
	return ledger.FormatTime(d.Time())
}

// amount is an OCDS or 360Giving value: a number with the currency.
type amount struct {
	Amount   json.Number `json:"amount"`
	Currency string      `json:"currency"`
}

func cny(m ledger.Money) *amount { return &amount{Amount: json.Number(m.String()), Currency: "CNY"} }

type period struct {
	StartDate string `json:"startDate,omitempty"`
	EndDate   string `json:"endDate,omitempty"`
}

func periodOf(start, end ledger.Date) *period {
	p := &period{StartDate: ocdsDateTime(start), EndDate: ocdsDateTime(end)}
	if p.StartDate == "" && p.EndDate == "" {
		return nil
	}
	return p
}

type orgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type identifier struct {
	Scheme    string `json:"scheme"`
	ID        string `json:"id"`
	LegalName string `json:"legalName"`
}

type address struct {
	Locality    string `json:"locality,omitempty"`
	CountryName string `json:"countryName"`
}

type party struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Identifier identifier `json:"identifier"`
	Address    *address   `json:"address,omitempty"`
	Roles      []string   `json:"roles"`
	// Details (local extension): the organization's role in the
	// programme and its permalink.
	Details map[string]any `json:"details,omitempty"`
}

type document struct {
	ID            string `json:"id"`
	DocumentType  string `json:"documentType,omitempty"`
	Title         string `json:"title"`
	URL           string `json:"url"`
	DatePublished string `json:"datePublished,omitempty"`
	Format        string `json:"format"`
	Language      string `json:"language"`
}

type milestone struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Type        string     `json:"type"`
	Description string     `json:"description,omitempty"`
	Code        string     `json:"code,omitempty"`
	DueDate     string     `json:"dueDate,omitempty"`
	DateMet     string     `json:"dateMet,omitempty"`
	Status      string     `json:"status"`
	Documents   []document `json:"documents,omitempty"`
	// Value is OCDS 1.2's Milestone.value: the planned payment of a
	// payment milestone.
	Value *amount `json:"value,omitempty"`
}

type transaction struct {
	ID    string  `json:"id"`
	Date  string  `json:"date,omitempty"`
	Value *amount `json:"value"`
	Payer orgRef  `json:"payer"`
	Payee orgRef  `json:"payee"`
	// Code and label of the tranche (local extension).
	TrancheKind string `json:"trancheKind"`
}

// scorecardExt is a review scorecard (local extension "scorecards").
type scorecardExt struct {
	ID            string      `json:"id"`
	Kind          string      `json:"kind"`
	KindLabel     string      `json:"kindLabel"`
	IndicatorSet  string      `json:"indicatorSet,omitempty"`
	Reviewer      *orgRef     `json:"reviewer,omitempty"`
	ReviewedOn    string      `json:"reviewedOn,omitempty"`
	WeightedTotal json.Number `json:"weightedTotal"`
	Passed        bool        `json:"passed"`
	Comment       string      `json:"comment,omitempty"`
	Scores        []scoreExt  `json:"scores"`
}

type scoreExt struct {
	Indicator string      `json:"indicator"`
	Weight    json.Number `json:"weight"`
	MaxScore  json.Number `json:"maxScore"`
	Value     json.Number `json:"value"`
}

// metricExt is an outcome metric (local extension "metrics", after the
// shape of the OCDS metrics extension, with each observation's provenance).
type metricExt struct {
	ID           string           `json:"id"`
	Title        string           `json:"title"`
	Observations []observationExt `json:"observations"`
}

type observationExt struct {
	ID         string  `json:"id"`
	Period     *period `json:"period,omitempty"`
	Measure    int64   `json:"measure"`
	Target     *int64  `json:"target,omitempty"`
	Unit       string  `json:"unit"`
	Value      *amount `json:"value,omitempty"`
	Provenance string  `json:"provenance"`
}

// satisfactionExt is the service recipients' satisfaction (local
// extension "satisfaction").
type satisfactionExt struct {
	Responses     int64    `json:"responses"`
	AverageRating *float64 `json:"averageRating"`
	Scale         string   `json:"scale"`
}

type implementation struct {
	Transactions []transaction    `json:"transactions,omitempty"`
	Milestones   []milestone      `json:"milestones,omitempty"`
	Documents    []document       `json:"documents,omitempty"`
	Metrics      []metricExt      `json:"metrics,omitempty"`
	Satisfaction *satisfactionExt `json:"satisfaction,omitempty"`
}

type award struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Status      string         `json:"status"`
	Date        string         `json:"date,omitempty"`
	Value       *amount        `json:"value"`
	Suppliers   []orgRef       `json:"suppliers"`
	Scorecards  []scorecardExt `json:"scorecards,omitempty"`
	// Local extension: the project's code, service area, district and page.
	Project map[string]any `json:"project"`
}

type contract struct {
	ID             string          `json:"id"`
	AwardID        string          `json:"awardID"`
	Title          string          `json:"title"`
	Status         string          `json:"status"`
	Value          *amount         `json:"value"`
	DateSigned     string          `json:"dateSigned,omitempty"`
	Milestones     []milestone     `json:"milestones,omitempty"`
	Implementation *implementation `json:"implementation,omitempty"`
	Scorecards     []scorecardExt  `json:"scorecards,omitempty"`
}

type tender struct {
	ID                      string     `json:"id"`
	Title                   string     `json:"title"`
	Description             string     `json:"description,omitempty"`
	Status                  string     `json:"status"`
	Value                   *amount    `json:"value"`
	ProcurementMethod       string     `json:"procurementMethod"`
	ProcurementMethodDetail string     `json:"procurementMethodDetails"`
	MainProcurementCategory string     `json:"mainProcurementCategory"`
	TenderPeriod            *period    `json:"tenderPeriod,omitempty"`
	NumberOfTenderers       int        `json:"numberOfTenderers"`
	Tenderers               []orgRef   `json:"tenderers"`
	Documents               []document `json:"documents,omitempty"`
	// StandstillPeriod is OCDS 1.2's tender.standstillPeriod: the public
	// notice period (公示期) of the approved list, during which the public
	// may object.
	StandstillPeriod *period `json:"standstillPeriod,omitempty"`
}

// Release is one OCDS release: the state of one funding round's
// contracting process.
type Release struct {
	OCID           string     `json:"ocid"`
	ID             string     `json:"id"`
	Date           string     `json:"date"`
	Tag            []string   `json:"tag"`
	InitiationType string     `json:"initiationType"`
	Language       string     `json:"language"`
	Parties        []party    `json:"parties"`
	Buyer          *orgRef    `json:"buyer,omitempty"`
	Tender         tender     `json:"tender"`
	Awards         []award    `json:"awards"`
	Contracts      []contract `json:"contracts"`
}

type publisher struct {
	Name string `json:"name"`
}

// ReleasePackage is an OCDS release package.
type ReleasePackage struct {
	URI           string     `json:"uri"`
	Version       string     `json:"version"`
	Extensions    []string   `json:"extensions,omitempty"`
	PublishedDate string     `json:"publishedDate"`
	Publisher     publisher  `json:"publisher"`
	License       string     `json:"license,omitempty"`
	Releases      []*Release `json:"releases"`
}

// Record is an OCDS record: every release of one process and its
// compiled state.
type Record struct {
	OCID            string     `json:"ocid"`
	Releases        []*Release `json:"releases"`
	CompiledRelease *Release   `json:"compiledRelease"`
}

// RecordPackage is an OCDS record package.
type RecordPackage struct {
	URI           string    `json:"uri"`
	Version       string    `json:"version"`
	Extensions    []string  `json:"extensions,omitempty"`
	PublishedDate string    `json:"publishedDate"`
	Publisher     publisher `json:"publisher"`
	License       string    `json:"license,omitempty"`
	Records       []*Record `json:"records"`
}

// documentTypes maps report kinds to OCDS's documentType codelist.
var documentTypes = map[ledger.ReportKind]string{
	ledger.ImplementationPlan: "technicalSpecifications",
	ledger.Agreement:          "contractSigned",
	ledger.QuarterlySummary:   "physicalProgressReport",
	ledger.MidtermReport:      "physicalProgressReport",
	ledger.AuditReport:        "finalAudit",
	ledger.AcceptanceReport:   "completionCertificate",
	ledger.EvaluationReport:   "evaluationReports",
	ledger.SolicitationReport: "evaluationReports",
	ledger.TrainingMaterial:   "biddingDocuments",
	ledger.ApplicationSummary: "evaluationReports",
}

// reviewReports are the report kinds a review's milestone carries.
var reviewReports = map[ledger.ReviewKind][]ledger.ReportKind{
	ledger.MidtermReview: {ledger.MidtermReport},
	ledger.ClosingReview: {ledger.AcceptanceReport, ledger.EvaluationReport, ledger.AuditReport},
}

func (s *Source) partyOf(o *ledger.Organization, roles ...string) party {
	return party{ID: USCIScheme + "-" + o.CreditCode, Name: o.Name,
		Identifier: identifier{Scheme: USCIScheme, ID: o.CreditCode, LegalName: o.Name},
		Address:    &address{Locality: o.District, CountryName: "中国"}, Roles: roles,
		Details: map[string]any{"kind": string(o.Kind), "kindLabel": ledger.Label(o.Kind), "url": s.OrganizationURL(o.CreditCode)}}
}

func refOf(o *ledger.Organization) orgRef {
	return orgRef{ID: USCIScheme + "-" + o.CreditCode, Name: o.Name}
}

func (s *Source) reportDoc(r *ledger.Report) document {
	return document{ID: r.Code, DocumentType: documentTypes[r.Kind], Title: r.Title, URL: s.ReportURL(r.Code),
		DatePublished: ocdsDateTime(r.PublishedOn), Format: "text/html", Language: "zh"}
}

func (s *Source) announcementDoc(a *ledger.Announcement) document {
	t := "tenderNotice"
	if a.Kind != ledger.SolicitationNotice {
		t = "awardNotice"
	}
	return document{ID: a.Code, DocumentType: t, Title: a.Title, URL: s.AnnouncementURL(a.Code),
		DatePublished: ocdsDateTime(a.PublishedOn), Format: "text/html", Language: "zh"}
}

func num(f float64) json.Number { return json.Number(fmt.Sprintf("%.2f", f)) }

// roundData is what one round's documents need, loaded a page at a time.
type roundData struct {
	round    *ledger.Round
	projects []*ledger.Project // every application, in code order
	figures  map[int64]*ledger.Figures
	tranches map[int64][]*ledger.Tranche
	metrics  map[int64][]*ledger.Metric
	cards    map[int64][]*ledger.Scorecard
	reports  map[int64][]*ledger.Report
	orgs     map[int64]*ledger.Organization
	sets     map[int64]*ledger.IndicatorSet
	notices  []*ledger.Announcement
	buyer    *ledger.Organization
	latest   time.Time
}

func (s *Source) loadRound(ctx context.Context, year int) (*roundData, error) {
	r, err := s.Portal.Round(ctx, year)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, &ledger.Error{Code: ledger.ENOTFOUND, Message: fmt.Sprintf("no funding round in %d", year)}
	}
	d := &roundData{round: r, figures: map[int64]*ledger.Figures{}, tranches: map[int64][]*ledger.Tranche{},
		metrics: map[int64][]*ledger.Metric{}, cards: map[int64][]*ledger.Scorecard{}, reports: map[int64][]*ledger.Report{},
		orgs: map[int64]*ledger.Organization{}, sets: map[int64]*ledger.IndicatorSet{}, latest: r.RecordedAt}
	rd := s.Portal.Reader
	var orgIDs, setIDs []int64
	err = s.EachProjectPage(ctx, ledger.ProjectFilter{Scope: ledger.ScopeApplications, RoundIDs: []int64{r.ID}}, func(page []*ledger.Project) error {
		ids := make([]int64, len(page))
		for i, p := range page {
			ids[i] = p.ID
			orgIDs = append(orgIDs, p.UndertakerID, deref(p.EvaluatorID), deref(p.AuditorID))
			if p.RecordedAt.After(d.latest) {
				d.latest = p.RecordedAt
			}
		}
		d.projects = append(d.projects, page...)
		figs, err := rd.FiguresByProjectIDs(ctx, ids)
		if err != nil {
			return err
		}
		trs, err := rd.TranchesByProjectIDs(ctx, ids)
		if err != nil {
			return err
		}
		ms, err := rd.MetricsByProjectIDs(ctx, ids)
		if err != nil {
			return err
		}
		cs, err := rd.ScorecardsByProjectIDs(ctx, ids)
		if err != nil {
			return err
		}
		rs, err := rd.ReportsByProjectIDs(ctx, ids)
		if err != nil {
			return err
		}
		for i, id := range ids {
			d.figures[id], d.tranches[id], d.metrics[id], d.cards[id], d.reports[id] = figs[i], trs[i], ms[i], cs[i], rs[i]
			for _, c := range cs[i] {
				setIDs = append(setIDs, c.SetID)
				orgIDs = append(orgIDs, deref(c.ReviewerID))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if d.notices, err = s.Portal.RoundAnnouncements(ctx, r.ID); err != nil {
		return nil, err
	}
	for _, a := range d.notices {
		orgIDs = append(orgIDs, deref(a.PublisherID))
	}
	if d.orgs, err = s.orgIndex(ctx, orgIDs); err != nil {
		return nil, err
	}
	for _, a := range d.notices {
		if o := d.orgs[deref(a.PublisherID)]; o != nil && o.Kind == ledger.Department && d.buyer == nil {
			d.buyer = o
		}
	}
	if len(setIDs) > 0 {
		sets, err := rd.IndicatorSetsByIDs(ctx, uniq(setIDs))
		if err != nil {
			return nil, err
		}
		for _, set := range sets {
			if set != nil {
				d.sets[set.ID] = set
			}
		}
	}
	return d, nil
}

func uniq(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if id != 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func (s *Source) scorecards(d *roundData, cards []*ledger.Scorecard, kinds ...ledger.ReviewKind) []scorecardExt {
	var out []scorecardExt
	for _, c := range cards {
		keep := false
		for _, k := range kinds {
			keep = keep || c.Kind == k
		}
		if !keep {
			continue
		}
		set := d.sets[c.SetID]
		sc := scorecardExt{ID: fmt.Sprintf("scorecard-%d", c.ID), Kind: string(c.Kind), KindLabel: ledger.Label(c.Kind),
			ReviewedOn: string(c.ReviewedOn), Passed: c.Passed, Comment: c.Comment, Scores: []scoreExt{}}
		if o := d.orgs[deref(c.ReviewerID)]; o != nil {
			r := refOf(o)
			sc.Reviewer = &r
		}
		var inds []ledger.Indicator
		if set != nil {
			sc.IndicatorSet = set.Name + " " + set.Edition
			inds = set.Indicators
		}
		sc.WeightedTotal = num(ledger.WeightedTotal(inds, c.Scores))
		byID := map[int64]ledger.Indicator{}
		for _, in := range inds {
			byID[in.ID] = in
		}
		for _, v := range c.Scores {
			in := byID[v.IndicatorID]
			sc.Scores = append(sc.Scores, scoreExt{Indicator: in.Name, Weight: num(in.Weight), MaxScore: num(in.MaxScore), Value: num(v.Value)})
		}
		out = append(out, sc)
	}
	return out
}

// metricUnits names the unit of each metric kind.
var metricUnits = map[ledger.MetricKind]string{
	ledger.BeneficiaryVisits: "person-times", ledger.BeneficiaryPersons: "persons", ledger.VolunteerVisits: "person-times",
	ledger.VolunteerHours: "hours", ledger.ExpertVisits: "person-times", ledger.LeveragedFunds: "fen",
}

// Release builds the OCDS release of one funding round's contracting
// process: the round's solicitation is the tender, each approved project
// an award and a contract, its tranches the contract's transactions, its
// mid-term and closing reviews milestones with their documents.
func (s *Source) Release(ctx context.Context, st Standards, year int) (*Release, error) {
	d, err := s.loadRound(ctx, year)
	if err != nil {
		return nil, err
	}
	return s.release(st, d), nil
}

func (s *Source) release(st Standards, d *roundData) *Release {
	r := d.round
	ocid := fmt.Sprintf("%s-FC%d", st.ocidPrefix(), r.Year)
	date := ledger.FormatTime(d.latest)
	rel := &Release{OCID: ocid, ID: ocid + "-" + d.latest.UTC().Format("20060102T150405Z"), Date: date,
		Tag: []string{"tender"}, InitiationType: "tender", Language: "zh", Awards: []award{}, Contracts: []contract{}}
	parties := map[int64]*party{}
	var order []int64
	addParty := func(o *ledger.Organization, role string) {
		if o == nil {
			return
		}
		p, ok := parties[o.ID]
		if !ok {
			np := s.partyOf(o)
			p = &np
			parties[o.ID] = p
			order = append(order, o.ID)
		}
		for _, have := range p.Roles {
			if have == role {
				return
			}
		}
		p.Roles = append(p.Roles, role)
	}
	if d.buyer != nil {
		addParty(d.buyer, "buyer")
		addParty(d.buyer, "procuringEntity")
		addParty(d.buyer, "payer")
		b := refOf(d.buyer)
		rel.Buyer = &b
	}
	status := "complete"
	if r.ClosesOn != "" && ledger.DateOf(st.now()) <= r.ClosesOn {
		status = "active"
	}
	rel.Tender = tender{ID: fmt.Sprintf("FC%d", r.Year), Title: r.Title, Description: r.Description, Status: status,
		Value: cny(r.Budget), ProcurementMethod: "open", ProcurementMethodDetail: "政府向社会力量购买服务：公开征集，第三方初筛与专家立项评审",
		MainProcurementCategory: "services", TenderPeriod: periodOf(r.OpensOn, r.ClosesOn), Tenderers: []orgRef{}}
	for _, a := range d.notices {
		rel.Tender.Documents = append(rel.Tender.Documents, s.announcementDoc(a))
		if a.Kind == ledger.ApprovalNotice && a.NoticeStart != "" {
			rel.Tender.StandstillPeriod = periodOf(a.NoticeStart, a.NoticeEnd)
		}
	}
	seenTenderer := map[int64]bool{}
	for _, p := range d.projects {
		u := d.orgs[p.UndertakerID]
		if u != nil && !seenTenderer[u.ID] {
			seenTenderer[u.ID] = true
			rel.Tender.Tenderers = append(rel.Tender.Tenderers, refOf(u))
			addParty(u, "tenderer")
		}
		if p.Outcome == ledger.Rejected {
			continue
		}
		addParty(u, "supplier")
		addParty(u, "payee")
		addParty(d.orgs[deref(p.EvaluatorID)], "evaluator")
		addParty(d.orgs[deref(p.AuditorID)], "auditor")
		rel.Awards = append(rel.Awards, s.award(d, p, u))
		rel.Contracts = append(rel.Contracts, s.contract(d, p, u))
	}
	rel.Tender.NumberOfTenderers = len(d.projects)
	if len(rel.Awards) > 0 {
		rel.Tag = append(rel.Tag, "award", "contract")
		for _, c := range rel.Contracts {
			if c.Implementation != nil && len(c.Implementation.Transactions) > 0 {
				rel.Tag = append(rel.Tag, "implementation")
				break
			}
		}
	}
	for _, id := range order {
		rel.Parties = append(rel.Parties, *parties[id])
	}
	return rel
}

func (s *Source) award(d *roundData, p *ledger.Project, u *ledger.Organization) award {
	a := award{ID: p.Code, Title: p.Title, Description: p.Summary, Status: "active", Date: ocdsDateTime(p.ApprovedOn),
		Value: cny(p.Awarded), Suppliers: []orgRef{},
		Scorecards: s.scorecards(d, d.cards[p.ID], ledger.InitialScreening, ledger.ApprovalReview),
		Project: map[string]any{"code": p.Code, "serviceArea": string(p.ServiceArea), "serviceAreaLabel": ledger.Label(p.ServiceArea),
			"district": p.District, "targetGroup": p.TargetGroup, "stage": string(p.Stage), "outcome": string(p.Outcome), "url": s.ProjectURL(p.Code)}}
	if u != nil {
		a.Suppliers = append(a.Suppliers, refOf(u))
	}
	return a
}

func (s *Source) contract(d *roundData, p *ledger.Project, u *ledger.Organization) contract {
	status := "active"
	switch {
	case p.Outcome == ledger.Terminated:
		status = "terminated"
	case p.Outcome == ledger.Completed:
		status = "terminated" // OCDS: the contract has ended (completed)
	case p.Stage == ledger.Approval:
		status = "pending"
	}
	c := contract{ID: p.Code + "-agreement", AwardID: p.Code, Title: p.Title, Status: status, Value: cny(p.Awarded),
		DateSigned: ocdsDateTime(p.ApprovedOn), Scorecards: s.scorecards(d, d.cards[p.ID], ledger.MidtermReview, ledger.ClosingReview)}
	impl := &implementation{}
	paid := map[ledger.TrancheKind]*ledger.Tranche{}
	var payer orgRef
	if d.buyer != nil {
		payer = refOf(d.buyer)
	}
	for _, t := range d.tranches[p.ID] {
		paid[t.Kind] = t
		tr := transaction{ID: fmt.Sprintf("%s-%s", p.Code, t.Kind), Date: ocdsDateTime(t.PaidOn), Value: cny(t.Amount), Payer: payer, TrancheKind: string(t.Kind)}
		if u != nil {
			tr.Payee = refOf(u)
		}
		impl.Transactions = append(impl.Transactions, tr)
	}
	// The planned tranches, as OCDS 1.2 places planned payments: payment
	// milestones of the contract with their value.
	first, second, final := ledger.TrancheSchedule(p.Awarded)
	for _, pl := range []struct {
		kind ledger.TrancheKind
		amt  ledger.Money
		when string
	}{{ledger.FirstTranche, first, "on signing the agreement"}, {ledger.SecondTranche, second, "after a passed mid-term review"}, {ledger.FinalTranche, final, "on acceptance"}} {
		m := milestone{ID: fmt.Sprintf("%s-plan-%s", p.Code, pl.kind), Title: ledger.Label(pl.kind), Type: "payment",
			Description: pl.when, Code: string(pl.kind), Status: "scheduled", Value: cny(pl.amt)}
		if t := paid[pl.kind]; t != nil {
			m.Status, m.DateMet = "met", ocdsDateTime(t.PaidOn)
		} else if p.Outcome == ledger.Terminated {
			m.Status = "notMet"
		}
		c.Milestones = append(c.Milestones, m)
	}
	// Reviews during execution and at closing: assessment milestones with
	// the reports that document them.
	for _, card := range d.cards[p.ID] {
		kinds, ok := reviewReports[card.Kind]
		if !ok {
			continue
		}
		m := milestone{ID: fmt.Sprintf("scorecard-%d", card.ID), Title: ledger.Label(card.Kind), Type: "assessment", Code: string(card.Kind),
			Status: "met", DateMet: ocdsDateTime(card.ReviewedOn)}
		if !card.Passed {
			m.Description = "未通过 not passed"
		}
		for _, r := range d.reports[p.ID] {
			for _, k := range kinds {
				if r.Kind == k {
					m.Documents = append(m.Documents, s.reportDoc(r))
				}
			}
		}
		impl.Milestones = append(impl.Milestones, m)
	}
	for _, r := range d.reports[p.ID] {
		impl.Documents = append(impl.Documents, s.reportDoc(r))
	}
	byKind := map[ledger.MetricKind]*metricExt{}
	var kinds []ledger.MetricKind
	for _, m := range d.metrics[p.ID] {
		me := byKind[m.Kind]
		if me == nil {
			me = &metricExt{ID: string(m.Kind), Title: ledger.Label(m.Kind)}
			byKind[m.Kind] = me
			kinds = append(kinds, m.Kind)
		}
		ob := observationExt{ID: fmt.Sprintf("metric-%d", m.ID), Period: periodOf(m.PeriodStart, m.PeriodEnd), Measure: m.Value,
			Target: m.Target, Unit: metricUnits[m.Kind], Provenance: string(m.Provenance)}
		if m.Kind == ledger.LeveragedFunds {
			ob.Value = cny(ledger.Money(m.Value))
		}
		me.Observations = append(me.Observations, ob)
	}
	for _, k := range kinds {
		impl.Metrics = append(impl.Metrics, *byKind[k])
	}
	if f := d.figures[p.ID]; f != nil {
		impl.Satisfaction = &satisfactionExt{Responses: f.FeedbackCount, AverageRating: f.Satisfaction(), Scale: "1 (very dissatisfied) to 5 (very satisfied)"}
	}
	c.Implementation = impl
	return c
}

// ReleasePackage wraps releases in a release package published at uri.
func (st Standards) ReleasePackage(uri string, rels []*Release) *ReleasePackage {
	return &ReleasePackage{URI: uri, Version: OCDSVersion, PublishedDate: ledger.FormatTime(st.now()),
		Publisher: publisher{Name: st.publisher()}, Releases: rels}
}

// RecordPackage wraps each release in the record of its process (one
// release each, which is also the compiled release).
func (st Standards) RecordPackage(uri string, rels []*Release) *RecordPackage {
	pkg := &RecordPackage{URI: uri, Version: OCDSVersion, PublishedDate: ledger.FormatTime(st.now()),
		Publisher: publisher{Name: st.publisher()}, Records: []*Record{}}
	for _, r := range rels {
		compiled := *r
		compiled.Tag = []string{"compiled"}
		pkg.Records = append(pkg.Records, &Record{OCID: r.OCID, Releases: []*Release{r}, CompiledRelease: &compiled})
	}
	return pkg
}
