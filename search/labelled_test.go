package search

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"civicledger/demo"
	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

// labelledCase is one query of testdata/search/labelled.json, judged on the
// demo data set. Which records are relevant is decided from their text by
// the case's rule, independently of the search: a record is relevant when
// its text (title, body, codes and names, normalised) holds every term of
// one of the Any alternatives, outside the Unless contexts, and none of
// the Not terms. No Any means no record is relevant.
type labelledCase struct {
	Query   string   `json:"query"`
	Class   string   `json:"class"`
	Any     []string `json:"any"`     // alternatives; each is terms separated by spaces, all required
	Unless  []string `json:"unless"`  // contexts in which a term does not count (本市长宁 for 市长)
	Not     []string `json:"not"`     // a record holding one of these is not relevant
	Via     string   `json:"via"`     // the answer must say the query was widened so
	Suggest string   `json:"suggest"` // the answer must suggest this query
	Note    string   `json:"note"`
}

func (c *labelledCase) relevant(text string) bool {
	for _, u := range c.Unless {
		text = strings.ReplaceAll(text, Normalize(u), "\x00")
	}
	for _, n := range c.Not {
		if strings.Contains(text, Normalize(n)) {
			return false
		}
	}
	for _, alt := range c.Any {
		all := true
		for _, term := range strings.Fields(alt) {
			if !strings.Contains(text, Normalize(term)) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// judgedText is the text of a record a judge reads: what the index searches.
func judgedText(d *ledger.SearchDoc) string {
	return Normalize(strings.Join([]string{d.Title, d.Body, d.Code, d.ProjectCode, d.OrgName, d.OrgCode, d.District}, "\n"))
}

var demoIndex struct {
	sync.Once
	docs []*ledger.SearchDoc
	err  error
}

// demoDocs loads the demo data set into a SQLite ledger through the store
// and returns its searchable records (once per test binary).
func demoDocs(t *testing.T) []*ledger.SearchDoc {
	t.Helper()
	demoIndex.Do(func() {
		ctx := context.Background()
		db, closeDB, err := storetest.Open(ctx, store.SQLite)
		if err != nil {
			demoIndex.err = err
			return
		}
		defer closeDB()
		if _, err := demo.Load(ctx, db, demo.Options{}); err != nil {
			demoIndex.err = err
			return
		}
		demoIndex.err = db.EachSearchDoc(ctx, func(d *ledger.SearchDoc) error {
			demoIndex.docs = append(demoIndex.docs, d)
			return nil
		})
	})
	if demoIndex.err != nil {
		t.Fatal(demoIndex.err)
	}
	return demoIndex.docs
}

// TestLabelledQueries measures recall and precision over whole match sets
// of the labelled queries on the demo data, and checks the widenings and
// suggestions each case names.
func TestLabelledQueries(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo data set")
	}
	b, err := os.ReadFile(filepath.Join("..", "testdata", "search", "labelled.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []labelledCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 60 {
		t.Fatalf("%d labelled queries, want at least 60", len(cases))
	}
	docs := demoDocs(t)
	text := make(map[string]string, len(docs))
	for _, d := range docs {
		text[d.Key] = judgedText(d)
	}
	ix, _, _ := mustIndex(t, docs)
	ctx := context.Background()
	var sumP, sumR float64
	var tp, hits, rel int
	byClass := map[string][2]float64{}
	classN := map[string]int{}
	for _, c := range cases {
		var want []string
		for k, s := range text {
			if c.relevant(s) {
				want = append(want, k)
			}
		}
		all, err := ix.Search(ctx, Query{Text: c.Query, allKeys: true})
		if err != nil {
			t.Fatal(err)
		}
		got := keys(all)
		n := 0
		var wrong []string
		for _, k := range got {
			if slices.Contains(want, k) {
				n++
			} else if len(wrong) < 3 {
				wrong = append(wrong, k)
			}
		}
		p, r := 1.0, 1.0
		if len(got) > 0 {
			p = float64(n) / float64(len(got))
		}
		if len(want) > 0 {
			r = float64(n) / float64(len(want))
		}
		sumP, sumR = sumP+p, sumR+r
		tp, hits, rel = tp+n, hits+len(got), rel+len(want)
		pr := byClass[c.Class]
		byClass[c.Class] = [2]float64{pr[0] + p, pr[1] + r}
		classN[c.Class]++
		if p < 1 || r < 1 {
			var missed []string
			for _, k := range want {
				if !slices.Contains(got, k) && len(missed) < 3 {
					missed = append(missed, k)
				}
			}
			t.Logf("%-14s %q: %d hits, %d relevant, precision %.3f recall %.3f; wrong %v missed %v", c.Class, c.Query, len(got), len(want), p, r, wrong, missed)
		}
		if c.Class == "trap" && p < 1 {
			t.Errorf("%q: a hit across word boundaries: %v", c.Query, wrong)
		}
		if c.Via != "" || c.Suggest != "" {
			res, err := ix.Search(ctx, Query{Text: c.Query, NoFacets: true, Suggest: true})
			if err != nil {
				t.Fatal(err)
			}
			if c.Via != "" && !slices.ContainsFunc(res.Expansions, func(e Expansion) bool { return string(e.Via) == c.Via }) {
				t.Errorf("%q: expansions %v, want one via %s", c.Query, res.Expansions, c.Via)
			}
			if c.Suggest != "" && !slices.Contains(res.Suggestions, Normalize(c.Suggest)) {
				t.Errorf("%q: suggestions %v, want %s among them", c.Query, res.Suggestions, c.Suggest)
			}
		}
	}
	classes := slices.Sorted(func(yield func(string) bool) {
		for c := range byClass {
			if !yield(c) {
				return
			}
		}
	})
	for _, c := range classes {
		pr := byClass[c]
		t.Logf("class %-14s %2d queries: precision %.3f, recall %.3f", c, classN[c], pr[0]/float64(classN[c]), pr[1]/float64(classN[c]))
	}
	p, r := sumP/float64(len(cases)), sumR/float64(len(cases))
	t.Logf("%d labelled queries on %d demo records: precision %.3f, recall %.3f (macro); over all hits %.3f, %.3f (micro)",
		len(cases), len(docs), p, r, float64(tp)/float64(max(hits, 1)), float64(tp)/float64(max(rel, 1)))
	if p < 0.95 || r < 0.95 {
		t.Errorf("precision %.3f, recall %.3f: want both at least 0.95", p, r)
	}
}
