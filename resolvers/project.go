package resolvers

import (
	"context"
	"strconv"

	"civicledger/graph/model"
	"civicledger/ledger"
)

func (r *projectResolver) ID(ctx context.Context, obj *ledger.Project) (string, error) {
	return globalID("Project", obj.Code), nil
}

func (r *projectResolver) Round(ctx context.Context, obj *ledger.Project) (*ledger.Round, error) {
	return r.Loaders(ctx).Round().Load(ctx, obj.RoundID)
}

func (r *projectResolver) ServiceAreaLabel(ctx context.Context, obj *ledger.Project) (string, error) {
	return ledger.Label(obj.ServiceArea), nil
}

func (r *projectResolver) Undertaker(ctx context.Context, obj *ledger.Project) (*ledger.Organization, error) {
	return r.org(ctx, &obj.UndertakerID)
}

func (r *projectResolver) Evaluator(ctx context.Context, obj *ledger.Project) (*ledger.Organization, error) {
	return r.org(ctx, obj.EvaluatorID)
}

func (r *projectResolver) Auditor(ctx context.Context, obj *ledger.Project) (*ledger.Organization, error) {
	return r.org(ctx, obj.AuditorID)
}

func (r *projectResolver) StageLabel(ctx context.Context, obj *ledger.Project) (string, error) {
	return ledger.Label(obj.Stage), nil
}

func (r *projectResolver) Outcome(ctx context.Context, obj *ledger.Project) (*ledger.Outcome, error) {
	return outcome(obj.Outcome), nil
}

func (r *projectResolver) OutcomeLabel(ctx context.Context, obj *ledger.Project) (*string, error) {
	return outcomeLabel(obj.Outcome), nil
}

func (r *projectResolver) figures(ctx context.Context, obj *ledger.Project) (*ledger.Figures, error) {
	f, err := r.Loaders(ctx).Figures().Load(ctx, obj.ID)
	if err == nil && f == nil {
		f = &ledger.Figures{ProjectID: obj.ID}
	}
	return f, err
}

func (r *projectResolver) Figures(ctx context.Context, obj *ledger.Project) (*ledger.Figures, error) {
	return r.figures(ctx, obj)
}

func (r *projectResolver) Satisfaction(ctx context.Context, obj *ledger.Project) (*model.Satisfaction, error) {
	f, err := r.figures(ctx, obj)
	if err != nil {
		return nil, err
	}
	return &model.Satisfaction{Responses: f.FeedbackCount, Average: f.Satisfaction()}, nil
}

func (r *projectResolver) Timeline(ctx context.Context, obj *ledger.Project) ([]*ledger.StageEvent, error) {
	return nonNil(r.Loaders(ctx).Timeline().Load(ctx, obj.ID))
}

func (r *projectResolver) Tranches(ctx context.Context, obj *ledger.Project) ([]*ledger.Tranche, error) {
	return nonNil(r.Loaders(ctx).Tranches().Load(ctx, obj.ID))
}

func (r *projectResolver) Audits(ctx context.Context, obj *ledger.Project) ([]*ledger.Audit, error) {
	return nonNil(r.Loaders(ctx).Audits().Load(ctx, obj.ID))
}

func (r *projectResolver) Metrics(ctx context.Context, obj *ledger.Project, kind *ledger.MetricKind) ([]*ledger.Metric, error) {
	ms, err := nonNil(r.Loaders(ctx).Metrics().Load(ctx, obj.ID))
	if err != nil || kind == nil {
		return ms, err
	}
	return filter(ms, func(m *ledger.Metric) bool { return m.Kind == *kind }), nil
}

func (r *projectResolver) Scorecards(ctx context.Context, obj *ledger.Project, kind *ledger.ReviewKind) ([]*ledger.Scorecard, error) {
	ss, err := nonNil(r.Loaders(ctx).Scorecards().Load(ctx, obj.ID))
	if err != nil || kind == nil {
		return ss, err
	}
	return filter(ss, func(s *ledger.Scorecard) bool { return s.Kind == *kind }), nil
}

func (r *projectResolver) Announcements(ctx context.Context, obj *ledger.Project) ([]*ledger.Announcement, error) {
	return nonNil(r.Loaders(ctx).ProjectAnns().Load(ctx, obj.ID))
}

func (r *projectResolver) Reports(ctx context.Context, obj *ledger.Project, kinds []ledger.ReportKind) ([]*ledger.Report, error) {
	rs, err := nonNil(r.Loaders(ctx).ProjectReps().Load(ctx, obj.ID))
	if err != nil || len(kinds) == 0 {
		return rs, err
	}
	want := map[ledger.ReportKind]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	return filter(rs, func(x *ledger.Report) bool { return want[x.Kind] }), nil
}

func (r *projectResolver) CaseStudies(ctx context.Context, obj *ledger.Project) ([]*ledger.CaseStudy, error) {
	return nonNil(r.Loaders(ctx).ProjectCases().Load(ctx, obj.ID))
}

func (r *projectResolver) History(ctx context.Context, obj *ledger.Project) ([]*ledger.Revision, error) {
	return r.Revisions(ctx, ledger.EntityProject, obj.ID)
}

func (r *figuresResolver) LeverageRatio(ctx context.Context, obj *ledger.Figures) (*string, error) {
	ps, err := r.Loaders(ctx).Project().Load(ctx, obj.ProjectID)
	if err != nil || ps == nil {
		return nil, err
	}
	return ratio(obj.Leveraged, ps.Awarded), nil
}

func (r *stageEventResolver) StageLabel(ctx context.Context, obj *ledger.StageEvent) (string, error) {
	return ledger.Label(obj.Stage), nil
}

func (r *stageEventResolver) Outcome(ctx context.Context, obj *ledger.StageEvent) (*ledger.Outcome, error) {
	return outcome(obj.Outcome), nil
}

func (r *stageEventResolver) OutcomeLabel(ctx context.Context, obj *ledger.StageEvent) (*string, error) {
	return outcomeLabel(obj.Outcome), nil
}

func (r *trancheResolver) KindLabel(ctx context.Context, obj *ledger.Tranche) (string, error) {
	return ledger.Label(obj.Kind), nil
}

func (r *auditResolver) Auditor(ctx context.Context, obj *ledger.Audit) (*ledger.Organization, error) {
	return r.org(ctx, obj.AuditorID)
}

func (r *auditResolver) ResultLabel(ctx context.Context, obj *ledger.Audit) (string, error) {
	return ledger.Label(obj.Result), nil
}

func (r *auditResolver) Report(ctx context.Context, obj *ledger.Audit) (*ledger.Report, error) {
	if obj.ReportID == nil {
		return nil, nil
	}
	return r.Loaders(ctx).Report().Load(ctx, *obj.ReportID)
}

func (r *metricResolver) KindLabel(ctx context.Context, obj *ledger.Metric) (string, error) {
	return ledger.Label(obj.Kind), nil
}

func (r *metricResolver) Amount(ctx context.Context, obj *ledger.Metric) (*ledger.Money, error) {
	if obj.Kind != ledger.LeveragedFunds {
		return nil, nil
	}
	m := ledger.Money(obj.Value)
	return &m, nil
}

func (r *metricResolver) ProvenanceLabel(ctx context.Context, obj *ledger.Metric) (string, error) {
	return ledger.Label(obj.Provenance), nil
}

func (r *indicatorSetResolver) ID(ctx context.Context, obj *ledger.IndicatorSet) (string, error) {
	return globalID("IndicatorSet", strconv.FormatInt(obj.ID, 10)), nil
}

func (r *indicatorSetResolver) KindLabel(ctx context.Context, obj *ledger.IndicatorSet) (string, error) {
	return ledger.Label(obj.Kind), nil
}

func (r *scorecardResolver) KindLabel(ctx context.Context, obj *ledger.Scorecard) (string, error) {
	return ledger.Label(obj.Kind), nil
}

func (r *scorecardResolver) IndicatorSet(ctx context.Context, obj *ledger.Scorecard) (*ledger.IndicatorSet, error) {
	return r.Loaders(ctx).IndicatorSet().Load(ctx, obj.SetID)
}

func (r *scorecardResolver) Reviewer(ctx context.Context, obj *ledger.Scorecard) (*ledger.Organization, error) {
	return r.org(ctx, obj.ReviewerID)
}

func (r *scorecardResolver) WeightedTotal(ctx context.Context, obj *ledger.Scorecard) (float64, error) {
	set, err := r.Loaders(ctx).IndicatorSet().Load(ctx, obj.SetID)
	if err != nil || set == nil {
		return 0, err
	}
	return ledger.WeightedTotal(set.Indicators, obj.Scores), nil
}

func (r *scorecardResolver) Scores(ctx context.Context, obj *ledger.Scorecard) ([]*model.IndicatorScore, error) {
	set, err := r.Loaders(ctx).IndicatorSet().Load(ctx, obj.SetID)
	if err != nil || set == nil {
		return nil, err
	}
	byID := map[int64]float64{}
	for _, s := range obj.Scores {
		byID[s.IndicatorID] = s.Value
	}
	out := make([]*model.IndicatorScore, 0, len(set.Indicators))
	for i := range set.Indicators {
		in := &set.Indicators[i]
		v := byID[in.ID]
		w := ledger.WeightedTotal([]ledger.Indicator{*in}, []ledger.Score{{IndicatorID: in.ID, Value: v}})
		out = append(out, &model.IndicatorScore{Indicator: in, Score: v, Weighted: w})
	}
	return out, nil
}

// Announcements, reports, case collections

func (r *announcementResolver) ID(ctx context.Context, obj *ledger.Announcement) (string, error) {
	return globalID("Announcement", obj.Code), nil
}

func (r *announcementResolver) KindLabel(ctx context.Context, obj *ledger.Announcement) (string, error) {
	return ledger.Label(obj.Kind), nil
}

func (r *announcementResolver) Round(ctx context.Context, obj *ledger.Announcement) (*ledger.Round, error) {
	if obj.RoundID == nil {
		return nil, nil
	}
	return r.Loaders(ctx).Round().Load(ctx, *obj.RoundID)
}

func (r *announcementResolver) Publisher(ctx context.Context, obj *ledger.Announcement) (*ledger.Organization, error) {
	return r.org(ctx, obj.PublisherID)
}

func (r *announcementResolver) NoticeOpen(ctx context.Context, obj *ledger.Announcement) (bool, error) {
	return obj.NoticeOpen(r.Today()), nil
}

func (r *announcementResolver) Projects(ctx context.Context, obj *ledger.Announcement, first *int, after *string, last *int, before *string) (*model.ProjectConnection, error) {
	pg, err := r.Portal.Projects(ctx, ledger.ProjectFilter{AnnouncementID: obj.ID}, ledger.ProjectOrder{Field: ledger.OrderByCode},
		pageArgs(first, after, last, before), requestedFields(ctx))
	if err != nil {
		return nil, err
	}
	return projectConnection(pg), nil
}

func (r *reportResolver) ID(ctx context.Context, obj *ledger.Report) (string, error) {
	return globalID("Report", obj.Code), nil
}

func (r *reportResolver) KindLabel(ctx context.Context, obj *ledger.Report) (string, error) {
	return ledger.Label(obj.Kind), nil
}

func (r *reportResolver) Author(ctx context.Context, obj *ledger.Report) (*ledger.Organization, error) {
	return r.org(ctx, obj.AuthorID)
}

func (r *reportResolver) Project(ctx context.Context, obj *ledger.Report) (*ledger.Project, error) {
	if obj.ProjectID == nil {
		return nil, nil
	}
	p, err := r.Loaders(ctx).Project().Load(ctx, *obj.ProjectID)
	return r.prefetched(ctx, p, err)
}

func (r *reportResolver) Round(ctx context.Context, obj *ledger.Report) (*ledger.Round, error) {
	if obj.RoundID == nil {
		return nil, nil
	}
	return r.Loaders(ctx).Round().Load(ctx, *obj.RoundID)
}

func (r *caseCollectionResolver) ID(ctx context.Context, obj *ledger.CaseCollection) (string, error) {
	return globalID("CaseCollection", strconv.FormatInt(obj.ID, 10)), nil
}

func (r *caseCollectionResolver) Cases(ctx context.Context, obj *ledger.CaseCollection) ([]*ledger.CaseStudy, error) {
	return nonNil(r.Loaders(ctx).Cases().Load(ctx, obj.ID))
}

func (r *caseStudyResolver) Project(ctx context.Context, obj *ledger.CaseStudy) (*ledger.Project, error) {
	p, err := r.Loaders(ctx).Project().Load(ctx, obj.ProjectID)
	return r.prefetched(ctx, p, err)
}

func (r *caseStudyResolver) Collection(ctx context.Context, obj *ledger.CaseStudy) (*ledger.CaseCollection, error) {
	return r.Loaders(ctx).Collection().Load(ctx, obj.CollectionID)
}

// nonNil turns a nil list into an empty one for non-null list fields.
func nonNil[T any](vs []T, err error) ([]T, error) {
	if vs == nil && err == nil {
		vs = []T{}
	}
	return vs, err
}

func filter[T any](vs []T, keep func(T) bool) []T {
	out := []T{}
	for _, v := range vs {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// The long texts of a project and an organization: as read, unless the
// record was read abridged by a page another part of the query asked for
// (portal.Abridge), when it is read again.

func (r *projectResolver) Summary(ctx context.Context, obj *ledger.Project) (string, error) {
	p, err := r.WholeProject(ctx, obj)
	return p.Summary, err
}

func (r *projectResolver) TargetGroup(ctx context.Context, obj *ledger.Project) (string, error) {
	p, err := r.WholeProject(ctx, obj)
	return p.TargetGroup, err
}
