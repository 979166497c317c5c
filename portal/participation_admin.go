package portal

import (
	"bytes"
	"context"
	"html/template"
	"strconv"
	"strings"

	"civicledger/ledger"
)

// Participation use cases that need an account: issuing feedback codes
// (the project's evaluator, the bureau), moderating comments and
// objections (moderators, the bureau), answering a comment (the project's
// undertaker, the bureau) and rating agencies. Each asks ledger.Authorize
// first; the caller is ledger.ActorFrom(ctx).

// MaxCodesPerBatch is the most feedback codes one batch holds.
const MaxCodesPerBatch = 500

// CodeBatch is an issued batch of feedback codes: the codes in plain text
// (shown once: only their hashes are kept) and a printable HTML page.
type CodeBatch struct {
	Batch   *ledger.CodeBatch
	Project *ledger.Project
	Codes   []string // formatted XXX-XXX-XXX
	HTML    string   // a printable page of cut-out cards
}

// projectByCode returns the project with a code or an EINVALID on field.
func (p *Portal) projectByCode(ctx context.Context, field, code string) (*ledger.Project, error) {
	pr, err := first(p.Reader.ProjectsByCodes(ctx, []string{code}))
	if err != nil {
		return nil, err
	} else if pr == nil {
		return nil, ledger.Invalid(field, "no project has code %s", ledger.Excerpt(code))
	}
	return pr, nil
}

// IssueFeedbackCodes issues count single-use feedback codes for a project.
func (p *Portal) IssueFeedbackCodes(ctx context.Context, projectCode string, count int) (*CodeBatch, error) {
	pp, err := p.participation()
	if err != nil {
		return nil, err
	}
	actor := ledger.ActorFrom(ctx)
	if actor.Anonymous() {
		_, err := ledger.Authorize(actor, ledger.ActIssueFeedbackCodes, nil)
		return nil, err
	}
	pr, err := p.projectByCode(ctx, "input.project", projectCode)
	if err != nil {
		return nil, err
	}
	role, err := ledger.Authorize(actor, ledger.ActIssueFeedbackCodes, pr)
	if err != nil {
		return nil, err
	}
	if count < 1 || count > MaxCodesPerBatch {
		return nil, ledger.Invalid("input.count", "a batch holds 1 to %d codes, not %d", MaxCodesPerBatch, count)
	}
	if pr.Outcome == ledger.Rejected {
		return nil, ledger.Invalid("input.project", "project %s was not funded", pr.Code)
	}
	codes := make([]string, count)
	hashes := make([]string, count)
	for i := range codes {
		c := ledger.NewFeedbackCode()
		codes[i], hashes[i] = ledger.FormatFeedbackCode(c), ledger.HashFeedbackCode(c)
	}
	b, err := pp.Store.IssueFeedbackCodes(ctx, actor.Attribution(role, ""), pr.ID, hashes)
	if err != nil {
		return nil, err
	}
	html, err := printableCodes(pr, b, codes)
	if err != nil {
		return nil, err
	}
	return &CodeBatch{Batch: b, Project: pr, Codes: codes, HTML: html}, nil
}

var codesPage = template.Must(template.New("codes").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>满意度反馈码 {{.Project.Code}}</title>
<style>
body{font-family:sans-serif;margin:1cm}
.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:0}
.card{border:1px dashed #888;padding:.5cm;break-inside:avoid;page-break-inside:avoid}
.code{font:bold 20pt monospace;letter-spacing:.1em;margin:.3cm 0}
.small{font-size:9pt;color:#333}
@media print{.noprint{display:none}}
</style></head><body>
<p class="noprint">批次 {{.Batch.ID}}：{{len .Codes}} 个反馈码，签发于 {{.Issued}}。每个码只能使用一次；本页只显示这一次，请立即打印。</p>
<div class="cards">{{range .Codes}}
<div class="card"><div class="small">{{$.Project.Title}}（{{$.Project.Code}}）</div>
<div class="code">{{.}}</div>
<div class="small">请在公益金阳光公示平台“满意度反馈”中输入此码，为您接受的服务打分。每码限用一次。字母不分大小写，没有字母 I、L、O、U、Z。</div></div>{{end}}
</div></body></html>`))

func printableCodes(pr *ledger.Project, b *ledger.CodeBatch, codes []string) (string, error) {
	var buf bytes.Buffer
	err := codesPage.Execute(&buf, map[string]any{"Project": pr, "Batch": b, "Codes": codes,
		"Issued": b.IssuedAt.In(ledger.Shanghai).Format("2006-01-02 15:04")})
	return buf.String(), err
}

// moderator checks that the caller may moderate.
func moderator(ctx context.Context) (ledger.Attribution, error) {
	actor := ledger.ActorFrom(ctx)
	role, err := ledger.Authorize(actor, ledger.ActModerate, nil)
	if err != nil {
		return ledger.Attribution{}, err
	}
	return actor.Attribution(role, ""), nil
}

// ModerateComment approves or rejects (with a reason) a feedback comment.
func (p *Portal) ModerateComment(ctx context.Context, id int64, to ledger.ModerationState, reason string) (*ledger.Feedback, error) {
	pp, err := p.participation()
	if err != nil {
		return nil, err
	}
	att, err := moderator(ctx)
	if err != nil {
		return nil, err
	}
	return pp.Store.ModerateFeedback(ctx, att, id, to, strings.TrimSpace(reason))
}

// MoveObjection moves an objection (by its receipt) to its next state.
func (p *Portal) MoveObjection(ctx context.Context, receipt string, next ledger.ObjectionState, reason, answer string) (*ledger.Objection, error) {
	pp, err := p.participation()
	if err != nil {
		return nil, err
	}
	att, err := moderator(ctx)
	if err != nil {
		return nil, err
	}
	o, err := pp.Store.ObjectionByReceipt(ctx, strings.TrimSpace(receipt))
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return nil, ledger.Invalid("input.receipt", "no objection has receipt %s", ledger.Excerpt(receipt))
	} else if err != nil {
		return nil, err
	}
	return pp.Store.MoveObjection(ctx, att, o.ID, next, strings.TrimSpace(reason), strings.TrimSpace(answer))
}

// AnswerComment records the public answer to an approved comment, by the
// project's undertaker (or the bureau).
func (p *Portal) AnswerComment(ctx context.Context, id int64, answer string) (*ledger.Feedback, error) {
	pp, err := p.participation()
	if err != nil {
		return nil, err
	}
	actor := ledger.ActorFrom(ctx)
	if actor.Anonymous() {
		_, err := ledger.Authorize(actor, ledger.ActAnswerComment, nil)
		return nil, err
	}
	f, err := pp.Store.FeedbackByID(ctx, id)
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return nil, ledger.Invalid("input.feedback", "no comment has id %d", id)
	} else if err != nil {
		return nil, err
	}
	pr, err := first(p.Reader.ProjectsByIDs(ctx, []int64{f.ProjectID}))
	if err != nil {
		return nil, err
	}
	role, err := ledger.Authorize(actor, ledger.ActAnswerComment, pr)
	if err != nil {
		return nil, err
	}
	return pp.Store.AnswerFeedback(ctx, actor.Attribution(role, ""), id, strings.TrimSpace(answer))
}

// AgencyRatingInput is one rating of a third-party agency.
type AgencyRatingInput struct {
	Agency string // the agency's credit code
	Year   int
	// Party is who rates: the bureau rates as BUREAU, and enters the
	// service-recipient representatives' ratings (RECIPIENT_REPRESENTATIVE,
	// with Rater naming the representative, e.g. "代表3"); an undertaker
	// account rates as UNDERTAKER an agency that evaluated one of its
	// projects of that year.
	Party  ledger.RaterParty
	Rater  string
	Scores [4]int // in the order of ledger.AgencyCriteria
}

// RateAgency records a rating of a third-party agency.
func (p *Portal) RateAgency(ctx context.Context, in AgencyRatingInput) (*ledger.AgencyRating, error) {
	pp, err := p.participation()
	if err != nil {
		return nil, err
	}
	actor := ledger.ActorFrom(ctx)
	if actor.Anonymous() {
		_, err := ledger.Authorize(actor, ledger.ActRateAgency, nil)
		return nil, err
	}
	agency, err := first(p.Reader.OrganizationsByCodes(ctx, []string{in.Agency}))
	if err != nil {
		return nil, err
	} else if agency == nil {
		return nil, ledger.Invalid("input.agency", "no organization has credit code %s", ledger.Excerpt(in.Agency))
	}
	r := &ledger.AgencyRating{AgencyID: agency.ID, Year: in.Year, Party: in.Party, Scores: in.Scores}
	switch in.Party {
	case ledger.PartyUndertaker:
		// The undertaker rates an agency that evaluated a project of its own that year.
		served, _, err := p.Reader.FindProjects(ctx, ledger.ProjectFilter{Scope: ledger.ScopeApplications, Years: []int{in.Year},
			UndertakerIDs: []int64{actor.OrgID}, EvaluatorIDs: []int64{agency.ID}}, ledger.ProjectOrder{}, 0, 1)
		if err != nil {
			return nil, err
		}
		var pr *ledger.Project
		if len(served) > 0 {
			pr = served[0]
		}
		if _, err := ledger.Authorize(actor, ledger.ActRateAgency, pr); err != nil {
			return nil, err
		}
		r.Rater = "org:" + strconv.FormatInt(actor.OrgID, 10)
	case ledger.PartyBureau, ledger.PartyRecipientRep:
		role, err := ledger.Authorize(actor, ledger.ActRateAgency, nil) // the bureau alone reaches the programme
		if err != nil {
			return nil, err
		}
		if role != ledger.RoleBureau {
			return nil, ledger.Errorf(ledger.EFORBIDDEN, "only the bureau rates as %s", in.Party)
		}
		r.Rater = "bureau:" + actor.Login
		if in.Party == ledger.PartyRecipientRep {
			if strings.TrimSpace(in.Rater) == "" {
				return nil, ledger.Invalid("input.rater", "name the representative whose rating this is")
			}
			r.Rater = "rep:" + strings.TrimSpace(in.Rater)
		}
	default:
		return nil, ledger.Invalid("input.party", "party must be BUREAU, UNDERTAKER or RECIPIENT_REPRESENTATIVE")
	}
	if err := pp.Store.RateAgency(ctx, r); err != nil {
		return nil, inputField(err, "rating")
	}
	return r, nil
}

// SetPartyWeights publishes the weights of the three parties for a year
// (the bureau).
func (p *Portal) SetPartyWeights(ctx context.Context, year int, w ledger.PartyWeights) error {
	pp, err := p.participation()
	if err != nil {
		return err
	}
	actor := ledger.ActorFrom(ctx)
	role, err := ledger.Authorize(actor, ledger.ActRateAgency, nil)
	if err != nil {
		return err
	}
	if role != ledger.RoleBureau {
		return ledger.Errorf(ledger.EFORBIDDEN, "only the bureau sets the parties' weights")
	}
	return inputField(pp.Store.SetPartyWeights(ctx, year, w), "weights")
}

// ModerationQueue lists comments for moderators, with the text as
// submitted (state empty: pending).
func (p *Portal) ModerationQueue(ctx context.Context, state ledger.ModerationState, a PageArgs) (*Page[*ledger.Feedback], error) {
	pp, err := p.participation()
	if err != nil {
		return nil, err
	}
	if _, err := moderator(ctx); err != nil {
		return nil, err
	}
	if state == "" {
		state = ledger.ModerationPending
	}
	return Paginate(CommentList, a, func(offset, limit int) ([]*ledger.Feedback, int, error) {
		return pp.Store.FindComments(ctx, ledger.CommentFilter{States: []ledger.ModerationState{state}}, offset, limit)
	})
}

// ObjectionsForModerators lists objections with the objectors' identity,
// for moderators and the bureau only.
func (p *Portal) ObjectionsForModerators(ctx context.Context, states []ledger.ObjectionState, a PageArgs) (*Page[*ledger.Objection], error) {
	pp, err := p.participation()
	if err != nil {
		return nil, err
	}
	if _, err := moderator(ctx); err != nil {
		return nil, err
	}
	return Paginate(ObjectionList, a, func(offset, limit int) ([]*ledger.Objection, int, error) {
		return pp.Store.FindObjections(ctx, ledger.ObjectionFilter{States: states}, offset, limit)
	})
}
