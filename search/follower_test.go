package search

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/google/go-cmp/cmp"

	"civicledger/ledger"
)

func entries(seqs ...int64) []ledger.OutboxEntry {
	var out []ledger.OutboxEntry
	for _, s := range seqs {
		out = append(out, ledger.OutboxEntry{Seq: s, Entity: "report", EntityID: s})
	}
	return out
}

func TestTrackerGaps(t *testing.T) {
	type step struct {
		read      []int64
		h         ledger.Horizon
		wantW     int64
		wantGaps  []int64
		wantTodo  int
		wantFront int64
	}
	sqlite := ledger.Horizon{XMin: math.MaxInt64, XMax: math.MaxInt64}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"in order", []step{
			{read: []int64{1, 2, 3}, h: ledger.Horizon{XMin: 10, XMax: 12}, wantW: 3, wantTodo: 3, wantFront: 3},
		}},
		{"late commit fills the gap", []step{
			// seq 1's transaction is still running when 2 and 3 are read.
			{read: []int64{2, 3}, h: ledger.Horizon{XMin: 10, XMax: 12}, wantW: 0, wantGaps: []int64{1}, wantTodo: 2, wantFront: 3},
			// Re-read from the watermark: 2 and 3 are not redone.
			{read: []int64{2, 3}, h: ledger.Horizon{XMin: 10, XMax: 13}, wantW: 0, wantGaps: []int64{1}, wantTodo: 0, wantFront: 3},
			{read: []int64{1, 2, 3, 4}, h: ledger.Horizon{XMin: 11, XMax: 14}, wantW: 4, wantTodo: 2, wantFront: 4},
		}},
		{"rolled back gap becomes permanent only past the horizon", []step{
			{read: []int64{2}, h: ledger.Horizon{XMin: 10, XMax: 12}, wantW: 0, wantGaps: []int64{1}, wantTodo: 1, wantFront: 2},
			// XMin 11 < 12: a transaction that may hold seq 1 could still be running.
			{read: []int64{2}, h: ledger.Horizon{XMin: 11, XMax: 15}, wantW: 0, wantGaps: []int64{1}, wantFront: 2},
			// Every transaction below 12 has ended: seq 1 will never come.
			{read: []int64{2}, h: ledger.Horizon{XMin: 12, XMax: 15}, wantW: 2, wantFront: 2},
		}},
		{"gap first seen later keeps the later XMax", []step{
			{read: []int64{1}, h: ledger.Horizon{XMin: 10, XMax: 12}, wantW: 1, wantTodo: 1, wantFront: 1},
			{read: []int64{3}, h: ledger.Horizon{XMin: 13, XMax: 20}, wantW: 1, wantGaps: []int64{2}, wantTodo: 1, wantFront: 3},
			{read: []int64{3}, h: ledger.Horizon{XMin: 19, XMax: 25}, wantW: 1, wantGaps: []int64{2}, wantFront: 3},
			{read: []int64{3}, h: ledger.Horizon{XMin: 20, XMax: 25}, wantW: 3, wantFront: 3},
		}},
		{"sqlite gaps are permanent at once", []step{
			{read: []int64{2, 5}, h: sqlite, wantW: 5, wantTodo: 2, wantFront: 5},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracker(0)
			for i, s := range tc.steps {
				todo := tr.unseen(entries(s.read...))
				tr.observe(todo, s.h)
				got := fmt.Sprint(tr.w, tr.pendingGaps(), len(todo), tr.front)
				want := fmt.Sprint(s.wantW, append([]int64{}, s.wantGaps...), s.wantTodo, s.wantFront)
				if s.wantGaps == nil {
					want = fmt.Sprint(s.wantW, []int64{}, s.wantTodo, s.wantFront)
					got = fmt.Sprint(tr.w, append([]int64{}, tr.pendingGaps()...), len(todo), tr.front)
				}
				if got != want {
					t.Errorf("step %d: w gaps todo front = %s, want %s", i, got, want)
				}
			}
		})
	}
}

func doc(key, title string) *ledger.SearchDoc {
	return &ledger.SearchDoc{Key: key, Kind: ledger.DocReport, Title: title, Body: title + "的正文。", Date: "2016-05-01"}
}

// dump lists every document of an index as key -> title.
func dump(t *testing.T, ix *Index) map[string]string {
	t.Helper()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 10000, 0, false)
	req.Fields = []string{fTitle}
	res, err := ix.bi.SearchInContext(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, h := range res.Hits {
		out[h.ID], _ = h.Fields[fTitle].(string)
	}
	return out
}

func found(t *testing.T, ix *Index, text string) []string {
	t.Helper()
	res, err := ix.Search(context.Background(), Query{Text: text, NoFacets: true})
	if err != nil {
		t.Fatal(err)
	}
	return keys(res)
}

func TestFollowerOutOfOrderCommit(t *testing.T) {
	ix, m, f := mustIndex(t, nil)
	ctx := context.Background()
	slow := m.begin()
	m.write(slow, "report:1", doc("report:1", "迟到的中期评审报告"))
	fast := m.begin()
	m.write(fast, "report:2", doc("report:2", "先到的验收报告"))
	m.end(fast, true)

	if err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := found(t, ix, "报告"); !cmp.Equal(got, []string{"report:2"}) {
		t.Fatalf("after the fast commit: %v, want [report:2]", got)
	}
	if w, _ := ix.Watermark(); w != 0 {
		t.Fatalf("watermark %d, want 0 (seq 1 still open)", w)
	}
	// More passes while the slow transaction runs change nothing.
	for range 3 {
		if err := f.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	m.end(slow, true)
	if err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := sorted(found(t, ix, "报告")); !cmp.Equal(got, []string{"report:1", "report:2"}) {
		t.Fatalf("after the slow commit: %v, want both", got)
	}
	if w, _ := ix.Watermark(); w != 2 {
		t.Errorf("watermark %d, want 2", w)
	}
}

func TestFollowerRolledBackGap(t *testing.T) {
	ix, m, f := mustIndex(t, nil)
	ctx := context.Background()
	bad := m.begin()
	m.write(bad, "report:1", doc("report:1", "作废的报告"))
	m.put(doc("report:2", "有效的报告"))
	if err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if w, _ := ix.Watermark(); w != 0 {
		t.Fatalf("watermark %d, want 0 while seq 1 may commit", w)
	}
	m.end(bad, false)
	m.put(doc("report:3", "之后的报告"))
	if err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if w, _ := ix.Watermark(); w != 3 {
		t.Errorf("watermark %d, want 3 (seq 1 rolled back)", w)
	}
	if got := sorted(found(t, ix, "报告")); !cmp.Equal(got, []string{"report:2", "report:3"}) {
		t.Errorf("hits %v", got)
	}
}

func TestFollowerSQLiteGap(t *testing.T) {
	m := newMemLedger()
	m.sqlite = true
	ix, err := Open(filepath.Join(t.TempDir(), "ix"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	f := NewFollower(ix, m.outbox(), nil)
	x := m.begin()
	m.write(x, "report:1", doc("report:1", "回滚"))
	m.end(x, false)
	m.put(doc("report:2", "提交"))
	if err := f.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w, _ := ix.Watermark(); w != 2 {
		t.Errorf("watermark %d, want 2", w)
	}
}

func TestFollowerUpdatesAndDeletes(t *testing.T) {
	ix, m, f := mustIndex(t, []*ledger.SearchDoc{doc("report:1", "养老服务报告"), doc("project:2", "助残项目")})
	ctx := context.Background()
	m.put(doc("report:1", "更正后的济困报告"))
	x := m.begin()
	m.write(x, "project:2", nil) // the record is gone (or no longer public)
	m.end(x, true)
	if err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"report:1": "更正后的济困报告"}, dump(t, ix)); diff != "" {
		t.Errorf("index (-want +got):\n%s", diff)
	}
}

// TestFollowerPagesPastAStuckGap reads in pages of two while a gap stays
// open: every committed row is still indexed, each once.
func TestFollowerPagesPastAStuckGap(t *testing.T) {
	ix, m, f := mustIndex(t, nil)
	f.BatchSize = 2
	ctx := context.Background()
	slow := m.begin()
	m.write(slow, "report:1", doc("report:1", "慢事务"))
	for i := 2; i <= 9; i++ {
		m.put(doc(fmt.Sprintf("report:%d", i), fmt.Sprintf("报告%d", i)))
	}
	fetched := 0
	ob := m.outbox()
	docs := ob.docs
	ob.docs = func(ctx context.Context, e ledger.Entity, ids []int64) (map[int64]*ledger.SearchDoc, error) {
		fetched += len(ids)
		return docs(ctx, e, ids)
	}
	f.ob = ob
	for range 3 {
		if err := f.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(dump(t, ix)); n != 8 || fetched != 8 {
		t.Fatalf("%d docs indexed, %d fetched; want 8, 8", n, fetched)
	}
	m.end(slow, true)
	if err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if w, _ := ix.Watermark(); w != 9 || len(dump(t, ix)) != 9 {
		t.Errorf("watermark %d, %d docs; want 9, 9", w, len(dump(t, ix)))
	}
}

// TestFollowerRestartEqualsRebuild stops a node mid-stream and restarts
// it: the index it ends with equals one rebuilt from the records.
func TestFollowerRestartEqualsRebuild(t *testing.T) {
	docs := loadCorpus(t)
	m := newMemLedger()
	for _, d := range docs[:10] {
		m.put(d)
	}
	dir := filepath.Join(t.TempDir(), "ix")
	ix, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := NewFollower(ix, m.outbox(), nil).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	open := m.begin() // in flight across the restart
	m.write(open, docs[10].Key, docs[10])
	for _, d := range docs[11:20] {
		m.put(d)
	}
	if err := NewFollower(ix, m.outbox(), nil).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	ix.Close() // the node stops

	m.end(open, true)
	for _, d := range docs[20:] {
		m.put(d)
	}
	m.put(doc(docs[0].Key, "改过的标题"))
	ix, err = Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.NeedsRebuild() {
		t.Fatal("a cleanly closed index needs no rebuild")
	}
	if err := NewFollower(ix, m.outbox(), nil).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	fresh, err := Open(filepath.Join(t.TempDir(), "fresh"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := NewFollower(fresh, m.outbox(), nil).Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	want := dump(t, fresh)
	if len(want) != len(docs) {
		t.Fatalf("rebuilt index has %d docs, want %d", len(want), len(docs))
	}
	if diff := cmp.Diff(want, dump(t, ix)); diff != "" {
		t.Errorf("restarted index differs from a rebuild (-rebuild +restarted):\n%s", diff)
	}
}

func TestSyncPublishToSearchable(t *testing.T) {
	ix, m, f := mustIndex(t, loadCorpus(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Interval = time.Hour // only Sync wakes it
	done := make(chan error)
	go func() { done <- f.Run(ctx) }()
	for i := range 5 {
		key := fmt.Sprintf("announcement:%d", 100+i)
		start := time.Now()
		seq := m.put(&ledger.SearchDoc{Key: key, Kind: ledger.DocAnnouncement, Title: fmt.Sprintf("第%d批项目立项公示", i), Body: "公示期七天。", Date: "2016-06-01"})
		sctx, scancel := context.WithTimeout(ctx, 2*time.Second)
		if err := f.Sync(sctx); err != nil {
			t.Fatalf("sync: %v", err)
		}
		if err := f.WaitFor(sctx, seq); err != nil {
			t.Fatalf("wait for %d: %v", seq, err)
		}
		scancel()
		res, err := ix.Search(ctx, Query{Text: fmt.Sprintf("第%d批", i), NoFacets: true})
		if err != nil || len(res.Hits) == 0 || res.Hits[0].Key != key {
			t.Fatalf("%s not searchable after Sync: %v %v", key, err, res)
		}
		t.Logf("publish → searchable: %v", time.Since(start))
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}
