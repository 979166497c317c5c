package portal

import "civicledger/ledger"

// EnumLabel is the Chinese label of one value of one enumeration.
type EnumLabel struct {
	Enum, Value, Label string
}

// EnumLabels lists the Chinese label of every enumeration value the portal
// shows, for clients that build their own pages.
func EnumLabels() []EnumLabel {
	var out []EnumLabel
	add := func(enum string, values ...string) {
		for _, v := range values {
			out = append(out, EnumLabel{Enum: enum, Value: v, Label: ledger.Label(v)})
		}
	}
	add("ServiceArea", strs(ledger.ServiceAreas)...)
	add("Stage", strs(ledger.Stages)...)
	add("Outcome", string(ledger.Rejected), string(ledger.Terminated), string(ledger.Completed))
	add("ProjectScope", strs(ledger.ProjectScopes)...)
	add("ReviewKind", strs(ledger.ReviewKinds)...)
	add("OrganizationKind", strs(ledger.OrgKinds)...)
	add("TrancheKind", strs(ledger.TrancheKinds)...)
	add("MetricKind", strs(ledger.MetricKinds)...)
	add("Provenance", string(ledger.SelfReported), string(ledger.Verified))
	add("AnnouncementKind", strs(ledger.AnnouncementKinds)...)
	add("ReportKind", strs(ledger.ReportKinds)...)
	add("AuditResult", string(ledger.AuditClean), string(ledger.AuditFindings))
	for _, k := range []ledger.DocKind{ledger.DocReport, ledger.DocAnnouncement, ledger.DocProject, ledger.DocOrganization, ledger.DocCaseStudy, ledger.DocComment} {
		out = append(out, EnumLabel{Enum: "SearchKind", Value: string(k), Label: KindLabel(k)})
	}
	return out
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
