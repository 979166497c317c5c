package ledger

// How a project's figures are derived from its metrics, tranches and
// audits. The store keeps them in project_figures inside every write's
// transaction; the demo generator computes the same to state its totals.

// MetricTotal is the sum and the largest value of some of a project's
// metric rows of one kind and provenance: one row's value for both, or a
// SQL SUM and MAX over all rows of the kind and provenance.
type MetricTotal struct {
	Kind       MetricKind `db:"kind"`
	Provenance Provenance `db:"provenance"`
	Sum        int64      `db:"s"`
	Max        int64      `db:"m"`
}

// Total returns the metric as a MetricTotal of one row.
func (m *Metric) Total() MetricTotal {
	return MetricTotal{Kind: m.Kind, Provenance: m.Provenance, Sum: m.Value, Max: m.Value}
}

// FigureSources is what one project's figures are computed from.
type FigureSources struct {
	ProjectID          int64
	CoFunding          Money         // co-funding committed in the agreement
	Metrics            []MetricTotal // any number per kind and provenance; they add up
	Paid               Money         // the sum of the project's tranches
	Recovered          Money         // the sum of its audits' recovered balances
	AuditsWithFindings int           // how many of its audits found problems
}

// DeriveFigures computes a project's figures. For each metric kind the
// verified rows are used when the project has any, else the undertaker's
// self-reported ones. Person-times (beneficiary, volunteer and expert
// visits), volunteer hours and leveraged funds add up over the periods
// reported; unique beneficiaries take the largest period figure, since the
// same persons are counted again in each period. Leveraged funds fall back
// to the agreed co-funding when no metric reports them. A project has audit
// findings when any of its audits found some. Feedback is not derived here:
// the store counts each response as it arrives.
func DeriveFigures(src FigureSources) Figures {
	sum := func(k MetricKind) int64 { v, _ := pickMetric(src.Metrics, k, false); return v }
	f := Figures{
		ProjectID:         src.ProjectID,
		BeneficiaryVisits: sum(BeneficiaryVisits),
		VolunteerVisits:   sum(VolunteerVisits),
		VolunteerHours:    sum(VolunteerHours),
		ExpertVisits:      sum(ExpertVisits),
		Leveraged:         src.CoFunding,
		Paid:              src.Paid,
		Recovered:         src.Recovered,
		AuditFindings:     src.AuditsWithFindings > 0,
	}
	f.BeneficiaryPersons, _ = pickMetric(src.Metrics, BeneficiaryPersons, true)
	if v, ok := pickMetric(src.Metrics, LeveragedFunds, false); ok {
		f.Leveraged = Money(v)
	}
	return f
}

// pickMetric returns the sum (or, with largest, the maximum) of the
// verified totals of kind k when there are any, else of the self-reported
// ones; ok is false when the project reports no metric of kind k.
func pickMetric(ms []MetricTotal, k MetricKind, largest bool) (v int64, ok bool) {
	var byProv [2]int64 // self-reported, verified
	var has [2]bool
	for i := range ms {
		m := &ms[i]
		if m.Kind != k {
			continue
		}
		p := 0
		if m.Provenance == Verified {
			p = 1
		}
		if largest {
			if !has[p] || m.Max > byProv[p] {
				byProv[p] = m.Max
			}
		} else {
			byProv[p] += m.Sum
		}
		has[p] = true
	}
	if has[1] {
		return byProv[1], true
	}
	return byProv[0], has[0]
}
