package ledger

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestFeedbackCodeRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		c := NewFeedbackCode()
		if len(c) != FeedbackCodeLen || seen[c] {
			t.Fatalf("code %q: wrong length or repeated", c)
		}
		seen[c] = true
		for _, typed := range []string{c, FormatFeedbackCode(c), strings.ToLower(FormatFeedbackCode(c)), " " + c[:4] + " " + c[4:] + " "} {
			got, err := ParseFeedbackCode("code", typed)
			if err != nil || got != c {
				t.Fatalf("ParseFeedbackCode(%q) = %q, %v; want %q", typed, got, err, c)
			}
		}
	}
}

// Every single wrong symbol and every swap of neighbours is caught.
func TestFeedbackCodeCatchesTypos(t *testing.T) {
	for i := 0; i < 200; i++ {
		c := []byte(NewFeedbackCode())
		for pos := range c {
			for j := 0; j < len(codeAlphabet); j++ {
				if codeAlphabet[j] == c[pos] {
					continue
				}
				typo := append([]byte(nil), c...)
				typo[pos] = codeAlphabet[j]
				if _, err := ParseFeedbackCode("code", string(typo)); err == nil {
					t.Fatalf("%s with position %d changed to %c was accepted", c, pos, codeAlphabet[j])
				}
			}
			if pos+1 < len(c) && c[pos] != c[pos+1] {
				typo := append([]byte(nil), c...)
				typo[pos], typo[pos+1] = typo[pos+1], typo[pos]
				if _, err := ParseFeedbackCode("code", string(typo)); err == nil {
					t.Fatalf("%s with positions %d,%d swapped was accepted", c, pos, pos+1)
				}
			}
		}
	}
}

func TestParseFeedbackCode(t *testing.T) {
	good := NewFeedbackCode()
	// Look-alikes are read as the symbol they look like.
	lookalike := strings.NewReplacer("0", "O", "1", "I", "2", "Z", "V", "U").Replace(good)
	for _, tc := range []struct {
		in, field string
	}{
		{good, ""},
		{lookalike, ""},
		{"ＡＢＣ", "input.code"}, // too short even after full-width folding
		{good[:8], "input.code"},
		{good + "0", "input.code"},
		{good[:8] + "!", "input.code"},
		{"", "input.code"},
	} {
		got, err := ParseFeedbackCode("input.code", tc.in)
		wantRefusal(t, tc.in, err, tc.field)
		if tc.field == "" && got != good {
			t.Errorf("%q read as %q, want %q", tc.in, got, good)
		}
	}
	if a, b := HashFeedbackCode(good), HashFeedbackCode(good); a != b || len(a) != 64 || strings.Contains(a, good) {
		t.Errorf("hash %q is not a stable SHA-256", a)
	}
}

func TestMaskPersonalData(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"服务很好，有事打13812345678", "服务很好，有事打138********"},
		{"电话 138-1234-5678。", "电话 138-****-****。"},
		{"+86 139 1234 5678", "+86 1** **** ****"}, // the country code counts among the three kept
		{"身份证110101199003071234谢谢", "身份证******************谢谢"},
		{"证件号11010119900307123X", "证件号******************"},
		{"我叫张三，住在幸福路12号3栋502室", "我叫张*，住在幸福路**号*栋***室"},
		{"我是王小明的女儿", "我是王**的女儿"},
		{"我是一名志愿者，老师很耐心", "我是一名志愿者，老师很耐心"},
		{"姓名：李四", "姓名：李*"},
		{"座机010-62345678", "座机010-********"},
		{"评分五星，服务及时", "评分五星，服务及时"},
		{"2016年来了3次", "2016年来了3次"},
	} {
		got, changed := MaskPersonalData(tc.in)
		if got != tc.want || changed != (tc.in != tc.want) {
			t.Errorf("MaskPersonalData(%q) = %q, %v; want %q", tc.in, got, changed, tc.want)
		}
	}
}

func TestFeedbackValidate(t *testing.T) {
	p := func(v int) *int { return &v }
	for _, tc := range []struct {
		name  string
		f     Feedback
		field string
	}{
		{"overall only", Feedback{Rating: 5, Respondent: RespondentRecipient}, ""},
		{"all dimensions", Feedback{Rating: 4, ServiceQuality: p(5), StaffAttitude: p(1), LifeEffect: p(3), Respondent: RespondentFamily}, ""},
		{"overall 0", Feedback{Rating: 0, Respondent: RespondentRecipient}, "feedback.rating"},
		{"overall 6", Feedback{Rating: 6, Respondent: RespondentRecipient}, "feedback.rating"},
		{"quality 6", Feedback{Rating: 3, ServiceQuality: p(6), Respondent: RespondentRecipient}, "feedback.serviceQuality"},
		{"attitude 0", Feedback{Rating: 3, StaffAttitude: p(0), Respondent: RespondentRecipient}, "feedback.staffAttitude"},
		{"effect -1", Feedback{Rating: 3, LifeEffect: p(-1), Respondent: RespondentRecipient}, "feedback.lifeEffect"},
		{"respondent", Feedback{Rating: 3, Respondent: "NEIGHBOUR"}, "feedback.respondent"},
		{"comment long", Feedback{Rating: 3, Respondent: RespondentRecipient, Comment: strings.Repeat("好", MaxCommentRunes+1)}, "feedback.comment"},
		{"comment at limit", Feedback{Rating: 3, Respondent: RespondentRecipient, Comment: strings.Repeat("好", MaxCommentRunes)}, ""},
	} {
		wantRefusal(t, tc.name, tc.f.Validate(), tc.field)
	}
}

func TestModeration(t *testing.T) {
	for _, tc := range []struct {
		cur, to     ModerationState
		reason      string
		code, field string
	}{
		{ModerationPending, ModerationApproved, "", "", ""},
		{ModerationPending, ModerationRejected, "含广告", "", ""},
		{ModerationPending, ModerationRejected, " ", EINVALID, "moderation.reason"},
		{ModerationApproved, ModerationRejected, "撤回", "", ""},
		{ModerationApproved, ModerationApproved, "", ECONFLICT, ""},
		{ModerationRejected, ModerationApproved, "", ECONFLICT, ""},
		{ModerationNone, ModerationApproved, "", EINVALID, "moderation.feedback"},
		{ModerationPending, ModerationPending, "", EINVALID, "moderation.state"},
	} {
		wantCode(t, string(tc.cur)+"→"+string(tc.to), CheckModeration(tc.cur, tc.to, tc.reason), tc.code, tc.field)
	}
}

func TestObjectionStateMachine(t *testing.T) {
	for _, tc := range []struct {
		cur, next      ObjectionState
		reason, answer string
		code, field    string
	}{
		{ObjectionReceived, ObjectionAccepted, "", "", "", ""},
		{ObjectionReceived, ObjectionNotAccepted, "超出公示范围", "", "", ""},
		{ObjectionReceived, ObjectionNotAccepted, "", "", EINVALID, "objection.reason"},
		{ObjectionReceived, ObjectionVerifying, "", "", EINVALID, "objection.state"},
		{ObjectionReceived, ObjectionAnswered, "", "答复", EINVALID, "objection.state"},
		{ObjectionAccepted, ObjectionVerifying, "", "", "", ""},
		{ObjectionAccepted, ObjectionAnswered, "", "答复", EINVALID, "objection.state"},
		{ObjectionVerifying, ObjectionAnswered, "", "经核查，情况属实", "", ""},
		{ObjectionVerifying, ObjectionAnswered, "", "", EINVALID, "objection.answer"},
		{ObjectionAnswered, ObjectionVerifying, "", "", ECONFLICT, ""},
		{ObjectionNotAccepted, ObjectionAccepted, "", "", ECONFLICT, ""},
		{ObjectionReceived, "LOST", "", "", EINVALID, "objection.state"},
	} {
		wantCode(t, string(tc.cur)+"→"+string(tc.next), CheckObjectionMove(tc.cur, tc.next, tc.reason, tc.answer), tc.code, tc.field)
	}
}

func TestCalendarFiles(t *testing.T) {
	for _, y := range []int{2010, 2011, 2012, 2013, 2014, 2015, 2016, 2025, 2026, 2027} {
		if ok, _ := Workdays.Covers(y); !ok {
			t.Errorf("no calendar for %d", y)
		}
	}
	if _, prov := Workdays.Covers(2027); !prov {
		t.Errorf("2027 should be marked provisional")
	}
	if _, prov := Workdays.Covers(2026); prov {
		t.Errorf("2026 is from the published notice, not provisional")
	}
	_, err := LoadCalendar(fstest.MapFS{"calendar/2020.txt": {Data: []byte("2020-01-02 work 元旦\n")}})
	if err == nil || !strings.Contains(err.Error(), "weekday") {
		t.Errorf("a make-up working day on a Thursday was accepted: %v", err)
	}
	_, err = LoadCalendar(fstest.MapFS{"calendar/2020.txt": {Data: []byte("2020-01-01 holiday 元旦\n")}})
	if err == nil {
		t.Errorf("an unknown kind was accepted")
	}
}

func TestWorkingDays(t *testing.T) {
	c := Workdays
	for _, tc := range []struct {
		d    Date
		want bool
	}{
		{"2026-11-27", true},  // Friday
		{"2026-11-28", false}, // Saturday
		{"2026-02-14", true},  // Saturday, 春节调休
		{"2026-02-16", false}, // Monday, 春节
		{"2026-10-10", true},  // Saturday, 国庆调休
		{"2015-09-03", false}, // Thursday, 抗战胜利纪念日
		{"2015-09-06", true},  // Sunday, made up
		{"2013-04-07", true},  // Sunday, 清明调休
		{"2011-12-31", true},  // Saturday, made up for 2012 元旦
	} {
		if got := c.IsWorkingDay(tc.d); got != tc.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tc.d, got, tc.want)
		}
	}
	for _, tc := range []struct {
		from, to Date
		want     int
	}{
		{"2026-11-23", "2026-11-29", 5},
		{"2026-02-09", "2026-03-01", 11}, // 9–13, 14 (Sat, work), 24–27, 28 (Sat, work)
		{"2026-09-28", "2026-10-11", 6},  // 28–30, 8, 9, 10 (Sat, work)
		{"2026-09-19", "2026-09-20", 1},  // Sunday 20 is a make-up day
		{"2026-11-29", "2026-11-23", 0},
	} {
		if got := c.WorkingDays(tc.from, tc.to); got != tc.want {
			t.Errorf("WorkingDays(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
	// Spelled out: a 5-working-day notice from Wed 2026-02-11 counts
	// 11, 12, 13, 14 (Saturday, 调休) and 24 (after the holiday to 23).
	if got := c.AddWorkingDays("2026-02-11", 5); got != "2026-02-24" {
		t.Errorf("5 working days from 2026-02-11 end on %s, want 2026-02-24", got)
	}
	// From Thu 2026-09-17: 17, 18, 20 (Sunday, 调休), 21, 22.
	if got := c.AddWorkingDays("2026-09-17", 5); got != "2026-09-22" {
		t.Errorf("5 working days from 2026-09-17 end on %s, want 2026-09-22", got)
	}
	if got := c.AddWorkingDays("2026-11-28", 1); got != "2026-11-30" {
		t.Errorf("a period starting on a Saturday begins on %s, want 2026-11-30", got)
	}
	if got := c.ElapsedWorkingDays("2026-11-27", "2026-11-30"); got != 1 {
		t.Errorf("Friday to Monday elapsed %d working days, want 1", got)
	}
}

func TestObjectionWindow(t *testing.T) {
	// A 7-working-day notice spanning the 2026 国庆 make-up Saturday.
	a := &Announcement{Code: "GS-2026-09", Kind: ApprovalNotice, NoticeStart: "2026-10-08", NoticeEnd: Workdays.AddWorkingDays("2026-10-08", 7)}
	// 8 Thu, 9 Fri, 10 Sat (调休), 12 Mon, 13, 14, 15: the 7th is the 15th.
	if a.NoticeEnd != "2026-10-15" {
		t.Fatalf("7 working days from 2026-10-08 end on %s, want 2026-10-15", a.NoticeEnd)
	}
	n := Workdays.Notice(a.NoticeStart, a.NoticeEnd, "2026-10-09")
	if !n.Open || n.Left != 6 || n.Total != 7 {
		t.Errorf("on 2026-10-09: %+v, want open, 6 of 7 working days left (the Saturday counts)", n)
	}
	n = Workdays.Notice(a.NoticeStart, a.NoticeEnd, "2026-10-11") // Sunday
	if !n.Open || n.Left != 4 {
		t.Errorf("on Sunday 2026-10-11: %+v, want open, 4 left", n)
	}
	wantRefusal(t, "open", CheckObjectionWindow(a, "2026-10-15", Workdays), "")
	err := CheckObjectionWindow(a, "2026-10-16", Workdays)
	wantRefusal(t, "closed", err, "objection.announcement")
	if err == nil || !strings.Contains(err.Error(), "closed on 2026-10-15 (7 working days from 2026-10-08)") {
		t.Errorf("the refusal does not say when the period closed: %v", err)
	}
	wantRefusal(t, "not begun", CheckObjectionWindow(a, "2026-10-07", Workdays), "objection.announcement")
	wantRefusal(t, "no period", CheckObjectionWindow(&Announcement{Code: "X", Kind: ClosingResults}, "2026-10-09", Workdays), "objection.announcement")
}

func TestSatisfactionOf(t *testing.T) {
	var c RatingCounts
	four, two := 4, 2
	for _, r := range []int{5, 4, 4, 3} {
		c.Add(&Feedback{Rating: r, ServiceQuality: &four})
	}
	s := SatisfactionOf(c, 10)
	if !s.Withheld || s.Responses != 4 || s.Dimensions[0].Mean != nil || s.Dimensions[0].Distribution != nil {
		t.Errorf("4 responses: %+v, want withheld, no mean", s)
	}
	if s.ResponseRate == nil || *s.ResponseRate != 0.4 {
		t.Errorf("response rate %v, want 0.4", s.ResponseRate)
	}
	c.Add(&Feedback{Rating: 2, StaffAttitude: &two})
	s = SatisfactionOf(c, 0)
	if s.Withheld || s.ResponseRate != nil {
		t.Errorf("5 responses, no codes: %+v", s)
	}
	if got := s.Dimensions[0]; got.Mean == nil || *got.Mean != 3.6 || !cmp.Equal(got.Distribution, []int64{0, 1, 1, 2, 1}) {
		t.Errorf("overall %+v, want mean 3.6, distribution 0 1 1 2 1", got)
	}
	if got := s.Dimensions[1]; got.Responses != 4 || got.Mean != nil {
		t.Errorf("service quality with 4 ratings: %+v, want withheld", got)
	}
	if got := s.Dimensions[2]; got.Responses != 1 || got.Mean != nil {
		t.Errorf("staff attitude with 1 rating: %+v, want withheld", got)
	}
}

func TestScoreAgency(t *testing.T) {
	rs := []AgencyRating{
		{Party: PartyBureau, Scores: [4]int{5, 5, 4, 4}},
		{Party: PartyUndertaker, Scores: [4]int{3, 3, 3, 3}},
		{Party: PartyUndertaker, Scores: [4]int{5, 5, 5, 5}},
	}
	s := ScoreAgency(1, 2016, rs, DefaultPartyWeights)
	// bureau 4.5 → 90; undertakers 4 → 80; no representatives: 0.4 and
	// 0.3 renormalised to 4/7 and 3/7 → 90×4/7 + 80×3/7 = 85.71
	if s.Composite == nil || *s.Composite != 85.71 || s.Raters != 3 {
		t.Fatalf("composite %v over %d raters, want 85.71 over 3", s.Composite, s.Raters)
	}
	if p := s.Parties[2]; p.Raters != 0 || p.Score != nil || p.Weight != 0.3 || p.Applied != 0 {
		t.Errorf("representatives %+v, want no score, published weight 0.3", p)
	}
	if c := s.Parties[0].Criteria[2]; *c.Score != 80 {
		t.Errorf("bureau timeliness %v, want 80", *c.Score)
	}
	if s := ScoreAgency(1, 2016, nil, DefaultPartyWeights); s.Composite != nil {
		t.Errorf("no ratings gave composite %v", *s.Composite)
	}
	wantRefusal(t, "weights", PartyWeights{PartyBureau: 0.5, PartyUndertaker: 0.3}.Check(), "weights")
	wantRefusal(t, "default weights", DefaultPartyWeights.Check(), "")
	r := AgencyRating{Party: PartyBureau, Year: 2016, Rater: "bureau", Scores: [4]int{5, 0, 4, 4}}
	wantRefusal(t, "score 0", r.Validate(), "rating.scores.professionalism")
}

func TestMeasureResponseTimes(t *testing.T) {
	items := []Timing{
		{From: "2026-11-23", To: "2026-11-23"}, // 0
		{From: "2026-11-20", To: "2026-11-25"}, // Fri → Wed: 3
		{From: "2026-11-02", To: "2026-11-20"}, // 14: late
		{From: "2026-11-25"},                   // pending, 2 working days by the 27th: not late
		{From: "2026-11-02"},                   // pending 19 days: late
	}
	rt := MeasureResponseTimes(items, 5, "2026-11-27", Workdays)
	if rt.Handled != 3 || rt.Pending != 2 || rt.Overdue != 2 || *rt.Median != 3 || *rt.OverdueShare != 0.4 {
		t.Errorf("%+v median %v share %v, want 3 handled, 2 pending, 2 overdue, median 3, share 0.4", rt, *rt.Median, *rt.OverdueShare)
	}
}
