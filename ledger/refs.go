package ledger

// Which organizations a record may name in which role. The store looks each
// reference up inside the write's transaction and asks CheckOrgRef.

// OrgRef is a record's reference to an organization, with the kind of
// organization the role needs ("" when any kind may fill it).
type OrgRef struct {
	Field string  // the referring input, e.g. "project.evaluator"
	ID    int64   // the organization's ID
	Kind  OrgKind // the kind the role needs, or "" for any
}

// CheckOrgRef refuses an organization of kind have in a role that needs
// another kind.
func CheckOrgRef(ref OrgRef, have OrgKind) error {
	if ref.Kind != "" && have != ref.Kind {
		return Invalid(ref.Field, "organization %d is a %s, not a %s", ref.ID, Label(have), Label(ref.Kind))
	}
	return nil
}

// orgRef appends the reference of an optional role to refs.
func orgRef(refs []OrgRef, field string, id *int64, kind OrgKind) []OrgRef {
	if id == nil {
		return refs
	}
	return append(refs, OrgRef{Field: field, ID: *id, Kind: kind})
}

// OrgRefs lists a project's organizations: its undertaker (a social
// organization, always named), its third-party evaluator and its
// third-party auditor.
func (p *Project) OrgRefs() []OrgRef {
	refs := []OrgRef{{Field: "project.undertaker", ID: p.UndertakerID, Kind: Undertaker}}
	refs = orgRef(refs, "project.evaluator", p.EvaluatorID, Evaluator)
	return orgRef(refs, "project.auditor", p.AuditorID, Auditor)
}

// OrgRefs lists the audit's auditor, a third-party audit agency.
func (a *Audit) OrgRefs() []OrgRef { return orgRef(nil, "audit.auditor", a.AuditorID, Auditor) }

// OrgRefs lists the scorecard's reviewing organization, of any kind.
func (s *Scorecard) OrgRefs() []OrgRef { return orgRef(nil, "scorecard.reviewer", s.ReviewerID, "") }

// OrgRefs lists the announcement's publisher, of any kind.
func (a *Announcement) OrgRefs() []OrgRef {
	return orgRef(nil, "announcement.publisher", a.PublisherID, "")
}

// OrgRefs lists the report's author, of any kind.
func (r *Report) OrgRefs() []OrgRef { return orgRef(nil, "report.author", r.AuthorID, "") }
