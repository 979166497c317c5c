// Package scalars binds the domain's enumerations and scalars (package
// ledger) to GraphQL, so the domain carries no GraphQL code: gqlgen.yml
// names each type's Marshal… and Unmarshal… functions here (gqlgen's
// external marshalers). A value they refuse is an EINVALID *ledger.Error
// without a field: the API's error presenter names the argument it was
// given in (ledger.InField).
package scalars

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"civicledger/ledger"
)

// The marshalers are values of these types rather than closures: each
// costs what the domain type's own method did (boxing the value), and
// each is written only when the answer is.

// quoted is an enum value, written as a JSON string.
type quoted string

func (q quoted) MarshalGQL(w io.Writer) { _, _ = w.Write(q.AppendGQL(make([]byte, 0, len(q)+2))) }

// AppendGQL appends what MarshalGQL writes (the lean writer's way, with
// no allocation of its own).
func (q quoted) AppendGQL(b []byte) []byte { return strconv.AppendQuote(b, string(q)) }

// yuan is an amount, written as a JSON string of yuan.
type yuan ledger.Money

// MarshalGQL writes what quoted(ledger.Money(m).String()) would, in one
// allocation instead of five (a page of projects writes hundreds).
func (m yuan) MarshalGQL(w io.Writer) { _, _ = w.Write(m.AppendGQL(make([]byte, 0, 26))) }

// AppendGQL appends what MarshalGQL writes.
func (m yuan) AppendGQL(b []byte) []byte {
	u := uint64(m)
	b = append(b, '"')
	if m < 0 {
		u = -u
		b = append(b, '-')
	}
	b = strconv.AppendUint(b, u/100, 10)
	c := u % 100
	return append(b, '.', byte('0'+c/10), byte('0'+c%10), '"')
}

// date is a date, written as "YYYY-MM-DD" or null when it is empty.
type date ledger.Date

func (d date) MarshalGQL(w io.Writer) { _, _ = w.Write(d.AppendGQL(make([]byte, 0, 12))) }

// AppendGQL appends what MarshalGQL writes.
func (d date) AppendGQL(b []byte) []byte {
	if d == "" {
		return append(b, "null"...)
	}
	return quoted(d).AppendGQL(b)
}

// enum reads an enumeration value named name, refusing one valid does not
// accept.
func enum[T ~string](v any, valid func(T) bool, name string) (T, error) {
	s, ok := v.(string)
	if !ok || !valid(T(s)) {
		return "", ledger.Invalid("", "%s is not a valid %s", ledger.Excerpt(fmt.Sprint(v)), name)
	}
	return T(s), nil
}

// nonEmpty accepts any value but "" (gqlgen has checked it against the schema).
func nonEmpty[T ~string](v T) bool { return v != "" }

// MarshalMoney writes m as a JSON string of yuan ("1234.56").
func MarshalMoney(m ledger.Money) graphql.Marshaler { return yuan(m) }

// UnmarshalMoney reads Money from a string of yuan ("1234.56") or an
// integer of yuan, given inline (int64) or in the variables (json.Number).
func UnmarshalMoney(v any) (ledger.Money, error) {
	switch x := v.(type) {
	case string:
		return ledger.ParseMoney(x)
	case json.Number:
		return ledger.ParseMoney(x.String())
	case int:
		return ledger.WholeYuan(int64(x))
	case int64:
		return ledger.WholeYuan(x)
	}
	return 0, ledger.Invalid("", "money must be a decimal string of yuan such as \"1234.56\"")
}

// MarshalDate writes the date as "YYYY-MM-DD", or null when it is empty.
func MarshalDate(d ledger.Date) graphql.Marshaler { return date(d) }

// UnmarshalDate reads and checks a "YYYY-MM-DD" date.
func UnmarshalDate(v any) (ledger.Date, error) {
	s, ok := v.(string)
	if !ok {
		return "", ledger.Invalid("", "a Date must be a string YYYY-MM-DD")
	}
	return ledger.ParseDate(s)
}

// The enumerations: each value travels as its English name.

// MarshalServiceArea writes the enum value.
func MarshalServiceArea(v ledger.ServiceArea) graphql.Marshaler { return quoted(string(v)) }

// UnmarshalServiceArea reads and checks an enum value.
func UnmarshalServiceArea(v any) (ledger.ServiceArea, error) {
	return enum(v, ledger.ServiceArea.Valid, "ServiceArea")
}

// MarshalStage writes the enum value.
func MarshalStage(v ledger.Stage) graphql.Marshaler { return quoted(string(v)) }

// UnmarshalStage reads and checks an enum value.
func UnmarshalStage(v any) (ledger.Stage, error) { return enum(v, ledger.Stage.Valid, "Stage") }

// MarshalReviewKind writes the enum value.
func MarshalReviewKind(v ledger.ReviewKind) graphql.Marshaler { return quoted(string(v)) }

// UnmarshalReviewKind reads and checks an enum value.
func UnmarshalReviewKind(v any) (ledger.ReviewKind, error) {
	return enum(v, ledger.ReviewKind.Valid, "ReviewKind")
}

// MarshalOrgKind writes the enum value.
func MarshalOrgKind(v ledger.OrgKind) graphql.Marshaler { return quoted(string(v)) }

// UnmarshalOrgKind reads and checks an enum value.
func UnmarshalOrgKind(v any) (ledger.OrgKind, error) { return enum(v, ledger.OrgKind.Valid, "OrgKind") }

// MarshalTrancheKind writes the enum value.
func MarshalTrancheKind(v ledger.TrancheKind) graphql.Marshaler { return quoted(string(v)) }

// UnmarshalTrancheKind reads and checks an enum value.
func UnmarshalTrancheKind(v any) (ledger.TrancheKind, error) {
	return enum(v, ledger.TrancheKind.Valid, "TrancheKind")
}

// MarshalMetricKind writes the enum value.
func MarshalMetricKind(v ledger.MetricKind) graphql.Marshaler { return quoted(string(v)) }

// UnmarshalMetricKind reads and checks an enum value.
func UnmarshalMetricKind(v any) (ledger.MetricKind, error) {
	return enum(v, ledger.MetricKind.Valid, "MetricKind")
}

// MarshalProvenance writes the enum value.
func MarshalProvenance(v ledger.Provenance) graphql.Marshaler { return quoted(string(v)) }

// UnmarshalProvenance reads and checks an enum value.
func UnmarshalProvenance(v any) (ledger.Provenance, error) {
	return enum(v, ledger.Provenance.Valid, "Provenance")
}

// MarshalAnnouncementKind writes the enum value.
func MarshalAnnouncementKind(v ledger.AnnouncementKind) graphql.Marshaler { return quoted(string(v)) }

// UnmarshalAnnouncementKind reads and checks an enum value.
func UnmarshalAnnouncementKind(v any) (ledger.AnnouncementKind, error) {
	return enum(v, ledger.AnnouncementKind.Valid, "AnnouncementKind")
}

// MarshalReportKind writes the enum value.
func MarshalReportKind(v ledger.ReportKind) graphql.Marshaler { return quoted(string(v)) }

// UnmarshalReportKind reads and checks an enum value.
func UnmarshalReportKind(v any) (ledger.ReportKind, error) {
	return enum(v, ledger.ReportKind.Valid, "ReportKind")
}

// MarshalAuditResult writes the enum value.
func MarshalAuditResult(v ledger.AuditResult) graphql.Marshaler { return quoted(string(v)) }

// UnmarshalAuditResult reads and checks an enum value.
func UnmarshalAuditResult(v any) (ledger.AuditResult, error) {
	return enum(v, ledger.AuditResult.Valid, "AuditResult")
}

// MarshalRole writes the enum value.
func MarshalRole(v ledger.Role) graphql.Marshaler { return quoted(string(v)) }

// UnmarshalRole reads and checks an enum value.
func UnmarshalRole(v any) (ledger.Role, error) { return enum(v, ledger.Role.Valid, "Role") }

// MarshalDocKind writes the enum value.
func MarshalDocKind(v ledger.DocKind) graphql.Marshaler { return quoted(string(v)) }

// UnmarshalDocKind reads and checks an enum value.
func UnmarshalDocKind(v any) (ledger.DocKind, error) {
	return enum(v, nonEmpty[ledger.DocKind], "DocKind")
}

// MarshalProjectOrderField writes the enum value.
func MarshalProjectOrderField(v ledger.ProjectOrderField) graphql.Marshaler { return quoted(string(v)) }

// UnmarshalProjectOrderField reads and checks an enum value.
func UnmarshalProjectOrderField(v any) (ledger.ProjectOrderField, error) {
	return enum(v, nonEmpty[ledger.ProjectOrderField], "ProjectOrderField")
}

// MarshalStatsGroup writes the enum value.
func MarshalStatsGroup(v ledger.StatsGroup) graphql.Marshaler { return quoted(string(v)) }

// UnmarshalStatsGroup reads and checks an enum value.
func UnmarshalStatsGroup(v any) (ledger.StatsGroup, error) {
	return enum(v, nonEmpty[ledger.StatsGroup], "StatsGroup")
}

// MarshalOutcome writes the enum value.
func MarshalOutcome(v ledger.Outcome) graphql.Marshaler { return quoted(string(v)) }

// UnmarshalOutcome reads and checks an enum value.
func UnmarshalOutcome(v any) (ledger.Outcome, error) {
	return enum(v, func(o ledger.Outcome) bool { return o != "" && o.Valid() }, "Outcome")
}
