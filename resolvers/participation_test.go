package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"civicledger/api"
	"civicledger/graph"
	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/resolvers"
	"civicledger/search"
	"civicledger/store"
	"civicledger/store/storetest"
)

// The participation tests run on a fresh database per dialect with a small
// ledger of their own (they write), over the real HTTP handler. Accounts
// come from a test header read at the transport edge: X-Test-Actor names a
// role and organization, which the account and token layer (issue 10)
// would otherwise resolve.

// partNow is the portal's clock: Friday 2026-10-09, 10:00 in Shanghai, the
// day after a 7-working-day notice opened across the 国庆 make-up Saturday.
var partNow = time.Date(2026, 10, 9, 10, 0, 0, 0, ledger.Shanghai)

type partFixture struct {
	db                    *store.DB
	core                  *portal.Portal
	url                   string
	evaluator, undertaker *ledger.Organization
	p1, p2                *ledger.Project
	notice                *ledger.Announcement
	now                   *time.Time
	ix                    *search.Index
}

func newPartFixture(t testing.TB, d store.Dialect, limits portal.Limits) *partFixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.MustOpenDB(t, d)
	att := ledger.Attribution{Actor: "test", Role: ledger.RoleBureau}
	f := &partFixture{db: db}
	now := partNow
	f.now = &now
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	round := &ledger.Round{Year: 2026, Title: "2026年度公益金项目", Budget: ledger.Yuan(20_000_000)}
	must(db.CreateRound(ctx, att, round))
	cc := func(n int) string { return ledger.MakeCreditCode('5', '2', "310105", fmt.Sprintf("PT%06d", n)) }
	f.undertaker = &ledger.Organization{CreditCode: cc(1), Name: "阳光社工服务中心", Kind: ledger.Undertaker, District: "长宁区"}
	f.evaluator = &ledger.Organization{CreditCode: cc(2), Name: "明德评估中心", Kind: ledger.Evaluator}
	must(db.CreateOrganization(ctx, att, f.undertaker))
	must(db.CreateOrganization(ctx, att, f.evaluator))
	mk := func(code string) *ledger.Project {
		p := &ledger.Project{Code: code, RoundID: round.ID, Title: "居家养老助餐" + code, ServiceArea: ledger.ElderlySupport, District: "长宁区",
			TargetGroup: "独居老人", Summary: "助餐服务", UndertakerID: f.undertaker.ID, EvaluatorID: &f.evaluator.ID,
			Awarded: ledger.Yuan(200_000), Stage: ledger.Execution, ApprovedOn: "2026-10-01"}
		must(db.CreateProject(ctx, att, p))
		return p
	}
	f.p1, f.p2 = mk("PT-1"), mk("PT-2")
	f.notice = &ledger.Announcement{Code: "GS-2026-PT", Kind: ledger.ApprovalNotice, Title: "2026年度立项公示", PublishedOn: "2026-10-08",
		NoticeStart: "2026-10-08", NoticeEnd: ledger.Workdays.AddWorkingDays("2026-10-08", 7), ProjectIDs: []int64{f.p1.ID, f.p2.ID}}
	must(db.PublishAnnouncement(ctx, att, f.notice))
	ix, err := search.Open(filepath.Join(t.TempDir(), "search"), nil)
	must(err)
	t.Cleanup(func() { ix.Close() })
	f.ix = ix
	clock := func() time.Time { return *f.now }
	db.Now = clock // the store stamps submissions and answers with the same clock
	f.core = &portal.Portal{Reader: db, Meta: db, Searcher: ix, Now: clock,
		Participation: &portal.Participation{Store: db, Now: clock, Limits: limits}}
	cfg := api.Config{RateLimit: -1, ClientKey: api.ForwardedForKey(netip.MustParsePrefix("127.0.0.0/8"))}
	h := resolvers.WithLoaders(f.core, api.NewHandler(graph.NewExecutableSchema(resolvers.New(f.core).Config()), cfg, nil))
	srv := httptest.NewServer(testActor(f, h))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// testActor reads X-Test-Actor: "ROLE" or "ROLE:org-id".
func testActor(f *partFixture, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.Header.Get("X-Test-Actor"); v != "" {
			role, org, _ := strings.Cut(v, ":")
			var id int64
			fmt.Sscan(org, &id)
			a := ledger.Actor{AccountID: 1, Login: strings.ToLower(role), OrgID: id, Roles: []ledger.Role{ledger.Role(role)}}
			r = r.WithContext(ledger.WithActor(r.Context(), a))
		}
		next.ServeHTTP(w, r)
	})
}

// post sends one operation as client (an address in X-Forwarded-For) and
// actor ("" for the anonymous public); it returns data and errors.
func (f *partFixture) post(t testing.TB, client, actor, query string, vars map[string]any, out any) []gqlError {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, f.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if client != "" {
		req.Header.Set("X-Forwarded-For", client)
	}
	if actor != "" {
		req.Header.Set("X-Test-Actor", actor)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("decode (status %d): %v", resp.StatusCode, err)
	}
	if out != nil && len(r.Data) > 0 && string(r.Data) != "null" {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("decode %s: %v", r.Data, err)
		}
	}
	return r.Errors
}

func (f *partFixture) must(t testing.TB, actor, query string, vars map[string]any, out any) {
	t.Helper()
	if errs := f.post(t, "10.0.0.1", actor, query, vars, out); len(errs) > 0 {
		t.Fatalf("%s: %+v", query, errs)
	}
}

// wantRefused checks one top-level error with code and field.
func wantRefused(t *testing.T, what string, errs []gqlError, code, field string) {
	t.Helper()
	if len(errs) != 1 || errs[0].Extensions["code"] != code || (field != "" && errs[0].Extensions["field"] != field) {
		t.Errorf("%s: got %+v, want %s on %q", what, errs, code, field)
	}
}

const submitQ = `mutation($in: FeedbackInput!) { submitFeedback(input: $in) { id verified moderation replayed project { code } } }`

type submitOut struct {
	SubmitFeedback struct {
		ID         string
		Verified   bool
		Moderation string
		Replayed   bool
		Project    struct{ Code string }
	}
}

func (f *partFixture) issueCodes(t testing.TB, project string, n int) []string {
	t.Helper()
	var out struct {
		IssueFeedbackCodes struct {
			Codes         []string
			PrintableHTML string `json:"printableHtml"`
		}
	}
	f.must(t, fmt.Sprintf("EVALUATOR:%d", f.evaluator.ID), `mutation($p: String!, $n: Int!) { issueFeedbackCodes(input: {project: $p, count: $n}) { codes printableHtml } }`,
		map[string]any{"p": project, "n": n}, &out)
	if len(out.IssueFeedbackCodes.Codes) != n {
		t.Fatalf("issued %d codes, want %d", len(out.IssueFeedbackCodes.Codes), n)
	}
	for _, c := range out.IssueFeedbackCodes.Codes {
		if !strings.Contains(out.IssueFeedbackCodes.PrintableHTML, c) {
			t.Fatalf("code %s is not on the printable page", c)
		}
	}
	return out.IssueFeedbackCodes.Codes
}

func eachPart(t *testing.T, limits portal.Limits, fn func(t *testing.T, f *partFixture)) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) { fn(t, newPartFixture(t, d, limits)) })
	}
}

var noLimits = portal.Limits{PerClientPerMinute: -1}

func TestFeedbackCodeOverHTTP(t *testing.T) {
	eachPart(t, noLimits, func(t *testing.T, f *partFixture) {
		// Only the project's evaluator (or the bureau) issues codes.
		errs := f.post(t, "", "", `mutation { issueFeedbackCodes(input: {project: "PT-1", count: 3}) { codes } }`, nil, nil)
		wantRefused(t, "anonymous issue", errs, ledger.EUNAUTHENTICATED, "")
		errs = f.post(t, "", "EVALUATOR:999", `mutation { issueFeedbackCodes(input: {project: "PT-1", count: 3}) { codes } }`, nil, nil)
		wantRefused(t, "another agency", errs, ledger.EFORBIDDEN, "")
		errs = f.post(t, "", fmt.Sprintf("EVALUATOR:%d", f.evaluator.ID), `mutation { issueFeedbackCodes(input: {project: "PT-1", count: 501}) { codes } }`, nil, nil)
		wantRefused(t, "501 codes", errs, ledger.EINVALID, "input.count")

		codes := f.issueCodes(t, "PT-1", 6)
		var out submitOut
		// A code typed in lower case without hyphens works, without naming the project.
		f.must(t, "", submitQ, map[string]any{"in": map[string]any{"code": strings.ToLower(strings.ReplaceAll(codes[0], "-", "")),
			"rating": 5, "serviceQuality": 4, "respondent": "FAMILY"}}, &out)
		if !out.SubmitFeedback.Verified || out.SubmitFeedback.Project.Code != "PT-1" || out.SubmitFeedback.Moderation != "NONE" {
			t.Errorf("verified submission: %+v", out.SubmitFeedback)
		}
		errs = f.post(t, "10.0.0.2", "", submitQ, map[string]any{"in": map[string]any{"code": codes[0], "rating": 1, "respondent": "RECIPIENT"}}, nil)
		wantRefused(t, "second use", errs, ledger.EINVALID, "input.code")
		if len(errs) == 1 && !strings.Contains(errs[0].Message, "already been used") {
			t.Errorf("second use says %q", errs[0].Message)
		}
		typo := []byte(strings.ReplaceAll(codes[1], "-", ""))
		typo[2] = map[bool]byte{true: 'A', false: 'B'}[typo[2] != 'A']
		errs = f.post(t, "10.0.0.2", "", submitQ, map[string]any{"in": map[string]any{"code": string(typo), "rating": 1, "respondent": "RECIPIENT"}}, nil)
		wantRefused(t, "typo", errs, ledger.EINVALID, "input.code")
		errs = f.post(t, "10.0.0.2", "", submitQ, map[string]any{"in": map[string]any{"code": codes[1], "rating": 6, "respondent": "RECIPIENT"}}, nil)
		wantRefused(t, "rating 6", errs, ledger.EINVALID, "input.rating")
		errs = f.post(t, "10.0.0.2", "", submitQ, map[string]any{"in": map[string]any{"code": codes[1], "rating": 3, "staffAttitude": 0, "respondent": "RECIPIENT"}}, nil)
		wantRefused(t, "attitude 0", errs, ledger.EINVALID, "input.staffAttitude")
		errs = f.post(t, "10.0.0.2", "", submitQ, map[string]any{"in": map[string]any{"project": "PT-1", "rating": 3, "respondent": "RECIPIENT",
			"comment": strings.Repeat("长", 2001)}}, nil)
		wantRefused(t, "comment too long", errs, ledger.EINVALID, "input.comment")
		errs = f.post(t, "10.0.0.2", "", submitQ, map[string]any{"in": map[string]any{"project": "NOPE", "rating": 3, "respondent": "RECIPIENT"}}, nil)
		wantRefused(t, "unknown project", errs, ledger.EINVALID, "input.project")
		errs = f.post(t, "10.0.0.2", "", submitQ, map[string]any{"in": map[string]any{"rating": 3, "respondent": "RECIPIENT"}}, nil)
		wantRefused(t, "no project, no code", errs, ledger.EINVALID, "input.project")
		errs = f.post(t, "10.0.0.2", "", submitQ, map[string]any{"in": map[string]any{"project": "PT-2", "code": codes[1], "rating": 3, "respondent": "RECIPIENT"}}, nil)
		wantRefused(t, "code of another project", errs, ledger.EINVALID, "input.project")
		// The refusals used no code: 4 more verified ratings make 5.
		for i, c := range codes[1:5] {
			f.must(t, "", submitQ, map[string]any{"in": map[string]any{"code": c, "rating": 1 + i, "respondent": "RECIPIENT"}}, &out)
		}
		var fig struct {
			FeedbackFigures struct {
				Responses, CodesIssued int64
				ResponseRate           *float64
				Withheld               bool
				Dimensions             []struct {
					Dimension    string
					Mean         *float64
					Distribution []int64
				}
			}
		}
		f.must(t, "", `{ feedbackFigures(project: "PT-1") { responses codesIssued responseRate withheld dimensions { dimension mean distribution } } }`, nil, &fig)
		ff := fig.FeedbackFigures
		if ff.Responses != 5 || ff.CodesIssued != 6 || ff.ResponseRate == nil || *ff.ResponseRate != 5.0/6 || ff.Withheld {
			t.Errorf("figures %+v", ff)
		}
		if d := ff.Dimensions[0]; d.Mean == nil || *d.Mean != 3 || fmt.Sprint(d.Distribution) != "[1 1 1 1 1]" {
			t.Errorf("overall %+v, want mean 3 over 1..5", d)
		}
		if d := ff.Dimensions[1]; d.Mean != nil || d.Distribution != nil { // one service-quality rating
			t.Errorf("service quality with 1 rating shows %+v", d)
		}
	})
}

func TestUnverifiedNeverCountsAndUnderFiveWithheld(t *testing.T) {
	eachPart(t, noLimits, func(t *testing.T, f *partFixture) {
		codes := f.issueCodes(t, "PT-1", 4)
		for _, c := range codes {
			f.must(t, "", submitQ, map[string]any{"in": map[string]any{"code": c, "rating": 5, "respondent": "RECIPIENT"}}, nil)
		}
		type figs struct {
			FeedbackFigures struct {
				Responses  int64
				Withheld   bool
				Dimensions []struct{ Mean *float64 }
			}
			Project struct {
				Satisfaction struct {
					Responses int64
					Average   *float64
				}
			}
			Stats struct {
				Total struct {
					FeedbackCount int64
					Satisfaction  *float64
				}
			}
		}
		q := `{ feedbackFigures(project: "PT-1") { responses withheld dimensions { mean } }
			project(code: "PT-1") { satisfaction { responses average } }
			stats { total { feedbackCount satisfaction } } }`
		var before figs
		f.must(t, "", q, nil, &before)
		if !before.FeedbackFigures.Withheld || before.FeedbackFigures.Dimensions[0].Mean != nil || before.Project.Satisfaction.Average != nil ||
			before.Project.Satisfaction.Responses != 4 || before.Stats.Total.Satisfaction != nil {
			t.Errorf("4 responses: %+v, want the count and no mean anywhere", before)
		}
		// Thirty unverified 1-star ratings change nothing published.
		for i := 0; i < 30; i++ {
			var out submitOut
			f.must(t, "", submitQ, map[string]any{"in": map[string]any{"project": "PT-1", "rating": 1, "respondent": "RECIPIENT", "comment": "差"}}, &out)
			if out.SubmitFeedback.Verified || out.SubmitFeedback.Moderation != "PENDING" {
				t.Fatalf("unverified submission: %+v", out.SubmitFeedback)
			}
		}
		var after figs
		f.must(t, "", q, nil, &after)
		if fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("unverified ratings changed the published figures:\n%+v\n%+v", before, after)
		}
	})
}

func TestIdempotencyOverHTTP(t *testing.T) {
	eachPart(t, noLimits, func(t *testing.T, f *partFixture) {
		in := map[string]any{"project": "PT-2", "rating": 4, "respondent": "RECIPIENT", "comment": "重试", "idempotencyKey": "form-42"}
		var a, b submitOut
		f.must(t, "", submitQ, map[string]any{"in": in}, &a)
		f.must(t, "", submitQ, map[string]any{"in": in}, &b)
		if a.SubmitFeedback.ID != b.SubmitFeedback.ID || a.SubmitFeedback.Replayed || !b.SubmitFeedback.Replayed {
			t.Errorf("retry: %+v then %+v, want the same id, the second replayed", a.SubmitFeedback, b.SubmitFeedback)
		}
		in["rating"] = 1
		errs := f.post(t, "", "", submitQ, map[string]any{"in": in}, nil)
		wantRefused(t, "key reused", errs, ledger.ECONFLICT, "input.idempotencyKey")
		p2 := f.p2.ID
		_, n, err := f.db.FindComments(context.Background(), ledger.CommentFilter{ProjectIDs: []int64{p2}}, 0, 10)
		if err != nil || n != 1 {
			t.Errorf("stored %d comments (%v), want 1", n, err)
		}
	})
}

func TestObjectionsOverHTTP(t *testing.T) {
	eachPart(t, noLimits, func(t *testing.T, f *partFixture) {
		const fileQ = `mutation($in: ObjectionInput!) { fileObjection(input: $in) { receipt state answerDue noticeWorkingDaysLeft } }`
		in := map[string]any{"announcement": "GS-2026-PT", "project": "PT-1", "name": "王五", "contact": "13900001111",
			"text": "承接方负责人电话13812345678，身份证110101199003071234，资质存疑", "idempotencyKey": "obj-1"}
		var out struct {
			FileObjection struct {
				Receipt, State, AnswerDue string
				NoticeWorkingDaysLeft     int
			}
		}
		f.must(t, "", fileQ, map[string]any{"in": in}, &out)
		o := out.FileObjection
		// Friday 9 October: 9, 10 (Saturday, 调休), 12, 13, 14, 15 are left.
		if !strings.HasPrefix(o.Receipt, "YY-") || o.State != "RECEIVED" || o.NoticeWorkingDaysLeft != 6 {
			t.Errorf("receipt %+v, want YY-…, RECEIVED, 6 working days left", o)
		}
		var notices struct {
			OpenNotices []struct {
				Code              string
				NoticeWorkingDays struct {
					Open        bool
					Total, Left int
					ClosesOn    string
				}
			}
		}
		f.must(t, "", `{ openNotices { code noticeWorkingDays { open total left closesOn } } }`, nil, &notices)
		if len(notices.OpenNotices) != 1 || fmt.Sprint(notices.OpenNotices[0].NoticeWorkingDays) != "{true 7 6 2026-10-15}" {
			t.Errorf("open notices %+v, want GS-2026-PT open, 6 of 7 working days left, closing 2026-10-15", notices)
		}
		// Identity is for moderators only.
		errs := f.post(t, "", "", `{ objectionQueue { nodes { objectorName } } }`, nil, nil)
		wantRefused(t, "anonymous queue", errs, ledger.EUNAUTHENTICATED, "")
		errs = f.post(t, "", fmt.Sprintf("UNDERTAKER:%d", f.undertaker.ID), `{ objectionQueue { nodes { objectorName } } }`, nil, nil)
		wantRefused(t, "undertaker queue", errs, ledger.EFORBIDDEN, "")
		var q struct {
			ObjectionQueue struct {
				Nodes []struct{ ObjectorName, ObjectorContact, Receipt string }
			}
		}
		f.must(t, "MODERATOR", `{ objectionQueue { nodes { objectorName objectorContact receipt } } }`, nil, &q)
		if len(q.ObjectionQueue.Nodes) != 1 || q.ObjectionQueue.Nodes[0].ObjectorName != "王五" {
			t.Errorf("moderator's queue %+v", q)
		}
		const moveQ = `mutation($r: String!, $s: ObjectionState!, $a: String) { moveObjection(input: {receipt: $r, state: $s, answer: $a}) { state } }`
		errs = f.post(t, "", "MODERATOR", moveQ, map[string]any{"r": o.Receipt, "s": "ANSWERED", "a": "x"}, nil)
		wantRefused(t, "skip to answered", errs, ledger.EINVALID, "objection.state")
		f.must(t, "MODERATOR", moveQ, map[string]any{"r": o.Receipt, "s": "ACCEPTED"}, nil)
		f.must(t, "BUREAU", moveQ, map[string]any{"r": o.Receipt, "s": "UNDER_VERIFICATION"}, nil)
		*f.now = time.Date(2026, 10, 13, 15, 0, 0, 0, ledger.Shanghai)
		f.must(t, "BUREAU", moveQ, map[string]any{"r": o.Receipt, "s": "ANSWERED", "a": "经核查，该机构资质合规。"}, nil)
		var pub struct {
			Objections []map[string]any
		}
		f.must(t, "", `{ objections(project: "PT-1") { announcement project state text answer answeredOn workingDays } }`, nil, &pub)
		if len(pub.Objections) != 1 {
			t.Fatalf("public objections %+v", pub)
		}
		po := pub.Objections[0]
		raw, _ := json.Marshal(po)
		if po["state"] != "ANSWERED" || po["answer"] != "经核查，该机构资质合规。" || po["workingDays"] != 3.0 ||
			strings.Contains(string(raw), "王五") || strings.Contains(string(raw), "13900001111") ||
			strings.Contains(string(raw), "13812345678") || strings.Contains(string(raw), "110101199003071234") {
			t.Errorf("public objection %s: want answered, masked, 3 working days (9→10 Sat→12→13), no identity", raw)
		}
		// After the period: refused, saying when it closed.
		*f.now = time.Date(2026, 10, 16, 9, 0, 0, 0, ledger.Shanghai)
		in["idempotencyKey"] = "obj-2"
		errs = f.post(t, "", "", fileQ, map[string]any{"in": in}, nil)
		wantRefused(t, "after the period", errs, ledger.EINVALID, "input.announcement")
		if len(errs) == 1 && !strings.Contains(errs[0].Message, "closed on 2026-10-15 (7 working days from 2026-10-08)") {
			t.Errorf("refusal says %q", errs[0].Message)
		}
		var none struct{ OpenNotices []any }
		f.must(t, "", `{ openNotices { code } }`, nil, &none)
		if len(none.OpenNotices) != 0 {
			t.Errorf("open notices after the period: %+v", none)
		}
		var rt struct {
			ResponseTimes struct {
				ObjectionDeadline int
				Groups            []struct {
					Agency     struct{ CreditCode string }
					Objections struct {
						Handled           int
						MedianWorkingDays *float64
						Overdue           int
					}
				}
			}
		}
		f.must(t, "", `{ responseTimes(by: AGENCY) { objectionDeadline groups { agency { creditCode } objections { handled medianWorkingDays overdue } } } }`, nil, &rt)
		g := rt.ResponseTimes.Groups
		if rt.ResponseTimes.ObjectionDeadline != 10 || len(g) != 1 || g[0].Agency.CreditCode != f.evaluator.CreditCode ||
			g[0].Objections.Handled != 1 || *g[0].Objections.MedianWorkingDays != 3 || g[0].Objections.Overdue != 0 {
			t.Errorf("response times %+v", rt)
		}
	})
}

func TestMaskedInAPIAndSearch(t *testing.T) {
	eachPart(t, noLimits, func(t *testing.T, f *partFixture) {
		var out submitOut
		f.must(t, "", submitQ, map[string]any{"in": map[string]any{"project": "PT-1", "rating": 5, "respondent": "RECIPIENT",
			"comment": "我叫张三，电话13812345678，身份证110101199003071234，住幸福路12号3栋502室。助餐服务很贴心"}}, &out)
		var pending struct{ Comments struct{ TotalCount int } }
		f.must(t, "", `{ comments(project: "PT-1") { totalCount } }`, nil, &pending)
		if pending.Comments.TotalCount != 0 {
			t.Errorf("a pending comment is public")
		}
		errs := f.post(t, "", "", `mutation($id: ID!) { moderateComment(input: {id: $id, state: APPROVED}) { state } }`, map[string]any{"id": out.SubmitFeedback.ID}, nil)
		wantRefused(t, "anonymous moderation", errs, ledger.EUNAUTHENTICATED, "")
		f.must(t, "MODERATOR", `mutation($id: ID!) { moderateComment(input: {id: $id, state: APPROVED}) { state } }`, map[string]any{"id": out.SubmitFeedback.ID}, nil)
		errs = f.post(t, "", fmt.Sprintf("UNDERTAKER:%d", f.undertaker.ID+100), `mutation($id: ID!) { answerComment(input: {id: $id, answer: "谢谢"}) { answer } }`, map[string]any{"id": out.SubmitFeedback.ID}, nil)
		wantRefused(t, "another undertaker answers", errs, ledger.EFORBIDDEN, "")
		f.must(t, fmt.Sprintf("UNDERTAKER:%d", f.undertaker.ID), `mutation($id: ID!) { answerComment(input: {id: $id, answer: "谢谢您，有事请找李四13900002222"}) { answer } }`, map[string]any{"id": out.SubmitFeedback.ID}, nil)
		var c struct {
			Comments struct {
				Nodes []struct{ Text, Answer string }
			}
		}
		f.must(t, "", `{ comments(project: "PT-1") { nodes { text answer } } }`, nil, &c)
		if len(c.Comments.Nodes) != 1 {
			t.Fatalf("comments %+v", c)
		}
		text := c.Comments.Nodes[0].Text + c.Comments.Nodes[0].Answer
		for _, pii := range []string{"张三", "13812345678", "110101199003071234", "12号3栋502室", "13900002222"} {
			if strings.Contains(text, pii) {
				t.Errorf("the API shows %q: %s", pii, text)
			}
		}
		if !strings.Contains(text, "助餐服务很贴心") || !strings.Contains(text, "138********") {
			t.Errorf("the masked comment lost its text: %s", text)
		}
		// The search index holds the masked text only.
		if err := search.NewFollower(f.ix, f.db, nil).CatchUp(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"13812345678", "110101199003071234", "张三"} {
			var s struct {
				Search struct {
					TotalCount int
					Nodes      []struct{ Kind, Snippet string }
				}
			}
			f.must(t, "", `query($q: String!) { search(query: $q, filter: {kinds: [COMMENT]}) { totalCount } }`, map[string]any{"q": q}, &s)
			if s.Search.TotalCount != 0 {
				t.Errorf("searching %q finds %d comments", q, s.Search.TotalCount)
			}
		}
		var s struct{ Search struct{ TotalCount int } }
		f.must(t, "", `{ search(query: "助餐服务很贴心", filter: {kinds: [COMMENT]}) { totalCount } }`, nil, &s)
		if s.Search.TotalCount != 1 {
			t.Errorf("the approved comment is not searchable: %d hits", s.Search.TotalCount)
		}
	})
}

func TestRateLimits(t *testing.T) {
	eachPart(t, portal.Limits{PerClientPerMinute: 1, PerClientBurst: 3, PerCodePerHour: 2}, func(t *testing.T, f *partFixture) {
		in := map[string]any{"project": "PT-1", "rating": 4, "respondent": "RECIPIENT"}
		for i := 0; i < 3; i++ {
			if errs := f.post(t, "10.9.9.9", "", submitQ, map[string]any{"in": in}, nil); len(errs) > 0 {
				t.Fatalf("submission %d: %+v", i, errs)
			}
		}
		errs := f.post(t, "10.9.9.9", "", submitQ, map[string]any{"in": in}, nil)
		wantRefused(t, "fourth from one client", errs, ledger.ERATELIMITED, "")
		if errs := f.post(t, "10.9.9.10", "", submitQ, map[string]any{"in": in}, nil); len(errs) > 0 {
			t.Errorf("another client was limited: %+v", errs)
		}
		code := ledger.FormatFeedbackCode(ledger.NewFeedbackCode()) // never issued
		for i, want := range []string{ledger.EINVALID, ledger.EINVALID, ledger.ERATELIMITED} {
			errs := f.post(t, fmt.Sprintf("10.8.0.%d", i), "", submitQ, map[string]any{"in": map[string]any{"code": code, "rating": 4, "respondent": "RECIPIENT"}}, nil)
			wantRefused(t, fmt.Sprintf("attempt %d with one code", i), errs, want, "input.code")
		}
	})
}

// TestConcurrentSubmissions fires 1,200 submissions from 24 parallel
// clients over HTTP, every tenth sent twice (a retry with the same key):
// every acknowledged submission is in the database exactly once.
func TestConcurrentSubmissions(t *testing.T) {
	eachPart(t, portal.Limits{PerClientPerMinute: 100_000, PerClientBurst: 1_000}, func(t *testing.T, f *partFixture) {
		const clients, each = 24, 50
		codes := f.issueCodes(t, "PT-1", 300)
		var mu sync.Mutex
		acked := map[string]string{} // idempotency key → feedback id
		var wg sync.WaitGroup
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				addr := fmt.Sprintf("10.1.%d.%d", c/200, c%200+1)
				for i := 0; i < each; i++ {
					key := fmt.Sprintf("c%d-%d", c, i)
					in := map[string]any{"project": []string{"PT-1", "PT-2"}[i%2], "rating": 1 + (c+i)%5, "respondent": "RECIPIENT",
						"comment": "并发 " + key, "idempotencyKey": key}
					if n := c*each + i; n%4 == 0 && n/4 < len(codes) {
						delete(in, "project")
						in["code"] = codes[n/4]
					}
					sends := 1
					if i%10 == 0 {
						sends = 2
					}
					for s := 0; s < sends; s++ {
						var out submitOut
						errs := f.post(t, addr, "", submitQ, map[string]any{"in": in}, &out)
						if len(errs) > 0 {
							t.Errorf("%s: %+v", key, errs)
							return
						}
						mu.Lock()
						if prev, ok := acked[key]; ok && prev != out.SubmitFeedback.ID {
							t.Errorf("%s acknowledged as %s and %s", key, prev, out.SubmitFeedback.ID)
						}
						acked[key] = out.SubmitFeedback.ID
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		rows, n, err := f.db.FindComments(context.Background(), ledger.CommentFilter{}, 0, 10_000)
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]int{}
		for _, r := range rows {
			stored[strings.TrimPrefix(r.Comment, "并发 ")]++
		}
		if n != len(acked) || len(acked) != clients*each {
			t.Errorf("%d rows stored, %d acknowledged, %d sent", n, len(acked), clients*each)
		}
		for key, id := range acked {
			if stored[key] != 1 {
				t.Errorf("%s (id %s) is stored %d times", key, id, stored[key])
			}
		}
		f.db.SetAggregateCache(false) // a cached total may lag out-of-order commits by up to store.MaxStale
		total, _, err := f.db.Stats(context.Background(), ledger.ProjectFilter{}, nil)
		if err != nil || total.FeedbackCount != 300 {
			t.Errorf("stats count %d verified ratings (%v), want the 300 coded ones", total.FeedbackCount, err)
		}
	})
}
