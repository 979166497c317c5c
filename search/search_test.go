package search

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"civicledger/ledger"
)

// relevanceCase is one line of testdata/search/queries.json.
type relevanceCase struct {
	Query    string   `json:"query"`
	Relevant []string `json:"relevant"` // every relevant record, when judged
	First    []string `json:"first"`    // the first hit must be one of these
	Never    []string `json:"never"`    // must not be returned
	Area     string   `json:"area"`     // the first hit with a service area must have this one
	Note     string   `json:"note"`
}

func loadQueries(t testing.TB) []relevanceCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "search", "queries.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []relevanceCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

func keys(r *Result) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.Key)
	}
	return out
}

// precisionRecall scores the hits of the judged cases.
func precisionRecall(cases []relevanceCase, hits func(q string) []string) (p, r float64, n int) {
	for _, c := range cases {
		if c.Relevant == nil {
			continue
		}
		got := hits(c.Query)
		tp := 0
		for _, k := range got {
			if slices.Contains(c.Relevant, k) {
				tp++
			}
		}
		if len(got) > 0 {
			p += float64(tp) / float64(len(got))
		} else {
			p += 1 // nothing returned, nothing wrong
		}
		r += float64(tp) / float64(len(c.Relevant))
		n++
	}
	return p / float64(n), r / float64(n), n
}

func TestRelevance(t *testing.T) {
	docs := loadCorpus(t)
	area := map[string]ledger.ServiceArea{}
	for _, d := range docs {
		area[d.Key] = d.ServiceArea
	}
	ix, _, _ := mustIndex(t, docs)
	ctx := context.Background()
	cases := loadQueries(t)
	for _, c := range cases {
		t.Run(c.Query, func(t *testing.T) {
			res, err := ix.Search(ctx, Query{Text: c.Query, Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			got := keys(res)
			if len(got) == 0 {
				t.Fatalf("no hits")
			}
			for _, k := range c.Relevant {
				if !slices.Contains(got, k) {
					t.Errorf("relevant %s not found; got %v", k, got)
				}
			}
			for _, k := range c.Never {
				if slices.Contains(got, k) {
					t.Errorf("%s must not match; got %v", k, got)
				}
			}
			if len(c.First) > 0 && !slices.Contains(c.First, got[0]) {
				t.Errorf("first hit %s, want one of %v; got %v", got[0], c.First, got)
			}
			// The first hit that belongs to a service area belongs to this one.
			if c.Area != "" {
				for _, k := range got {
					if a := area[k]; a != "" {
						if string(a) != c.Area {
							t.Errorf("first hit with an area is %s of %s, want %s; got %v", k, a, c.Area, got)
						}
						break
					}
				}
			}
		})
	}
	p, r, n := precisionRecall(cases, func(q string) []string {
		res, err := ix.Search(ctx, Query{Text: q, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return keys(res)
	})
	t.Logf("word analyzer on %d judged queries: precision %.2f, recall %.2f", n, p, r)
}

func TestSearchFallbackPartialWord(t *testing.T) {
	ix, _, _ := mustIndex(t, loadCorpus(t))
	// 适老 is no word: its characters are matched as a substring.
	res, err := ix.Search(context.Background(), Query{Text: "适老"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 2 || !strings.Contains(strings.Join(res.Hits[0].Fragments, ""), "<mark>适老</mark>") {
		t.Errorf("total %d, hits %v: want 2, 适老 marked", res.Total, res.Hits)
	}
	// A word that only stands inside other words falls back to the pairs.
	res, err = ix.Search(context.Background(), Query{Text: "老化改"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Fallback || res.Total != 2 {
		t.Errorf("老化改: fallback %v, total %d; want the fallback, 2", res.Fallback, res.Total)
	}
	// A word that exists is not a fallback.
	res, err = ix.Search(context.Background(), Query{Text: "适老化"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Fallback || res.Total != 2 {
		t.Errorf("适老化: fallback %v, total %d; want word hits, 2", res.Fallback, res.Total)
	}
}

func TestSearchHighlights(t *testing.T) {
	docs := loadCorpus(t)
	docs = append(docs, &ledger.SearchDoc{Key: "report:99", Kind: ledger.DocReport, Title: "<b>长者食堂</b> & 服务",
		Body: "第一句没有。<script>alert(1)</script>长者食堂运营良好。", Date: "2016-01-01"})
	ix, _, _ := mustIndex(t, docs)
	res, err := ix.Search(context.Background(), Query{Text: "长者食堂 alert"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 || res.Hits[0].Key != "report:99" {
		t.Fatalf("hits %v, want report:99 alone", keys(res))
	}
	h := res.Hits[0]
	if want := "&lt;b&gt;<mark>长者食堂</mark>&lt;/b&gt; &amp; 服务"; h.TitleHTML != want {
		t.Errorf("title %q, want %q", h.TitleHTML, want)
	}
	want := []string{"&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;<mark>长者食堂</mark>运营良好。"}
	if diff := cmp.Diff(want, h.Fragments); diff != "" {
		t.Errorf("fragments (-want +got):\n%s", diff)
	}
}

func TestSearchTraditionalAndFullWidth(t *testing.T) {
	ix, _, _ := mustIndex(t, loadCorpus(t))
	for q, want := range map[string]string{"长者食堂里的午餐": "case_study:6", "ＰＰＰ模式": "report:24", "長寧區 居家養老 助餐": "project:1"} {
		res, err := ix.Search(context.Background(), Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) == 0 || res.Hits[0].Key != want {
			t.Errorf("%s: hits %v, want %s first", q, keys(res), want)
		}
	}
	// The marks land on the original (traditional) characters.
	res, _ := ix.Search(context.Background(), Query{Text: "长者食堂", Kinds: []ledger.DocKind{ledger.DocCaseStudy}})
	if len(res.Hits) != 1 || !strings.Contains(res.Hits[0].TitleHTML, "<mark>長者食堂</mark>") {
		t.Errorf("hits %+v: want 長者食堂 marked in the title", res.Hits)
	}
}

func TestSearchFiltersFacetsSortPages(t *testing.T) {
	ix, _, _ := mustIndex(t, loadCorpus(t))
	ctx := context.Background()
	res, err := ix.Search(ctx, Query{Text: "老人", Kinds: []ledger.DocKind{ledger.DocProject}, ServiceAreas: []ledger.ServiceArea{ledger.ElderlySupport}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"project:1", "project:3", "project:5"}, sorted(keys(res))); diff != "" {
		t.Errorf("filtered hits (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]FacetCount{{"PROJECT", 3}}, res.Facets.Kind); diff != "" {
		t.Errorf("kind facet (-want +got):\n%s", diff)
	}
	// Facets count all pages; years and districts filter.
	res, err = ix.Search(ctx, Query{Text: "", Years: []int{2016}, Districts: []string{"长宁区"}, Sort: SortDateAsc, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 3 || len(res.Hits) != 2 {
		t.Fatalf("total %d, hits %d; want 3, 2", res.Total, len(res.Hits))
	}
	if diff := cmp.Diff([]string{"project:19", "report:22"}, keys(res)); diff != "" {
		t.Errorf("date ascending (-want +got):\n%s", diff)
	}
	page2, err := ix.Search(ctx, Query{Years: []int{2016}, Districts: []string{"长宁区"}, Sort: SortDateAsc, Limit: 2, Offset: 2})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"report:23"}, keys(page2)); diff != "" {
		t.Errorf("page 2 (-want +got):\n%s", diff)
	}
	// Organization by name or credit code; stage.
	res, _ = ix.Search(ctx, Query{Orgs: []string{"52310000MJ5012345A"}, Stages: []ledger.Stage{ledger.Execution}})
	if diff := cmp.Diff([]string{"report:2", "report:30"}, sorted(keys(res))); diff != "" {
		t.Errorf("org + stage (-want +got):\n%s", diff)
	}
	res, _ = ix.Search(ctx, Query{Text: "评审", Sort: SortDateDesc})
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i-1].Date < res.Hits[i].Date {
			t.Errorf("date desc: %s before %s", res.Hits[i-1].Date, res.Hits[i].Date)
		}
	}
	if _, err := ix.Search(ctx, Query{Sort: "SIDEWAYS"}); ledger.ErrorCode(err) != ledger.EINVALID {
		t.Errorf("bad sort: err %v, want EINVALID", err)
	}
}

func sorted(s []string) []string { slices.Sort(s); return s }

func TestCorruptIndexIsRebuilt(t *testing.T) {
	docs := loadCorpus(t)
	m := newMemLedger()
	for _, d := range docs {
		m.put(d)
	}
	dir := filepath.Join(t.TempDir(), "index")
	ix, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := NewFollower(ix, m.outbox(), nil)
	if err := f.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	// Scribble over every file of the index.
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			os.WriteFile(p, []byte("garbage"), 0o644)
		}
		return nil
	})
	ix, err = Open(dir, nil)
	if err != nil {
		t.Fatalf("open corrupt index: %v", err)
	}
	defer ix.Close()
	if !ix.NeedsRebuild() {
		t.Fatalf("a corrupt index must need a rebuild")
	}
	if err := NewFollower(ix, m.outbox(), nil).CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.DocCount(); n != uint64(len(docs)) || ix.NeedsRebuild() {
		t.Errorf("after rebuild: %d docs, needs rebuild %v; want %d, false", n, ix.NeedsRebuild(), len(docs))
	}
}

func TestFingerprintChangeNeedsRebuild(t *testing.T) {
	ix, m, _ := mustIndex(t, loadCorpus(t)[:3])
	if ix.NeedsRebuild() {
		t.Fatal("fresh index after catch-up needs rebuild")
	}
	ix.mu.RLock()
	ix.bi.setInternal(keyFingerprint, []byte("older-analysis"))
	ix.mu.RUnlock()
	dir := ix.Dir()
	ix.Close()
	ix2, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix2.Close()
	if !ix2.NeedsRebuild() {
		t.Fatal("changed fingerprint: want NeedsRebuild")
	}
	// The old index serves meanwhile.
	if n, _ := ix2.DocCount(); n != 3 {
		t.Errorf("old index has %d docs, want 3", n)
	}
	if err := NewFollower(ix2, m.outbox(), nil).CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ix2.NeedsRebuild() {
		t.Error("still needs rebuild after catch-up")
	}
}

func TestOpenBusyIndex(t *testing.T) {
	ix, _, _ := mustIndex(t, nil)
	if _, err := Open(ix.Dir(), nil); err != ErrIndexBusy {
		t.Errorf("second open: %v, want ErrIndexBusy", err)
	}
}

func TestSearchStopWords(t *testing.T) {
	ix, _, _ := mustIndex(t, loadCorpus(t))
	// A phrase across a stop word still matches where it stands…
	res, err := ix.Search(context.Background(), Query{Text: `"老人的需求"`})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 0 {
		t.Errorf("老人的需求 is in no document: got %v", keys(res))
	}
	res, _ = ix.Search(context.Background(), Query{Text: `"社区治理的经验"`})
	if len(res.Hits) != 1 || res.Hits[0].Key != "report:23" || res.Fallback {
		t.Errorf(`"社区治理的经验": got %v (fallback %v), want report:23`, keys(res), res.Fallback)
	}
	// …and a query of stop words alone goes to the fallback.
	res, _ = ix.Search(context.Background(), Query{Text: "的"})
	if !res.Fallback || res.Total == 0 {
		t.Errorf("的: fallback %v, total %d; want fallback hits", res.Fallback, res.Total)
	}
}

// TestNoFallbackForWords checks that a dictionary word found in no
// document finds nothing, rather than the pairs of other words that spell
// it (the demo data's trap: 市长 in 本市长宁区).
func TestNoFallbackForWords(t *testing.T) {
	docs := []*ledger.SearchDoc{
		{Key: "report:1", Kind: ledger.DocReport, Title: "服务范围", Body: "项目服务范围覆盖本市长宁区仙霞新村街道。", Date: "2016-01-01"},
		{Key: "report:2", Kind: ledger.DocReport, Title: "政策", Body: "落实国家政策。", Date: "2016-01-01"},
	}
	ix, _, _ := mustIndex(t, docs)
	for _, q := range []string{"市长", "家政", "家政 服务"} {
		res, err := ix.Search(context.Background(), Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 0 || res.Fallback {
			t.Errorf("%s: %v (fallback %v), want nothing", q, keys(res), res.Fallback)
		}
	}
	// Characters that are no word still fall back: 仙霞 is in no dictionary.
	if got := found(t, ix, "仙霞"); !cmp.Equal(got, []string{"report:1"}) {
		t.Errorf("仙霞: %v, want report:1", got)
	}
}

// TestFacetCounts checks every facet against counts made from the records
// the query returns (all of them fit on one page).
func TestFacetCounts(t *testing.T) {
	docs := loadCorpus(t)
	byKey := map[string]*ledger.SearchDoc{}
	for _, d := range docs {
		byKey[d.Key] = d
	}
	ix, _, _ := mustIndex(t, docs)
	for _, q := range []Query{
		{Limit: 100},
		{Text: "老人", Limit: 100},
		{Text: "服务", ServiceAreas: []ledger.ServiceArea{ledger.ElderlySupport}, Limit: 100},
	} {
		res, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if int(res.Total) != len(res.Hits) || res.Total == 0 {
			t.Fatalf("%q: total %d, %d hits: want all on one page", q.Text, res.Total, len(res.Hits))
		}
		counts := make([]map[string]int, 6)
		for i := range counts {
			counts[i] = map[string]int{}
		}
		for _, h := range res.Hits {
			d := byKey[h.Key]
			for i, v := range []string{string(d.Kind), string(d.ServiceArea), strconv.Itoa(d.Year), d.District, d.OrgName, string(d.Stage)} {
				if v != "" && v != "0" {
					counts[i][v]++
				}
			}
		}
		want := make([][]FacetCount, 6)
		for i, m := range counts {
			for v, c := range m {
				want[i] = append(want[i], FacetCount{v, c})
			}
			slices.SortFunc(want[i], func(a, b FacetCount) int {
				if a.Count != b.Count {
					return b.Count - a.Count
				}
				return strings.Compare(a.Value, b.Value)
			})
			want[i] = want[i][:min(len(want[i]), facetSize)]
		}
		f := res.Facets
		if diff := cmp.Diff(want, [][]FacetCount{f.Kind, f.ServiceArea, f.Year, f.District, f.OrgName, f.Stage}); diff != "" {
			t.Errorf("%q: facets (-want +got):\n%s", q.Text, diff)
		}
	}
}

// TestDateOrderTies checks that records of one date come in key order in
// both date orders (the corpus has two dates with several records).
func TestDateOrderTies(t *testing.T) {
	ix, _, _ := mustIndex(t, loadCorpus(t))
	for _, s := range []Sort{SortDateAsc, SortDateDesc} {
		res, err := ix.Search(context.Background(), Query{Sort: s, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		ties := 0
		for i := 1; i < len(res.Hits); i++ {
			a, b := res.Hits[i-1], res.Hits[i]
			if (s == SortDateAsc && a.Date > b.Date) || (s == SortDateDesc && a.Date < b.Date) {
				t.Errorf("%s: %s (%s) before %s (%s)", s, a.Key, a.Date, b.Key, b.Date)
			}
			if a.Date == b.Date {
				ties++
				if a.Key > b.Key {
					t.Errorf("%s: %s before %s on %s", s, a.Key, b.Key, a.Date)
				}
			}
		}
		if ties == 0 {
			t.Errorf("%s: no records of one date", s)
		}
	}
}
