package ledger

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDeriveFigures(t *testing.T) {
	self := func(k MetricKind, v int64) MetricTotal {
		return MetricTotal{Kind: k, Provenance: SelfReported, Sum: v, Max: v}
	}
	verified := func(k MetricKind, v int64) MetricTotal {
		return MetricTotal{Kind: k, Provenance: Verified, Sum: v, Max: v}
	}
	for _, tc := range []struct {
		name string
		src  FigureSources
		want Figures
	}{
		{"a new project: leveraged funds are the agreed co-funding",
			FigureSources{ProjectID: 1, CoFunding: Yuan(30_000)},
			Figures{ProjectID: 1, Leveraged: Yuan(30_000)}},
		{"self-reported quarters add up; unique persons take the largest",
			FigureSources{ProjectID: 2, CoFunding: Yuan(30_000), Metrics: []MetricTotal{
				self(BeneficiaryVisits, 1000), self(BeneficiaryVisits, 1500),
				self(BeneficiaryPersons, 120), self(BeneficiaryPersons, 180), self(BeneficiaryPersons, 150),
				self(VolunteerVisits, 40), self(VolunteerVisits, 60),
				self(VolunteerHours, 100), self(VolunteerHours, 250),
				self(ExpertVisits, 3), self(ExpertVisits, 4),
				self(LeveragedFunds, 1_000_000), self(LeveragedFunds, 500_000),
			}},
			Figures{ProjectID: 2, BeneficiaryVisits: 2500, BeneficiaryPersons: 180, VolunteerVisits: 100,
				VolunteerHours: 350, ExpertVisits: 7, Leveraged: 1_500_000}},
		{"verified figures replace self-reported ones, kind by kind",
			FigureSources{ProjectID: 3, CoFunding: Yuan(30_000), Metrics: []MetricTotal{
				self(BeneficiaryVisits, 1000), self(BeneficiaryVisits, 1500), verified(BeneficiaryVisits, 2300),
				self(BeneficiaryPersons, 200), verified(BeneficiaryPersons, 150), verified(BeneficiaryPersons, 90),
				self(VolunteerVisits, 70),
				verified(LeveragedFunds, 0),
			}},
			Figures{ProjectID: 3, BeneficiaryVisits: 2300, BeneficiaryPersons: 150, VolunteerVisits: 70, Leveraged: 0}},
		{"SQL totals: sum and maximum per kind and provenance",
			FigureSources{ProjectID: 4, Metrics: []MetricTotal{
				{Kind: BeneficiaryPersons, Provenance: SelfReported, Sum: 450, Max: 180},
				{Kind: ExpertVisits, Provenance: SelfReported, Sum: 9, Max: 5},
			}},
			Figures{ProjectID: 4, BeneficiaryPersons: 180, ExpertVisits: 9}},
		{"money and audits",
			FigureSources{ProjectID: 5, CoFunding: 100, Paid: Yuan(80_000), Recovered: Yuan(1_200), AuditsWithFindings: 2},
			Figures{ProjectID: 5, Leveraged: 100, Paid: Yuan(80_000), Recovered: Yuan(1_200), AuditFindings: true}},
		{"clean audits",
			FigureSources{ProjectID: 6, Recovered: 5},
			Figures{ProjectID: 6, Recovered: 5}},
	} {
		if d := cmp.Diff(tc.want, DeriveFigures(tc.src)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
	// One row as a total is the row's value for sum and maximum.
	m := &Metric{Kind: VolunteerHours, Provenance: Verified, Value: 42}
	if d := cmp.Diff(MetricTotal{Kind: VolunteerHours, Provenance: Verified, Sum: 42, Max: 42}, m.Total()); d != "" {
		t.Errorf("Metric.Total (-want +got):\n%s", d)
	}
}

func TestSatisfaction(t *testing.T) {
	for _, tc := range []struct {
		count, sum int64
		want       *float64
	}{
		{0, 0, nil},
		{1, 1, nil},  // withheld below 5: one rating could be read off
		{4, 18, nil}, // still withheld
		{5, 18, ptr(3.6)},
		{6, 28, ptr(4.67)},
	} {
		f := &Figures{FeedbackCount: tc.count, FeedbackSum: tc.sum}
		r := &StatsRow{FeedbackCount: tc.count, FeedbackSum: tc.sum}
		for _, got := range []*float64{f.Satisfaction(), r.Satisfaction()} {
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("satisfaction of %d/%d (-want +got):\n%s", tc.sum, tc.count, d)
			}
		}
	}
	var none *Figures
	if none.Satisfaction() != nil {
		t.Error("nil figures have a satisfaction")
	}
}
