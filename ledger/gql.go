package ledger

import (
	"fmt"
	"io"
	"strconv"
)

// GraphQL marshalling of the enumerations and of Date, so the API binds to
// the domain types directly. They use only the standard library. A value
// they refuse is an EINVALID *Error without a field: the API's error
// presenter names the argument it was given in (InField).

func marshalEnum(w io.Writer, s string) { _, _ = io.WriteString(w, strconv.Quote(s)) }

func unmarshalEnum(v any, valid func(string) bool, name string) (string, error) {
	s, ok := v.(string)
	if !ok || !valid(s) {
		return "", Invalid("", "%s is not a valid %s", Excerpt(fmt.Sprint(v)), name)
	}
	return s, nil
}

// MarshalGQL writes the enum value.
func (v ServiceArea) MarshalGQL(w io.Writer) { marshalEnum(w, string(v)) }

// UnmarshalGQL reads and checks an enum value.
func (v *ServiceArea) UnmarshalGQL(x any) error {
	s, err := unmarshalEnum(x, func(s string) bool { return ServiceArea(s).Valid() }, "ServiceArea")
	*v = ServiceArea(s)
	return err
}

// MarshalGQL writes the enum value.
func (v Stage) MarshalGQL(w io.Writer) { marshalEnum(w, string(v)) }

// UnmarshalGQL reads and checks an enum value.
func (v *Stage) UnmarshalGQL(x any) error {
	s, err := unmarshalEnum(x, func(s string) bool { return Stage(s).Valid() }, "Stage")
	*v = Stage(s)
	return err
}

// MarshalGQL writes the enum value.
func (v ReviewKind) MarshalGQL(w io.Writer) { marshalEnum(w, string(v)) }

// UnmarshalGQL reads and checks an enum value.
func (v *ReviewKind) UnmarshalGQL(x any) error {
	s, err := unmarshalEnum(x, func(s string) bool { return ReviewKind(s).Valid() }, "ReviewKind")
	*v = ReviewKind(s)
	return err
}

// MarshalGQL writes the enum value.
func (v OrgKind) MarshalGQL(w io.Writer) { marshalEnum(w, string(v)) }

// UnmarshalGQL reads and checks an enum value.
func (v *OrgKind) UnmarshalGQL(x any) error {
	s, err := unmarshalEnum(x, func(s string) bool { return OrgKind(s).Valid() }, "OrgKind")
	*v = OrgKind(s)
	return err
}

// MarshalGQL writes the enum value.
func (v TrancheKind) MarshalGQL(w io.Writer) { marshalEnum(w, string(v)) }

// UnmarshalGQL reads and checks an enum value.
func (v *TrancheKind) UnmarshalGQL(x any) error {
	s, err := unmarshalEnum(x, func(s string) bool { return TrancheKind(s).Valid() }, "TrancheKind")
	*v = TrancheKind(s)
	return err
}

// MarshalGQL writes the enum value.
func (v MetricKind) MarshalGQL(w io.Writer) { marshalEnum(w, string(v)) }

// UnmarshalGQL reads and checks an enum value.
func (v *MetricKind) UnmarshalGQL(x any) error {
	s, err := unmarshalEnum(x, func(s string) bool { return MetricKind(s).Valid() }, "MetricKind")
	*v = MetricKind(s)
	return err
}

// MarshalGQL writes the enum value.
func (v Provenance) MarshalGQL(w io.Writer) { marshalEnum(w, string(v)) }

// UnmarshalGQL reads and checks an enum value.
func (v *Provenance) UnmarshalGQL(x any) error {
	s, err := unmarshalEnum(x, func(s string) bool { return Provenance(s).Valid() }, "Provenance")
	*v = Provenance(s)
	return err
}

// MarshalGQL writes the enum value.
func (v AnnouncementKind) MarshalGQL(w io.Writer) { marshalEnum(w, string(v)) }

// UnmarshalGQL reads and checks an enum value.
func (v *AnnouncementKind) UnmarshalGQL(x any) error {
	s, err := unmarshalEnum(x, func(s string) bool { return AnnouncementKind(s).Valid() }, "AnnouncementKind")
	*v = AnnouncementKind(s)
	return err
}

// MarshalGQL writes the enum value.
func (v ReportKind) MarshalGQL(w io.Writer) { marshalEnum(w, string(v)) }

// UnmarshalGQL reads and checks an enum value.
func (v *ReportKind) UnmarshalGQL(x any) error {
	s, err := unmarshalEnum(x, func(s string) bool { return ReportKind(s).Valid() }, "ReportKind")
	*v = ReportKind(s)
	return err
}

// MarshalGQL writes the enum value.
func (v AuditResult) MarshalGQL(w io.Writer) { marshalEnum(w, string(v)) }

// UnmarshalGQL reads and checks an enum value.
func (v *AuditResult) UnmarshalGQL(x any) error {
	s, err := unmarshalEnum(x, func(s string) bool { return AuditResult(s).Valid() }, "AuditResult")
	*v = AuditResult(s)
	return err
}

// MarshalGQL writes the enum value.
func (v Role) MarshalGQL(w io.Writer) { marshalEnum(w, string(v)) }

// UnmarshalGQL reads and checks an enum value.
func (v *Role) UnmarshalGQL(x any) error {
	s, err := unmarshalEnum(x, func(s string) bool { return Role(s).Valid() }, "Role")
	*v = Role(s)
	return err
}

// MarshalGQL writes the enum value.
func (v DocKind) MarshalGQL(w io.Writer) { marshalEnum(w, string(v)) }

// UnmarshalGQL reads and checks an enum value.
func (v *DocKind) UnmarshalGQL(x any) error {
	s, err := unmarshalEnum(x, func(s string) bool { return s != "" }, "DocKind")
	*v = DocKind(s)
	return err
}

// MarshalGQL writes the enum value.
func (v ProjectOrderField) MarshalGQL(w io.Writer) { marshalEnum(w, string(v)) }

// UnmarshalGQL reads and checks an enum value.
func (v *ProjectOrderField) UnmarshalGQL(x any) error {
	s, err := unmarshalEnum(x, func(s string) bool { return s != "" }, "ProjectOrderField")
	*v = ProjectOrderField(s)
	return err
}

// MarshalGQL writes the enum value.
func (v StatsGroup) MarshalGQL(w io.Writer) { marshalEnum(w, string(v)) }

// UnmarshalGQL reads and checks an enum value.
func (v *StatsGroup) UnmarshalGQL(x any) error {
	s, err := unmarshalEnum(x, func(s string) bool { return s != "" }, "StatsGroup")
	*v = StatsGroup(s)
	return err
}

// MarshalGQL writes the date as "YYYY-MM-DD", or null when it is empty.
func (d Date) MarshalGQL(w io.Writer) {
	if d == "" {
		_, _ = io.WriteString(w, "null")
		return
	}
	marshalEnum(w, string(d))
}

// UnmarshalGQL reads and checks a "YYYY-MM-DD" date.
func (d *Date) UnmarshalGQL(x any) error {
	s, ok := x.(string)
	if !ok {
		return Invalid("", "a Date must be a string YYYY-MM-DD")
	}
	v, err := ParseDate(s)
	*d = v
	return err
}

// Node is any record the API can fetch by global ID (Relay's Node).
type Node interface{}

// MarshalGQL writes the outcome value (callers map Ongoing to null).
func (v Outcome) MarshalGQL(w io.Writer) { marshalEnum(w, string(v)) }

// UnmarshalGQL reads and checks an outcome value.
func (v *Outcome) UnmarshalGQL(x any) error {
	s, err := unmarshalEnum(x, func(s string) bool { return s != "" && Outcome(s).Valid() }, "Outcome")
	*v = Outcome(s)
	return err
}

// SearchRecord is any record a search hit can point to.
type SearchRecord interface{}
