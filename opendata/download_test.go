package opendata_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"civicledger/api"
	"civicledger/graph"
	"civicledger/opendata"
	"civicledger/portal"
	"civicledger/resolvers"
	"civicledger/store"
)

// server is the real GraphQL handler and the download handler over one
// database, as server.go routes them.
func server(t *testing.T, db *store.DB, pageSize int) *httptest.Server {
	core := &portal.Portal{Reader: db, Meta: db}
	mux := http.NewServeMux()
	mux.Handle("/graphql", resolvers.WithLoaders(core, api.NewHandler(graph.NewExecutableSchema(resolvers.New(core).Config()), api.Config{RateLimit: -1}, nil)))
	src := source(db)
	src.PageSize = pageSize
	mux.Handle("/download/", &opendata.Handler{Source: src, Changes: db})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func gql(t *testing.T, srv *httptest.Server, query string, vars map[string]any, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, err := http.Post(srv.URL+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []any           `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) > 0 {
		t.Fatalf("graphql errors: %v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", url, resp.StatusCode, b)
	}
	return b
}

// row is what the test compares of one project: the figures the API and
// the downloads both give, as text.
type row map[string]string

// compared maps download columns to the API's fields.
var compared = []string{"code", "title", "year", "district", "serviceArea", "undertaker", "undertakerCreditCode", "awarded", "coFunding",
	"paid", "leveraged", "beneficiaries", "volunteers", "experts", "feedbackCount", "satisfaction", "url"}

const projectsQuery = `query($filter: ProjectFilter, $after: String) {
  projects(filter: $filter, first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    csv: downloadUrl(format: CSV)
    xlsx: downloadUrl(format: XLSX, lang: EN)
    jsonl: downloadUrl(format: JSONL)
    nodes { code title year district serviceArea awarded coFunding undertaker { name creditCode }
      figures { paid leveraged beneficiaries volunteers experts } satisfaction { responses average } }
  }
}`

type apiProject struct {
	Code, Title, District, ServiceArea, Awarded, CoFunding string
	Year                                                   int
	Undertaker                                             struct{ Name, CreditCode string }
	Figures                                                struct {
		Paid, Leveraged                    string
		Beneficiaries, Volunteers, Experts int64
	}
	Satisfaction struct {
		Responses int64
		Average   *float64
	}
}

// apiRows pages through the API's project list with filter and returns the
// rows and the three download paths it gives.
func apiRows(t *testing.T, srv *httptest.Server, filter map[string]any) ([]row, map[string]string) {
	var rows []row
	var urls map[string]string
	var after any
	for {
		var d struct {
			Projects struct {
				TotalCount int
				PageInfo   struct {
					HasNextPage bool
					EndCursor   string
				}
				CSV, XLSX, JSONL string
				Nodes            []apiProject
			}
		}
		gql(t, srv, projectsQuery, map[string]any{"filter": filter, "after": after}, &d)
		urls = map[string]string{"csv": d.Projects.CSV, "xlsx": d.Projects.XLSX, "jsonl": d.Projects.JSONL}
		for _, p := range d.Projects.Nodes {
			sat := ""
			if p.Satisfaction.Average != nil {
				sat = strconv.FormatFloat(*p.Satisfaction.Average, 'f', -1, 64)
			}
			rows = append(rows, row{"code": p.Code, "title": p.Title, "year": strconv.Itoa(p.Year), "district": p.District,
				"serviceArea": p.ServiceArea, "undertaker": p.Undertaker.Name, "undertakerCreditCode": p.Undertaker.CreditCode,
				"awarded": p.Awarded, "coFunding": p.CoFunding, "paid": p.Figures.Paid, "leveraged": p.Figures.Leveraged,
				"beneficiaries": fmt.Sprint(p.Figures.Beneficiaries), "volunteers": fmt.Sprint(p.Figures.Volunteers),
				"experts": fmt.Sprint(p.Figures.Experts), "feedbackCount": fmt.Sprint(p.Satisfaction.Responses), "satisfaction": sat,
				"url": testBase + "/projects/" + p.Code})
		}
		if !d.Projects.PageInfo.HasNextPage {
			if len(rows) != d.Projects.TotalCount {
				t.Fatalf("paged %d rows of %d", len(rows), d.Projects.TotalCount)
			}
			return rows, urls
		}
		after = d.Projects.PageInfo.EndCursor
	}
}

// table turns a header and records into rows keyed by column key, the
// header being in lang.
func table(t *testing.T, header []string, records [][]string, lang opendata.Lang) []row {
	tab := opendata.TableNamed("projects")
	keys := make([]string, len(header))
	for i, h := range header {
		for _, c := range tab.Columns {
			if c.Header(lang) == h {
				keys[i] = c.Key
			}
		}
		if keys[i] == "" {
			t.Fatalf("header %q is no column's", h)
		}
	}
	var out []row
	for _, rec := range records {
		r := row{}
		for i, v := range rec {
			r[keys[i]] = v
		}
		for _, k := range keys[len(rec):] { // trailing empty cells
			r[k] = ""
		}
		out = append(out, r)
	}
	return out
}

func pick(rows []row) []row {
	out := make([]row, len(rows))
	for i, r := range rows {
		out[i] = row{}
		for _, k := range compared {
			out[i][k] = r[k]
		}
	}
	return out
}

// The projects of one district and year download as CSV, XLSX and JSON
// Lines with exactly the rows and figures the API gives for the same
// filter, at the paths the API's downloadUrl gives; pages of 7 make the
// downloads read several keyset pages.
func TestDownloadsMatchAPI(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *store.DB) {
		srv := server(t, db, 7)
		var first struct {
			Projects struct{ Nodes []apiProject }
		}
		gql(t, srv, `{ projects(first: 1, orderBy: {field: AWARDED, direction: DESC}) { nodes { district year } } }`, nil, &first)
		p := first.Projects.Nodes[0]
		filter := map[string]any{"districts": []string{p.District}, "years": []int{p.Year}}
		want, urls := apiRows(t, srv, filter)
		if len(want) < 8 {
			t.Fatalf("only %d projects in %s %d: too few to read several pages", len(want), p.District, p.Year)
		}
		wantPath := "/download/projects.csv?district=" + url.QueryEscape(p.District) + "&year=" + strconv.Itoa(p.Year)
		if urls["csv"] != wantPath {
			t.Errorf("downloadUrl(CSV) = %s, want %s", urls["csv"], wantPath)
		}

		// CSV: a byte-order mark, Chinese headers.
		b := get(t, srv.URL+urls["csv"])
		if !bytes.HasPrefix(b, []byte("\uFEFF")) {
			t.Fatal("CSV without a byte-order mark")
		}
		recs, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, pick(table(t, recs[0], recs[1:], opendata.Chinese))); diff != "" {
			t.Errorf("CSV differs from the API (-api +csv):\n%s", diff)
		}

		// XLSX, English headers: money is a number there.
		f, err := excelize.OpenReader(bytes.NewReader(get(t, srv.URL+urls["xlsx"])))
		if err != nil {
			t.Fatal(err)
		}
		xrows, err := f.GetRows("Projects")
		if err != nil {
			t.Fatal(err)
		}
		got := pick(table(t, xrows[0], xrows[1:], opendata.English))
		for _, r := range got {
			for _, k := range []string{"awarded", "coFunding", "paid", "leveraged"} {
				r[k] = yuan(t, r[k])
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("XLSX differs from the API (-api +xlsx):\n%s", diff)
		}

		// JSON Lines.
		var jrows []row
		for line := range strings.Lines(string(get(t, srv.URL+urls["jsonl"]))) {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatal(err)
			}
			r := row{}
			for k, v := range m {
				switch v := v.(type) {
				case nil:
					r[k] = ""
				case float64:
					r[k] = strconv.FormatFloat(v, 'f', -1, 64)
				default:
					r[k] = fmt.Sprint(v)
				}
			}
			jrows = append(jrows, r)
		}
		if diff := cmp.Diff(want, pick(jrows)); diff != "" {
			t.Errorf("JSON Lines differ from the API (-api +jsonl):\n%s", diff)
		}
	})
}

// yuan formats an XLSX number cell as the API's decimal string.
func yuan(t *testing.T, s string) string {
	t.Helper()
	if s == "" {
		return ""
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("money cell %q: %v", s, err)
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}
