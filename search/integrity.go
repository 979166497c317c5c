package search

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"civicledger/ledger"
)

// An index must not answer for a database it does not reflect. Three
// things are checked:
//
//   - Corruption. Every segment file ends with a CRC-32 of everything before
//     it, written by the segment writer (zap) when the file is written and
//     never checked by bleve; openShard checks it for every segment of the
//     index (verifySegments). A mismatch makes the index unreadable: it is
//     replaced by an empty one and rebuilt.
//   - Origin. The index records the identity of the database it was built
//     from (ledger.Outbox.Identity) and the last outbox entry it indexed at
//     or below its watermark (its anchor: seq, record, time). An index of
//     another database, one whose watermark is beyond the database's outbox,
//     or whose anchor entry is not in the outbox as it was (an older backup
//     restored, and written to since) is discarded and rebuilt: the
//     Follower checks at its first pass and every CheckInterval.
//   - Agreement. Verify compares the counts per kind and a sample of the
//     documents with the database (civicledger verify); the Follower
//     compares the counts every CheckInterval when it has caught up, and
//     Status reports the last difference.

// Keys of the index's internal storage, beside keyFingerprint and keyWatermark.
var (
	keyDatabase = []byte("civicledger.database") // the identity of the database followed
	keyAnchor   = []byte("civicledger.anchor")   // see anchorOf
)

// anchorOf encodes an outbox entry as the index records it.
func anchorOf(e *ledger.OutboxEntry) []byte {
	return []byte(strconv.FormatInt(e.Seq, 10) + " " + string(e.Entity) + " " + strconv.FormatInt(e.EntityID, 10) + " " +
		e.RecordedAt.UTC().Format(time.RFC3339Nano))
}

// anchorSeq returns the seq of an encoded anchor, 0 when there is none.
func anchorSeq(a []byte) int64 {
	s, _, _ := strings.Cut(string(a), " ")
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// verifySegments checks the CRC-32 at the end of every segment file of bi
// against its contents. It reads the files (not their memory maps), so the
// pages read stay out of the process's resident memory.
func verifySegments(bi bleve.Index) error {
	adv, err := bi.Advanced()
	if err != nil {
		return err
	}
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil
	}
	r, err := sc.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil
	}
	for _, ss := range snap.Segments() {
		p, ok := ss.Segment().(interface{ Path() string })
		if !ok || p.Path() == "" {
			continue // in memory, not persisted yet
		}
		if err := checkSegmentFile(p.Path()); err != nil {
			return err
		}
	}
	return nil
}

// errChecksum is the error of a segment whose contents do not match its CRC.
var errChecksum = errors.New("segment checksum mismatch")

// checkSegmentFile checks one zap segment file: its last four bytes are
// the big-endian CRC-32 (IEEE) of all the bytes before them.
func checkSegmentFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() < 4 {
		return fmt.Errorf("%s: %w (file of %d bytes)", path, errChecksum, st.Size())
	}
	h := crc32.NewIEEE()
	buf := make([]byte, 1<<20)
	if _, err := io.CopyBuffer(h, io.LimitReader(f, st.Size()-4), buf); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var tail [4]byte
	if _, err := io.ReadFull(f, tail[:]); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if want := binary.BigEndian.Uint32(tail[:]); h.Sum32() != want {
		return fmt.Errorf("%s: %w (stored %08x, computed %08x)", path, errChecksum, want, h.Sum32())
	}
	return nil
}

// origin is what the index records about the database it follows.
type origin struct {
	database  string
	anchor    []byte
	watermark int64
	docs      uint64
}

func (ix *Index) origin() (origin, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return origin{}, errClosed
	}
	var o origin
	var err error
	if o.database, err = ix.bi.agreed(keyDatabase); err != nil {
		return o, err
	}
	// Each shard records the anchor of its last batch; the lowest is the
	// one every shard has reached (see shards.watermark).
	for i, bi := range ix.bi.idx {
		a, err := bi.GetInternal(keyAnchor)
		if err != nil {
			return o, err
		}
		if i == 0 || anchorSeq(a) < anchorSeq(o.anchor) {
			o.anchor = a
		}
	}
	if o.watermark, err = ix.bi.watermark(); err != nil {
		return o, err
	}
	o.docs, err = ix.bi.DocCount()
	return o, err
}

// originMismatch says why the index does not reflect the database behind
// ob, or "" when it may: another database's identity, a watermark beyond
// the outbox, or an anchor entry the outbox does not hold as indexed. A
// new, empty index records no database and is not a mismatch.
func originMismatch(ctx context.Context, ix *Index, ob ledger.Outbox) (string, error) {
	id, err := ob.Identity(ctx)
	if err != nil {
		return "", fmt.Errorf("search: reading the database identity: %w", err)
	}
	o, err := ix.origin()
	if err != nil {
		return "", fmt.Errorf("search: reading the index's origin: %w", err)
	}
	switch {
	case o.database == "" && o.docs == 0:
		return "", nil
	case o.database == "":
		return "the index records no database identity (built before identities, or by another database)", nil
	case o.database != id:
		return fmt.Sprintf("the index belongs to another database (index %s, database %s)", o.database, id), nil
	}
	max, err := ob.OutboxMaxSeq(ctx)
	if err != nil {
		return "", fmt.Errorf("search: reading outbox: %w", err)
	}
	if o.watermark > max {
		return fmt.Sprintf("the index is beyond the database's outbox (indexed through %d, outbox ends at %d): an older backup restored?", o.watermark, max), nil
	}
	if seq := anchorSeq(o.anchor); seq > 0 {
		es, _, err := ob.OutboxAfter(ctx, seq-1, 1)
		if err != nil {
			return "", fmt.Errorf("search: reading outbox: %w", err)
		}
		if len(es) == 0 || es[0].Seq != seq || string(anchorOf(&es[0])) != string(o.anchor) {
			got := "nothing"
			if len(es) > 0 {
				got = string(anchorOf(&es[0]))
			}
			return fmt.Sprintf("outbox entry %d is not the one indexed (index %q, database %s): an older backup restored?", seq, o.anchor, got), nil
		}
	}
	return "", nil
}

// discard replaces the index by an empty one that needs a rebuild: an index
// that does not reflect the database must not answer for it.
func (ix *Index) discard(reason string) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.bi != nil {
		if err := ix.bi.Close(); err != nil {
			ix.log.Warn("closing discarded search index", "err", err)
		}
		ix.bi = nil
	}
	ix.setRebuild(reason)
	if err := os.RemoveAll(ix.dir); err != nil {
		return fmt.Errorf("search: removing discarded index: %w", err)
	}
	bi, err := createShards(ix.dir)
	if err != nil {
		return err
	}
	ix.bi = bi
	return nil
}

// KindCount is the number of records of one kind in the database and in
// the index.
type KindCount struct {
	Kind            ledger.DocKind
	Database, Index int64
}

// indexCounts counts the documents of each kind in the index.
func (ix *Index) indexCounts(ctx context.Context, kinds []ledger.DocKind) (map[ledger.DocKind]int64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return nil, errClosed
	}
	out := map[ledger.DocKind]int64{}
	for _, k := range kinds {
		q := bleve.NewTermQuery(string(k))
		q.SetField(fKind)
		sr, err := ix.bi.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, 0, 0, false))
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		out[k] = int64(sr.Total)
	}
	return out, nil
}

var allKinds = []ledger.DocKind{ledger.DocProject, ledger.DocReport, ledger.DocAnnouncement, ledger.DocOrganization, ledger.DocCaseStudy, ledger.DocComment}

// compareCounts returns the counts per kind of the database and the index
// and a sentence for each kind where they differ.
func compareCounts(ctx context.Context, ix *Index, c ledger.SearchCounter) ([]KindCount, []string, error) {
	dbc, err := c.CountSearchDocs(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("search: counting records: %w", err)
	}
	kinds := append([]ledger.DocKind(nil), allKinds...)
	for k := range dbc {
		if !containsKind(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	ixc, err := ix.indexCounts(ctx, kinds)
	if err != nil {
		return nil, nil, err
	}
	var counts []KindCount
	var diffs []string
	for _, k := range kinds {
		kc := KindCount{Kind: k, Database: dbc[k], Index: ixc[k]}
		counts = append(counts, kc)
		if kc.Database != kc.Index {
			diffs = append(diffs, fmt.Sprintf("%s: %d in the database, %d in the index", k, kc.Database, kc.Index))
		}
	}
	return counts, diffs, nil
}

func containsKind(ks []ledger.DocKind, k ledger.DocKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// Status is what a Follower knows of how well its index reflects the
// database, for readiness reports.
type Status struct {
	Watermark int64 // every outbox entry up to it is indexed
	// Building is set while the index needs a (re)build: searches then
	// answer from an empty or older index (Result.Indexing).
	Building    bool
	BuildReason string
	// Mismatch is why the index was last found not to reflect the
	// database (and was discarded and rebuilt), "" when it never was.
	Mismatch   string
	MismatchAt time.Time
	// CountDiffs are the kinds whose counts differed from the database's
	// at the last comparison made while caught up (CountsAt; zero when
	// none was made yet).
	CountDiffs []string
	CountsAt   time.Time
}

// Status returns the follower's watermark and the findings of its checks.
func (f *Follower) Status() Status {
	f.pmu.Lock()
	st := f.status
	if f.state != nil {
		st.Watermark = f.state.w
	}
	f.pmu.Unlock()
	st.CountDiffs = append([]string(nil), st.CountDiffs...)
	st.Building, st.BuildReason = f.ix.NeedsRebuild(), f.ix.RebuildReason()
	return st
}

// checkOrigin discards the index when it does not reflect the database
// (see originMismatch); the pass then rebuilds it.
func (f *Follower) checkOrigin(ctx context.Context) error {
	reason, err := originMismatch(ctx, f.ix, f.ob)
	if err != nil || reason == "" {
		return err
	}
	f.log.Warn("search index does not reflect the database; discarding and rebuilding it", "reason", reason)
	f.tr = nil
	f.pmu.Lock()
	f.state = nil
	f.status.Mismatch, f.status.MismatchAt = reason, time.Now()
	f.pmu.Unlock()
	return f.ix.discard(reason)
}

// checkCounts compares the counts per kind with the database's when the
// outbox's end is indexed and stays put during the comparison.
func (f *Follower) checkCounts(ctx context.Context) error {
	c, ok := f.ob.(ledger.SearchCounter)
	if !ok || f.tr == nil {
		return nil
	}
	m1, err := f.ob.OutboxMaxSeq(ctx)
	if err != nil || f.tr.w < m1 {
		return err
	}
	_, diffs, err := compareCounts(ctx, f.ix, c)
	if err != nil {
		return err
	}
	if m2, err := f.ob.OutboxMaxSeq(ctx); err != nil || m2 != m1 {
		return err
	}
	if len(diffs) > 0 {
		f.log.Warn("search index counts differ from the database", "diffs", strings.Join(diffs, "; "))
	}
	f.pmu.Lock()
	f.status.CountDiffs, f.status.CountsAt = diffs, time.Now()
	f.pmu.Unlock()
	return nil
}

// VerifyReport is what Verify found.
type VerifyReport struct {
	Counts    []KindCount
	Sampled   int   // records of the database compared field by field
	Watermark int64 // of the index
	MaxSeq    int64 // of the database's outbox
	// Problems lists every difference found; none when the index reflects
	// the database.
	Problems []string
}

// OK reports whether Verify found no difference.
func (r *VerifyReport) OK() bool { return len(r.Problems) == 0 }

// Verify compares the index with the database behind ob, changing neither:
// the index's origin (identity, watermark, anchor), how far it is behind
// the outbox, the counts per kind, and sample records of the database,
// chosen at random, field by field with what the index stores.
func Verify(ctx context.Context, ix *Index, ob ledger.Outbox, c ledger.SearchCounter, sample int) (*VerifyReport, error) {
	r := &VerifyReport{}
	if ix.NeedsRebuild() {
		r.Problems = append(r.Problems, "the index needs a rebuild: "+ix.RebuildReason())
	}
	reason, err := originMismatch(ctx, ix, ob)
	if err != nil {
		return nil, err
	}
	if reason != "" {
		r.Problems = append(r.Problems, reason)
	}
	if r.Watermark, err = ix.Watermark(); err != nil {
		return nil, err
	}
	if r.MaxSeq, err = ob.OutboxMaxSeq(ctx); err != nil {
		return nil, err
	}
	if r.Watermark < r.MaxSeq {
		r.Problems = append(r.Problems, fmt.Sprintf("the index is behind the outbox (indexed through %d of %d)", r.Watermark, r.MaxSeq))
	}
	counts, diffs, err := compareCounts(ctx, ix, c)
	if err != nil {
		return nil, err
	}
	r.Counts = counts
	r.Problems = append(r.Problems, diffs...)

	// A uniform sample of the records (reservoir sampling).
	var picked []*ledger.SearchDoc
	seen := 0
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	if err := ob.EachSearchDoc(ctx, func(d *ledger.SearchDoc) error {
		seen++
		if len(picked) < sample {
			picked = append(picked, d)
		} else if j := rng.IntN(seen); j < sample {
			picked[j] = d
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("search: reading records: %w", err)
	}
	r.Sampled = len(picked)
	ids := make([]string, len(picked))
	for i, d := range picked {
		ids[i] = d.Key
	}
	ix.mu.RLock()
	if ix.bi == nil {
		ix.mu.RUnlock()
		return nil, errClosed
	}
	stored, err := ix.fetch(ctx, nil, ids, false)
	ix.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	for _, d := range picked {
		m := stored[d.Key]
		if m == nil {
			r.Problems = append(r.Problems, d.Key+" is not in the index")
			continue
		}
		str := func(f string) string { v, _ := m.Fields[f].(string); return v }
		pid := ""
		if d.ProjectID != 0 {
			pid = strconv.FormatInt(d.ProjectID, 10)
		}
		for _, f := range []struct{ name, db, index string }{
			{"kind", string(d.Kind), str(fKind)}, {"code", d.Code, str(fCode)}, {"title", d.Title, str(fTitle)},
			{"body", d.Body, str(fBody)}, {"date", string(d.Date), str(fDate)}, {"project code", d.ProjectCode, str(fProjectCode)},
			{"project id", pid, str(fProjectID)}, {"organization", d.OrgName, str(fOrgName)},
		} {
			if f.db != f.index {
				r.Problems = append(r.Problems, fmt.Sprintf("%s: the %s differs (database %q, index %q)", d.Key, f.name, clip(f.db), clip(f.index)))
			}
		}
	}
	return r, nil
}

// clip shortens s to 40 characters for a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
