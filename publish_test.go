package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"civicledger/api"
	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/store"
	"civicledger/store/storetest"
)

// The publishing side end to end, through the real /graphql handler, on
// both dialects: tokens of each role walk one project from solicitation to
// the result announcement and a case study, and the anonymous public view
// is checked after the steps; and the policy table through the mutations:
// every refused mutation × role × own/other record (and anonymous) is
// refused with the policy's code and writes nothing.

// pubWorld is a portal with the parties of one programme and a token per account.
type pubWorld struct {
	db     *store.DB
	pub    *portal.Publishing
	url    string
	orgs   map[string]*ledger.Organization // by short name
	tokens map[string]string               // by account login
	actors map[string]ledger.Actor         // by account login
}

func orgCode(n int) string {
	return ledger.MakeCreditCode('5', '2', "310105", fmt.Sprintf("PB%06d", n))
}

// newPubWorld opens a portal over db with organizations D (the bureau),
// F (finance), U1, U2 (undertakers), E1, E2 (evaluators), A1, A2
// (auditors) and one account with a token for each of: bureau, finance,
// moderator (of D), undertaker, evaluator, auditor of the 1 and the 2
// organizations ("undertaker1", "evaluator2", …).
func newPubWorld(t *testing.T, db *store.DB) *pubWorld { return newPubWorldTB(t, db) }

func newPubWorldTB(t testing.TB, db *store.DB) *pubWorld {
	t.Helper()
	ctx := context.Background()
	w := &pubWorld{db: db, pub: &portal.Publishing{Store: db}, orgs: map[string]*ledger.Organization{},
		tokens: map[string]string{}, actors: map[string]ledger.Actor{}}
	sys := ledger.Attribution{Actor: "setup", Role: ledger.RoleSystem}
	kinds := map[string]ledger.OrgKind{"D": ledger.Department, "F": ledger.Department, "U1": ledger.Undertaker, "U2": ledger.Undertaker,
		"E1": ledger.Evaluator, "E2": ledger.Evaluator, "A1": ledger.Auditor, "A2": ledger.Auditor}
	for i, name := range []string{"D", "F", "U1", "U2", "E1", "E2", "A1", "A2"} {
		o := &ledger.Organization{CreditCode: orgCode(i + 1), Name: "机构" + name, Kind: kinds[name], District: "长宁区"}
		if err := db.CreateOrganization(ctx, sys, o); err != nil {
			t.Fatal(err)
		}
		w.orgs[name] = o
	}
	op := portal.Operator("test")
	accounts := []struct {
		login, org string
		role       ledger.Role
	}{
		{"bureau", "D", ledger.RoleBureau}, {"finance", "F", ledger.RoleFinance}, {"moderator", "D", ledger.RoleModerator},
		{"undertaker1", "U1", ledger.RoleUndertaker}, {"undertaker2", "U2", ledger.RoleUndertaker},
		{"evaluator1", "E1", ledger.RoleEvaluator}, {"evaluator2", "E2", ledger.RoleEvaluator},
		{"auditor1", "A1", ledger.RoleAuditor}, {"auditor2", "A2", ledger.RoleAuditor},
	}
	for _, a := range accounts {
		acct := &ledger.Account{Login: a.login, Name: a.login, OrgID: w.orgs[a.org].ID, Roles: []ledger.Role{a.role},
			PasswordHash: "not-a-hash"} // these accounts sign in by token only
		if err := db.CreateAccount(ctx, acct, nil); err != nil {
			t.Fatal(err)
		}
		secret, _, err := w.pub.CreateToken(ctx, op, a.login, "test", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		w.tokens[a.login] = secret
		w.actors[a.login] = portal.ActorOf(acct, "")
	}
	ix, fol, err := openSearch(config{DataDir: t.TempDir()}, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	fctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = fol.Run(fctx) }()
	a := &app{db: db, index: ix, follower: fol}
	srv := httptest.NewServer(a.routes(api.Config{RateLimit: -1}, slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(func() { srv.Close(); cancel(); <-done; ix.Close() })
	w.url = srv.URL
	return w
}

// gqlResult is one GraphQL answer.
type gqlResult struct {
	Data   map[string]any
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
	status int
}

// code returns the first error's code, or "".
func (r *gqlResult) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// do posts a query as the account with a login ("" for anonymous).
func (w *pubWorld) do(t testing.TB, login, query string, vars map[string]any) *gqlResult {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", w.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if login != "" {
		req.Header.Set("Authorization", "Bearer "+w.tokens[login])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := &gqlResult{status: resp.StatusCode}
	if err := json.NewDecoder(resp.Body).Decode(r); err != nil {
		t.Fatal(err)
	}
	return r
}

// must runs a mutation as login and fails on any error or user error;
// it returns the payload.
func (w *pubWorld) must(t *testing.T, login, field, query string, vars map[string]any) map[string]any {
	return w.mustTB(t, login, field, query, vars)
}

func (w *pubWorld) mustTB(t testing.TB, login, field, query string, vars map[string]any) map[string]any {
	t.Helper()
	r := w.do(t, login, query, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("%s as %s: %v", field, login, r.Errors)
	}
	p, _ := r.Data[field].(map[string]any)
	if ue, _ := p["userErrors"].([]any); len(ue) > 0 {
		t.Fatalf("%s as %s: userErrors %v", field, login, ue)
	}
	return p
}

// userError runs a mutation that must be refused as input and returns the first user error.
func (w *pubWorld) userError(t *testing.T, login, field, query string, vars map[string]any) map[string]any {
	t.Helper()
	r := w.do(t, login, query, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("%s as %s: %v", field, login, r.Errors)
	}
	p, _ := r.Data[field].(map[string]any)
	ue, _ := p["userErrors"].([]any)
	if len(ue) == 0 {
		t.Fatalf("%s as %s: accepted, want a user error", field, login)
	}
	return ue[0].(map[string]any)
}

// dig returns the value at a dotted path of nested maps.
func dig(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

const projectView = `query($code: String!) { project(code: $code) {
  code title stage outcome awarded coFunding version correctedAt correctionReason
  undertaker { name } evaluator { name } auditor { name }
  figures { paid recovered beneficiaries volunteers }
  timeline { stage outcome reason }
  tranches { kind amount }
  history { version reason }
} }`

const statsView = `{ stats(filter: {years: [2026]}) { total { projects awarded paid recovered beneficiaries } } }`

// publicView reads the project and the year's stats anonymously.
func (w *pubWorld) publicView(t *testing.T, code string) (project, stats map[string]any) {
	t.Helper()
	r := w.do(t, "", projectView, map[string]any{"code": code})
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	project, _ = r.Data["project"].(map[string]any)
	r = w.do(t, "", statsView, nil)
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	stats, _ = dig(r.Data, "stats.total").(map[string]any)
	return project, stats
}

func wantField(t *testing.T, step string, m map[string]any, path string, want any) {
	t.Helper()
	got := dig(m, path)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after %s: %s = %v, want %v", step, path, got, want)
	}
}

const (
	mOpenRound = `mutation($in: OpenRoundInput!) { openRound(input: $in) { round { year title } notice { code kind } userErrors { field message code } } }`
	mIndicator = `mutation($in: PublishIndicatorSetInput!) { publishIndicatorSet(input: $in) { indicatorSet { id kind } userErrors { field message code } } }`
	mApply     = `mutation($in: RegisterApplicationInput!) { registerApplication(input: $in) { project { code stage } userErrors { field message code } } }`
	mAssign    = `mutation($in: AssignAgenciesInput!) { assignAgencies(input: $in) { project { evaluator { name } } userErrors { field message code } } }`
	mReview    = `mutation($in: RecordReviewInput!) { recordReview(input: $in) { scorecard { kind weightedTotal passed } project { stage } userErrors { field message code } } }`
	mDecide    = `mutation($in: DecideApprovalInput!) { decideApproval(input: $in) { project { stage awarded } userErrors { field message code } } }`
	mApproval  = `mutation($in: PublishNoticeInput!) { publishApprovalNotice(input: $in) { announcement { code noticeOpen } userErrors { field message code } } }`
	mAgreement = `mutation($in: RecordAgreementInput!) { recordAgreement(input: $in) { project { stage coFunding } userErrors { field message code } } }`
	mTranche   = `mutation($in: RecordTrancheInput!) { recordTranche(input: $in) { tranche { kind amount } project { figures { paid } } userErrors { field message code } } }`
	mQuarterly = `mutation($in: SubmitQuarterlyReportInput!) { submitQuarterlyReport(input: $in) { report { code kind } userErrors { field message code } } }`
	mVerify    = `mutation($in: VerifyMetricsInput!) { verifyMetrics(input: $in) { project { code } userErrors { field message code } } }`
	mAudit     = `mutation($in: RecordAuditInput!) { recordAudit(input: $in) { audit { result } project { figures { recovered } } userErrors { field message code } } }`
	mAccept    = `mutation($in: RecordAcceptanceInput!) { recordAcceptance(input: $in) { project { stage outcome } userErrors { field message code } } }`
	mResults   = `mutation($in: PublishNoticeInput!) { publishResultAnnouncement(input: $in) { announcement { code kind } userErrors { field message code } } }`
	mTerminate = `mutation($in: TerminateProjectInput!) { terminateProject(input: $in) { project { outcome } userErrors { field message code } } }`
	mColl      = `mutation($in: CreateCaseCollectionInput!) { createCaseCollection(input: $in) { caseCollection { id title } userErrors { field message code } } }`
	mCase      = `mutation($in: AddCaseStudyInput!) { addCaseStudy(input: $in) { caseStudy { title } userErrors { field message code } } }`
	mCorrect   = `mutation($in: CorrectProjectInput!) { correctProject(input: $in) { project { title version } userErrors { field message code } } }`
	mCorrRep   = `mutation($in: CorrectDocumentInput!) { correctReport(input: $in) { report { title } userErrors { field message code } } }`
	mWdRep     = `mutation($in: WithdrawInput!) { withdrawReport(input: $in) { report { title withdrawn } userErrors { field message code } } }`
	mCorrAnn   = `mutation($in: CorrectDocumentInput!) { correctAnnouncement(input: $in) { announcement { title } userErrors { field message code } } }`
	mWdAnn     = `mutation($in: WithdrawInput!) { withdrawAnnouncement(input: $in) { announcement { title withdrawn } userErrors { field message code } } }`
	mOrg       = `mutation($in: RegisterOrganizationInput!) { registerOrganization(input: $in) { organization { name } userErrors { field message code } } }`
	mDraft     = `mutation($in: SaveReportDraftInput!) { saveReportDraft(input: $in) { draft { id title } userErrors { field message code } } }`
	mPubDraft  = `mutation($in: PublishReportDraftInput!) { publishReportDraft(input: $in) { report { code title } userErrors { field message code } } }`
)

func in(m map[string]any) map[string]any { return map[string]any{"in": m} }

// indicatorSets publishes one set of each review kind and returns their IDs by kind.
func (w *pubWorld) indicatorSets(t *testing.T) map[string]string {
	sets := map[string]string{}
	for _, kind := range []string{"INITIAL_SCREENING", "APPROVAL_REVIEW", "MIDTERM_REVIEW", "CLOSING_REVIEW"} {
		p := w.must(t, "bureau", "publishIndicatorSet", mIndicator, in(map[string]any{"kind": kind, "name": kind + " 指标", "edition": "2026版",
			"publishedOn": "2026-01-05", "indicators": []any{
				map[string]any{"name": "需求分析", "weight": 40.0, "maxScore": 10.0},
				map[string]any{"name": "服务设计", "weight": 60.0, "maxScore": 10.0}}}))
		sets[kind] = dig(p, "indicatorSet.id").(string)
	}
	return sets
}

func review(code, set string, a, b float64, on string) map[string]any {
	return in(map[string]any{"projectCode": code, "indicatorSetId": set, "reviewedOn": on,
		"scores": []any{map[string]any{"position": 1, "value": a}, map[string]any{"position": 2, "value": b}}})
}

func TestPublishingEndToEnd(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		w := newPubWorld(t, db)
		const code = "FC2026-ELD-0001"

		// Solicitation: the bureau opens the round with its notice.
		w.must(t, "bureau", "openRound", mOpenRound, in(map[string]any{"year": 2026, "title": "2026年度福彩公益金项目", "budget": "20000000.00",
			"notice": map[string]any{"code": "SN-2026", "title": "2026年度项目征集通知", "body": "现征集社会服务项目。", "publishedOn": "2026-01-05"}}))
		r := w.do(t, "", `{ round(year: 2026) { title announcements { code kind } } }`, nil)
		wantField(t, "openRound", r.Data, "round.title", "2026年度福彩公益金项目")
		sets := w.indicatorSets(t)

		// The undertaker applies for itself; the bureau assigns the agencies.
		w.must(t, "undertaker1", "registerApplication", mApply, in(map[string]any{"code": code, "roundYear": 2026, "title": "社区长者助餐服务",
			"serviceArea": "ELDERLY_SUPPORT", "district": "长宁区", "requested": "200000.00", "appliedOn": "2026-02-01",
			"summary": "为独居长者提供助餐与探访。"}))
		w.must(t, "bureau", "assignAgencies", mAssign, in(map[string]any{"projectCode": code,
			"evaluatorCode": w.orgs["E1"].CreditCode, "auditorCode": w.orgs["A1"].CreditCode}))
		p, _ := w.publicView(t, code)
		wantField(t, "application", p, "stage", "SOLICITATION")
		wantField(t, "application", p, "evaluator.name", "机构E1")

		// Approval: screening and review by the evaluator, the decision by finance.
		w.must(t, "evaluator1", "recordReview", mReview, review(code, sets["INITIAL_SCREENING"], 8, 8, "2026-02-10"))
		if e := w.userError(t, "finance", "decideApproval", mDecide, in(map[string]any{"projectCode": code, "approve": true})); !strings.Contains(e["message"].(string), ledger.RuleApprovalNeedsReview) {
			t.Errorf("approval before review: %v", e)
		}
		w.must(t, "evaluator1", "recordReview", mReview, review(code, sets["APPROVAL_REVIEW"], 9, 7, "2026-02-20"))
		w.must(t, "finance", "decideApproval", mDecide, in(map[string]any{"projectCode": code, "approve": true, "decidedOn": "2026-02-25", "awarded": "180000.00"}))
		p, s := w.publicView(t, code)
		wantField(t, "approval", p, "stage", "APPROVAL")
		wantField(t, "approval", p, "awarded", "180000.00")
		wantField(t, "approval", s, "projects", 1)

		// The approval notice, then the agreement after its period.
		notice := in(map[string]any{"code": "AN-2026", "title": "2026年度立项公示", "publishedOn": "2026-03-01", "noticeStart": "2026-03-01",
			"noticeEnd": "2026-03-07", "roundYear": 2026, "projectCodes": []any{code}})
		w.must(t, "bureau", "publishApprovalNotice", mApproval, notice)
		agreement := map[string]any{"projectCode": code, "signedOn": "2026-03-05", "coFunding": "50000.00",
			"agreement": map[string]any{"code": "AG-" + code, "title": "项目协议书", "body": "甲乙双方约定……"}}
		if e := w.userError(t, "bureau", "recordAgreement", mAgreement, in(agreement)); e["field"] != "signedOn" {
			t.Errorf("agreement in the notice period: %v", e)
		}
		agreement["signedOn"] = "2026-03-10"
		w.must(t, "bureau", "recordAgreement", mAgreement, in(agreement))
		p, _ = w.publicView(t, code)
		wantField(t, "agreement", p, "stage", "EXECUTION")
		wantField(t, "agreement", p, "coFunding", "50000.00")

		// Execution: money, quarterly reports, verification, the mid-term review.
		tranche := func(kind, amount string) map[string]any {
			return in(map[string]any{"projectCode": code, "kind": kind, "amount": amount, "paidOn": "2026-03-15"})
		}
		w.must(t, "finance", "recordTranche", mTranche, tranche("FIRST", "90000.00"))
		if e := w.userError(t, "finance", "recordTranche", mTranche, tranche("SECOND", "54000.00")); !strings.Contains(e["message"].(string), ledger.RuleSecondAfterMidterm) || e["field"] != "kind" {
			t.Errorf("second tranche before the mid-term review: %v", e)
		}
		w.must(t, "undertaker1", "submitQuarterlyReport", mQuarterly, in(map[string]any{"projectCode": code, "periodStart": "2026-04-01", "periodEnd": "2026-06-30",
			"report":  map[string]any{"code": "Q2-" + code, "title": "2026年第二季度工作总结", "body": "本季度助餐1200人次。", "publishedOn": "2026-07-05"},
			"metrics": []any{map[string]any{"kind": "BENEFICIARY_VISITS", "value": 1200}, map[string]any{"kind": "VOLUNTEER_VISITS", "value": 80}}}))
		_, s = w.publicView(t, code)
		wantField(t, "quarterly report", s, "beneficiaries", 1200)
		w.must(t, "evaluator1", "verifyMetrics", mVerify, in(map[string]any{"projectCode": code, "periodStart": "2026-04-01", "periodEnd": "2026-06-30",
			"metrics": []any{map[string]any{"kind": "BENEFICIARY_VISITS", "value": 1100}}}))
		p, s = w.publicView(t, code)
		wantField(t, "verification", p, "figures.beneficiaries", 1100)
		wantField(t, "verification", s, "beneficiaries", 1100)
		mid := review(code, sets["MIDTERM_REVIEW"], 8, 9, "2026-07-20")
		mid["in"].(map[string]any)["correctionsRequired"] = "补充服务记录"
		w.must(t, "evaluator1", "recordReview", mReview, mid)
		w.must(t, "finance", "recordTranche", mTranche, tranche("SECOND", "54000.00"))

		// Closing: review, final tranche, audit, acceptance.
		w.must(t, "evaluator1", "recordReview", mReview, review(code, sets["CLOSING_REVIEW"], 9, 9, "2026-11-20"))
		w.must(t, "finance", "recordTranche", mTranche, tranche("FINAL", "36000.00"))
		accept := in(map[string]any{"projectCode": code, "acceptedOn": "2026-11-28",
			"report": map[string]any{"code": "ACC-" + code, "title": "项目验收报告", "body": "项目通过验收。"}})
		if e := w.userError(t, "evaluator1", "recordAcceptance", mAccept, accept); !strings.Contains(e["message"].(string), ledger.RuleNoClosingBeforeAudit) {
			t.Errorf("acceptance before the audit: %v", e)
		}
		w.must(t, "auditor1", "recordAudit", mAudit, in(map[string]any{"projectCode": code, "auditedOn": "2026-11-25", "result": "CLEAN",
			"spent": "175000.00", "recovered": "4000.00"}))
		if e := w.userError(t, "evaluator1", "recordAcceptance", mAccept, accept); !strings.Contains(e["message"].(string), ledger.RuleUnspentRecovered) {
			t.Errorf("acceptance with the unspent balance not recovered: %v", e)
		}
		w.must(t, "auditor1", "recordAudit", mAudit, in(map[string]any{"projectCode": code, "auditedOn": "2026-11-26", "result": "CLEAN",
			"spent": "175000.00", "recovered": "1000.00",
			"report": map[string]any{"code": "AUD-" + code, "title": "财务审计报告", "body": "经审计，结余5000元已收回。"}}))
		w.must(t, "evaluator1", "recordAcceptance", mAccept, accept)
		p, s = w.publicView(t, code)
		wantField(t, "acceptance", p, "outcome", "COMPLETED")
		wantField(t, "acceptance", p, "figures.paid", "180000.00")
		wantField(t, "acceptance", p, "figures.recovered", "5000.00")
		wantField(t, "acceptance", s, "paid", "180000.00")
		var stages []string
		for _, e := range p["timeline"].([]any) {
			stages = append(stages, fmt.Sprint(dig(e, "stage"), "/", dig(e, "outcome")))
		}
		want := []string{"APPROVAL/<nil>", "EXECUTION/<nil>", "CLOSING/<nil>", "CLOSING/COMPLETED"}
		if d := cmp.Diff(want, stages); d != "" {
			t.Errorf("timeline (-want +got):\n%s", d)
		}

		// The result announcement and a case study.
		w.must(t, "bureau", "publishResultAnnouncement", mResults, in(map[string]any{"code": "RA-2026", "title": "2026年度验收评估结果公告",
			"publishedOn": "2026-11-29", "roundYear": 2026, "projectCodes": []any{code}}))
		coll := w.must(t, "bureau", "createCaseCollection", mColl, in(map[string]any{"year": 2026, "title": "2026年度项目案例集", "publishedOn": "2026-11-29"}))
		w.must(t, "bureau", "addCaseStudy", mCase, in(map[string]any{"collectionId": dig(coll, "caseCollection.id"), "projectCode": code,
			"title": "一餐热饭的温度", "narrative": "长者们在社区食堂重新找到了邻里。"}))
		r = w.do(t, "", `query($c: String!) { project(code: $c) { caseStudies { title } announcements { code } } }`, map[string]any{"c": code})
		wantField(t, "case study", r.Data, "project.caseStudies", "[map[title:一餐热饭的温度]]")
		if n := len(dig(r.Data, "project.announcements").([]any)); n != 2 {
			t.Errorf("announcements listing the project: %d, want 2 (approval notice, results)", n)
		}

		// A correction: both versions readable with the reason, in the register.
		before, _ := w.publicView(t, code)
		w.must(t, "bureau", "correctProject", mCorrect, in(map[string]any{"code": code, "version": before["version"],
			"reason": "项目名称笔误更正", "title": "社区长者助餐与探访服务"}))
		p, _ = w.publicView(t, code)
		wantField(t, "correction", p, "title", "社区长者助餐与探访服务")
		wantField(t, "correction", p, "correctionReason", "项目名称笔误更正")
		if p["correctedAt"] == nil {
			t.Error("corrected project has no correctedAt")
		}
		hist := p["history"].([]any)
		if last := hist[len(hist)-1]; dig(last, "reason") != "项目名称笔误更正" || len(hist) < 2 {
			t.Errorf("history after the correction: %v", hist)
		}
		stale := w.userError(t, "bureau", "correctProject", mCorrect, in(map[string]any{"code": code, "version": before["version"], "reason": "again", "title": "x"}))
		if stale["code"] != ledger.ECONFLICT {
			t.Errorf("a correction of a stale version: %v", stale)
		}
		w.must(t, "undertaker1", "correctReport", mCorrRep, in(map[string]any{"code": "Q2-" + code, "reason": "人次统计更正", "body": "本季度助餐1180人次。"}))
		w.must(t, "bureau", "withdrawReport", mWdRep, in(map[string]any{"code": "AG-" + code, "reason": "协议文本含个人信息，撤回"}))
		r = w.do(t, "", `{ corrections { totalCount nodes { kind recordKind recordCode reason organization { name } } }
			report(code: "AG-FC2026-ELD-0001") { title withdrawn correctionReason history { version snapshot } } }`, nil)
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		wantField(t, "corrections", r.Data, "corrections.totalCount", 3)
		wantField(t, "corrections", r.Data, "report.withdrawn", true)
		if first := dig(r.Data, "corrections.nodes").([]any)[0]; dig(first, "kind") != "WITHDRAWAL" || dig(first, "recordCode") != "AG-"+code {
			t.Errorf("corrections register, newest first: %v", first)
		}
		if h := dig(r.Data, "report.history").([]any); len(h) != 2 || !strings.Contains(fmt.Sprint(dig(h[0], "snapshot")), "甲乙双方约定") {
			t.Errorf("withdrawn report's history keeps the original: %v", h)
		}
		r = w.do(t, "", `query($o: [String!]) { corrections(filter: {organizations: $o, recordKinds: [REPORT]}) { totalCount } }`,
			map[string]any{"o": []any{w.orgs["U1"].CreditCode}})
		wantField(t, "corrections filter", r.Data, "corrections.totalCount", 1)

		// Search finds the published project (the outbox follower indexed it).
		deadline := time.Now().Add(30 * time.Second)
		for {
			r = w.do(t, "", `{ search(query: "长者助餐") { totalCount } }`, nil)
			if n, _ := dig(r.Data, "search.totalCount").(float64); n > 0 || time.Now().After(deadline) {
				if n == 0 {
					t.Errorf("search does not find the published project: %v", r.Data)
				}
				break
			}
			time.Sleep(50 * time.Millisecond)
		}

		// Drafts: only the author's organization sees them.
		d := w.must(t, "undertaker1", "saveReportDraft", mDraft, in(map[string]any{"kind": "QUARTERLY_SUMMARY", "projectCode": code,
			"code": "Q3-" + code, "title": "第三季度（草稿）", "body": "草稿"}))
		for login, n := range map[string]int{"undertaker1": 1, "undertaker2": 0, "bureau": 0} {
			r = w.do(t, login, `{ drafts { title } }`, nil)
			if got := len(dig(r.Data, "drafts").([]any)); got != n {
				t.Errorf("drafts seen by %s: %d, want %d", login, got, n)
			}
		}
		if r = w.do(t, "", `{ report(code: "Q3-FC2026-ELD-0001") { title } }`, nil); r.Data["report"] != nil {
			t.Errorf("a draft is public: %v", r.Data)
		}
		if r = w.do(t, "", `{ drafts { title } }`, nil); r.code() != ledger.EUNAUTHENTICATED {
			t.Errorf("drafts read anonymously: %v", r.Errors)
		}

		// The audit log: every write, by whom, with role, organization and credential.
		r = w.do(t, "bureau", `{ auditLog(first: 100) { totalCount nodes { login role action credential client organization { name } } } }`, nil)
		nodes := dig(r.Data, "auditLog.nodes").([]any)
		seen := map[string]bool{}
		for _, n := range nodes {
			seen[fmt.Sprint(dig(n, "login"), " ", dig(n, "action"))] = true
			if !strings.HasPrefix(fmt.Sprint(dig(n, "credential")), "token:") && !strings.HasPrefix(fmt.Sprint(dig(n, "login")), "cli:") {
				t.Errorf("audit entry without its token: %v", n)
			}
		}
		for _, want := range []string{"bureau OPEN_ROUND", "undertaker1 REGISTER_APPLICATION", "finance RECORD_TRANCHE", "auditor1 RECORD_AUDIT",
			"evaluator1 RECORD_ACCEPTANCE", "bureau CORRECT", "bureau WITHDRAW"} {
			if !seen[want] {
				t.Errorf("audit log lacks %q", want)
			}
		}
		if r = w.do(t, "finance", `{ auditLog { totalCount } }`, nil); r.code() != ledger.EFORBIDDEN {
			t.Errorf("audit log read by finance: %v", r.Errors)
		}
		_ = d
	})
}

// TestSignInAndTokens: a password sign-in issues a session token that works
// as a bearer; wrong passwords are refused and, after five, throttled; a
// revoked or unknown token is refused with 401 UNAUTHENTICATED; anonymous
// reads are untouched.
func TestSignInAndTokens(t *testing.T) {
	db := storetest.MustOpenDB(t, store.SQLite)
	w := newPubWorld(t, db)
	ctx := context.Background()
	acct := &ledger.Account{Login: "chen", Name: "陈", OrgID: w.orgs["D"].ID, Roles: []ledger.Role{ledger.RoleBureau}}
	if err := w.pub.AddAccount(ctx, portal.Operator("test"), acct, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	const signIn = `mutation($l: String!, $p: String!) { signIn(input: {login: $l, password: $p}) { token account { login } userErrors { code message } } }`
	r := w.do(t, "", signIn, map[string]any{"l": "chen", "p": "correct horse battery"})
	tok, _ := dig(r.Data, "signIn.token").(string)
	if tok == "" {
		t.Fatalf("sign-in: %v %v", r.Data, r.Errors)
	}
	w.tokens["chen"] = tok
	if r = w.do(t, "chen", `{ viewer { login roles organization { name } } }`, nil); dig(r.Data, "viewer.login") != "chen" {
		t.Errorf("viewer with the session token: %v %v", r.Data, r.Errors)
	}
	for i := 0; i < 5; i++ {
		r = w.do(t, "", signIn, map[string]any{"l": "chen", "p": "wrong password!"})
		if c := dig(r.Data, "signIn.userErrors"); fmt.Sprint(c) == "[]" {
			t.Fatalf("wrong password accepted: %v", r.Data)
		}
	}
	r = w.do(t, "", signIn, map[string]any{"l": "chen", "p": "correct horse battery"})
	if r.code() != ledger.ERATELIMITED {
		t.Errorf("sign-in after five failures: %v %v, want RATE_LIMITED", r.Data, r.Errors)
	}
	es, _, err := db.AuditEntries(ctx, ledger.AuditFilter{Login: "chen", Actions: []string{ledger.AuditSignIn, ledger.AuditSignInFailed}}, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 7 || es[len(es)-1].Action != ledger.AuditSignIn || es[0].Client == "" || strings.Contains(es[0].Client, "127.0.0.1") {
		t.Errorf("sign-ins in the audit log: %d entries, %+v", len(es), es[0])
	}

	toks, err := w.pub.Tokens(ctx, portal.Operator("test"), "bureau")
	if err != nil || len(toks) != 1 || toks[0].LastUsedAt != nil {
		t.Fatalf("bureau's tokens before use: %v %+v", err, toks)
	}
	w.do(t, "bureau", `{ viewer { login } }`, nil)
	toks, _ = w.pub.Tokens(ctx, portal.Operator("test"), "bureau")
	if toks[0].LastUsedAt == nil {
		t.Error("token use is not recorded")
	}
	if err := w.pub.RevokeToken(ctx, portal.Operator("test"), toks[0].ID); err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{w.tokens["bureau"], "clt_unknown", "not even a token"} {
		w.tokens["x"] = token
		if r = w.do(t, "x", `{ rounds { year } }`, nil); r.status != http.StatusUnauthorized || r.code() != ledger.EUNAUTHENTICATED {
			t.Errorf("token %.12s…: status %d %v, want 401 UNAUTHENTICATED", token, r.status, r.Errors)
		}
	}
	if r = w.do(t, "", `{ rounds { year } viewer { login } }`, nil); len(r.Errors) > 0 || r.Data["viewer"] != nil {
		t.Errorf("anonymous read: %v %v", r.Data, r.Errors)
	}
}

// policyCase is one mutation of the policy table with the action it takes
// and whether its record belongs to the project.
type policyCase struct {
	name, query string
	vars        map[string]any
	act         ledger.Action
	onProject   bool
}

// TestMutationPolicy runs every mutation as every role on its own
// organization's project and on another's, and anonymously; each one the
// policy refuses must be refused with the policy's code and leave every
// table — the audit log included — as it was.
func TestMutationPolicy(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		w := newPubWorld(t, db)
		ctx := context.Background()
		const code = "FC2026-POL-0001"
		w.must(t, "bureau", "openRound", mOpenRound, in(map[string]any{"year": 2026, "title": "2026", "budget": "1000000.00",
			"notice": map[string]any{"code": "SN-P", "title": "征集", "publishedOn": "2026-01-05"}}))
		sets := w.indicatorSets(t)
		w.must(t, "bureau", "registerApplication", mApply, in(map[string]any{"code": code, "roundYear": 2026, "title": "政策测试项目",
			"serviceArea": "COMMUNITY_WELFARE", "district": "长宁区", "requested": "100000.00", "undertakerCode": w.orgs["U1"].CreditCode}))
		w.must(t, "bureau", "assignAgencies", mAssign, in(map[string]any{"projectCode": code,
			"evaluatorCode": w.orgs["E1"].CreditCode, "auditorCode": w.orgs["A1"].CreditCode}))
		coll := w.must(t, "bureau", "createCaseCollection", mColl, in(map[string]any{"year": 2026, "title": "案例集", "publishedOn": "2026-11-29"}))
		pr, err := db.Project(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		rep := &ledger.Report{Code: "R-P", Kind: ledger.EvaluationReport, Title: "评估报告", Body: "正文", AuthorID: &w.orgs["U1"].ID,
			ProjectID: &pr.ID, PublishedOn: "2026-05-01"}
		if err := db.PublishReport(ctx, ledger.Attribution{Actor: "setup", Role: ledger.RoleSystem}, rep); err != nil {
			t.Fatal(err)
		}
		doc := map[string]any{"code": "R-P", "reason": "更正", "title": "新标题"}
		cases := []policyCase{
			{"registerOrganization", mOrg, in(map[string]any{"creditCode": orgCode(99), "name": "新机构", "kind": "UNDERTAKER"}), ledger.ActRegisterOrg, false},
			{"openRound", mOpenRound, in(map[string]any{"year": 2027, "title": "2027", "budget": "1.00",
				"notice": map[string]any{"code": "SN-2027", "title": "征集", "publishedOn": "2027-01-05"}}), ledger.ActOpenRound, false},
			{"publishIndicatorSet", mIndicator, in(map[string]any{"kind": "MIDTERM_REVIEW", "name": "x", "indicators": []any{
				map[string]any{"name": "a", "weight": 100.0, "maxScore": 10.0}}}), ledger.ActPublishIndicatorSet, false},
			{"registerApplication", mApply, in(map[string]any{"code": "FC2026-POL-0002", "roundYear": 2026, "title": "另一个项目",
				"serviceArea": "COMMUNITY_WELFARE", "district": "长宁区", "requested": "1.00", "undertakerCode": w.orgs["U1"].CreditCode}),
				ledger.ActRegisterApplication, true},
			{"assignAgencies", mAssign, in(map[string]any{"projectCode": code, "evaluatorCode": w.orgs["E2"].CreditCode}), ledger.ActAssignAgencies, true},
			{"recordReview", mReview, review(code, sets["INITIAL_SCREENING"], 5, 5, "2026-02-01"), ledger.ActRecordScreening, true},
			{"decideApproval", mDecide, in(map[string]any{"projectCode": code, "approve": false, "reason": "不符合条件"}), ledger.ActDecideApproval, true},
			{"publishApprovalNotice", mApproval, in(map[string]any{"code": "AN-X", "title": "公示", "publishedOn": "2026-03-01",
				"noticeStart": "2026-03-01", "noticeEnd": "2026-03-07", "projectCodes": []any{code}}), ledger.ActPublishApproval, false},
			{"recordAgreement", mAgreement, in(map[string]any{"projectCode": code, "signedOn": "2026-03-10",
				"agreement": map[string]any{"code": "AG-X", "title": "协议", "body": "正文"}}), ledger.ActRecordAgreement, true},
			{"recordTranche", mTranche, in(map[string]any{"projectCode": code, "kind": "FIRST", "amount": "1.00", "paidOn": "2026-03-15"}), ledger.ActRecordTranche, true},
			{"submitQuarterlyReport", mQuarterly, in(map[string]any{"projectCode": code, "periodStart": "2026-04-01", "periodEnd": "2026-06-30",
				"report": map[string]any{"code": "Q-X", "title": "季报", "body": "正文"}}), ledger.ActSubmitQuarterly, true},
			{"verifyMetrics", mVerify, in(map[string]any{"projectCode": code, "periodStart": "2026-04-01", "periodEnd": "2026-06-30",
				"metrics": []any{map[string]any{"kind": "BENEFICIARY_VISITS", "value": 1}}}), ledger.ActVerifyMetrics, true},
			{"recordReview", mReview, review(code, sets["MIDTERM_REVIEW"], 5, 5, "2026-07-01"), ledger.ActRecordMidterm, true},
			{"recordReview", mReview, review(code, sets["CLOSING_REVIEW"], 5, 5, "2026-11-01"), ledger.ActRecordClosingReview, true},
			{"recordAudit", mAudit, in(map[string]any{"projectCode": code, "auditedOn": "2026-11-25", "result": "CLEAN", "spent": "0", "recovered": "0"}), ledger.ActRecordAudit, true},
			{"recordAcceptance", mAccept, in(map[string]any{"projectCode": code, "acceptedOn": "2026-11-28",
				"report": map[string]any{"code": "ACC-X", "title": "验收", "body": "正文"}}), ledger.ActRecordAcceptance, true},
			{"publishResultAnnouncement", mResults, in(map[string]any{"code": "RA-X", "title": "结果", "publishedOn": "2026-11-29", "projectCodes": []any{code}}), ledger.ActPublishResults, false},
			{"terminateProject", mTerminate, in(map[string]any{"projectCode": code, "reason": "违约"}), ledger.ActTerminate, true},
			{"createCaseCollection", mColl, in(map[string]any{"year": 2026, "title": "另一个案例集", "publishedOn": "2026-11-29"}), ledger.ActBuildCases, false},
			{"addCaseStudy", mCase, in(map[string]any{"collectionId": dig(coll, "caseCollection.id"), "projectCode": code, "title": "案例", "narrative": "叙述"}), ledger.ActBuildCases, false},
			{"correctProject", mCorrect, in(map[string]any{"code": code, "reason": "更正", "title": "新标题"}), ledger.ActCorrect, true},
			{"correctReport", mCorrRep, in(doc), ledger.ActCorrect, true},
			{"withdrawReport", mWdRep, in(map[string]any{"code": "R-P", "reason": "撤回"}), ledger.ActWithdraw, true},
			{"correctAnnouncement", mCorrAnn, in(map[string]any{"code": "SN-P", "reason": "更正", "title": "新标题"}), ledger.ActCorrect, false},
			{"withdrawAnnouncement", mWdAnn, in(map[string]any{"code": "SN-P", "reason": "撤回"}), ledger.ActWithdraw, false},
		}
		// Which account of each role owns the project (its organization is the
		// project's undertaker, evaluator or auditor) and which does not.
		own := map[ledger.Role]string{ledger.RoleBureau: "bureau", ledger.RoleFinance: "finance", ledger.RoleModerator: "moderator",
			ledger.RoleUndertaker: "undertaker1", ledger.RoleEvaluator: "evaluator1", ledger.RoleAuditor: "auditor1"}
		other := map[ledger.Role]string{ledger.RoleBureau: "bureau", ledger.RoleFinance: "finance", ledger.RoleModerator: "moderator",
			ledger.RoleUndertaker: "undertaker2", ledger.RoleEvaluator: "evaluator2", ledger.RoleAuditor: "auditor2"}
		refused := 0
		for _, c := range cases {
			var target *ledger.Project
			if c.onProject {
				target = pr
			}
			callers := []string{""}
			for _, r := range ledger.AccountRoles {
				callers = append(callers, own[r], other[r])
			}
			for _, login := range callers {
				_, want := ledger.Authorize(w.actors[login], c.act, target)
				if want == nil {
					continue // allowed: the end-to-end test walks the allowed paths
				}
				before, err := db.RowCounts(ctx)
				if err != nil {
					t.Fatal(err)
				}
				r := w.do(t, login, c.query, c.vars)
				if r.code() != ledger.ErrorCode(want) || r.Data[c.name] != nil {
					t.Errorf("%s (%s) as %q: got %v %v, want %s", c.name, c.act, login, r.Errors, r.Data[c.name], ledger.ErrorCode(want))
				}
				after, err := db.RowCounts(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(before, after); d != "" {
					t.Errorf("%s as %q was refused but wrote (-before +after):\n%s", c.name, login, d)
				}
				refused++
			}
		}
		if refused < 150 {
			t.Errorf("only %d refusals exercised", refused)
		}
		t.Logf("%d refused mutations checked", refused)
	})
}

// BenchmarkMutation measures the latency of one mutation through the real
// /graphql handler with a bearer token (token check, policy, the rule
// reads, one transaction with the record, its revision, derived figures
// and the audit entry), on each dialect: verifyMetrics (an evaluator's
// write) and correctProject (a correction with its register line).
func BenchmarkMutation(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.MustOpenDB(b, d)
			w := newPubWorldTB(b, db)
			const code = "FC2026-BEN-0001"
			w.mustTB(b, "bureau", "openRound", mOpenRound, in(map[string]any{"year": 2026, "title": "2026", "budget": "1000000.00",
				"notice": map[string]any{"code": "SN-B", "title": "征集", "publishedOn": "2026-01-05"}}))
			w.mustTB(b, "bureau", "registerApplication", mApply, in(map[string]any{"code": code, "roundYear": 2026, "title": "基准项目",
				"serviceArea": "COMMUNITY_WELFARE", "district": "长宁区", "requested": "100000.00", "undertakerCode": w.orgs["U1"].CreditCode}))
			w.mustTB(b, "bureau", "assignAgencies", mAssign, in(map[string]any{"projectCode": code, "evaluatorCode": w.orgs["E1"].CreditCode}))
			b.Run("verifyMetrics", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					w.mustTB(b, "evaluator1", "verifyMetrics", mVerify, in(map[string]any{"projectCode": code, "periodStart": "2026-04-01",
						"periodEnd": "2026-06-30", "metrics": []any{map[string]any{"kind": "BENEFICIARY_VISITS", "value": i}}}))
				}
			})
			b.Run("correctProject", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					w.mustTB(b, "bureau", "correctProject", mCorrect, in(map[string]any{"code": code, "reason": fmt.Sprintf("更正 %d", i),
						"title": fmt.Sprintf("基准项目 %d", i)}))
				}
			})
		})
	}
}
