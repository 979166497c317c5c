package search

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"civicledger/ledger"
)

// segmentFiles lists the segment files of an index directory.
func segmentFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".zap") {
			out = append(out, p)
		}
		return nil
	})
	if len(out) == 0 {
		t.Fatalf("no segment files under %s", dir)
	}
	return out
}

// totals counts the hits of each word.
func totals(t *testing.T, ix *Index, words []string) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for _, w := range words {
		res, err := ix.Search(context.Background(), Query{Text: w, NoFacets: true})
		if err != nil {
			t.Fatal(err)
		}
		out[w] = res.Total
	}
	return out
}

var probeWords = []string{"长者", "食堂", "助餐", "评估", "审计", "志愿者", "社区", "儿童", "残疾人", "服务"}

func TestCheckSegmentFile(t *testing.T) {
	ix, _, _ := mustIndex(t, loadCorpus(t))
	dir := ix.Dir()
	ix.Close()
	for _, p := range segmentFiles(t, dir) {
		if err := checkSegmentFile(p); err != nil {
			t.Fatalf("intact segment: %v", err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// Any byte changed, anywhere (the stored CRC included), is found.
		for _, at := range []int{0, len(b) / 3, len(b) / 2, len(b) - 5, len(b) - 1} {
			c := append([]byte(nil), b...)
			c[at] ^= 0x5a
			bad := p + ".bad"
			if err := os.WriteFile(bad, c, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := checkSegmentFile(bad); !errors.Is(err, errChecksum) {
				t.Errorf("byte %d of %d changed: %v, want a checksum mismatch", at, len(b), err)
			}
			os.Remove(bad)
		}
	}
}

// TestCorruptSegmentIsRebuilt: random bytes written into a segment file of
// a closed index are found when it opens; it is rebuilt with the right
// counts, and searches say that it is being built meanwhile.
func TestCorruptSegmentIsRebuilt(t *testing.T) {
	docs := loadCorpus(t)
	ix, m, _ := mustIndex(t, docs)
	want := totals(t, ix, probeWords)
	wantKinds, err := ix.indexCounts(context.Background(), allKinds)
	if err != nil {
		t.Fatal(err)
	}
	dir := ix.Dir()
	ix.Close()

	rng := rand.New(rand.NewPCG(7, 7))
	for _, p := range segmentFiles(t, dir) {
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		junk := make([]byte, 16)
		for i := range junk {
			junk[i] = byte(rng.UintN(256))
		}
		// Somewhere in the middle of the data: not the footer, which
		// bleve reads (and may refuse) when it opens the segment.
		at := st.Size()/4 + rng.Int64N(st.Size()/2)
		old := make([]byte, len(junk))
		f.ReadAt(old, at)
		for i := range junk {
			junk[i] ^= old[i] | 1 // every byte differs from what was there
		}
		if _, err := f.WriteAt(junk, at); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}

	ix, err = Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if !ix.NeedsRebuild() || !strings.Contains(ix.RebuildReason(), "checksum") {
		t.Fatalf("corrupt segment: NeedsRebuild %v (%q), want a rebuild for the checksum", ix.NeedsRebuild(), ix.RebuildReason())
	}
	res, err := ix.Search(context.Background(), Query{Text: "服务"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Indexing {
		t.Error("search of an index waiting for its rebuild: Indexing not set")
	}
	if err := NewFollower(ix, m.outbox(), nil).CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ix.NeedsRebuild() {
		t.Fatal("still needs a rebuild after catching up")
	}
	if diff := cmp.Diff(want, totals(t, ix, probeWords)); diff != "" {
		t.Errorf("hits per word (-before +after rebuild):\n%s", diff)
	}
	gotKinds, err := ix.indexCounts(context.Background(), allKinds)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantKinds, gotKinds); diff != "" {
		t.Errorf("documents per kind (-before +after rebuild):\n%s", diff)
	}
	if n, _ := ix.DocCount(); n != uint64(len(docs)) {
		t.Errorf("%d documents after the rebuild, want %d", n, len(docs))
	}
}

// TestForeignDatabaseIndexIsRebuilt: an index built from one database,
// opened by a node of another (empty) database, answers nothing for the
// first one's records: it is discarded and rebuilt.
func TestForeignDatabaseIndexIsRebuilt(t *testing.T) {
	docs := loadCorpus(t)
	a := newMemLedger()
	for _, d := range docs {
		a.put(d)
	}
	dir := filepath.Join(t.TempDir(), "index")
	ix, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	oa := a.outbox()
	oa.id = "database-a"
	if err := NewFollower(ix, oa, nil).CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := totals(t, ix, probeWords[:1]); got[probeWords[0]] == 0 {
		t.Fatalf("no hits for %s in the first database's index", probeWords[0])
	}
	ix.Close()

	b := newMemLedger() // another database, empty
	ob := b.outbox()
	ob.id = "database-b"
	ix, err = Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	f := NewFollower(ix, ob, nil)
	if err := f.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	for w, n := range totals(t, ix, probeWords) {
		if n != 0 {
			t.Errorf("%s: %d hits for records the database does not hold", w, n)
		}
	}
	if st := f.Status(); !strings.Contains(st.Mismatch, "another database") || st.Building {
		t.Errorf("status %+v: want the mismatch reported, not building", st)
	}
	// The new database's records are indexed from then on.
	b.put(doc("report:1", "新数据库的长者报告"))
	if err := f.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := found(t, ix, "长者"); !cmp.Equal(got, []string{"report:1"}) {
		t.Errorf("after a write to the new database: %v", got)
	}
}

// restoreTo returns a ledger holding the first n records of docs, written
// in the same order as into the original: a backup taken at outbox seq n.
func restoreTo(docs []*ledger.SearchDoc, n int) *memLedger {
	m := newMemLedger()
	for _, d := range docs[:n] {
		m.put(d)
	}
	return m
}

// TestRestoredBackupIsRebuilt: after an older backup of the database is
// restored, the index (ahead of it) is rebuilt, records the backup lacks
// are no longer found, and records written after the restore, under
// outbox numbers the index had already passed, are indexed. Both when the
// index's watermark is beyond the restored outbox and when new writes
// have taken the outbox past it.
func TestRestoredBackupIsRebuilt(t *testing.T) {
	docs := loadCorpus(t)
	const kept = 20
	for _, newWrites := range []int{3, 30} {
		t.Run(fmt.Sprintf("%d writes after the restore", newWrites), func(t *testing.T) {
			ix, _, _ := mustIndex(t, docs)
			dir := ix.Dir()
			lost := docs[kept].Key
			if got := dump(t, ix); got[lost] == "" {
				t.Fatalf("%s not indexed before the restore", lost)
			}
			ix.Close()

			m := restoreTo(docs, kept)
			var fresh []string
			for i := range newWrites {
				d := doc(fmt.Sprintf("report:%d", 900000+i), fmt.Sprintf("恢复备份后发布的第%d份督导报告", i+1))
				m.put(d)
				fresh = append(fresh, d.Key)
			}
			ix, err := Open(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			f := NewFollower(ix, m.outbox(), nil)
			if err := f.CatchUp(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := dump(t, ix)
			if got[lost] != "" {
				t.Errorf("%s, which the restored backup lacks, is still indexed", lost)
			}
			for _, k := range fresh {
				if got[k] == "" {
					t.Errorf("%s, written after the restore, is not indexed", k)
				}
			}
			if len(got) != kept+newWrites {
				t.Errorf("%d documents indexed, want %d", len(got), kept+newWrites)
			}
			if st := f.Status(); !strings.Contains(st.Mismatch, "backup") {
				t.Errorf("mismatch %q: want the restore reported", st.Mismatch)
			}
		})
	}
}

// TestIndexingFlagDuringFirstBuild: while the first build runs, a search
// says the index is being built; once built, it does not.
func TestIndexingFlagDuringFirstBuild(t *testing.T) {
	docs := loadCorpus(t)
	m := newMemLedger()
	for _, d := range docs {
		m.put(d)
	}
	ob := m.outbox()
	each := ob.each
	inside, release := make(chan struct{}), make(chan struct{})
	ob.each = func(ctx context.Context, fn func(*ledger.SearchDoc) error) error {
		n := 0
		return each(ctx, func(d *ledger.SearchDoc) error {
			if n++; n == len(docs)/2 {
				close(inside)
				<-release
			}
			return fn(d)
		})
	}
	ix, err := Open(filepath.Join(t.TempDir(), "index"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	f := NewFollower(ix, ob, nil)
	done := make(chan error, 1)
	go func() { done <- f.CatchUp(context.Background()) }()
	<-inside
	res, err := ix.Search(context.Background(), Query{Text: "服务"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Indexing || !f.Status().Building {
		t.Errorf("during the first build: Indexing %v, Building %v; want both set", res.Indexing, f.Status().Building)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	res, err = ix.Search(context.Background(), Query{Text: "服务"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Indexing || res.Total == 0 {
		t.Errorf("after the build: Indexing %v, %d hits; want unset and hits", res.Indexing, res.Total)
	}
}

// TestIntactIndexIsKept: reopening an index of the same database, caught
// up or behind, keeps it (no rebuild).
func TestIntactIndexIsKept(t *testing.T) {
	docs := loadCorpus(t)
	ix, m, _ := mustIndex(t, docs)
	dir := ix.Dir()
	ix.Close()
	m.put(doc("report:777", "重开前写入的报告"))
	ix, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.NeedsRebuild() {
		t.Fatalf("intact index needs a rebuild: %s", ix.RebuildReason())
	}
	rebuilt := false
	ob := m.outbox()
	each := ob.each
	ob.each = func(ctx context.Context, fn func(*ledger.SearchDoc) error) error {
		rebuilt = true
		return each(ctx, fn)
	}
	f := NewFollower(ix, ob, nil)
	if err := f.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rebuilt || f.Status().Mismatch != "" {
		t.Errorf("intact index rebuilt (%v) or reported (%q)", rebuilt, f.Status().Mismatch)
	}
	if n, _ := ix.DocCount(); n != uint64(len(docs)+1) {
		t.Errorf("%d documents, want %d", n, len(docs)+1)
	}
}
