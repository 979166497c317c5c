package resolvers_test

import (
	"os"
	"regexp"
	"testing"
)

// TestDocumentedQueries runs every operation of docs/queries.graphql (the
// queries README shows for the figures the public asks for) and checks each
// answers without errors and with data.
func TestDocumentedQueries(t *testing.T) {
	src, err := os.ReadFile("../docs/queries.graphql")
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile(`(?m)^query (\w+)`).FindAllStringSubmatch(string(src), -1)
	if len(names) < 10 {
		t.Fatalf("found %d documented queries, want at least 10", len(names))
	}
	eachDialect(t, func(t *testing.T, c *client) {
		var pick struct {
			Projects struct {
				Nodes []struct {
					Code       string
					Undertaker struct{ CreditCode string }
				}
			}
		}
		c.must(`{ projects(first: 1, filter: {outcomes: [COMPLETED]}) { nodes { code undertaker { creditCode } } } }`, nil, &pick)
		vars := map[string]any{"code": pick.Projects.Nodes[0].Code, "creditCode": pick.Projects.Nodes[0].Undertaker.CreditCode}
		for _, n := range names {
			name := n[1]
			t.Run(name, func(t *testing.T) {
				var data map[string]any
				errs := c.doOp(string(src), name, vars, &data)
				if len(errs) > 0 {
					t.Fatalf("%s: %+v", name, errs)
				}
				for k, v := range data {
					if v == nil {
						t.Errorf("%s: %s is null", name, k)
					}
				}
				if len(data) == 0 {
					t.Errorf("%s answered no data", name)
				}
			})
		}
	})
}
