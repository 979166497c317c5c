package search

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"

	"civicledger/ledger"
)

// Field names in the index.
const (
	fTitle       = "title"
	fBody        = "body"
	fMeta        = "meta" // codes, organization, district: searchable text
	fTitle2      = "title2"
	fBody2       = "body2"
	fMeta2       = "meta2"
	fKind        = "kind"
	fSubKind     = "subKind"
	fCode        = "code"
	fProjectCode = "projectCode"
	fProjectID   = "projectId"
	fOrgName     = "orgName"
	fOrgCode     = "orgCode"
	fDistrict    = "district"
	fYear        = "year"
	fServiceArea = "serviceArea"
	fStage       = "stage"
	fDate        = "date"
	fKey         = "key" // doc values only: the tie-break of the date orders
	// fFacets holds the values of the faceted fields in three terms (see
	// facetCombo): one doc-value visit per hit instead of six (facets were
	// 40% of query time), and three terms counted instead of six.
	fFacets = "facets"
)

// Keys of the index's internal storage.
var (
	keyFingerprint = []byte("civicledger.fingerprint")
	keyWatermark   = []byte("civicledger.watermark")
)

// ErrIndexBusy is returned by Open when another process holds the index.
var ErrIndexBusy = errors.New("search: the index is in use by another process")

// Index is the full-text index of one node, on local disk. It is safe for
// concurrent use; Rebuild swaps a freshly built index in under it.
type Index struct {
	dir string
	log *slog.Logger

	mu sync.RWMutex // guards bi against the swap
	bi *shards

	rebuild atomic.Pointer[string] // why the index needs rebuilding, nil when it does not

	// RebuildBatch is the number of documents a rebuild writes to a
	// segment file at a time, shared among the shards (default
	// DefaultRebuildBatch). Their analysis is held in memory until then:
	// with 500, about 100 MB of heap is live during a rebuild of 100,000
	// report-sized documents (dictionary included); with 2,000 the live
	// heap neared the rebuild's memory limit (see tuneGCForRebuild) and
	// the collector doubled the CPU time.
	RebuildBatch int
}

// DefaultRebuildBatch is the default of Index.RebuildBatch.
const DefaultRebuildBatch = 500

// Open opens the index in dir, creating it when it does not exist. A new
// index, one built with other analysis settings (see Fingerprint) and one
// that could not be read, or whose segment files do not match their
// checksums (see integrity.go), all report NeedsRebuild; an unreadable index is
// moved aside and replaced by an empty one, so Open fails only when the
// directory cannot be written or another process holds the index
// (ErrIndexBusy). logger may be nil.
func Open(dir string, logger *slog.Logger) (*Index, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ix := &Index{dir: dir, log: logger}
	if err := recoverSwap(dir); err != nil {
		return nil, err
	}
	bi, err := openShards(dir, true)
	switch {
	case err == nil:
		ix.bi = bi
		fp, ferr := bi.fingerprint()
		if ferr != nil {
			ix.setRebuild(fmt.Sprintf("reading the fingerprint: %v", ferr))
		} else if fp != Fingerprint() {
			ix.setRebuild(fmt.Sprintf("analysis changed (index %q, code %q)", fp, Fingerprint()))
		} else if _, werr := bi.watermark(); werr != nil {
			ix.setRebuild(fmt.Sprintf("reading the watermark: %v", werr))
		}
	case errors.Is(err, ErrIndexBusy):
		return nil, ErrIndexBusy
	case errors.Is(err, os.ErrNotExist):
		if ix.bi, err = createShards(dir); err != nil {
			return nil, err
		}
		ix.setRebuild("new index")
	default:
		logger.Warn("search index unreadable; starting afresh", "dir", dir, "err", err)
		if rerr := os.RemoveAll(dir); rerr != nil {
			return nil, fmt.Errorf("search: removing unreadable index: %w", rerr)
		}
		var cerr error
		if ix.bi, cerr = createShards(dir); cerr != nil {
			return nil, cerr
		}
		ix.setRebuild(fmt.Sprintf("index was unreadable: %v", err))
	}
	if ix.NeedsRebuild() {
		logger.Info("search index needs rebuild", "dir", dir, "reason", ix.RebuildReason())
	}
	return ix, nil
}

// servingMergePlan is bleve's default merge plan, as configuration.
func servingMergePlan() map[string]any {
	d := mergeplan.DefaultMergePlanOptions
	return map[string]any{
		"MaxSegmentsPerTier": d.MaxSegmentsPerTier, "MaxSegmentSize": d.MaxSegmentSize,
		"MaxSegmentFileSize": d.MaxSegmentFileSize, "TierGrowth": d.TierGrowth,
		"SegmentsPerMergeTask": d.SegmentsPerMergeTask, "FloorSegmentSize": d.FloorSegmentSize,
		"ReclaimDeletesWeight": d.ReclaimDeletesWeight,
	}
}

// create makes a new empty index in dir with the current fingerprint.
func create(dir string) (bleve.Index, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	cfg := map[string]any{"bolt_timeout": "3s"}
	bi, err := bleve.NewUsing(dir, indexMapping(), bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, cfg)
	if err != nil {
		return nil, fmt.Errorf("search: creating index: %w", err)
	}
	if err := bi.SetInternal(keyFingerprint, []byte(Fingerprint())); err != nil {
		bi.Close()
		return nil, fmt.Errorf("search: %w", err)
	}
	return bi, nil
}

// recoverSwap finishes or undoes a swap that a crash interrupted: dir.old
// without dir is put back; a half-built dir.new is removed.
func recoverSwap(dir string) error {
	old, next := dir+".old", dir+".new"
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(old); err == nil {
			if err := os.Rename(old, dir); err != nil {
				return fmt.Errorf("search: restoring %s: %w", old, err)
			}
		}
	}
	for _, p := range []string{old, next} {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("search: removing %s: %w", p, err)
		}
	}
	return nil
}

func indexMapping() mapping.IndexMapping {
	text := func(analyzer string, store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = store
		// Positions for phrases and highlights on the word fields only: the
		// bigram fields are matched as conjunctions of pairs and highlighted
		// by finding the text (half the indexing cost of positions saved).
		f.IncludeTermVectors = analyzer == WordAnalyzerName
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	kw := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Store = store
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false // filters only; facets use fFacets, sorting fDate
		return f
	}
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fTitle, text(WordAnalyzerName, true))
	dm.AddFieldMappingsAt(fBody, text(WordAnalyzerName, true))
	dm.AddFieldMappingsAt(fMeta, text(WordAnalyzerName, false))
	dm.AddFieldMappingsAt(fTitle2, text(BigramAnalyzerName, false))
	dm.AddFieldMappingsAt(fBody2, text(BigramAnalyzerName, false))
	dm.AddFieldMappingsAt(fMeta2, text(BigramAnalyzerName, false))
	for _, f := range []string{fKind, fCode, fProjectCode, fOrgName} {
		dm.AddFieldMappingsAt(f, kw(true))
	}
	for _, f := range []string{fSubKind, fOrgCode, fDistrict, fYear, fServiceArea, fStage} {
		dm.AddFieldMappingsAt(f, kw(false))
	}
	date := kw(true)
	date.DocValues = true
	dm.AddFieldMappingsAt(fDate, date)
	facets := kw(false)
	facets.DocValues = true
	dm.AddFieldMappingsAt(fFacets, facets)
	key := kw(false)
	key.DocValues = true
	dm.AddFieldMappingsAt(fKey, key)
	pid := bleve.NewKeywordFieldMapping()
	pid.Store, pid.Index, pid.DocValues, pid.IncludeInAll = true, false, false, false
	dm.AddFieldMappingsAt(fProjectID, pid)

	im := bleve.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = keyword.Name
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	return im
}

// fields is the indexed form of a SearchDoc.
func fields(d *ledger.SearchDoc) map[string]any {
	meta := joinNonEmpty(d.Code, d.ProjectCode, d.OrgName, d.OrgCode, d.District)
	m := map[string]any{
		fTitle: d.Title, fTitle2: d.Title,
		fBody: d.Body, fBody2: d.Body,
		fMeta: meta, fMeta2: meta,
		fKind: string(d.Kind),
		fDate: string(d.Date),
		fKey:  d.Key,
	}
	for k, v := range map[string]string{
		fSubKind: d.SubKind, fCode: d.Code, fProjectCode: d.ProjectCode,
		fOrgName: d.OrgName, fOrgCode: d.OrgCode, fDistrict: d.District,
		fServiceArea: string(d.ServiceArea), fStage: string(d.Stage),
	} {
		if v != "" {
			m[k] = v
		}
	}
	year := d.Year
	if year == 0 {
		year = d.Date.Year()
	}
	if year != 0 {
		m[fYear] = strconv.Itoa(year)
	}
	if d.ProjectID != 0 {
		m[fProjectID] = strconv.FormatInt(d.ProjectID, 10)
	}
	combo := facetCombo
	for i, f := range comboFields {
		if i > 0 {
			combo += facetSep
		}
		v, _ := m[f].(string)
		combo += v
	}
	facets := []string{combo}
	if v, ok := m[fDistrict].(string); ok {
		facets = append(facets, facetDistrict+v)
	}
	if v, ok := m[fOrgName].(string); ok {
		facets = append(facets, facetOrg+v)
	}
	m[fFacets] = facets
	return m
}

// pairOf names the pair field of each word field.
var pairOf = map[string]string{fTitle: fTitle2, fBody: fBody2, fMeta: fMeta2}

// newDocument maps d to a bleve document as the mapping m does, except
// that a text and its pair field share one analysis (one normalisation and
// segmentation instead of two) and that the empty _all field (no field is
// included in it) is left out.
func newDocument(m mapping.IndexMapping, d *ledger.SearchDoc) (*document.Document, error) {
	doc := document.NewDocument(d.Key)
	if err := m.MapDocument(doc, fields(d)); err != nil {
		return nil, err
	}
	doc.CompositeFields = nil
	shared := map[string]*dualAnalysis{}
	for i, f := range doc.Fields {
		tf, ok := f.(*document.TextField)
		if !ok {
			continue
		}
		name, pair := tf.Name(), false
		if name == fFacets || name == fDate || name == fKey {
			// Doc values keep bleve's own (compressed) encoding: with
			// index.SkipDVCompression the values of all but one segment
			// were lost when segments merged (facet counts and date orders
			// went wrong on the demo data; see TestSearchAPIFiltersFacetsPaging in
			// server_test.go).
			continue
		}
		if _, ok := pairOf[name]; !ok {
			for w, p := range pairOf {
				if p == name {
					name, pair = w, true
				}
			}
			if !pair {
				continue
			}
		}
		da := shared[name]
		if da == nil {
			da = &dualAnalysis{}
			shared[name] = da
		}
		side := &da.word
		if pair {
			side = &da.pair
		}
		side.vectors, side.arrayPositions = tf.Options().IncludeTermVectors(), tf.ArrayPositions()
		doc.Fields[i] = &textField{TextField: tf, da: da, pair: pair}
	}
	return doc, nil
}

// dualAnalysis is the analysis of one text for its word and pair fields,
// made when the first of them is analysed (bleve analyses the fields of a
// document one after the other).
type dualAnalysis struct {
	once       sync.Once
	word, pair fieldFreqs
}

// fieldFreqs is the analysis of one field: its terms with their
// frequencies and, with vectors, their locations.
type fieldFreqs struct {
	vectors        bool
	arrayPositions []uint64
	freqs          index.TokenFrequencies
	length         int // tokens
	locs           []index.TokenLocation
	t              text
}

// emit adds runes [s, e) of the text as a token.
func (f *fieldFreqs) emit(s, e int) {
	term := f.t.term(s, e)
	tf := f.freqs[string(term)]
	if tf == nil {
		tf = &index.TokenFreq{Term: term}
		f.freqs[string(term)] = tf
	}
	if f.vectors {
		f.locs = append(f.locs, index.TokenLocation{
			ArrayPositions: f.arrayPositions,
			Start:          int(f.t.at[s]),
			End:            int(f.t.at[e]),
			Position:       s + 1, // character offsets, 1-based as bleve expects
		})
		tf.Locations = append(tf.Locations, &f.locs[len(f.locs)-1])
	}
	tf.SetFrequency(tf.Frequency() + 1)
	f.length++
}

// textField is a text field analysed by its dualAnalysis: the term
// frequencies are made as the tokens come, as bleve's TokenFrequency would
// make them of a token stream, without the stream.
type textField struct {
	*document.TextField
	da   *dualAnalysis
	pair bool
}

func (f *textField) side() *fieldFreqs {
	if f.pair {
		return &f.da.pair
	}
	return &f.da.word
}

// Analyze implements document.Field.
func (f *textField) Analyze() {
	f.da.once.Do(func() {
		t := newText(f.Value())
		w, p := &f.da.word, &f.da.pair
		w.t, p.t = t, t
		w.freqs = make(index.TokenFrequencies, len(t.runes)/2+4)
		p.freqs = make(index.TokenFrequencies, len(t.runes)/2+4)
		if w.vectors {
			w.locs = make([]index.TokenLocation, 0, len(t.runes)*3/4+4)
		}
		t.dualTokens(w.emit, p.emit)
		// The terms point into t.norm; the rest of t is not needed.
		w.t, p.t = text{}, text{}
	})
}

// AnalyzedLength implements document.Field.
func (f *textField) AnalyzedLength() int { return f.side().length }

// AnalyzedTokenFrequencies implements document.Field.
func (f *textField) AnalyzedTokenFrequencies() index.TokenFrequencies { return f.side().freqs }

// Size implements document.Field. bleve counts it in its statistics only:
// an estimate from the length saves walking every location.
func (f *textField) Size() int { return len(f.Value()) + 64*f.side().length }

func joinNonEmpty(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += "\n"
		}
		out += p
	}
	return out
}

// NeedsRebuild reports whether the index must be rebuilt from the database:
// it is new, was unreadable, or was built with other analysis settings. The
// Follower rebuilds such an index before following the outbox.
func (ix *Index) NeedsRebuild() bool { return ix.rebuild.Load() != nil }

// RebuildReason says why NeedsRebuild is true, or "" when it is not.
func (ix *Index) RebuildReason() string {
	if p := ix.rebuild.Load(); p != nil {
		return *p
	}
	return ""
}

func (ix *Index) setRebuild(reason string) { ix.rebuild.Store(&reason) }

// Dir returns the directory of the index.
func (ix *Index) Dir() string { return ix.dir }

// DocCount returns the number of documents in the index.
func (ix *Index) DocCount() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return 0, errClosed
	}
	return ix.bi.DocCount()
}

var errClosed = errors.New("search: index closed")

// Close closes the index. Pending work of a Follower must be stopped first.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.bi == nil {
		return nil
	}
	err := ix.bi.Close()
	ix.bi = nil
	return err
}

// Watermark returns the outbox sequence number up to which every entry is
// reflected in the index, as stored in the index.
func (ix *Index) Watermark() (int64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return 0, errClosed
	}
	return ix.bi.watermark()
}

func readWatermark(bi bleve.Index) (int64, error) {
	v, err := bi.GetInternal(keyWatermark)
	if err != nil || len(v) == 0 {
		return 0, err
	}
	return strconv.ParseInt(string(v), 10, 64)
}

// change is one document to put into (doc != nil) or remove from the index.
type change struct {
	key string
	doc *ledger.SearchDoc
}

// apply writes changes and the new watermark (with its anchor, the last
// outbox entry at or below it, when not nil) in one batch per shard, so
// that a crash keeps both or neither (see shards.watermark).
func (ix *Index) apply(changes []change, watermark int64, anchor []byte) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return errClosed
	}
	batches := make([]*bleve.Batch, numShards)
	for i, bi := range ix.bi.idx {
		batches[i] = bi.NewBatch()
		batches[i].SetInternal(keyWatermark, []byte(strconv.FormatInt(watermark, 10)))
		if anchor != nil {
			batches[i].SetInternal(keyAnchor, anchor)
		}
	}
	for _, c := range changes {
		b := batches[shardOf(c.key)]
		if c.doc == nil {
			b.Delete(c.key)
		} else if doc, err := newDocument(ix.bi.idx[0].Mapping(), c.doc); err != nil {
			return fmt.Errorf("search: indexing %s: %w", c.key, err)
		} else if err := b.IndexAdvanced(doc); err != nil {
			return fmt.Errorf("search: indexing %s: %w", c.key, err)
		}
	}
	if err := ix.bi.each(func(i int, bi bleve.Index) error { return bi.Batch(batches[i]) }); err != nil {
		return fmt.Errorf("search: writing batch: %w", err)
	}
	return nil
}

// swap replaces the current index by the closed one in next.
func (ix *Index) swap(next string) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.bi != nil {
		if err := ix.bi.Close(); err != nil {
			ix.log.Warn("closing replaced search index", "err", err)
		}
		ix.bi = nil
	}
	old := ix.dir + ".old"
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("search: %w", err)
	}
	if err := os.Rename(ix.dir, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("search: %w", err)
	}
	if err := os.Rename(next, ix.dir); err != nil {
		return fmt.Errorf("search: %w", err)
	}
	bi, err := openShards(ix.dir, false) // just written
	if err != nil {
		// Never leave the node without an index: an empty one that asks
		// for a rebuild keeps searches answering.
		ix.log.Error("opening rebuilt search index", "err", err)
		os.RemoveAll(ix.dir)
		if bi, cerr := createShards(ix.dir); cerr == nil {
			ix.bi = bi
			ix.setRebuild(fmt.Sprintf("rebuilt index unreadable: %v", err))
		}
		return fmt.Errorf("search: opening rebuilt index: %w", err)
	}
	ix.bi = bi
	ix.rebuild.Store(nil)
	if err := os.RemoveAll(old); err != nil {
		ix.log.Warn("removing replaced search index", "err", err)
	}
	return nil
}
