package resolvers_test

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestBadScalarInput: a money or date value that does not parse, inline or
// in a variable, is the caller's mistake: BAD_USER_INPUT naming the
// argument, never an internal error.
func TestBadScalarInput(t *testing.T) {
	eachDialect(t, func(t *testing.T, c *client) {
		for _, tc := range []struct {
			name, query string
			vars        map[string]any
			field       string
		}{
			{"money inline", `{ projects(filter: {awardedMin: "abc"}) { totalCount } }`, nil, "filter.awardedMin"},
			{"money with three decimals", `{ stats(filter: {awardedMax: "1.234"}) { total { projects } } }`, nil, "filter.awardedMax"},
			{"money as a float", `{ projects(filter: {awardedMin: 12.5}) { totalCount } }`, nil, "filter.awardedMin"},
			{"money too large", `{ projects(filter: {awardedMin: "92233720368547758.08"}) { totalCount } }`, nil, "filter.awardedMin"},
			{"date inline", `{ projects(filter: {approvedFrom: "2015-13-45"}) { totalCount } }`, nil, "filter.approvedFrom"},
			{"date as a number", `{ projects(filter: {approvedTo: 20150101}) { totalCount } }`, nil, "filter.approvedTo"},
			{"date of a report filter", `{ reports(filter: {publishedFrom: "2015-02-29"}) { totalCount } }`, nil, "filter.publishedFrom"},
			{"aliased field", `{ p: announcements(filter: {publishedTo: "15-01-01"}) { totalCount } }`, nil, "filter.publishedTo"},
			{"money variable", `query($f: ProjectFilter) { projects(filter: $f) { totalCount } }`,
				map[string]any{"f": map[string]any{"awardedMin": "abc"}}, "filter.awardedMin"},
			{"date variable", `query($d: Date) { projects(filter: {approvedFrom: $d}) { totalCount } }`,
				map[string]any{"d": "2015-13-45"}, "filter.approvedFrom"},
		} {
			errs := c.do(tc.query, tc.vars, nil)
			if len(errs) != 1 {
				t.Errorf("%s: %d errors, want 1: %+v", tc.name, len(errs), errs)
				continue
			}
			e := errs[0]
			if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != tc.field ||
				!strings.HasPrefix(e.Message, tc.field+": ") {
				t.Errorf("%s: got %q %v, want BAD_USER_INPUT naming %s", tc.name, e.Message, e.Extensions, tc.field)
			}
		}
		// A valid amount and date are still accepted, inline as a string or
		// an integer of yuan and in variables as a JSON number.
		var out struct{ Projects struct{ TotalCount int } }
		c.must(`{ projects(filter: {awardedMin: "0.01", approvedFrom: "2010-01-01"}) { totalCount } }`, nil, &out)
		all := out.Projects.TotalCount
		c.must(`query($m: Money) { projects(filter: {awardedMin: $m}) { totalCount } }`, map[string]any{"m": 1}, &out)
		if out.Projects.TotalCount != all || all == 0 {
			t.Errorf("awardedMin 1 yuan as a JSON number: %d projects, want %d", out.Projects.TotalCount, all)
		}
	})
}

// TestBadCursor: a cursor the API did not write is refused naming the
// argument, without echoing it (a 400 KB cursor made a 400 KB answer) and
// without reaching the database (an offset at the top of int64 overflowed
// to a negative OFFSET, an internal error on PostgreSQL).
func TestBadCursor(t *testing.T) {
	huge := strings.Repeat("A", 400_000)
	eachDialect(t, func(t *testing.T, c *client) {
		for _, tc := range []struct{ name, arg, cursor string }{
			{"400 KB", "after", huge},
			{"offset overflows", "after", base64.RawURLEncoding.EncodeToString([]byte("o:9223372036854775807"))},
			{"negative", "before", base64.RawURLEncoding.EncodeToString([]byte("o:-1"))},
			{"not canonical", "after", base64.RawURLEncoding.EncodeToString([]byte("o:+5"))},
		} {
			errs := c.do(`query($c: String) { projects(first: 3, `+tc.arg+`: $c) { totalCount } }`, map[string]any{"c": tc.cursor}, nil)
			if len(errs) != 1 || errs[0].Extensions["code"] != "BAD_USER_INPUT" || errs[0].Extensions["field"] != tc.arg ||
				len(errs[0].Message) > 200 {
				t.Errorf("%s: got %d errors, first %.300v", tc.name, len(errs), errs)
			}
		}
		// A cursor the API wrote still pages on.
		var page struct {
			Projects struct {
				Nodes    []struct{ Code string }
				PageInfo struct{ EndCursor string }
			}
		}
		c.must(`{ projects(first: 2) { nodes { code } pageInfo { endCursor } } }`, nil, &page)
		first := append([]struct{ Code string }(nil), page.Projects.Nodes...)
		c.must(`query($c: String) { projects(first: 2, after: $c) { nodes { code } pageInfo { endCursor } } }`,
			map[string]any{"c": page.Projects.PageInfo.EndCursor}, &page)
		if len(first) != 2 || len(page.Projects.Nodes) != 2 || page.Projects.Nodes[0].Code <= first[1].Code {
			t.Errorf("paging on: %v then %v", first, page.Projects.Nodes)
		}
	})
}
