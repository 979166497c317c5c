package portal

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"civicledger/ledger"
)

// A saved search travels in a URL's query string: the feed of a search,
// the alert on it, and a link to it all carry the same parameters, named
// as the GraphQL SearchFilter's fields. A list is given by repeating the
// parameter or with commas (kinds=REPORT,ANNOUNCEMENT).
//
//	q             the search text
//	kinds         REPORT, ANNOUNCEMENT, PROJECT, ORGANIZATION, CASE_STUDY
//	subKinds      report, announcement or organization kinds
//	serviceAreas  ELDERLY_SUPPORT, …
//	years         2015, …
//	districts     district names
//	organizations organization names or credit codes
//	stages        SOLICITATION, …

// searchParams are the parameters of a saved search, in canonical order.
var searchParams = []string{"q", "kinds", "subKinds", "serviceAreas", "years", "districts", "organizations", "stages"}

// searchKinds lists the kinds of searchable records.
var searchKinds = []ledger.DocKind{ledger.DocReport, ledger.DocAnnouncement, ledger.DocProject, ledger.DocOrganization, ledger.DocCaseStudy}

// maxSearchValues bounds the values of one parameter.
const maxSearchValues = 50

// ParseSearchParams reads a saved search from a query string: its text and
// filter. A parameter it does not know, an unknown enum value or a year that
// is not a number is refused naming the parameter.
func ParseSearchParams(v url.Values) (text string, q *SearchQuery, err error) {
	for name := range v {
		if !slices.Contains(searchParams, name) {
			return "", nil, ledger.Invalid(name, "unknown search parameter %s (use %s)", ledger.Excerpt(name), strings.Join(searchParams, ", "))
		}
	}
	list := func(name string) ([]string, error) {
		var out []string
		for _, raw := range v[name] {
			for _, s := range strings.Split(raw, ",") {
				if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
		if len(out) > maxSearchValues {
			return nil, ledger.Invalid(name, "at most %d values", maxSearchValues)
		}
		return out, nil
	}
	q = &SearchQuery{}
	text = strings.TrimSpace(strings.Join(v["q"], " "))
	if len([]rune(text)) > 200 {
		return "", nil, ledger.Invalid("q", "the search text is longer than 200 characters")
	}
	var vals []string
	if vals, err = list("kinds"); err != nil {
		return "", nil, err
	}
	for _, s := range vals {
		k := ledger.DocKind(s)
		if !slices.Contains(searchKinds, k) {
			return "", nil, ledger.Invalid("kinds", "unknown kind %s", ledger.Excerpt(s))
		}
		q.Kinds = append(q.Kinds, k)
	}
	if q.SubKinds, err = list("subKinds"); err != nil {
		return "", nil, err
	}
	if vals, err = list("serviceAreas"); err != nil {
		return "", nil, err
	}
	for _, s := range vals {
		a := ledger.ServiceArea(s)
		if !a.Valid() {
			return "", nil, ledger.Invalid("serviceAreas", "unknown service area %s", ledger.Excerpt(s))
		}
		q.ServiceAreas = append(q.ServiceAreas, a)
	}
	if vals, err = list("years"); err != nil {
		return "", nil, err
	}
	for _, s := range vals {
		y, err := strconv.Atoi(s)
		if err != nil || y < 1900 || y > 2200 {
			return "", nil, ledger.Invalid("years", "year %s is not a year", ledger.Excerpt(s))
		}
		q.Years = append(q.Years, y)
	}
	if q.Districts, err = list("districts"); err != nil {
		return "", nil, err
	}
	if q.Organizations, err = list("organizations"); err != nil {
		return "", nil, err
	}
	if vals, err = list("stages"); err != nil {
		return "", nil, err
	}
	for _, s := range vals {
		st := ledger.Stage(s)
		if !st.Valid() {
			return "", nil, ledger.Invalid("stages", "unknown stage %s", ledger.Excerpt(s))
		}
		q.Stages = append(q.Stages, st)
	}
	return text, q, nil
}

// SearchParams is the canonical query string of a saved search: parameters
// in a fixed order, each list sorted and comma-joined, so the same search
// always has the same URL (a feed's identity, an alert's target).
func SearchParams(text string, q *SearchQuery) string {
	if q == nil {
		q = &SearchQuery{}
	}
	var b strings.Builder
	add := func(name string, vals []string) {
		if len(vals) == 0 {
			return
		}
		vals = slices.Clone(vals)
		slices.Sort(vals)
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(name + "=" + url.QueryEscape(strings.Join(vals, ",")))
	}
	if text != "" {
		add("q", []string{text})
	}
	add("kinds", strsOf(q.Kinds))
	add("subKinds", q.SubKinds)
	add("serviceAreas", strsOf(q.ServiceAreas))
	years := make([]string, len(q.Years))
	for i, y := range q.Years {
		years[i] = strconv.Itoa(y)
	}
	add("years", years)
	add("districts", q.Districts)
	add("organizations", q.Organizations)
	add("stages", strsOf(q.Stages))
	return b.String()
}

func strsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
