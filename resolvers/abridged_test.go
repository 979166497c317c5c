package resolvers_test

import (
	"testing"
)

// A page whose query does not select the long texts reads its projects and
// undertakers abridged (portal.Abridge). Another root field of the same
// query that meets one of those records through the loaders (a report's
// project) and asks for the texts gets them whole: the record is read
// again. Root fields run concurrently, so the query is asked many times
// to meet both orders.
func TestAbridgedPageNeverShowsEmptyTexts(t *testing.T) {
	eachDialect(t, func(t *testing.T, c *client) {
		var reports struct {
			Reports struct {
				Nodes []struct {
					Code    string
					Project *struct {
						Code       string
						Undertaker struct{ CreditCode string }
					}
				}
			}
		}
		c.must(`{ reports(first: 50) { nodes { code project { code undertaker { creditCode } } } } }`, nil, &reports)
		var report, cc string
		for _, n := range reports.Reports.Nodes {
			if n.Project != nil {
				report, cc = n.Code, n.Project.Undertaker.CreditCode
				break
			}
		}
		if report == "" {
			t.Fatal("no report of a project in the demo data")
		}
		type texts struct {
			Code        string
			Summary     string
			TargetGroup string
			Undertaker  struct {
				Description string
				FoundedOn   *string
			}
		}
		var whole struct{ Report struct{ Project texts } }
		c.must(`query($r: String!) { report(code: $r) { project { code summary targetGroup undertaker { description foundedOn } } } }`,
			map[string]any{"r": report}, &whole)
		w := whole.Report.Project
		if w.Summary == "" || w.TargetGroup == "" || w.Undertaker.Description == "" {
			t.Fatalf("the demo project %s has empty texts: %+v", w.Code, w)
		}
		for i := 0; i < 30; i++ {
			var both struct {
				Projects struct{ Nodes []struct{ Code string } }
				Report   struct{ Project texts }
			}
			c.must(`query($r: String!, $cc: String!) {
				projects(first: 100, filter: {undertakers: [$cc], scope: APPLICATIONS}) { nodes { code title undertaker { name } } }
				report(code: $r) { project { code summary targetGroup undertaker { description foundedOn } } } }`,
				map[string]any{"r": report, "cc": cc}, &both)
			on := false
			for _, n := range both.Projects.Nodes {
				on = on || n.Code == w.Code
			}
			if !on {
				t.Fatalf("the page does not hold %s", w.Code)
			}
			if got := both.Report.Project; got.Summary != w.Summary || got.TargetGroup != w.TargetGroup ||
				got.Undertaker.Description != w.Undertaker.Description || (got.Undertaker.FoundedOn == nil) != (w.Undertaker.FoundedOn == nil) {
				t.Fatalf("run %d: %+v, want %+v", i, got, w)
			}
			// One project read with its undertaker abridged (no text of an
			// organization asked of it), the same undertaker's texts asked
			// through the report.
			var one struct {
				Project struct{ Code string }
				Report  struct{ Project texts }
			}
			c.must(`query($r: String!, $p: String!) { project(code: $p) { code summary undertaker { name } }
				report(code: $r) { project { code summary targetGroup undertaker { description foundedOn } } } }`,
				map[string]any{"r": report, "p": w.Code}, &one)
			if got := one.Report.Project; got.Undertaker.Description != w.Undertaker.Description ||
				(got.Undertaker.FoundedOn == nil) != (w.Undertaker.FoundedOn == nil) {
				t.Fatalf("run %d, with the project's own read: %+v, want %+v", i, got, w)
			}
		}
	})
}
