package ledger

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Public participation: service recipients' satisfaction feedback, the
// public's objections during a notice period, and the multi-party rating of
// the third-party agencies. The rules here are pure; the store keeps the
// records and the portal runs the use cases.

// Respondent says who gave a piece of feedback.
type Respondent string

// Respondents.
const (
	RespondentRecipient      Respondent = "RECIPIENT"      // 服务对象本人
	RespondentFamily         Respondent = "FAMILY"         // 家属
	RespondentRepresentative Respondent = "REPRESENTATIVE" // 服务对象代表
)

// Respondents lists the respondent types.
var Respondents = []Respondent{RespondentRecipient, RespondentFamily, RespondentRepresentative}

// Valid reports whether r is a known respondent type.
func (r Respondent) Valid() bool { return oneOf(r, Respondents) }

// RatingDimension is one thing a rating is about.
type RatingDimension string

// The dimensions the evaluator asks about, overall first.
const (
	DimensionOverall        RatingDimension = "OVERALL"         // 总体满意度
	DimensionServiceQuality RatingDimension = "SERVICE_QUALITY" // 服务质量
	DimensionStaffAttitude  RatingDimension = "STAFF_ATTITUDE"  // 工作人员态度
	DimensionLifeEffect     RatingDimension = "LIFE_EFFECT"     // 对生活的改善
)

// RatingDimensions lists the dimensions, overall first.
var RatingDimensions = []RatingDimension{DimensionOverall, DimensionServiceQuality, DimensionStaffAttitude, DimensionLifeEffect}

// ModerationState is where a submitted comment stands: only an approved
// comment is public. Ratings count at once, whatever their comment's state.
type ModerationState string

// Moderation states.
const (
	ModerationNone     ModerationState = "NONE"     // no comment to moderate
	ModerationPending  ModerationState = "PENDING"  // 待审核
	ModerationApproved ModerationState = "APPROVED" // 已公开
	ModerationRejected ModerationState = "REJECTED" // 未通过 (with a reason)
)

// Limits on what the public submits.
const (
	MaxCommentRunes   = 2000 // a feedback comment or an objection's text
	MaxReasonRunes    = 500  // a moderator's reason
	MaxAnswerRunes    = 2000 // an undertaker's or the bureau's answer
	MaxIdempotencyKey = 100
	// MinPublishedResponses is the fewest verified responses a group of
	// ratings needs before its mean and distribution are published, so
	// that no single rating can be read off a published figure.
	MinPublishedResponses = 5
)

// CheckRating refuses a rating outside 1–5; field names it.
func CheckRating(field string, v int) error {
	if v < 1 || v > 5 {
		return Invalid(field, "a rating is 1 (very dissatisfied) to 5 (very satisfied), got %d", v)
	}
	return nil
}

// checkOptionalRating checks a dimension's rating when one is given.
func checkOptionalRating(field string, v *int) error {
	if v == nil {
		return nil
	}
	return CheckRating(field, *v)
}

// CheckText refuses text longer than max characters (runes).
func CheckText(field, s string, max int) error {
	if n := utf8.RuneCountInString(s); n > max {
		return Invalid(field, "is %d characters, at most %d allowed", n, max)
	}
	if !utf8.ValidString(s) {
		return Invalid(field, "is not valid UTF-8 text")
	}
	return nil
}

// Ratings returns f's rating in each dimension (nil where not given),
// in the order of RatingDimensions.
func (f *Feedback) Ratings() [4]*int {
	o := f.Rating
	return [4]*int{&o, f.ServiceQuality, f.StaffAttitude, f.LifeEffect}
}

// Validate checks feedback: every rating 1–5 (the overall one required),
// a known respondent type and a comment of at most MaxCommentRunes.
func (f *Feedback) Validate() error {
	if err := CheckRating("feedback.rating", f.Rating); err != nil {
		return err
	}
	if err := checkOptionalRating("feedback.serviceQuality", f.ServiceQuality); err != nil {
		return err
	}
	if err := checkOptionalRating("feedback.staffAttitude", f.StaffAttitude); err != nil {
		return err
	}
	if err := checkOptionalRating("feedback.lifeEffect", f.LifeEffect); err != nil {
		return err
	}
	if err := CheckText("feedback.comment", f.Comment, MaxCommentRunes); err != nil {
		return err
	}
	if !f.Respondent.Valid() {
		return Invalid("feedback.respondent", "respondent must be RECIPIENT, FAMILY or REPRESENTATIVE, got %q", f.Respondent)
	}
	return nil
}

// PrepareComment fills in what the public may see of f's comment: the
// masked text, and the moderation state a new comment starts in (pending,
// or none without a comment).
func (f *Feedback) PrepareComment() {
	f.Comment = strings.TrimSpace(f.Comment)
	f.PublicComment, _ = MaskPersonalData(f.Comment)
	if f.Moderation == "" {
		f.Moderation = ModerationPending
		if f.Comment == "" {
			f.Moderation = ModerationNone
		}
	}
}

// CheckModeration checks a moderator's decision on a comment: only a
// pending comment is decided (an approved one may still be withdrawn, to
// REJECTED), only to APPROVED or REJECTED, and a rejection states its
// reason.
func CheckModeration(cur, to ModerationState, reason string) error {
	if to != ModerationApproved && to != ModerationRejected {
		return Invalid("moderation.state", "a comment is moderated to APPROVED or REJECTED, not %q", to)
	}
	if cur == ModerationNone {
		return Invalid("moderation.feedback", "this feedback has no comment to moderate")
	}
	if cur == to {
		return Errorf(ECONFLICT, "the comment is already %s", to)
	}
	if cur == ModerationRejected {
		return Errorf(ECONFLICT, "a rejected comment stays rejected")
	}
	if to == ModerationRejected && strings.TrimSpace(reason) == "" {
		return Invalid("moderation.reason", "a rejection must state its reason")
	}
	return CheckText("moderation.reason", reason, MaxReasonRunes)
}

// ObjectionState is where an objection (异议) stands.
type ObjectionState string

// Objection states: received → accepted or not accepted (with a reason) →
// (accepted) under verification → answered.
const (
	ObjectionReceived    ObjectionState = "RECEIVED"           // 已收到
	ObjectionAccepted    ObjectionState = "ACCEPTED"           // 已受理
	ObjectionNotAccepted ObjectionState = "NOT_ACCEPTED"       // 不予受理 (with reason)
	ObjectionVerifying   ObjectionState = "UNDER_VERIFICATION" // 核查中
	ObjectionAnswered    ObjectionState = "ANSWERED"           // 已答复
)

// ObjectionStates lists the states in their order.
var ObjectionStates = []ObjectionState{ObjectionReceived, ObjectionAccepted, ObjectionNotAccepted, ObjectionVerifying, ObjectionAnswered}

var objectionMoves = map[ObjectionState][]ObjectionState{
	ObjectionReceived:  {ObjectionAccepted, ObjectionNotAccepted},
	ObjectionAccepted:  {ObjectionVerifying},
	ObjectionVerifying: {ObjectionAnswered},
}

// Closed reports whether s is a final state.
func (s ObjectionState) Closed() bool { return s == ObjectionNotAccepted || s == ObjectionAnswered }

// CheckObjectionMove checks moving an objection from cur to next: the move
// must follow the state machine, a refusal states its reason and an answer
// its text.
func CheckObjectionMove(cur, next ObjectionState, reason, answer string) error {
	if !oneOf(next, ObjectionStates) {
		return Invalid("objection.state", "objection state %q is not known", next)
	}
	if !slices.Contains(objectionMoves[cur], next) {
		if cur.Closed() {
			return Errorf(ECONFLICT, "the objection is already %s", cur)
		}
		return Invalid("objection.state", "an objection that is %s cannot move to %s (next: %v)", cur, next, objectionMoves[cur])
	}
	if next == ObjectionNotAccepted && strings.TrimSpace(reason) == "" {
		return Invalid("objection.reason", "not accepting an objection needs a reason")
	}
	if next == ObjectionAnswered && strings.TrimSpace(answer) == "" {
		return Invalid("objection.answer", "an answer needs its text")
	}
	if err := CheckText("objection.reason", reason, MaxReasonRunes); err != nil {
		return err
	}
	return CheckText("objection.answer", answer, MaxAnswerRunes)
}

// Objection is an objection to a project listed in a public notice,
// raised while the notice period is open. The objector's name and contact
// are for the moderators and the bureau only: never published, never
// logged (Objection.String leaves them out).
type Objection struct {
	ID             int64          `db:"id" json:"id"`
	Receipt        string         `db:"receipt" json:"receipt"` // given to the objector at once
	AnnouncementID int64          `db:"announcement_id" json:"announcementId"`
	ProjectID      int64          `db:"project_id" json:"projectId"`
	Text           string         `db:"body" json:"-"`             // as submitted; moderators only
	PublicText     string         `db:"body_public" json:"text"`   // masked
	Name           string         `db:"objector_name" json:"-"`    // moderators and bureau only
	Contact        string         `db:"objector_contact" json:"-"` // moderators and bureau only
	State          ObjectionState `db:"state" json:"state"`
	Reason         string         `db:"reason" json:"reason"` // why not accepted
	Answer         string         `db:"answer" json:"answer"` // the published answer, masked
	ReceivedAt     time.Time      `db:"received_at" json:"receivedAt"`
	DecidedAt      *time.Time     `db:"decided_at" json:"decidedAt"`   // accepted or not
	AnsweredAt     *time.Time     `db:"answered_at" json:"answeredAt"` // answered (or not accepted)
	ClientHash     string         `db:"client_hash" json:"-"`
}

// String describes an objection without the objector's identity, for logs.
func (o *Objection) String() string {
	return "objection " + o.Receipt + " (" + string(o.State) + ")"
}

// Validate checks a new objection: a name, a contact and a text, none too
// long.
func (o *Objection) Validate() error {
	if err := requireText("objection.name", o.Name, 50); err != nil {
		return err
	}
	if err := requireText("objection.contact", o.Contact, 100); err != nil {
		return err
	}
	if err := requireText("objection.text", o.Text, MaxCommentRunes); err != nil {
		return err
	}
	return nil
}

// CheckObjectionWindow refuses an objection on day `today` to announcement
// a outside its notice period, saying when the period closed (or opens).
func CheckObjectionWindow(a *Announcement, today Date, cal *Calendar) error {
	if a.Kind != ApprovalNotice || a.NoticeStart == "" {
		return Invalid("objection.announcement", "announcement %s has no notice period: objections are raised against an approval notice (立项公示)", a.Code)
	}
	n := cal.Notice(a.NoticeStart, a.NoticeEnd, today)
	switch {
	case n.NotYetBegun:
		return Invalid("objection.announcement", "the notice period of %s opens on %s", a.Code, a.NoticeStart)
	case !n.Open:
		return Invalid("objection.announcement", "the notice period of %s closed on %s (%d working days from %s); objections are no longer accepted",
			a.Code, a.NoticeEnd, n.Total, a.NoticeStart)
	}
	return nil
}

// Satisfaction is the published satisfaction of a group of verified
// ratings (a project, an undertaker, a round). Below MinPublishedResponses
// responses the mean and distributions are withheld (nil), only the count
// and response rate shown.
type Satisfaction struct {
	Responses    int64 // verified ratings
	CodesIssued  int64 // feedback codes issued for the group
	Withheld     bool  // fewer than MinPublishedResponses responses
	Dimensions   []DimensionFigures
	ResponseRate *float64 // Responses / CodesIssued, nil without codes
}

// DimensionFigures is the published figures of one rating dimension.
type DimensionFigures struct {
	Dimension    RatingDimension
	Responses    int64    // ratings given in this dimension
	Mean         *float64 // nil when withheld
	Distribution []int64  // ratings of 1..5; nil when withheld
}

// RatingCounts is how many verified ratings of each value (1..5) a group
// holds in each dimension, in the order of RatingDimensions.
type RatingCounts [4][5]int64

// Add counts the ratings of one piece of feedback.
func (c *RatingCounts) Add(f *Feedback) {
	for i, r := range f.Ratings() {
		if r != nil && *r >= 1 && *r <= 5 {
			c[i][*r-1]++
		}
	}
}

// SatisfactionOf publishes the verified ratings counted in c, with the
// codes issued for the group. The overall count decides withholding.
func SatisfactionOf(c RatingCounts, codesIssued int64) Satisfaction {
	s := Satisfaction{CodesIssued: codesIssued}
	for _, n := range c[0] {
		s.Responses += n
	}
	s.Withheld = s.Responses < MinPublishedResponses
	if codesIssued > 0 {
		r := math.Min(1, float64(s.Responses)/float64(codesIssued))
		s.ResponseRate = &r
	}
	for i, d := range RatingDimensions {
		fig := DimensionFigures{Dimension: d}
		var sum int64
		for v, n := range c[i] {
			fig.Responses += n
			sum += int64(v+1) * n
		}
		if !s.Withheld && fig.Responses >= MinPublishedResponses {
			m := math.Round(float64(sum)/float64(fig.Responses)*100) / 100
			fig.Mean = &m
			fig.Distribution = slices.Clone(c[i][:])
		}
		s.Dimensions = append(s.Dimensions, fig)
	}
	return s
}

// WithheldMean returns the mean of count ratings summing to sum, or nil
// below MinPublishedResponses: the rule for every published average.
func WithheldMean(count, sum int64) *float64 {
	if count < MinPublishedResponses {
		return nil
	}
	v := float64(sum) / float64(count)
	return &v
}

// RaterParty is one of the three parties that rate a third-party agency.
type RaterParty string

// The parties that rate an agency (第三方评价的评价主体).
const (
	PartyBureau       RaterParty = "BUREAU"                   // the buyer
	PartyUndertaker   RaterParty = "UNDERTAKER"               // undertakers the agency served
	PartyRecipientRep RaterParty = "RECIPIENT_REPRESENTATIVE" // service-recipient representatives
)

// RaterParties lists the parties.
var RaterParties = []RaterParty{PartyBureau, PartyUndertaker, PartyRecipientRep}

// Valid reports whether p is a known party.
func (p RaterParty) Valid() bool { return oneOf(p, RaterParties) }

// AgencyCriterion is one published criterion agencies are rated on.
type AgencyCriterion string

// The criteria (评价指标) each party rates an agency on, 1–5.
const (
	CriterionIndependence    AgencyCriterion = "INDEPENDENCE"    // 独立性
	CriterionProfessionalism AgencyCriterion = "PROFESSIONALISM" // 专业性
	CriterionTimeliness      AgencyCriterion = "TIMELINESS"      // 及时性
	CriterionCommunication   AgencyCriterion = "COMMUNICATION"   // 沟通与服务
)

// AgencyCriteria lists the criteria.
var AgencyCriteria = []AgencyCriterion{CriterionIndependence, CriterionProfessionalism, CriterionTimeliness, CriterionCommunication}

// AgencyRating is one rater's rating of an agency for a year: a score of
// 1–5 on each criterion.
type AgencyRating struct {
	ID       int64      `db:"id" json:"id"`
	AgencyID int64      `db:"agency_id" json:"agencyId"`
	Year     int        `db:"year" json:"year"`
	Party    RaterParty `db:"party" json:"party"`
	Rater    string     `db:"rater" json:"-"`  // who rated (one rating per rater, agency and year)
	Scores   [4]int     `db:"-" json:"scores"` // in the order of AgencyCriteria
	RatedAt  time.Time  `db:"rated_at" json:"ratedAt"`
}

// Validate checks an agency rating.
func (r *AgencyRating) Validate() error {
	if !r.Party.Valid() {
		return Invalid("rating.party", "party must be BUREAU, UNDERTAKER or RECIPIENT_REPRESENTATIVE, got %q", r.Party)
	}
	if r.Year < 2000 || r.Year > 2100 {
		return Invalid("rating.year", "year %d is out of range", r.Year)
	}
	if strings.TrimSpace(r.Rater) == "" {
		return Invalid("rating.rater", "a rating names its rater")
	}
	for i, s := range r.Scores {
		if err := CheckRating("rating.scores."+strings.ToLower(string(AgencyCriteria[i])), s); err != nil {
			return err
		}
	}
	return nil
}

// PartyWeights are the published weights of the three parties in an
// agency's composite score, summing to 1.
type PartyWeights map[RaterParty]float64

// DefaultPartyWeights are the weights used when a year has none recorded:
// the buyer 40%, the undertakers 30%, the recipients' representatives 30%.
var DefaultPartyWeights = PartyWeights{PartyBureau: 0.4, PartyUndertaker: 0.3, PartyRecipientRep: 0.3}

// Check refuses weights that are negative, name an unknown party or do not
// sum to 1.
func (w PartyWeights) Check() error {
	sum := 0.0
	for p, v := range w {
		if !p.Valid() {
			return Invalid("weights.party", "party %q is not known", p)
		}
		if v < 0 {
			return Invalid("weights."+string(p), "a weight is not negative")
		}
		sum += v
	}
	if math.Abs(sum-1) > 1e-9 {
		return Invalid("weights", "the weights sum to %.4f, not 1", sum)
	}
	return nil
}

// AgencyScore is an agency's published composite score for a year, on a
// 100-point scale, with its breakdown.
type AgencyScore struct {
	AgencyID  int64
	Year      int
	Composite *float64 // nil when no party rated
	Raters    int
	Weights   PartyWeights
	Parties   []PartyScore
}

// PartyScore is one party's part of an agency's score.
type PartyScore struct {
	Party    RaterParty
	Weight   float64 // the published weight
	Applied  float64 // the weight applied: renormalised over the parties that rated
	Raters   int
	Score    *float64 // 100-point mean over its raters, nil without raters
	Criteria []CriterionScore
}

// CriterionScore is a party's mean score (100-point) on one criterion.
type CriterionScore struct {
	Criterion AgencyCriterion
	Score     *float64
}

// to100 maps a 1–5 mean to the 100-point scale (5 → 100, 1 → 20).
func to100(mean float64) float64 { return math.Round(mean*20*100) / 100 }

// ScoreAgency computes an agency's composite from its ratings of one year:
// each party's score is the mean over its raters of the mean of their
// criteria; the composite weighs the parties by w, renormalised over the
// parties that rated, so a party without raters neither counts as zero nor
// silently takes another's weight unseen (Applied shows what was used).
func ScoreAgency(agencyID int64, year int, ratings []AgencyRating, w PartyWeights) AgencyScore {
	s := AgencyScore{AgencyID: agencyID, Year: year, Weights: w}
	var present float64
	for _, p := range RaterParties {
		ps := PartyScore{Party: p, Weight: w[p]}
		var sums [4]float64
		for _, r := range ratings {
			if r.Party != p {
				continue
			}
			ps.Raters++
			for i, v := range r.Scores {
				sums[i] += float64(v)
			}
		}
		var all float64
		for i, c := range AgencyCriteria {
			cs := CriterionScore{Criterion: c}
			if ps.Raters > 0 {
				v := to100(sums[i] / float64(ps.Raters))
				cs.Score = &v
				all += sums[i]
			}
			ps.Criteria = append(ps.Criteria, cs)
		}
		if ps.Raters > 0 {
			v := to100(all / float64(ps.Raters*len(AgencyCriteria)))
			ps.Score = &v
			present += ps.Weight
		}
		s.Raters += ps.Raters
		s.Parties = append(s.Parties, ps)
	}
	if present > 0 {
		var c float64
		for i := range s.Parties {
			if p := &s.Parties[i]; p.Score != nil {
				p.Applied = p.Weight / present
				c += p.Applied * *p.Score
			}
		}
		c = math.Round(c*100) / 100
		s.Composite = &c
	}
	return s
}

// ResponseTimes summarises how fast something was handled, in working
// days: the median, the share over the deadline, and how many.
type ResponseTimes struct {
	Handled      int      // items handled
	Pending      int      // items not yet handled
	Median       *float64 // median working days, nil when none handled
	Overdue      int      // handled late, or pending past the deadline
	OverdueShare *float64 // Overdue / (Handled + Pending)
	Deadline     int      // the configured deadline in working days
}

// Timing is one item's start and, when handled, end.
type Timing struct {
	From Date
	To   Date // "" while pending
}

// MeasureResponseTimes summarises items against a deadline of `deadline`
// working days, as seen on day today (pending items count as overdue once
// today is past their deadline).
func MeasureResponseTimes(items []Timing, deadline int, today Date, cal *Calendar) ResponseTimes {
	rt := ResponseTimes{Deadline: deadline}
	var days []int
	for _, it := range items {
		end := it.To
		if end == "" {
			rt.Pending++
			end = today
		} else {
			rt.Handled++
		}
		d := cal.ElapsedWorkingDays(it.From, end)
		if it.To != "" {
			days = append(days, d)
		}
		if d > deadline {
			rt.Overdue++
		}
	}
	if len(days) > 0 {
		sort.Ints(days)
		var m float64
		if n := len(days); n%2 == 1 {
			m = float64(days[n/2])
		} else {
			m = float64(days[n/2-1]+days[n/2]) / 2
		}
		rt.Median = &m
	}
	if total := rt.Handled + rt.Pending; total > 0 {
		s := math.Round(float64(rt.Overdue)/float64(total)*10000) / 10000
		rt.OverdueShare = &s
	}
	return rt
}

// The Chinese labels of participation's enums (ledger.Label).
func init() {
	for k, v := range map[string]string{
		string(RespondentRecipient): "服务对象本人", string(RespondentFamily): "家属", string(RespondentRepresentative): "服务对象代表",
		string(DimensionOverall): "总体满意度", string(DimensionServiceQuality): "服务质量", string(DimensionStaffAttitude): "工作人员态度",
		string(DimensionLifeEffect): "对生活的改善",
		string(ModerationPending):   "待审核", string(ModerationApproved): "已公开", string(ModerationRejected): "未通过",
		string(ObjectionReceived): "已收到", string(ObjectionAccepted): "已受理", string(ObjectionNotAccepted): "不予受理",
		string(ObjectionVerifying): "核查中", string(ObjectionAnswered): "已答复",
		string(PartyBureau): "民政部门", string(PartyUndertaker): "项目承接方", string(PartyRecipientRep): "服务对象代表",
		string(CriterionIndependence): "独立性", string(CriterionProfessionalism): "专业性", string(CriterionTimeliness): "及时性",
		string(CriterionCommunication): "沟通与服务",
	} {
		if _, taken := labels[k]; !taken { // RECIPIENT etc. may be labelled already
			labels[k] = v
		}
	}
}
