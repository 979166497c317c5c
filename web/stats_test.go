package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"civicledger/store/storetest"
)

// homeStatsQuery asks the API for every figure the home page shows.
const homeStatsQuery = `{
  total: stats { total { projects awarded leveraged leverageRatio beneficiaries volunteers experts } }
  year: stats(groupBy: [YEAR]) { groups { key { year } projects awarded leveraged leverageRatio beneficiaries volunteers experts } }
  area: stats(groupBy: [SERVICE_AREA]) { groups { key { serviceArea serviceAreaLabel } projects awarded satisfaction } }
  district: stats(groupBy: [DISTRICT]) { groups { key { district } projects awarded } }
}`

// chartGroups says which grouping of the answer each chart shows, and the
// key field naming its rows.
var chartGroups = map[string][2]string{
	"funding-by-year":       {"year", "year"},
	"beneficiaries-by-year": {"year", "year"},
	"service-areas":         {"area", "serviceArea"},
	"satisfaction":          {"area", "serviceArea"},
	"districts":             {"district", "district"},
}

// TestHomeFiguresEqualStats compares every headline figure and every
// chart value on the home page with the GraphQL stats answer for the same
// data, on SQLite and PostgreSQL: each value in the page's markup (the
// exact figure of each <data> element) must be the API's, every group the
// API gives must be in the chart's table and drawn in its SVG.
func TestHomeFiguresEqualStats(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			s := demoSite(t, d)
			var ans map[string]struct {
				Total  map[string]any
				Groups []map[string]any
			}
			postGQL(t, s, homeStatsQuery, &ans)
			doc, _, _ := s.page(t, "/", http.StatusOK)

			// Headline figures.
			heads := find(doc, func(n *html.Node) bool { return n.Data == "dd" && attr(n, "data-field") != "" })
			if len(heads) != 7 {
				t.Fatalf("%d headline figures, want 7", len(heads))
			}
			for _, dd := range heads {
				field := attr(dd, "data-field")
				got := dataValue(dd)
				want := scalar(ans["total"].Total[field])
				if got != want {
					t.Errorf("headline %s: page %q, API %q", field, got, want)
				}
			}

			// Charts: every cell of every chart's table.
			cells := 0
			for chart, g := range chartGroups {
				tables := find(doc, tag("table", "data-chart", chart))
				if len(tables) != 1 {
					t.Errorf("chart %s: %d tables", chart, len(tables))
					continue
				}
				groups := ans[g[0]].Groups
				byKey := map[string]map[string]any{}
				for _, row := range groups {
					byKey[scalar(row["key"].(map[string]any)[g[1]])] = row
				}
				rows := find(tables[0], tag("tr"))
				if len(rows)-1 != len(groups) {
					t.Errorf("chart %s: %d rows, the API has %d groups", chart, len(rows)-1, len(groups))
				}
				seen := map[string]bool{}
				for _, td := range find(tables[0], tag("td")) {
					key, field := attr(td, "data-key"), attr(td, "data-field")
					row, ok := byKey[key]
					if !ok {
						t.Errorf("chart %s: row %q is not a group of the API", chart, key)
						continue
					}
					seen[key] = true
					got, want := dataValue(td), scalar(row[field])
					if field == "satisfaction" {
						got, want = floatText(got), floatText(want)
					}
					if got != want {
						t.Errorf("chart %s %s %s: page %q, API %q", chart, key, field, got, want)
					}
					cells++
				}
				if len(seen) != len(groups) {
					t.Errorf("chart %s shows %d of the API's %d groups", chart, len(seen), len(groups))
				}
				// The drawing names every category.
				svg := s.get(t, "/charts/"+chart+".svg")
				b, _ := io.ReadAll(svg.Body)
				if svg.StatusCode != 200 || !bytes.HasPrefix(bytes.TrimSpace(b), []byte("<svg")) {
					t.Errorf("chart %s: SVG %d", chart, svg.StatusCode)
					continue
				}
				for _, th := range find(tables[0], func(n *html.Node) bool { return n.Data == "th" && attr(n, "scope") == "row" }) {
					if !bytes.Contains(b, []byte(">"+html.EscapeString(text(th))+"<")) {
						t.Errorf("chart %s: the SVG does not name %q", chart, text(th))
					}
				}
			}
			if cells < 60 {
				t.Errorf("only %d chart values compared", cells)
			}
		})
	}
}

// dataValue is the exact figure of the <data> element inside n, or "" for
// a figure the page shows as absent (—).
func dataValue(n *html.Node) string {
	ds := find(n, tag("data"))
	if len(ds) != 1 {
		return ""
	}
	return attr(ds[0], "value")
}

// scalar is a JSON value of the API as the page's markup writes it.
func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}

func floatText(s string) string {
	if s == "" {
		return ""
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return "bad:" + s
	}
	return strconv.FormatFloat(f, 'f', 4, 64)
}

// postGQL runs a query on the site's /graphql handler, numbers kept exact.
func postGQL(t testing.TB, s *site, query string, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	dec := json.NewDecoder(strings.NewReader(rec.Body.String()))
	dec.UseNumber()
	var r struct {
		Data   json.RawMessage
		Errors []any
	}
	if err := dec.Decode(&r); err != nil || len(r.Errors) > 0 {
		t.Fatalf("graphql %d: %s", rec.Code, rec.Body.String())
	}
	dec = json.NewDecoder(bytes.NewReader(r.Data))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		t.Fatal(err)
	}
}
