package resolvers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"civicledger/api"
	"civicledger/demo"
	"civicledger/demo/demotest"
	"civicledger/graph"
	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/resolvers"
	"civicledger/store"
	"civicledger/store/storetest"
)

// The demo data set is loaded once per dialect and shared by the tests of
// this package, which only read it.
var demoDBs demotest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	demoDBs.Close()
	os.Exit(code)
}

func demoDB(t testing.TB, d store.Dialect) *store.DB { return demoDBs.DB(t, d) }

// eachDialect runs fn against the demo data on SQLite and PostgreSQL.
func eachDialect(t *testing.T, fn func(t *testing.T, c *client)) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			db := demoDB(t, d)
			core := &portal.Portal{Reader: db, Meta: db}
			h := resolvers.WithLoaders(core, api.NewHandler(graph.NewExecutableSchema(resolvers.New(core).Config()), api.Config{RateLimit: -1}, nil))
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			fn(t, &client{t: t, url: srv.URL, db: db})
		})
	}
}

type client struct {
	t   *testing.T
	url string
	db  *store.DB
}

type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// do posts a query and decodes data into out; it returns the errors.
func (c *client) do(query string, vars map[string]any, out any) []gqlError {
	c.t.Helper()
	return c.doOp(query, "", vars, out)
}

// doOp posts one named operation of a document.
func (c *client) doOp(query, op string, vars map[string]any, out any) []gqlError {
	c.t.Helper()
	req := map[string]any{"query": query, "variables": vars}
	if op != "" {
		req["operationName"] = op
	}
	body, _ := json.Marshal(req)
	resp, err := http.Post(c.url, "application/json", bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		c.t.Fatalf("decode response (status %d): %v", resp.StatusCode, err)
	}
	if out != nil && len(r.Data) > 0 && string(r.Data) != "null" {
		if err := json.Unmarshal(r.Data, out); err != nil {
			c.t.Fatalf("decode data %s: %v", r.Data, err)
		}
	}
	return r.Errors
}

func (c *client) must(query string, vars map[string]any, out any) {
	c.t.Helper()
	if errs := c.do(query, vars, out); len(errs) > 0 {
		c.t.Fatalf("query failed: %+v", errs)
	}
}

func money(t *testing.T, s string) ledger.Money {
	t.Helper()
	m, err := ledger.ParseMoney(s)
	if err != nil {
		t.Fatalf("money %q: %v", s, err)
	}
	return m
}

// TestHeadlineTotals runs the query exactly as written and checks
// it against the generated data set and docs/domain.md's figures (within 1%).
func TestHeadlineTotals(t *testing.T) {
	want := demo.Generate(demo.Options{}).Summary()
	eachDialect(t, func(t *testing.T, c *client) {
		var out struct {
			Stats struct {
				Total struct {
					Projects      int64
					Awarded       string
					Leveraged     string
					Beneficiaries int64
					Volunteers    int64
					Experts       int64
				}
			}
		}
		c.must(`{ stats { total { projects awarded leveraged beneficiaries volunteers experts } } }`, nil, &out)
		got := out.Stats.Total
		if got.Projects != 717 || got.Projects != int64(want.Projects) {
			t.Errorf("projects = %d, want 717", got.Projects)
		}
		near := func(name string, v, target float64) {
			if math.Abs(v-target)/target > 0.01 {
				t.Errorf("%s = %.2f, more than 1%% from %.0f", name, v, target)
			}
		}
		near("awarded (yuan)", float64(money(t, got.Awarded))/100, 90_000_000)
		near("leveraged (yuan)", float64(money(t, got.Leveraged))/100, 120_000_000)
		near("beneficiaries", float64(got.Beneficiaries), 5_200_000)
		near("volunteers", float64(got.Volunteers), 100_000)
		near("experts", float64(got.Experts), 30_000)
		if money(t, got.Awarded) != want.Totals.Awarded {
			t.Errorf("awarded %s differs from the generated data set's %s", got.Awarded, want.Totals.Awarded)
		}
	})
}

const pageQuery = `query($filter: ProjectFilter, $after: String) {
  projects(filter: $filter, first: 100, after: $after, orderBy: {field: AWARDED, direction: DESC}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { code awarded terminated: outcome figures { leveraged beneficiaries volunteers experts hasAuditFindings } }
  }
}`

const statsQuery = `query($filter: ProjectFilter) {
  stats(filter: $filter, groupBy: [YEAR, SERVICE_AREA]) {
    total { projects awarded leveraged beneficiaries volunteers experts withAuditFindings terminated }
    groups { projects awarded }
  }
}`

// TestStatsEqualPagedList checks, for several filters, that stats totals
// equal the sums over every page of the project list.
func TestStatsEqualPagedList(t *testing.T) {
	filters := []map[string]any{
		{},
		{"serviceAreas": []string{"ELDERLY_SUPPORT"}},
		{"years": []int{2014, 2015}, "districts": []string{"长宁区", "东城区"}},
		{"awardedMin": "100000", "awardedMax": "200000.50"},
		{"terminated": true},
		{"hasAuditFindings": true, "stages": []string{"CLOSING"}},
		{"approvedFrom": "2013-01-01", "approvedTo": "2014-06-30"},
	}
	eachDialect(t, func(t *testing.T, c *client) {
		for i, f := range filters {
			t.Run(strconv.Itoa(i), func(t *testing.T) {
				var n, findings, terminated int64
				var awarded, leveraged ledger.Money
				var ben, vol, exp int64
				var after any
				pages := 0
				for {
					var out struct {
						Projects struct {
							TotalCount int64
							PageInfo   struct {
								HasNextPage bool
								EndCursor   string
							}
							Nodes []struct {
								Code       string
								Awarded    string
								Terminated *string
								Figures    struct {
									Leveraged                          string
									Beneficiaries, Volunteers, Experts int64
									HasAuditFindings                   bool
								}
							}
						}
					}
					c.must(pageQuery, map[string]any{"filter": f, "after": after}, &out)
					for _, p := range out.Projects.Nodes {
						n++
						awarded += money(t, p.Awarded)
						leveraged += money(t, p.Figures.Leveraged)
						ben += p.Figures.Beneficiaries
						vol += p.Figures.Volunteers
						exp += p.Figures.Experts
						if p.Figures.HasAuditFindings {
							findings++
						}
						if p.Terminated != nil && *p.Terminated == "TERMINATED" {
							terminated++
						}
					}
					pages++
					if !out.Projects.PageInfo.HasNextPage {
						if n != out.Projects.TotalCount {
							t.Fatalf("paged %d projects, totalCount says %d", n, out.Projects.TotalCount)
						}
						break
					}
					after = out.Projects.PageInfo.EndCursor
				}
				var st struct {
					Stats struct {
						Total struct {
							Projects, Beneficiaries, Volunteers, Experts, WithAuditFindings, Terminated int64
							Awarded, Leveraged                                                          string
						}
						Groups []struct {
							Projects int64
							Awarded  string
						}
					}
				}
				c.must(statsQuery, map[string]any{"filter": f}, &st)
				tot := st.Stats.Total
				got := fmt.Sprint(tot.Projects, money(t, tot.Awarded), money(t, tot.Leveraged), tot.Beneficiaries, tot.Volunteers, tot.Experts, tot.WithAuditFindings, tot.Terminated)
				want := fmt.Sprint(n, awarded, leveraged, ben, vol, exp, findings, terminated)
				if got != want {
					t.Errorf("filter %v: stats %s, paged list %s", f, got, want)
				}
				var gn int64
				var ga ledger.Money
				for _, g := range st.Stats.Groups {
					gn += g.Projects
					ga += money(t, g.Awarded)
				}
				if gn != n || ga != awarded {
					t.Errorf("filter %v: groups add up to %d projects / %s, list has %d / %s", f, gn, ga, n, awarded)
				}
				if i == 0 && (n != 717 || pages != 8) {
					t.Errorf("unfiltered: %d projects in %d pages, want 717 in 8", n, pages)
				}
			})
		}
	})
}

// TestStatementsDoNotGrowWithPageSize is the N+1 test: a page of 100
// projects with undertaker, evaluator, metrics and satisfaction runs the
// same number of SQL statements as a page of 5.
func TestStatementsDoNotGrowWithPageSize(t *testing.T) {
	const q = `query($n: Int) { projects(first: $n, filter: {serviceAreas: [ELDERLY_SUPPORT, DISABILITY_SUPPORT]}, orderBy: {field: AWARDED, direction: DESC}) {
		nodes { code title undertaker { name creditCode } evaluator { name } round { year }
		metrics { kind value } satisfaction { responses average } figures { beneficiaries leverageRatio } } } }`
	eachDialect(t, func(t *testing.T, c *client) {
		count := func(n int) int64 {
			before := c.db.ReadStatements()
			var out struct {
				Projects struct{ Nodes []json.RawMessage }
			}
			c.must(q, map[string]any{"n": n}, &out)
			if len(out.Projects.Nodes) != n {
				t.Fatalf("asked for %d projects, got %d", n, len(out.Projects.Nodes))
			}
			return c.db.ReadStatements() - before
		}
		// Warm the aggregate cache (list totals) first, so both runs do the
		// same work apart from the page size.
		count(5)
		count(100)
		s5, s100 := count(5), count(100)
		t.Logf("statements: page of 5 = %d, page of 100 = %d", s5, s100)
		if s5 != s100 {
			t.Errorf("statements grow with page size: 5 → %d, 100 → %d", s5, s100)
		}
		if s100 > 8 {
			t.Errorf("page of 100 took %d statements, want at most 8", s100)
		}
	})
}

// TestProjectStory reads one project's whole story and finds it again by
// its global ID.
func TestProjectStory(t *testing.T) {
	eachDialect(t, func(t *testing.T, c *client) {
		var list struct {
			Projects struct{ Nodes []struct{ Code string } }
		}
		c.must(`{ projects(first: 1, filter: {stages: [CLOSING], outcomes: [COMPLETED]}) { nodes { code } } }`, nil, &list)
		if len(list.Projects.Nodes) != 1 {
			t.Fatal("no completed project in the demo data")
		}
		code := list.Projects.Nodes[0].Code
		var out struct {
			Project struct {
				ID         string
				Code       string
				StageLabel string
				Timeline   []struct{ Stage, OccurredOn string }
				Tranches   []struct{ Kind, Amount string }
				Scorecards []struct {
					Kind          string
					WeightedTotal float64
					Scores        []struct{ Score, Weighted float64 }
				}
				Metrics       []struct{ Kind string }
				Reports       []struct{ Title, Body string }
				Announcements []struct{ Kind string }
				Audits        []struct{ Result string }
				History       []struct{ Version int }
				Awarded       string
			}
		}
		c.must(`query($code: String!) { project(code: $code) { id code stageLabel awarded
			timeline { stage occurredOn } tranches { kind amount } audits { result }
			scorecards { kind weightedTotal scores { score weighted } } metrics { kind }
			reports { title body } announcements { kind } history { version } } }`, map[string]any{"code": code}, &out)
		p := out.Project
		if p.Code != code || p.StageLabel != "项目结项" || len(p.Timeline) < 3 || len(p.Tranches) == 0 || len(p.Scorecards) == 0 ||
			len(p.Metrics) == 0 || len(p.Reports) == 0 || len(p.Announcements) == 0 || len(p.History) == 0 || len(p.Audits) == 0 {
			t.Fatalf("incomplete story for %s: %+v", code, p)
		}
		var paid ledger.Money
		for _, tr := range p.Tranches {
			paid += money(t, tr.Amount)
		}
		if paid > money(t, p.Awarded) {
			t.Errorf("tranches %s exceed award %s", paid, p.Awarded)
		}
		for _, sc := range p.Scorecards {
			sum := 0.0
			for _, s := range sc.Scores {
				sum += s.Weighted
			}
			if math.Abs(sum-sc.WeightedTotal) > 0.05 || sc.WeightedTotal > 100 {
				t.Errorf("scorecard %s total %.2f, indicators add up to %.2f", sc.Kind, sc.WeightedTotal, sum)
			}
		}
		var node struct {
			Node struct {
				Typename string `json:"__typename"`
				Code     string
			}
		}
		c.must(`query($id: ID!) { node(id: $id) { __typename ... on Project { code } } }`, map[string]any{"id": p.ID}, &node)
		if node.Node.Typename != "Project" || node.Node.Code != code {
			t.Errorf("node(id) = %+v, want project %s", node.Node, code)
		}
	})
}

// TestRefusedArguments checks that bad arguments are refused with codes
// and the field named.
func TestRefusedArguments(t *testing.T) {
	eachDialect(t, func(t *testing.T, c *client) {
		errs := c.do(`{ projects(filter: {undertakers: ["91350100M000100Y43"]}) { totalCount } }`, nil, nil)
		if len(errs) != 1 || errs[0].Extensions["code"] != "BAD_USER_INPUT" || errs[0].Extensions["field"] != "filter.undertakers" {
			t.Errorf("unknown credit code: %+v", errs)
		}
		errs = c.do(`{ projects(after: "bogus") { totalCount } }`, nil, nil)
		if len(errs) != 1 || errs[0].Extensions["code"] != "BAD_USER_INPUT" {
			t.Errorf("bad cursor: %+v", errs)
		}
		// A cursor of one list is refused by another, and no cursor is
		// ever repeated in the answer (a 400 KB cursor gave a 400 KB one).
		var page struct {
			Projects struct{ PageInfo struct{ EndCursor string } }
		}
		c.must(`{ projects(first: 3) { pageInfo { endCursor } } }`, nil, &page)
		for name, cur := range map[string]string{"a projects cursor": page.Projects.PageInfo.EndCursor, "400 KB": strings.Repeat("QUFB", 100_000)} {
			errs = c.do(`query($c: String) { reports(after: $c) { totalCount } }`, map[string]any{"c": cur}, nil)
			if len(errs) != 1 || errs[0].Extensions["code"] != "BAD_USER_INPUT" || errs[0].Extensions["field"] != "after" ||
				len(errs[0].Message) > 120 || strings.Contains(errs[0].Message, cur) {
				t.Errorf("%s given to reports: %.300v", name, errs)
			}
		}
		var out struct{ Project *struct{ Code string } }
		if errs := c.do(`{ project(code: "NO-SUCH") { code } }`, nil, &out); len(errs) != 0 || out.Project != nil {
			t.Errorf("missing project should be null without error: %+v %+v", errs, out)
		}
	})
}

// TestLimitsRefuseBeforeTheDatabase: queries past the depth or cost limit
// are refused with a message stating the limit and the cost, and without a
// single SQL statement.
func TestLimitsRefuseBeforeTheDatabase(t *testing.T) {
	eachDialect(t, func(t *testing.T, c *client) {
		deep := "code"
		for i := 0; i < 8; i++ { // 3 levels per step: 24 levels deep
			deep = "undertaker { projects(first: 1) { nodes { " + deep + " } } }"
		}
		deep = "{ projects(first: 1) { nodes { " + deep + " } } }"
		costly := `{ projects(first: 100) { nodes { undertaker { projects(first: 100) { nodes { evaluator { projects(first: 100) { totalCount } } } } } } } }`
		for name, q := range map[string]string{"depth": deep, "cost": costly} {
			before := c.db.ReadStatements()
			errs := c.do(q, nil, nil)
			if n := c.db.ReadStatements() - before; n != 0 {
				t.Errorf("%s: %d statements ran before the refusal", name, n)
			}
			if len(errs) != 1 {
				t.Fatalf("%s: errors %+v", name, errs)
			}
			code, _ := errs[0].Extensions["code"].(string)
			if !strings.Contains(code, "LIMIT_EXCEEDED") || !strings.Contains(errs[0].Message, "limit") {
				t.Errorf("%s: %q (%s)", name, errs[0].Message, code)
			}
			if name == "cost" && !strings.Contains(errs[0].Message, "1010100") {
				t.Errorf("cost refusal does not state the cost: %q", errs[0].Message)
			}
		}
	})
}

// TestNodesMixedTypes: nodes(ids:) resolves IDs of several types in order,
// with null for unknown or malformed IDs.
func TestNodesMixedTypes(t *testing.T) {
	eachDialect(t, func(t *testing.T, c *client) {
		var ids struct {
			Projects struct{ Nodes []struct{ ID, Code string } }
			Rounds   []struct {
				ID   string
				Year int
			}
			Organizations struct {
				Nodes []struct{ ID, CreditCode string }
			}
			Reports       struct{ Nodes []struct{ ID, Code string } }
			IndicatorSets []struct{ ID, Name string }
		}
		c.must(`{ projects(first: 1) { nodes { id code } } rounds { id year } organizations(first: 1) { nodes { id creditCode } }
			reports(first: 1) { nodes { id code } } indicatorSets { id name } }`, nil, &ids)
		req := []string{ids.Reports.Nodes[0].ID, "bm90LWEtbm9kZQ", ids.Rounds[2].ID, ids.Projects.Nodes[0].ID,
			ids.IndicatorSets[0].ID, ids.Organizations.Nodes[0].ID, "!!"}
		var out struct {
			Nodes []*struct {
				Typename   string `json:"__typename"`
				Code       string
				Year       int
				CreditCode string
				Name       string
			}
		}
		c.must(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Report { code } ... on Round { year }
			... on Project { code } ... on IndicatorSet { name } ... on Organization { creditCode } } }`, map[string]any{"ids": req}, &out)
		n := out.Nodes
		if len(n) != 7 || n[0].Code != ids.Reports.Nodes[0].Code || n[1] != nil || n[2].Year != ids.Rounds[2].Year ||
			n[3].Code != ids.Projects.Nodes[0].Code || n[4].Name != ids.IndicatorSets[0].Name ||
			n[5].CreditCode != ids.Organizations.Nodes[0].CreditCode || n[6] != nil {
			t.Errorf("nodes: %+v", n)
		}
	})
}

// TestStatsGroupsOrderedAndPaged: stats groups come a page at a time in the
// order asked for; the pages together are exactly the groups, each once.
func TestStatsGroupsOrderedAndPaged(t *testing.T) {
	eachDialect(t, func(t *testing.T, c *client) {
		type row struct {
			Key          struct{ Undertaker struct{ CreditCode string } }
			Projects     int
			Awarded      string
			Satisfaction *float64
		}
		var all struct {
			Stats struct {
				GroupCount int
				Groups     []row
			}
		}
		const q = `query($order: StatsOrder, $first: Int, $offset: Int) { stats(groupBy: [UNDERTAKER]) { groupCount
			groups(orderBy: $order, first: $first, offset: $offset) { key { undertaker { creditCode } } projects awarded satisfaction } } }`
		// Page through in award order, 30 at a time.
		var paged []row
		for off := 0; ; off += 30 {
			c.must(q, map[string]any{"order": map[string]any{"field": "AWARDED"}, "first": 30, "offset": off}, &all)
			paged = append(paged, all.Stats.Groups...)
			if len(all.Stats.Groups) < 30 {
				break
			}
		}
		if all.Stats.GroupCount <= 100 || len(paged) != all.Stats.GroupCount {
			t.Fatalf("paged %d groups, groupCount %d (the demo has over 100 undertakers)", len(paged), all.Stats.GroupCount)
		}
		seen := map[string]bool{}
		for i, r := range paged {
			if seen[r.Key.Undertaker.CreditCode] {
				t.Fatalf("undertaker %s on two pages", r.Key.Undertaker.CreditCode)
			}
			seen[r.Key.Undertaker.CreditCode] = true
			if i > 0 && money(t, paged[i-1].Awarded) < money(t, r.Awarded) {
				t.Fatalf("group %d awarded %s after %s: not in descending order", i, r.Awarded, paged[i-1].Awarded)
			}
		}
		// Without first, a page is 100 groups.
		c.must(q, nil, &all)
		if len(all.Stats.Groups) != 100 {
			t.Fatalf("default page: %d groups, want 100", len(all.Stats.Groups))
		}
		// Satisfaction ascending: groups without responses come last.
		c.must(q, map[string]any{"order": map[string]any{"field": "SATISFACTION", "direction": "ASC"}, "first": 100,
			"offset": all.Stats.GroupCount - 100}, &all)
		last := all.Stats.Groups
		for i := 1; i < len(last); i++ {
			a, b := last[i-1].Satisfaction, last[i].Satisfaction
			if a == nil && b != nil || a != nil && b != nil && *a > *b {
				t.Fatalf("satisfaction order broken at %d: %v then %v", i, a, b)
			}
		}
		for _, bad := range []map[string]any{{"first": 101}, {"first": -1}, {"offset": -5}} {
			errs := c.do(q, bad, nil)
			if len(errs) != 1 || !strings.Contains(errs[0].Message, "first") && !strings.Contains(errs[0].Message, "offset") &&
				errs[0].Extensions["field"] == nil {
				t.Errorf("%v: got %+v, want one error naming the argument", bad, errs)
			}
		}
	})
}

// TestOrderByPaid: projects can be ordered by the money paid out to them,
// both ways, with ties broken by code.
func TestOrderByPaid(t *testing.T) {
	eachDialect(t, func(t *testing.T, c *client) {
		var out struct {
			Projects struct {
				TotalCount int
				Nodes      []struct {
					Code    string
					Figures struct{ Paid string }
				}
			}
		}
		q := `query($d: OrderDirection) { projects(first: 100, orderBy: {field: PAID, direction: $d}) { totalCount nodes { code figures { paid } } } }`
		for _, dir := range []string{"DESC", "ASC"} {
			c.must(q, map[string]any{"d": dir}, &out)
			ns := out.Projects.Nodes
			if len(ns) != 100 {
				t.Fatalf("%s: %d nodes", dir, len(ns))
			}
			for i := 1; i < len(ns); i++ {
				a, b := money(t, ns[i-1].Figures.Paid), money(t, ns[i].Figures.Paid)
				if dir == "DESC" && b > a || dir == "ASC" && b < a || a == b && (dir == "DESC") != (ns[i].Code < ns[i-1].Code) {
					t.Errorf("%s: %s paid %s then %s paid %s", dir, ns[i-1].Code, ns[i-1].Figures.Paid, ns[i].Code, ns[i].Figures.Paid)
					break
				}
			}
			if dir == "DESC" && money(t, ns[0].Figures.Paid) == 0 {
				t.Error("the best-paid project was paid nothing")
			}
		}
	})
}
