package resolvers_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"testing"

	"civicledger/api"
	"civicledger/graph"
	"civicledger/portal"
	"civicledger/resolvers"
	"civicledger/resolvers/lean"
	"civicledger/store/storetest"
)

// leanQueries are shaped to reach every path of the lean writer and of its
// giving back: fragments, inline fragments on the type and on an
// interface, aliases, @skip/@include from variables and literals,
// __typename at each level, a response key selected twice (which GraphQL
// merges: given back), a field selected in two fragments of one list
// (gqlgen merges the two selections before the list's hook), nullable
// objects that are null, enums, money, dates and floats.
var leanQueries = []struct {
	name, query string
	vars        map[string]any
}{
	{"q1", q1, nil},
	{"q1m", q1m, nil},
	{"q3", q3, nil},
	{"fragments", `query($skip: Boolean!, $inc: Boolean!) { projects(first: 20, orderBy: {field: AWARDED, direction: DESC}) {
		__typename totalCount ...P
		nodes { ... on Project { c: code title @skip(if: $skip) } ... on Node { id } undertaker { __typename name @include(if: $inc) } }
	} } fragment P on ProjectConnection { pageInfo { hasNextPage endCursor } nodes { awarded coFunding stage outcome
		figures { leverageRatio beneficiaries } satisfaction { average responses } evaluator { name kind } round { year } } }`,
		map[string]any{"skip": true, "inc": false}},
	{"fragments-other-way", `query($skip: Boolean!, $inc: Boolean!) { projects(first: 20, filter: {scope: APPLICATIONS}) {
		nodes { code title @skip(if: $skip) undertaker { name @include(if: $inc) } auditor { name } evaluator { name } } } }`,
		map[string]any{"skip": false, "inc": true}},
	{"twice", `{ projects(first: 5) { nodes { code code title t: title } } }`, nil},
	{"literal-skip", `{ projects(first: 3) { nodes { code @skip(if: true) title @include(if: false) stageLabel } } }`, nil},
	{"edges", `{ projects(first: 7, after: null) { edges { cursor node { code undertaker { creditCode } } } pageInfo { startCursor endCursor hasPreviousPage } } }`, nil},
	{"story", q2, nil},
}

// TestLeanWriterWritesWhatGqlgenWrites runs every documented query and the
// queries above twice, with the lean writer and with gqlgen's executor
// alone, on both dialects, and requires the same bytes; and that the lean
// writer did write the list pages (so the comparison is not of gqlgen with
// itself).
func TestLeanWriterWritesWhatGqlgenWrites(t *testing.T) {
	src, err := os.ReadFile("../docs/queries.graphql")
	if err != nil {
		t.Fatal(err)
	}
	type op struct {
		name, query, op string
		vars            map[string]any
	}
	var ops []op
	for _, q := range leanQueries {
		ops = append(ops, op{name: q.name, query: q.query, vars: q.vars})
	}
	for _, n := range regexp.MustCompile(`(?m)^query (\w+)`).FindAllStringSubmatch(string(src), -1) {
		ops = append(ops, op{name: "docs/" + n[1], query: string(src), op: n[1]})
	}
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			db := demoDB(t, d)
			core := &portal.Portal{Reader: db, Meta: db}
			h := resolvers.WithLoaders(core, api.NewHandler(graph.NewExecutableSchema(resolvers.New(core).Config()), api.Config{RateLimit: -1}, nil))
			off := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				h.ServeHTTP(w, r.WithContext(lean.Off(r.Context())))
			})
			var pick struct {
				Projects struct {
					Nodes []struct {
						Code       string
						Undertaker struct{ CreditCode string }
					}
				}
			}
			postJSON(t, h, `{ projects(first: 1, filter: {outcomes: [COMPLETED]}) { nodes { code undertaker { creditCode } } } }`, nil, &pick)
			docVars := map[string]any{"code": pick.Projects.Nodes[0].Code, "creditCode": pick.Projects.Nodes[0].Undertaker.CreditCode}
			for _, o := range ops {
				t.Run(o.name, func(t *testing.T) {
					vars := o.vars
					if vars == nil {
						vars = docVars
					}
					written, _ := lean.Counts()
					got := post(t, h, o.query, o.op, vars)
					leanWrote := func() int64 { n, _ := lean.Counts(); return n - written }()
					want := post(t, off, o.query, o.op, vars)
					if !bytes.Equal(got, want) {
						t.Fatalf("lean writer:\n%s\ngqlgen:\n%s", got, want)
					}
					if bytes.Contains(want, []byte(`"errors"`)) {
						t.Fatalf("errors: %s", want)
					}
					if (o.name == "q1" || o.name == "q1m" || o.name == "fragments") && leanWrote == 0 {
						t.Errorf("the lean writer wrote nothing of %s", o.name)
					}
				})
			}
		})
	}
}

func post(t *testing.T, h http.Handler, query, op string, vars map[string]any) []byte {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "operationName": op, "variables": vars})
	req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}
