package search

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/collector"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Facet counting without bleve's facet builders. bleve counts a facet by
// decoding the doc values of every hit and adding each term to a map of
// strings, and it then also takes the slow path of its collector for every
// hit: at 100,000 records a broad word (89,000 hits) spent two thirds of
// its time there. Instead each segment of the index gets, once, a column:
// for each of its documents the numbers of its three fFacets terms in a
// small table of the segment's terms. A query hands bleve a document
// handler (search.MakeDocumentMatchHandlerKey) that adds one to three
// counters per hit, reading the column at the hit's number, and then passes
// the hit on to bleve's own top-N handler. Segments do not change once
// written, so a column serves until its segment is merged away; a column
// costs 12 bytes a document.

// facetColumn is the facet terms of the documents of one segment.
type facetColumn struct {
	once  sync.Once
	err   error
	terms []string // the segment's distinct fFacets terms; id i+1 is terms[i]
	ids   []uint32 // 3 per document: its combo, district and organization term ids (0: none)
	used  atomic.Int64
}

// facetSlots is the number of fFacets terms a document has at most.
const facetSlots = 3

// facetColumns caches the column of each segment, keyed by the segment.
var facetColumns = struct {
	sync.Mutex
	m    map[segment.Segment]*facetColumn
	tick atomic.Int64
}{m: map[segment.Segment]*facetColumn{}}

// columnOf returns the column of seg, building it on first use.
func columnOf(seg segment.Segment) (*facetColumn, error) {
	facetColumns.Lock()
	c, ok := facetColumns.m[seg]
	if !ok {
		c = &facetColumn{}
		facetColumns.m[seg] = c
	}
	now := facetColumns.tick.Add(1)
	c.used.Store(now)
	if now%pruneEvery == 0 {
		pruneColumns(now)
	}
	facetColumns.Unlock()
	c.once.Do(func() { c.err = c.build(seg) })
	return c, c.err
}

// A column not read in the last pruneAfter reads of columns is dropped
// (its segment was merged away, or its index closed or replaced); the
// cache is swept every pruneEvery reads.
var (
	pruneEvery int64 = 1024
	pruneAfter int64 = 4096
)

// pruneColumns drops the columns not read lately. Called locked.
func pruneColumns(now int64) {
	for s, c := range facetColumns.m {
		if now-c.used.Load() > pruneAfter {
			delete(facetColumns.m, s)
		}
	}
}

func (c *facetColumn) build(seg segment.Segment) error {
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return fmt.Errorf("search: segment %T has no doc values", seg)
	}
	n := seg.Count()
	c.ids = make([]uint32, facetSlots*n)
	byTerm := map[string]uint32{}
	fields := []string{fFacets}
	var state segment.DocVisitState
	var err error
	for doc := uint64(0); doc < n; doc++ {
		slot := 0
		state, err = dv.VisitDocValues(doc, fields, func(_ string, term []byte) {
			id, ok := byTerm[string(term)]
			if !ok {
				c.terms = append(c.terms, string(term))
				id = uint32(len(c.terms))
				byTerm[string(term)] = id
			}
			if slot < facetSlots {
				c.ids[facetSlots*doc+uint64(slot)] = id
				slot++
			}
		}, state)
		if err != nil {
			return fmt.Errorf("search: reading facet values: %w", err)
		}
	}
	return nil
}

// facetTally counts the facet terms of a query's hits across shards.
type facetTally struct {
	mu     sync.Mutex
	counts map[string]int
}

// segCount is one segment's column and counts in one query.
type segCount struct {
	col    *facetColumn
	counts []int32
}

// handler returns the document handler maker that counts the hits of each
// shard's search, for the context of the main search only.
func (ft *facetTally) context(ctx context.Context) context.Context {
	return context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, search.MakeDocumentMatchHandler(ft.makeHandler))
}

func (ft *facetTally) makeHandler(sctx *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
	next, loadID, err := collector.MakeTopNDocumentMatchHandler(sctx)
	if err != nil {
		return nil, false, err
	}
	snap, ok := sctx.IndexReader.(*scorch.IndexSnapshot)
	if !ok {
		return nil, false, fmt.Errorf("search: facets need a scorch index, not %T", sctx.IndexReader)
	}
	segs := snap.Segments()
	offsets := make([]uint64, len(segs)+1)
	parts := make([]segCount, len(segs))
	for i, ss := range segs {
		seg := ss.Segment()
		offsets[i+1] = offsets[i] + seg.Count()
		col, err := columnOf(seg)
		if err != nil {
			return nil, false, err
		}
		parts[i] = segCount{col: col, counts: make([]int32, len(col.terms)+1)}
	}
	cur := 0
	return func(d *search.DocumentMatch) error {
		if d == nil {
			ft.add(parts)
			return next(d)
		}
		num := d.IndexInternalID.Value()
		// Hits come in document order; a jump finds its segment anew.
		if cur >= len(parts) || num < offsets[cur] || num >= offsets[cur+1] {
			cur = sort.Search(len(parts), func(i int) bool { return offsets[i+1] > num })
		}
		if cur < len(parts) {
			p := &parts[cur]
			local := num - offsets[cur]
			for _, id := range p.col.ids[facetSlots*local : facetSlots*local+facetSlots] {
				p.counts[id]++
			}
		}
		return next(d)
	}, loadID, nil
}

// add merges the counts of one shard's segments.
func (ft *facetTally) add(parts []segCount) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if ft.counts == nil {
		ft.counts = map[string]int{}
	}
	for _, p := range parts {
		for id, n := range p.counts[1:] {
			if n > 0 {
				ft.counts[p.col.terms[id]] += int(n)
			}
		}
	}
}
