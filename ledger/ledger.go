// Package ledger is the domain of Civic Ledger: the records a welfare-lottery
// fund's purchase-of-services programme discloses, the rules they obey and
// the services that read and write them. It imports no SQL, HTTP or GraphQL;
// store/ implements its services and the transports call them.
package ledger

import (
	"strings"
	"time"
)

// Shanghai is the time zone of the programme; pages show times in it.
var Shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// Date is a calendar date "YYYY-MM-DD" in Asia/Shanghai. Dates are stored as
// this text in both databases, so they compare and sort as strings.
type Date string

// ParseDate checks that s is a valid "YYYY-MM-DD" date (a real day of the
// Gregorian calendar, four-digit year); it refuses anything else with an
// EINVALID error without a field (the caller names it, see InField).
func ParseDate(s string) (Date, error) {
	if _, err := time.Parse(time.DateOnly, s); err != nil || len(s) != len(time.DateOnly) {
		return "", Invalid("", "date %s is not a valid YYYY-MM-DD date", Excerpt(s))
	}
	return Date(s), nil
}

// DateOf returns the Shanghai calendar date of t.
func DateOf(t time.Time) Date { return Date(t.In(Shanghai).Format(time.DateOnly)) }

// Time returns the start of the date in Shanghai.
func (d Date) Time() time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, string(d), Shanghai)
	return t
}

// Year returns the year of the date, or 0 for the empty date.
func (d Date) Year() int {
	if len(d) < 4 {
		return 0
	}
	return d.Time().Year()
}

// Valid reports whether d is a well-formed date.
func (d Date) Valid() bool { _, err := ParseDate(string(d)); return err == nil }

// FormatTime formats t as RFC 3339 in Shanghai time, the stored and
// transmitted form of every timestamp; fixed offset keeps them sortable.
func FormatTime(t time.Time) string { return t.In(Shanghai).Format(time.RFC3339) }

// Attribution says who made a write, in which role and why. Every write to
// the ledger carries one; corrections must give a Reason.
type Attribution struct {
	Actor  string // a user or system name, e.g. "demo-loader" or a user login
	Role   Role
	Reason string // required for corrections, optional for first publication
}

// Validate checks that the attribution names an actor and a known role.
func (a Attribution) Validate() error {
	if a.Actor == "" {
		return Invalid("attribution.actor", "every write must name who made it")
	}
	if !a.Role.Valid() {
		return Invalid("attribution.role", "role %q is not one of the known roles", a.Role)
	}
	return nil
}

// ValidateCorrection checks the attribution of a correction: a valid
// attribution that states the correction's reason, which the public sees
// in the record's history.
func (a Attribution) ValidateCorrection() error {
	if err := a.Validate(); err != nil {
		return err
	}
	if strings.TrimSpace(a.Reason) == "" {
		return Invalid("attribution.reason", "a correction must state its reason")
	}
	return nil
}

// ForStageChange returns the attribution of the new project version a
// stage event makes: a, with the stage and outcome reached as its reason
// when a gives none ("stage change: 项目执行 / 终止").
func (a Attribution) ForStageChange(e *StageEvent) Attribution {
	if a.Reason == "" {
		a.Reason = "stage change: " + Label(e.Stage)
		if e.Outcome != Ongoing {
			a.Reason += " / " + Label(e.Outcome)
		}
	}
	return a
}

// Entity names a kind of published record where the ledger stores records
// of several kinds side by side: in their history (revisions) and in the
// search outbox, whose rows hold these names.
type Entity string

// The kinds of published records.
const (
	EntityRound          Entity = "round"
	EntityOrganization   Entity = "organization"
	EntityProject        Entity = "project"
	EntityStageEvent     Entity = "stage_event"
	EntityIndicatorSet   Entity = "indicator_set"
	EntityScorecard      Entity = "scorecard"
	EntityTranche        Entity = "tranche"
	EntityAudit          Entity = "audit"
	EntityMetric         Entity = "metric"
	EntityAnnouncement   Entity = "announcement"
	EntityReport         Entity = "report"
	EntityCaseCollection Entity = "case_collection"
	EntityCaseStudy      Entity = "case_study"
	EntityComment        Entity = "comment" // an approved feedback comment (searchable, masked)
)

// Revision is one version of a published record as the public can see it in
// its history: the whole record as it was, who wrote it and why.
type Revision struct {
	Entity     Entity    // the record's kind
	EntityID   int64     `db:"entity_id"`
	Version    int       // 1 for first publication, +1 per correction
	Snapshot   string    // the record as JSON
	Actor      string    //
	Role       Role      //
	Reason     string    //
	RecordedAt time.Time `db:"recorded_at"`
}
