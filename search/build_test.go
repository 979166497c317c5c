package search

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	index "github.com/blevesearch/bleve_index_api"

	"civicledger/ledger"
)

// dumpIndex writes the content of ix in a canonical form: per shard, the
// internal values, every term of every field with its document count, and
// the doc values and stored fields of every document; then the results (keys, scores,
// highlights, facets) of the benchmark queries. Two indexes of the same
// records dump alike however their segments were written.
func dumpIndex(t testing.TB, ix *Index) string {
	t.Helper()
	var b strings.Builder
	ix.mu.RLock()
	for i, bi := range ix.bi.idx {
		fmt.Fprintf(&b, "shard %d\n", i)
		n, err := bi.DocCount()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "docs %d\n", n)
		for _, k := range [][]byte{keyFingerprint, keyWatermark, []byte("_mapping")} {
			v, err := bi.GetInternal(k)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "internal %s %q\n", k, v)
		}
		fieldNames, err := bi.Fields()
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(fieldNames)
		var ids []string
		for _, f := range fieldNames {
			d, err := bi.FieldDict(f)
			if err != nil {
				t.Fatal(err)
			}
			for {
				e, err := d.Next()
				if err != nil {
					t.Fatal(err)
				}
				if e == nil {
					break
				}
				fmt.Fprintf(&b, "term %s %q %d\n", f, e.Term, e.Count)
				if f == "_id" {
					ids = append(ids, e.Term)
				}
			}
			d.Close()
		}
		adv, err := bi.Advanced()
		if err != nil {
			t.Fatal(err)
		}
		r, err := adv.Reader()
		if err != nil {
			t.Fatal(err)
		}
		dvr, err := r.DocValueReader([]string{fFacets, fDate, fKey})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			iid, err := r.InternalID(id)
			if err != nil {
				t.Fatal(err)
			}
			var dv []string
			if err := dvr.VisitDocValues(iid, func(field string, term []byte) {
				dv = append(dv, fmt.Sprintf("%s=%q", field, term))
			}); err != nil {
				t.Fatal(err)
			}
			slices.Sort(dv)
			fmt.Fprintf(&b, "docvalues %s %s\n", id, strings.Join(dv, " "))
		}
		r.Close()
		for _, id := range ids {
			doc, err := bi.Document(id)
			if err != nil || doc == nil {
				t.Fatalf("document %s: %v", id, err)
			}
			var fs []string
			doc.VisitFields(func(f index.Field) {
				fs = append(fs, fmt.Sprintf("%s=%q", f.Name(), f.Value()))
			})
			slices.Sort(fs)
			fmt.Fprintf(&b, "doc %s %s\n", id, strings.Join(fs, " "))
		}
	}
	ix.mu.RUnlock()
	for i, q := range benchQueries {
		query := Query{Text: q, Limit: 20}
		if i%4 == 1 {
			query.Sort = SortDateDesc
		}
		if i%6 == 2 {
			query.ServiceAreas = []ledger.ServiceArea{ledger.ElderlySupport}
		}
		res, err := ix.Search(context.Background(), query)
		if err != nil {
			t.Fatal(err)
		}
		// Hits of equal score (or date) may come in either order.
		var hits []string
		for _, h := range res.Hits {
			hits = append(hits, fmt.Sprintf("%.6f %s %s %q %q", h.Score, h.Date, h.Key, h.TitleHTML, h.Fragments))
		}
		if query.Sort == SortDateDesc {
			slices.Sort(hits)
		} else {
			slices.Sort(hits)
			slices.Reverse(hits)
		}
		fmt.Fprintf(&b, "query %q total %d fallback %v facets %v\n", q, res.Total, res.Fallback, res.Facets)
		for _, h := range hits {
			fmt.Fprintf(&b, "  %s\n", h)
		}
	}
	return b.String()
}

// TestRebuildEqualsLiveIndex checks that a rebuild (scorch's offline
// builder, segments merged at the end) makes the same index as writing
// the same records through the live index in batches, as the follower
// does, including a record handed over twice.
func TestRebuildEqualsLiveIndex(t *testing.T) {
	// Merges of 5 segments at most: the 12 segments of a shard take
	// three rounds.
	defer func(m int) { mergeMaxSegments = m }(mergeMaxSegments)
	mergeMaxSegments = 5
	docs := genDocs(1200, 5)
	again := *docs[7]
	again.Title += "（更正）"
	again.Body = "更正后的报告：" + again.Body
	fill := append(slices.Clone(docs), &again)

	built, err := Open(filepath.Join(t.TempDir(), "built"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer built.Close()
	built.RebuildBatch = 100 // 12 segments per shard
	if n, err := built.buildAside(context.Background(), stamp{watermark: 42}, sliceFill(fill)); err != nil || n != len(fill) {
		t.Fatalf("buildAside: %d, %v", n, err)
	}

	live, err := Open(filepath.Join(t.TempDir(), "live"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	for start := 0; start < len(fill); start += 300 {
		var changes []change
		for _, d := range fill[start:min(start+300, len(fill))] {
			changes = append(changes, change{key: d.Key, doc: d})
		}
		if err := live.apply(changes, 42, nil); err != nil {
			t.Fatal(err)
		}
	}
	live.mu.RLock()
	err = live.bi.forceMerge(context.Background())
	live.mu.RUnlock()
	if err != nil {
		t.Fatal(err)
	}

	got, want := dumpIndex(t, built), dumpIndex(t, live)
	if !strings.Contains(got, "更正后的报告") {
		t.Error("the record handed over twice is not in its last form")
	}
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("rebuilt index differs from the live one at line %d:\n rebuilt: %.300s\n live:    %.300s", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("rebuilt index has %d dump lines, the live one %d", len(gl), len(wl))
	}
	if n, _ := built.DocCount(); n != uint64(len(docs)) {
		t.Errorf("rebuilt: %d documents, want %d", n, len(docs))
	}
	// Only the merged segment is left on disk.
	for i := range numShards {
		segs, _ := filepath.Glob(filepath.Join(shardDir(built.Dir(), i), "store", "*.zap"))
		if len(segs) != 1 {
			t.Errorf("shard %d: segment files %v, want one", i, segs)
		}
	}
}

// TestRebuildEmptyShard rebuilds from a single record, leaving a shard
// without documents.
func TestRebuildEmptyShard(t *testing.T) {
	ix, err := Open(filepath.Join(t.TempDir(), "ix"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	d := genDocs(1, 9)[0]
	if _, err := ix.buildAside(context.Background(), stamp{watermark: 7}, sliceFill([]*ledger.SearchDoc{d})); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.DocCount(); n != 1 || ix.NeedsRebuild() {
		t.Errorf("%d documents, needs rebuild %v; want 1, false", n, ix.NeedsRebuild())
	}
	if w, err := ix.Watermark(); w != 7 || err != nil {
		t.Errorf("watermark %d, %v; want 7", w, err)
	}
	res, err := ix.Search(context.Background(), Query{Text: d.ProjectCode})
	if err != nil || res.Total != 1 {
		t.Errorf("search %s: %+v, %v", d.ProjectCode, res, err)
	}
}

// TestDumpRebuiltIndex writes the dump of an index rebuilt from n
// generated records, to compare rebuilds across versions of the code:
//
//	CIVICLEDGER_SEARCH_DUMP=/tmp/dump.txt CIVICLEDGER_SEARCH_DUMP_DOCS=20000 go test -run DumpRebuiltIndex ./search/
func TestDumpRebuiltIndex(t *testing.T) {
	out := os.Getenv("CIVICLEDGER_SEARCH_DUMP")
	if out == "" {
		t.Skip("set CIVICLEDGER_SEARCH_DUMP=<file> to write the dump")
	}
	n, _ := strconv.Atoi(os.Getenv("CIVICLEDGER_SEARCH_DUMP_DOCS"))
	if n <= 0 {
		n = 20000
	}
	ix, err := Open(filepath.Join(t.TempDir(), "ix"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.buildAside(context.Background(), stamp{watermark: 3}, sliceFill(genDocs(n, 17))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, []byte(dumpIndex(t, ix)), 0o644); err != nil {
		t.Fatal(err)
	}
}
