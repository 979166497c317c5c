package demo

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"civicledger/ledger"
)

// Public participation in the demo (issue 11): every comment moderated
// (most approved, some rejected with a reason, a few still pending, some
// answered by the undertaker), feedback codes issued per project with the
// verified ratings as the used ones, objections in every state on each
// round's approval notice, and each year's ratings of the evaluation
// agencies by the three parties with the published weights. None of it
// changes the headline totals of docs/domain.md: no project, money or outcome
// figure moves, and the satisfaction figures keep counting the same
// verified ratings.

// Random stream purposes of this file (the generator's own use 1–9).
const (
	purposeModeration = 40 + iota
	purposeCodes
	purposeObjections
	purposeRatings
)

var (
	rejectReasons = []string{"内容与项目服务无关（广告）", "含他人个人信息，请删除后重新提交", "含人身攻击的言辞"}
	answers       = []string{"感谢您的肯定，我们会继续做好服务。", "感谢反馈，已安排社工上门回访。",
		"谢谢您的建议，下季度将增加服务频次。", "已与服务对象家属沟通，调整了服务时间。"}
	objectionTexts = []string{"该机构去年项目未按期结项，是否具备承接能力？", "项目预算中人员费用比例偏高，请核实。",
		"公示的服务对象数量与社区实际人数不符。", "承接方与评审专家存在关联关系，请回避。", "项目内容与往年已资助项目重复。"}
	notAccepted = "异议未提供具体事实和联系方式核实渠道，不予受理。"
	objAnswers  = []string{"经核查，该机构已完成整改，具备承接能力，维持立项。", "经核查，预算人员费用符合规定比例，维持立项。",
		"经核查，情况部分属实，已要求承接方调整服务对象数量。"}
)

// moderate gives the comments of a part their moderation, from their own
// random stream, before they are written: 85% approved within a few days
// (a fifth of them answered by the undertaker), 10% rejected with a
// reason, 5% still pending.
func (g *generator) moderate(p *Dataset) {
	for _, f := range p.Feedback {
		if f.Comment == "" {
			continue
		}
		r := g.rng(purposeModeration, f.ID)
		at := f.SubmittedAt.Add(time.Duration(1+r.IntN(6)) * 24 * time.Hour)
		switch x := r.Float64(); {
		case x < 0.85:
			f.Moderation, f.ModeratedAt = ledger.ModerationApproved, &at
			if r.Float64() < 0.2 {
				ans := at.Add(time.Duration(1+r.IntN(9)) * 24 * time.Hour)
				f.Answer, f.AnsweredAt = answers[r.IntN(len(answers))], &ans
			}
		case x < 0.95:
			f.Moderation, f.ModeratedAt, f.ModerationNote = ledger.ModerationRejected, &at, rejectReasons[r.IntN(len(rejectReasons))]
		default:
			f.Moderation = ledger.ModerationPending
		}
	}
}

// participationPlan collects, while the data set streams, what the
// participation records need: codes of projects and organizations by
// local ID, each project's verified ratings, the approval notices.
type participationPlan struct {
	projects map[int64]*planProject
	orgs     map[int64]string // local ID → credit code
	notices  []planNotice
}

type planProject struct {
	code, undertaker, evaluator string
	year                        int
	approved                    ledger.Date
	verified                    []time.Time
}

type planNotice struct {
	code       string
	start, end ledger.Date
	projects   []int64 // local IDs
}

func newParticipationPlan() *participationPlan {
	return &participationPlan{projects: map[int64]*planProject{}, orgs: map[int64]string{}}
}

// add records part p; call it before p is written (writing replaces local IDs).
func (pl *participationPlan) add(p *Dataset) {
	for _, o := range p.Organizations {
		pl.orgs[o.ID] = o.CreditCode
	}
	for _, pr := range p.Projects {
		if pr.Outcome == ledger.Rejected {
			continue
		}
		pp := &planProject{code: pr.Code, undertaker: pl.orgs[pr.UndertakerID], year: pr.ApprovedOn.Year(), approved: pr.ApprovedOn}
		if pr.EvaluatorID != nil {
			pp.evaluator = pl.orgs[*pr.EvaluatorID]
		}
		pl.projects[pr.ID] = pp
	}
	for _, f := range p.Feedback {
		if pp := pl.projects[f.ProjectID]; pp != nil && f.Verified {
			pp.verified = append(pp.verified, f.SubmittedAt)
		}
	}
	for _, a := range p.Announcements {
		if a.Kind == ledger.ApprovalNotice && a.NoticeStart != "" {
			pl.notices = append(pl.notices, planNotice{code: a.Code, start: a.NoticeStart, end: a.NoticeEnd, projects: a.ProjectIDs})
		}
	}
}

// participationLoader is what loading the participation records needs;
// the store implements it.
type participationLoader interface {
	ledger.ParticipationWriter
	ImportFeedbackCodes(ctx context.Context, att ledger.Attribution, batches []ledger.CodeImport) error
	ProjectsByCodes(ctx context.Context, codes []string) ([]*ledger.Project, error)
	AnnouncementsByCodes(ctx context.Context, codes []string) ([]*ledger.Announcement, error)
	OrganizationsByCodes(ctx context.Context, codes []string) ([]*ledger.Organization, error)
}

// ParticipationCounts are what loadParticipation wrote.
type ParticipationCounts struct {
	CodesIssued, CodesUsed, Objections, AgencyRatings int
	ObjectionStates                                   map[ledger.ObjectionState]int
}

var demoEvaluator = ledger.Attribution{Actor: "demo-loader", Role: ledger.RoleEvaluator}

// loadParticipation writes the plan's codes, objections and agency ratings.
func loadParticipation(ctx context.Context, w participationLoader, g *generator, pl *participationPlan) (*ParticipationCounts, error) {
	n := &ParticipationCounts{ObjectionStates: map[ledger.ObjectionState]int{}}
	ids := map[string]int64{}
	var codes []string
	for _, pp := range pl.projects {
		codes = append(codes, pp.code)
	}
	for start := 0; start < len(codes); start += 500 {
		ps, err := w.ProjectsByCodes(ctx, codes[start:min(start+500, len(codes))])
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if p != nil {
				ids[p.Code] = p.ID
			}
		}
	}
	// Codes: a batch per project with verified ratings, about seven in ten
	// used, one used code per verified rating.
	locals := slices.Sorted(maps.Keys(pl.projects))
	var imports []ledger.CodeImport
	for _, local := range locals {
		pp := pl.projects[local]
		if len(pp.verified) == 0 {
			continue
		}
		r := g.rng(purposeCodes, local)
		issued := len(pp.verified) + len(pp.verified)*3/7 + r.IntN(3)
		batch := make([]ledger.IssuedCode, issued)
		for i := range batch {
			var syms [ledger.FeedbackCodeLen - 1]int
			for k := range syms {
				syms[k] = r.IntN(31)
			}
			batch[i].Hash = ledger.HashFeedbackCode(ledger.FeedbackCodeFrom(syms))
			if i < len(pp.verified) {
				used := pp.verified[i]
				batch[i].UsedAt = &used
			}
		}
		imports = append(imports, ledger.CodeImport{ProjectID: ids[pp.code], IssuedAt: pp.approved.Time().AddDate(0, 1, 0), Codes: batch})
		n.CodesIssued += issued
		n.CodesUsed += len(pp.verified)
	}
	if err := w.ImportFeedbackCodes(ctx, demoEvaluator, imports); err != nil {
		return nil, fmt.Errorf("demo: feedback codes: %w", err)
	}
	// Objections: on each approval notice, one in every state and a second
	// answered one, received while the notice was open.
	cal := ledger.Workdays
	states := []ledger.ObjectionState{ledger.ObjectionReceived, ledger.ObjectionAccepted, ledger.ObjectionNotAccepted,
		ledger.ObjectionVerifying, ledger.ObjectionAnswered, ledger.ObjectionAnswered}
	for ni, nt := range pl.notices {
		as, err := w.AnnouncementsByCodes(ctx, []string{nt.code})
		if err != nil || len(as) == 0 || as[0] == nil || len(nt.projects) == 0 {
			return nil, fmt.Errorf("demo: notice %s: %v", nt.code, err)
		}
		r := g.rng(purposeObjections, int64(ni))
		for k, st := range states {
			pp := pl.projects[nt.projects[r.IntN(len(nt.projects))]]
			if pp == nil {
				continue
			}
			day := cal.AddWorkingDays(nt.start, 1+r.IntN(max(cal.WorkingDays(nt.start, nt.end), 1)))
			if day > nt.end {
				day = nt.end
			}
			at := func(d ledger.Date, hour int) *time.Time {
				t := d.Time().Add(time.Duration(hour) * time.Hour)
				return &t
			}
			o := &ledger.Objection{Receipt: fmt.Sprintf("YY-DEMO-%d-%02d", nt.start.Year(), k+1), AnnouncementID: as[0].ID,
				ProjectID: ids[pp.code], Name: fmt.Sprintf("公众%d", ni*10+k+1), Contact: fmt.Sprintf("1380000%04d", ni*10+k+1),
				Text: objectionTexts[r.IntN(len(objectionTexts))], State: st, ReceivedAt: *at(day, 9+r.IntN(8))}
			decided := cal.AddWorkingDays(day, 2+r.IntN(3))
			switch st {
			case ledger.ObjectionAccepted, ledger.ObjectionVerifying:
				o.DecidedAt = at(decided, 10)
			case ledger.ObjectionNotAccepted:
				o.DecidedAt, o.AnsweredAt, o.Reason = at(decided, 10), at(decided, 10), notAccepted
			case ledger.ObjectionAnswered:
				o.DecidedAt = at(decided, 10)
				o.AnsweredAt = at(cal.AddWorkingDays(decided, 3+r.IntN(10)), 15) // some beyond the 10-day deadline
				o.Answer = objAnswers[r.IntN(len(objAnswers))]
			}
			if _, err := w.FileObjection(ctx, o, ledger.Idempotency{}); err != nil {
				return nil, fmt.Errorf("demo: objection on %s: %w", nt.code, err)
			}
			n.Objections++
			n.ObjectionStates[st]++
		}
	}
	// Agency ratings: each year, every evaluation agency that evaluated
	// projects is rated by the bureau, by up to four undertakers it served
	// and by three recipients' representatives; the weights are published.
	type key struct {
		year   int
		agency string
	}
	served := map[key][]string{}
	var keys []key
	for _, local := range locals {
		pp := pl.projects[local]
		if pp.evaluator == "" {
			continue
		}
		k := key{pp.year, pp.evaluator}
		if _, ok := served[k]; !ok {
			keys = append(keys, k)
		}
		served[k] = append(served[k], pp.undertaker)
	}
	agencyIDs := map[string]int64{}
	years := map[int]bool{}
	for i, k := range keys {
		if _, ok := agencyIDs[k.agency]; !ok {
			os, err := w.OrganizationsByCodes(ctx, []string{k.agency})
			if err != nil || len(os) == 0 || os[0] == nil {
				return nil, fmt.Errorf("demo: agency %s: %v", k.agency, err)
			}
			agencyIDs[k.agency] = os[0].ID
		}
		if !years[k.year] {
			years[k.year] = true
			if err := w.SetPartyWeights(ctx, k.year, ledger.DefaultPartyWeights); err != nil {
				return nil, err
			}
		}
		r := g.rng(purposeRatings, int64(i))
		rate := func(party ledger.RaterParty, rater string) error {
			base := 3 + r.IntN(2)
			var s [4]int
			for c := range s {
				s[c] = min(5, max(1, base+r.IntN(3)-1))
			}
			n.AgencyRatings++
			return w.RateAgency(ctx, &ledger.AgencyRating{AgencyID: agencyIDs[k.agency], Year: k.year, Party: party, Rater: rater, Scores: s,
				RatedAt: time.Date(k.year+1, time.January, 15, 10, 0, 0, 0, ledger.Shanghai)})
		}
		if err := rate(ledger.PartyBureau, "bureau:demo"); err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, u := range served[k] {
			if len(seen) == 4 {
				break
			}
			if !seen[u] {
				seen[u] = true
				if err := rate(ledger.PartyUndertaker, "org:"+u); err != nil {
					return nil, err
				}
			}
		}
		for rep := 1; rep <= 3; rep++ {
			if err := rate(ledger.PartyRecipientRep, fmt.Sprintf("rep:代表%d", rep)); err != nil {
				return nil, err
			}
		}
	}
	return n, nil
}
