package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

// issue issues n codes for project id and returns them in plain text.
func issue(t testing.TB, db *store.DB, id int64, n int) []string {
	t.Helper()
	codes := make([]string, n)
	hashes := make([]string, n)
	for i := range codes {
		codes[i] = ledger.NewFeedbackCode()
		hashes[i] = ledger.HashFeedbackCode(codes[i])
	}
	_, err := db.IssueFeedbackCodes(context.Background(), ledger.Attribution{Actor: "evaluator", Role: ledger.RoleEvaluator}, id, hashes)
	must(t, err)
	return codes
}

func TestFeedbackCodeWorksOnce(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		codes := issue(t, db, f.p1.ID, 3)
		fb := &ledger.Feedback{Rating: 4, Respondent: ledger.RespondentRecipient, CodeHash: ledger.HashFeedbackCode(codes[0])}
		_, err := db.SubmitFeedback(ctx, fb, ledger.Idempotency{})
		must(t, err)
		if !fb.Verified || fb.ProjectID != f.p1.ID {
			t.Fatalf("feedback with a code: verified %v, project %d; want verified on %d", fb.Verified, fb.ProjectID, f.p1.ID)
		}
		_, err = db.SubmitFeedback(ctx, &ledger.Feedback{Rating: 5, Respondent: ledger.RespondentRecipient, CodeHash: ledger.HashFeedbackCode(codes[0])}, ledger.Idempotency{})
		wantInvalid(t, err, "input.code")
		_, err = db.SubmitFeedback(ctx, &ledger.Feedback{Rating: 5, Respondent: ledger.RespondentRecipient, CodeHash: ledger.HashFeedbackCode(ledger.NewFeedbackCode())}, ledger.Idempotency{})
		wantInvalid(t, err, "input.code")
		_, err = db.SubmitFeedback(ctx, &ledger.Feedback{ProjectID: f.p2.ID, Rating: 5, Respondent: ledger.RespondentRecipient, CodeHash: ledger.HashFeedbackCode(codes[1])}, ledger.Idempotency{})
		wantInvalid(t, err, "input.project")
		// The refused submissions used nothing: code 1 still works on its own project.
		_, err = db.SubmitFeedback(ctx, &ledger.Feedback{ProjectID: f.p1.ID, Rating: 5, Respondent: ledger.RespondentRecipient, CodeHash: ledger.HashFeedbackCode(codes[1])}, ledger.Idempotency{})
		must(t, err)
		counts, issued, err := db.RatingCounts(ctx, "project", []int64{f.p1.ID, f.p2.ID})
		must(t, err)
		if c := counts[f.p1.ID]; c[0] != [5]int64{0, 0, 0, 1, 1} || issued[f.p1.ID] != 3 || issued[f.p2.ID] != 0 {
			t.Errorf("counts %v, codes %v: want one 4 and one 5 on p1, 3 codes issued", c, issued)
		}
		total, _, err := db.Stats(ctx, ledger.ProjectFilter{}, nil)
		must(t, err)
		if total.FeedbackCount != 2 || total.FeedbackSum != 9 {
			t.Errorf("stats count %d sum %d, want 2 and 9", total.FeedbackCount, total.FeedbackSum)
		}
	})
}

// Concurrent submissions of one code: exactly one is accepted.
func TestFeedbackCodeRace(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		code := issue(t, db, f.p1.ID, 1)[0]
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, refused := 0, 0
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.SubmitFeedback(context.Background(), &ledger.Feedback{Rating: 3, Respondent: ledger.RespondentFamily, CodeHash: ledger.HashFeedbackCode(code)}, ledger.Idempotency{})
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					ok++
				} else if ledger.ErrorField(err) == "input.code" {
					refused++
				} else {
					t.Errorf("unexpected error %v", err)
				}
			}()
		}
		wg.Wait()
		if ok != 1 || refused != 7 {
			t.Errorf("%d accepted, %d refused; want 1 and 7", ok, refused)
		}
	})
}

func TestUnverifiedFeedbackNeverCounts(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		code := issue(t, db, f.p1.ID, 1)[0]
		_, err := db.SubmitFeedback(ctx, &ledger.Feedback{Rating: 5, Respondent: ledger.RespondentRecipient, CodeHash: ledger.HashFeedbackCode(code)}, ledger.Idempotency{})
		must(t, err)
		before, rows, err := db.Stats(ctx, ledger.ProjectFilter{}, []ledger.StatsGroup{ledger.GroupByYear})
		must(t, err)
		figs, err := db.FiguresByProjectIDs(ctx, []int64{f.p1.ID})
		must(t, err)
		for i := 0; i < 20; i++ {
			_, err := db.SubmitFeedback(ctx, &ledger.Feedback{ProjectID: f.p1.ID, Rating: 1, Respondent: ledger.RespondentRecipient, Comment: "差评"}, ledger.Idempotency{})
			must(t, err)
		}
		after, rows2, err := db.Stats(ctx, ledger.ProjectFilter{}, []ledger.StatsGroup{ledger.GroupByYear})
		must(t, err)
		figs2, err := db.FiguresByProjectIDs(ctx, []int64{f.p1.ID})
		must(t, err)
		if after.FeedbackCount != before.FeedbackCount || after.FeedbackSum != before.FeedbackSum || rows2[0].FeedbackCount != rows[0].FeedbackCount ||
			figs2[0].FeedbackCount != figs[0].FeedbackCount || figs2[0].FeedbackSum != figs[0].FeedbackSum {
			t.Errorf("20 unverified ratings changed the figures: %d/%d → %d/%d", before.FeedbackCount, before.FeedbackSum, after.FeedbackCount, after.FeedbackSum)
		}
		counts, _, err := db.RatingCounts(ctx, "project", []int64{f.p1.ID})
		must(t, err)
		if c := counts[f.p1.ID][0]; c != [5]int64{0, 0, 0, 0, 1} {
			t.Errorf("verified counts %v, want only the one 5", c)
		}
		assertRollupEqualsScan(t, db, f.round.ID)
		pending, n, err := db.FindComments(ctx, ledger.CommentFilter{ProjectIDs: []int64{f.p1.ID}, States: []ledger.ModerationState{ledger.ModerationPending}}, 0, 5)
		must(t, err)
		if n != 20 || len(pending) != 5 || pending[0].Verified {
			t.Errorf("%d pending comments (page %d), want 20 unverified", n, len(pending))
		}
	})
}

func TestIdempotentFeedback(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		idem := ledger.Idempotency{Key: "retry-1", Fingerprint: "a"}
		var ids []int64
		for i := 0; i < 3; i++ {
			fb := &ledger.Feedback{ProjectID: f.p1.ID, Rating: 4, Respondent: ledger.RespondentRecipient, Comment: "第一次", Verified: true}
			replayed, err := db.SubmitFeedback(ctx, fb, idem)
			must(t, err)
			if replayed != (i > 0) {
				t.Errorf("submission %d: replayed %v", i, replayed)
			}
			ids = append(ids, fb.ID)
		}
		if ids[0] != ids[1] || ids[1] != ids[2] {
			t.Errorf("retries got ids %v, want one", ids)
		}
		_, n, err := db.FindComments(ctx, ledger.CommentFilter{ProjectIDs: []int64{f.p1.ID}}, 0, 10)
		must(t, err)
		total, _, err := db.Stats(ctx, ledger.ProjectFilter{}, nil)
		must(t, err)
		if n != 1 || total.FeedbackCount != 1 {
			t.Errorf("3 retries stored %d rows, counted %d; want 1", n, total.FeedbackCount)
		}
		_, err = db.SubmitFeedback(ctx, &ledger.Feedback{ProjectID: f.p1.ID, Rating: 1, Respondent: ledger.RespondentRecipient}, ledger.Idempotency{Key: "retry-1", Fingerprint: "b"})
		if ledger.ErrorCode(err) != ledger.ECONFLICT || ledger.ErrorField(err) != "input.idempotencyKey" {
			t.Errorf("a key reused for other content: %v, want CONFLICT on input.idempotencyKey", err)
		}
		// Concurrent retries of one key: one row.
		var wg sync.WaitGroup
		got := make([]int64, 8)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fb := &ledger.Feedback{ProjectID: f.p2.ID, Rating: 2, Respondent: ledger.RespondentRecipient}
				if _, err := db.SubmitFeedback(ctx, fb, ledger.Idempotency{Key: "parallel", Fingerprint: "x"}); err != nil {
					t.Error(err)
				}
				got[i] = fb.ID
			}()
		}
		wg.Wait()
		for _, id := range got {
			if id != got[0] || id == 0 {
				t.Fatalf("parallel retries got ids %v, want one", got)
			}
		}
	})
}

func TestModerationAndAnswer(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mod := ledger.Attribution{Actor: "moderator", Role: ledger.RoleBureau}
		fb := &ledger.Feedback{ProjectID: f.p1.ID, Rating: 5, Respondent: ledger.RespondentRecipient, Comment: "我叫张三，电话13812345678，谢谢社工"}
		_, err := db.SubmitFeedback(ctx, fb, ledger.Idempotency{})
		must(t, err)
		if fb.Moderation != ledger.ModerationPending || fb.PublicComment != "我叫张*，电话138********，谢谢社工" {
			t.Fatalf("stored %q as %s, want masked and pending", fb.PublicComment, fb.Moderation)
		}
		_, err = db.AnswerFeedback(ctx, mod, fb.ID, "谢谢")
		wantInvalid(t, err, "input.feedback")
		_, err = db.ModerateFeedback(ctx, mod, fb.ID, ledger.ModerationRejected, "")
		wantInvalid(t, err, "moderation.reason")
		got, err := db.ModerateFeedback(ctx, mod, fb.ID, ledger.ModerationApproved, "")
		must(t, err)
		if got.Moderation != ledger.ModerationApproved || got.ModeratedAt == nil {
			t.Errorf("after approval: %+v", got)
		}
		got, err = db.AnswerFeedback(ctx, mod, fb.ID, "感谢反馈，请致电021-62345678")
		must(t, err)
		if got.Answer != "感谢反馈，请致电021-********" {
			t.Errorf("answer stored as %q, want masked", got.Answer)
		}
		docs, err := db.SearchDocs(ctx, ledger.EntityComment, []int64{fb.ID})
		must(t, err)
		if d := docs[fb.ID]; d == nil || d.Kind != ledger.DocComment || d.Body != "我叫张*，电话138********，谢谢社工 感谢反馈，请致电021-********" {
			t.Errorf("search doc %+v, want the masked comment and answer", d)
		}
		_, err = db.ModerateFeedback(ctx, mod, fb.ID, ledger.ModerationRejected, "撤回：含联系方式")
		must(t, err)
		docs, err = db.SearchDocs(ctx, ledger.EntityComment, []int64{fb.ID})
		must(t, err)
		if len(docs) != 0 {
			t.Errorf("a withdrawn comment is still searchable: %+v", docs)
		}
		_, err = db.ModerateFeedback(ctx, mod, 999_999, ledger.ModerationApproved, "")
		if ledger.ErrorCode(err) != ledger.ENOTFOUND {
			t.Errorf("moderating a missing comment: %v", err)
		}
	})
}

func TestObjections(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a := &ledger.Announcement{Code: "GS-2015-1", Kind: ledger.ApprovalNotice, Title: "立项公示", PublishedOn: "2015-03-20",
			NoticeStart: "2015-03-20", NoticeEnd: "2015-03-27", ProjectIDs: []int64{f.p1.ID}}
		must(t, db.PublishAnnouncement(ctx, att, a))
		o := &ledger.Objection{Receipt: "YY-1", AnnouncementID: a.ID, ProjectID: f.p2.ID, Name: "王五", Contact: "13900001111", Text: "有异议"}
		_, err := db.FileObjection(ctx, o, ledger.Idempotency{})
		wantInvalid(t, err, "input.project")
		o.ProjectID = f.p1.ID
		o.Text = "该机构负责人身份证110101199003071234有问题"
		_, err = db.FileObjection(ctx, o, ledger.Idempotency{Key: "k", Fingerprint: "1"})
		must(t, err)
		again := &ledger.Objection{Receipt: "YY-2", AnnouncementID: a.ID, ProjectID: f.p1.ID, Name: "王五", Contact: "13900001111", Text: "x"}
		replayed, err := db.FileObjection(ctx, again, ledger.Idempotency{Key: "k", Fingerprint: "1"})
		must(t, err)
		if !replayed || again.Receipt != "YY-1" {
			t.Errorf("a retry got receipt %q (replayed %v), want YY-1", again.Receipt, replayed)
		}
		if o.PublicText != "该机构负责人身份证******************有问题" || o.State != ledger.ObjectionReceived {
			t.Errorf("stored %q in %s", o.PublicText, o.State)
		}
		mod := ledger.Attribution{Actor: "moderator", Role: ledger.RoleBureau}
		_, err = db.MoveObjection(ctx, mod, o.ID, ledger.ObjectionAnswered, "", "答复")
		wantInvalid(t, err, "objection.state")
		for _, step := range []ledger.ObjectionState{ledger.ObjectionAccepted, ledger.ObjectionVerifying, ledger.ObjectionAnswered} {
			_, err = db.MoveObjection(ctx, mod, o.ID, step, "", "经核查，不存在所述问题。联系人李四")
			must(t, err)
		}
		got, err := db.ObjectionByReceipt(ctx, "YY-1")
		must(t, err)
		if got.State != ledger.ObjectionAnswered || got.AnsweredAt == nil || got.DecidedAt == nil || got.Answer != "经核查，不存在所述问题。联系人李*" || got.Name != "王五" {
			t.Errorf("answered objection %+v", got)
		}
		list, n, err := db.FindObjections(ctx, ledger.ObjectionFilter{ProjectIDs: []int64{f.p1.ID}}, 0, 10)
		must(t, err)
		if n != 1 || len(list) != 1 {
			t.Errorf("%d objections on p1, want 1", n)
		}
		hs, err := db.ObjectionHandling(ctx)
		must(t, err)
		if len(hs) != 1 || hs[0].To == nil || hs[0].AgencyID == nil || *hs[0].AgencyID != f.evaluator.ID {
			t.Errorf("handling %+v", hs)
		}
	})
}

func TestAgencyRatings(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		w, err := db.PartyWeights(ctx, 2015)
		must(t, err)
		if w[ledger.PartyBureau] != 0.4 {
			t.Errorf("default weights %v", w)
		}
		must(t, db.SetPartyWeights(ctx, 2015, ledger.PartyWeights{ledger.PartyBureau: 0.5, ledger.PartyUndertaker: 0.25, ledger.PartyRecipientRep: 0.25}))
		w, err = db.PartyWeights(ctx, 2015)
		must(t, err)
		if w[ledger.PartyBureau] != 0.5 || w[ledger.PartyRecipientRep] != 0.25 {
			t.Errorf("weights %v", w)
		}
		for i, s := range [][4]int{{5, 5, 4, 4}, {3, 3, 3, 3}, {4, 4, 4, 4}} {
			must(t, db.RateAgency(ctx, &ledger.AgencyRating{AgencyID: f.evaluator.ID, Year: 2015, Party: ledger.PartyUndertaker, Rater: fmt.Sprint("org-", i), Scores: s}))
		}
		// The same rater again replaces its rating.
		must(t, db.RateAgency(ctx, &ledger.AgencyRating{AgencyID: f.evaluator.ID, Year: 2015, Party: ledger.PartyUndertaker, Rater: "org-1", Scores: [4]int{5, 5, 5, 5}}))
		err = db.RateAgency(ctx, &ledger.AgencyRating{AgencyID: f.undertaker.ID, Year: 2015, Party: ledger.PartyBureau, Rater: "b", Scores: [4]int{5, 5, 5, 5}})
		wantInvalid(t, err, "input.agency")
		rs, err := db.AgencyRatings(ctx, 2015, []int64{f.evaluator.ID})
		must(t, err)
		if len(rs) != 3 || rs[1].Scores != [4]int{5, 5, 5, 5} {
			t.Errorf("ratings %+v", rs)
		}
		ys, err := db.AgencyRatingYears(ctx)
		must(t, err)
		if len(ys) != 1 || ys[0] != 2015 {
			t.Errorf("years %v", ys)
		}
	})
}
