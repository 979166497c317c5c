package resolvers

import (
	"context"
	"strconv"

	"civicledger/graph/model"
	"civicledger/ledger"
	"civicledger/portal"
)

// Participation's mutations. Unlike the publishing mutations, a refused
// input here is a top-level error carrying extensions.code and
// extensions.field (issue 11): the public's forms need nothing else.

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// parseID reads an ID argument, naming the field when it is not a number.
func parseID(field, s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, ledger.Invalid(field, "is not an ID this API returned")
	}
	return n, nil
}

func (r *mutationResolver) SubmitFeedback(ctx context.Context, in model.FeedbackInput) (*model.FeedbackReceipt, error) {
	rc, err := r.Portal.SubmitFeedback(ctx, portal.FeedbackInput{Project: deref(in.Project), Code: deref(in.Code), Rating: in.Rating,
		ServiceQuality: in.ServiceQuality, StaffAttitude: in.StaffAttitude, LifeEffect: in.LifeEffect, Comment: deref(in.Comment),
		Respondent: ledger.Respondent(in.Respondent), IdempotencyKey: deref(in.IdempotencyKey)})
	if err != nil {
		return nil, err
	}
	return &model.FeedbackReceipt{ID: strconv.FormatInt(rc.ID, 10), Project: rc.Project, Verified: rc.Verified,
		Moderation: model.ModerationState(rc.Moderation), Replayed: rc.Replayed, SubmittedAt: rc.SubmittedAt.In(ledger.Shanghai)}, nil
}

func (r *mutationResolver) FileObjection(ctx context.Context, in model.ObjectionInput) (*model.ObjectionReceipt, error) {
	rc, err := r.Portal.FileObjection(ctx, portal.ObjectionInput{Announcement: in.Announcement, Project: in.Project, Name: in.Name,
		Contact: in.Contact, Text: in.Text, IdempotencyKey: deref(in.IdempotencyKey)})
	if err != nil {
		return nil, err
	}
	return &model.ObjectionReceipt{Receipt: rc.Receipt, State: model.ObjectionState(rc.State), ReceivedAt: rc.ReceivedAt.In(ledger.Shanghai),
		Replayed: rc.Replayed, AnswerDue: rc.Deadline, NoticeWorkingDaysLeft: rc.DaysLeft}, nil
}

func (r *mutationResolver) IssueFeedbackCodes(ctx context.Context, in model.IssueFeedbackCodesInput) (*model.FeedbackCodeBatch, error) {
	b, err := r.Portal.IssueFeedbackCodes(ctx, in.Project, in.Count)
	if err != nil {
		return nil, err
	}
	return &model.FeedbackCodeBatch{ID: strconv.FormatInt(b.Batch.ID, 10), Project: b.Project, Codes: b.Codes, PrintableHTML: b.HTML,
		IssuedAt: b.Batch.IssuedAt.In(ledger.Shanghai)}, nil
}

func (r *mutationResolver) ModerateComment(ctx context.Context, in model.ModerateCommentInput) (*model.ModerationItem, error) {
	id, err := parseID("input.id", in.ID)
	if err != nil {
		return nil, err
	}
	f, err := r.Portal.ModerateComment(ctx, id, ledger.ModerationState(in.State), deref(in.Reason))
	if err != nil {
		return nil, err
	}
	p, err := first(r.Portal.Reader.ProjectsByIDs(ctx, []int64{f.ProjectID}))
	if err != nil {
		return nil, err
	}
	return &model.ModerationItem{ID: in.ID, Project: p.Code, Rating: f.Rating, Respondent: model.Respondent(f.Respondent),
		Verified: f.Verified, SubmittedText: f.Comment, MaskedText: f.PublicComment, State: model.ModerationState(f.Moderation),
		Reason: optString(f.ModerationNote), SubmittedAt: f.SubmittedAt}, nil
}

func (r *mutationResolver) MoveObjection(ctx context.Context, in model.MoveObjectionInput) (*model.ObjectionItem, error) {
	o, err := r.Portal.MoveObjection(ctx, in.Receipt, ledger.ObjectionState(in.State), deref(in.Reason), deref(in.Answer))
	if err != nil {
		return nil, err
	}
	p, err := first(r.Portal.Reader.ProjectsByIDs(ctx, []int64{o.ProjectID}))
	if err != nil {
		return nil, err
	}
	a, err := first(r.Portal.Reader.AnnouncementsByIDs(ctx, []int64{o.AnnouncementID}))
	if err != nil {
		return nil, err
	}
	return &model.ObjectionItem{Receipt: o.Receipt, Announcement: a.Code, Project: p.Code, State: model.ObjectionState(o.State),
		ObjectorName: o.Name, ObjectorContact: o.Contact, SubmittedText: o.Text, Reason: optString(o.Reason),
		Answer: optString(o.Answer), ReceivedAt: o.ReceivedAt}, nil
}

func (r *mutationResolver) AnswerComment(ctx context.Context, in model.AnswerCommentInput) (*model.Comment, error) {
	id, err := parseID("input.id", in.ID)
	if err != nil {
		return nil, err
	}
	f, err := r.Portal.AnswerComment(ctx, id, in.Answer)
	if err != nil {
		return nil, err
	}
	p, err := first(r.Portal.Reader.ProjectsByIDs(ctx, []int64{f.ProjectID}))
	if err != nil {
		return nil, err
	}
	c := &model.Comment{ID: in.ID, Project: p.Code, Rating: f.Rating, Respondent: model.Respondent(f.Respondent), Verified: f.Verified,
		Text: f.PublicComment, SubmittedOn: ledger.DateOf(f.SubmittedAt), Answer: optString(f.Answer)}
	if f.AnsweredAt != nil {
		d := ledger.DateOf(*f.AnsweredAt)
		c.AnsweredOn = &d
	}
	return c, nil
}

func (r *mutationResolver) RateAgency(ctx context.Context, in model.RateAgencyInput) (*model.AgencyRatingReceipt, error) {
	rt, err := r.Portal.RateAgency(ctx, portal.AgencyRatingInput{Agency: in.Agency, Year: in.Year, Party: ledger.RaterParty(in.Party),
		Rater: deref(in.Rater), Scores: [4]int{in.Independence, in.Professionalism, in.Timeliness, in.Communication}})
	if err != nil {
		return nil, err
	}
	o, err := first(r.Portal.Reader.OrganizationsByIDs(ctx, []int64{rt.AgencyID}))
	if err != nil {
		return nil, err
	}
	return &model.AgencyRatingReceipt{Agency: o, Year: rt.Year, Party: in.Party}, nil
}

func (r *mutationResolver) SetPartyWeights(ctx context.Context, in model.PartyWeightsInput) ([]*model.PartyWeight, error) {
	w := ledger.PartyWeights{ledger.PartyBureau: in.Bureau, ledger.PartyUndertaker: in.Undertaker, ledger.PartyRecipientRep: in.RecipientRepresentative}
	if err := r.Portal.SetPartyWeights(ctx, in.Year, w); err != nil {
		return nil, err
	}
	out := []*model.PartyWeight{}
	for _, p := range ledger.RaterParties {
		out = append(out, &model.PartyWeight{Party: model.RaterParty(p), Label: ledger.Label(p), Weight: w[p]})
	}
	return out, nil
}

// first returns the first record of a by-IDs read, or NOT_FOUND.
func first[T any](vs []*T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 || vs[0] == nil {
		return nil, ledger.NotFound("record", "")
	}
	return vs[0], nil
}
