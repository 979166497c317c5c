package opendata

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"civicledger/ledger"
	"civicledger/portal"
)

// The query string of a download carries the same filter as the GraphQL
// list: each field of the list's filter input is a parameter of the same
// name, a list field also under its singular name (year or years,
// serviceArea or serviceAreas), its values repeated or comma-separated:
//
//	/download/projects.csv?district=海曙区&year=2015&serviceArea=ELDERLY_SUPPORT
//
// columns= chooses the columns (comma-separated keys, in order) and lang=
// the header language (zh, the default, or en). A parameter the download
// does not know is refused, so a misspelt filter never silently widens it.

// param binds one query-string parameter to one field of a filter.
type param struct {
	name, alias string
	set         func(field string, vals []string) error // parses and stores the values
	get         func() []string                         // the values as they stand, nil when unset
}

func values(vals []string) []string {
	var out []string
	for _, v := range vals {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func strList(name, alias string, dst *[]string) param {
	return param{name, alias,
		func(_ string, vals []string) error { *dst = values(vals); return nil },
		func() []string { return *dst }}
}

func intList(name, alias string, dst *[]int) param {
	return param{name, alias, func(field string, vals []string) error {
		*dst = nil
		for _, v := range values(vals) {
			n, err := strconv.Atoi(v)
			if err != nil {
				return ledger.Invalid(field, "%s is not a whole number", ledger.Excerpt(v))
			}
			*dst = append(*dst, n)
		}
		return nil
	}, func() []string {
		var out []string
		for _, n := range *dst {
			out = append(out, strconv.Itoa(n))
		}
		return out
	}}
}

func enumList[T ~string](name, alias string, dst *[]T, all []T) param {
	return param{name, alias, func(field string, vals []string) error {
		*dst = nil
		for _, v := range values(vals) {
			if !slices.Contains(all, T(v)) {
				return ledger.Invalid(field, "%s is not one of %s", ledger.Excerpt(v), joinEnum(all))
			}
			*dst = append(*dst, T(v))
		}
		return nil
	}, func() []string {
		var out []string
		for _, v := range *dst {
			out = append(out, string(v))
		}
		return out
	}}
}

func joinEnum[T ~string](all []T) string {
	s := make([]string, len(all))
	for i, v := range all {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

func one(field string, vals []string) (string, error) {
	vs := values(vals)
	if len(vs) != 1 {
		return "", ledger.Invalid(field, "takes one value, got %d", len(vs))
	}
	return vs[0], nil
}

func optString(name string, dst **string) param {
	return param{name, "", func(field string, vals []string) error {
		v, err := one(field, vals)
		*dst = &v
		return err
	}, func() []string {
		if *dst == nil {
			return nil
		}
		return []string{**dst}
	}}
}

func optMoney(name string, dst **ledger.Money) param {
	return param{name, "", func(field string, vals []string) error {
		v, err := one(field, vals)
		if err != nil {
			return err
		}
		m, err := ledger.ParseMoney(v)
		if err != nil {
			return ledger.Invalid(field, "%s is not an amount of yuan such as 1234.56", ledger.Excerpt(v))
		}
		*dst = &m
		return nil
	}, func() []string {
		if *dst == nil {
			return nil
		}
		return []string{(*dst).String()}
	}}
}

func optDateParam(name string, dst **ledger.Date) param {
	return param{name, "", func(field string, vals []string) error {
		v, err := one(field, vals)
		if err != nil {
			return err
		}
		d, err := ledger.ParseDate(v)
		if err != nil {
			return ledger.Invalid(field, "%s is not a YYYY-MM-DD date", ledger.Excerpt(v))
		}
		*dst = &d
		return nil
	}, func() []string {
		if *dst == nil {
			return nil
		}
		return []string{string(**dst)}
	}}
}

func optBool(name string, dst **bool) param {
	return param{name, "", func(field string, vals []string) error {
		v, err := one(field, vals)
		if err != nil {
			return err
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return ledger.Invalid(field, "%s is not true or false", ledger.Excerpt(v))
		}
		*dst = &b
		return nil
	}, func() []string {
		if *dst == nil {
			return nil
		}
		return []string{strconv.FormatBool(**dst)}
	}}
}

func optScope(dst **ledger.ProjectScope) param {
	return param{"scope", "", func(field string, vals []string) error {
		v, err := one(field, vals)
		if err != nil {
			return err
		}
		s := ledger.ProjectScope(v)
		if !slices.Contains(ledger.ProjectScopes, s) {
			return ledger.Invalid(field, "%s is not one of %s", ledger.Excerpt(v), joinEnum(ledger.ProjectScopes))
		}
		*dst = &s
		return nil
	}, func() []string {
		if *dst == nil || (*dst).Effective() == ledger.ScopeFunded {
			return nil
		}
		return []string{string(**dst)}
	}}
}

// projectParams binds the project list's filter (GraphQL ProjectFilter).
func projectParams(q *portal.ProjectQuery) []param {
	return []param{
		optScope(&q.Scope),
		intList("year", "years", &q.Years),
		enumList("serviceArea", "serviceAreas", &q.ServiceAreas, ledger.ServiceAreas),
		strList("district", "districts", &q.Districts),
		enumList("stage", "stages", &q.Stages, ledger.Stages),
		enumList("outcome", "outcomes", &q.Outcomes, []ledger.Outcome{ledger.Rejected, ledger.Terminated, ledger.Completed}),
		strList("undertaker", "undertakers", &q.Undertakers),
		strList("evaluator", "evaluators", &q.Evaluators),
		strList("auditor", "auditors", &q.Auditors),
		strList("organization", "organizations", &q.Organizations),
		optMoney("awardedMin", &q.AwardedMin),
		optMoney("awardedMax", &q.AwardedMax),
		optDateParam("approvedFrom", &q.ApprovedFrom),
		optDateParam("approvedTo", &q.ApprovedTo),
		optBool("hasAuditFindings", &q.HasAuditFindings),
		optBool("terminated", &q.Terminated),
		strList("code", "codes", &q.Codes),
	}
}

// announcementParams binds the announcement list's filter.
func announcementParams(q *portal.AnnouncementQuery) []param {
	return []param{
		enumList("kind", "kinds", &q.Kinds, ledger.AnnouncementKinds),
		intList("year", "years", &q.Years),
		optDateParam("publishedFrom", &q.PublishedFrom),
		optDateParam("publishedTo", &q.PublishedTo),
		optBool("noticeOpen", &q.NoticeOpen),
	}
}

// reportParams binds the report list's filter.
func reportParams(q *portal.ReportQuery) []param {
	return []param{
		enumList("kind", "kinds", &q.Kinds, ledger.ReportKinds),
		optString("project", &q.Project),
		optString("organization", &q.Organization),
		intList("year", "years", &q.Years),
		optDateParam("publishedFrom", &q.PublishedFrom),
		optDateParam("publishedTo", &q.PublishedTo),
	}
}

// organizationParams binds the organization list's argument.
func organizationParams(kinds *[]ledger.OrgKind) []param {
	return []param{enumList("kind", "kinds", kinds, ledger.OrgKinds)}
}

// reserved are the parameters every download takes besides its filter.
var reserved = []string{"columns", "lang"}

// bind reads the parameters of a query string into ps; an unknown
// parameter is refused.
func bind(v url.Values, ps []param) error {
	for name, vals := range v {
		if slices.Contains(reserved, name) {
			continue
		}
		i := slices.IndexFunc(ps, func(p param) bool { return p.name == name || (p.alias != "" && p.alias == name) })
		if i < 0 {
			known := make([]string, len(ps))
			for j, p := range ps {
				known[j] = p.name
			}
			field := name
			if len(field) > 40 || strings.ContainsAny(field, "\"\n") {
				field = "parameter"
			}
			return ledger.Invalid(field, "is not a filter of this download; its filters are %s, and columns, lang", strings.Join(known, ", "))
		}
		if err := ps[i].set(name, vals); err != nil {
			return err
		}
	}
	return nil
}

// encode writes the parameters that are set, under their names.
func encode(v url.Values, ps []param) {
	for _, p := range ps {
		if vals := p.get(); len(vals) > 0 {
			v[p.name] = vals
		}
	}
}

// ParseRequest reads a download's filter of table t from a query string.
func ParseRequest(t *Table, v url.Values) (*Request, error) {
	r := &Request{Table: t}
	var ps []param
	switch t.Filter {
	case "project":
		r.Project = &portal.ProjectQuery{}
		ps = projectParams(r.Project)
	case "organization":
		ps = organizationParams(&r.OrgKinds)
	case "announcement":
		r.Announcement = &portal.AnnouncementQuery{}
		ps = announcementParams(r.Announcement)
	case "report":
		r.Report = &portal.ReportQuery{}
		ps = reportParams(r.Report)
	}
	return r, bind(v, ps)
}

// DownloadPath returns the stable, citable path of a download (from the
// portal's root) of table in format f with filter q (a *portal.ProjectQuery,
// *portal.AnnouncementQuery, *portal.ReportQuery or []ledger.OrgKind), a
// header language ("" for the default) and chosen columns (nil for all):
// the parameters that are set, in the order url.Values sorts them.
func DownloadPath(table string, f Format, q any, lang Lang, columns []string) string {
	v := url.Values{}
	if lang != "" && lang != Chinese {
		v.Set("lang", string(lang))
	}
	if len(columns) > 0 {
		v.Set("columns", strings.Join(columns, ","))
	}
	switch q := q.(type) {
	case *portal.ProjectQuery:
		if q != nil {
			encode(v, projectParams(q))
		}
	case *portal.AnnouncementQuery:
		if q != nil {
			encode(v, announcementParams(q))
		}
	case *portal.ReportQuery:
		if q != nil {
			encode(v, reportParams(q))
		}
	case []ledger.OrgKind:
		encode(v, organizationParams(&q))
	}
	p := "/download/" + table + "." + string(f)
	if len(v) > 0 {
		p += "?" + v.Encode()
	}
	return p
}
