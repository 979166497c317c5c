package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/util"

	"civicledger/ledger"
)

// A rebuild writes each shard with scorch's offline Builder rather than
// through a live index: every batch of documents becomes a segment file
// that is written and closed (not kept in memory until a persister catches
// up, nor mapped into memory), and at the end the files of a shard are
// merged into one segment in one pass, shard after shard, the merge
// letting go of the pages it has read (pageOutWhile) and of the heap the
// indexing no longer needs (rebuildMerging). Through a live index (unsafe
// batches, merging at the end) a rebuild of 100,000 reports peaked at
// 760-800 MB resident: about 300 MB of heap (unpersisted segments and the
// rebuild's memory limit) plus 140 MB of mapped segments while indexing,
// and up to 480 MB of mapped segments while both shards merged. Now it
// peaks at about 280 MB: 250 MB of anonymous memory while indexing, and
// while merging 150 MB anonymous plus at most 130 MB of mapped segments.

// A merge keeps the pages it maps from segment files within
// mergeFileBudget, looking every mergeFilePoll (see pageOutWhile). A merge
// reads all its segments side by side, a few places in each, and the
// kernel maps 64 kB around each page read, so it needs about 256 kB per
// segment resident: with fewer, it reads the same pages from the disk
// again and again (64 MB for 680 segments made a rebuild of 340,000
// records read 30 GB and spend 50 s more CPU time in the kernel). So a
// merge takes at most mergeMaxSegments segments; a shard with more (over
// 128,000 records at the default batch) is merged in two rounds.
const (
	mergeFileBudget = 64 << 20 // 256 kB for each of mergeMaxSegments
	mergeFilePoll   = 2 * time.Millisecond
)

var mergeMaxSegments = 256 // a variable for tests

// rebuildTrace, when set (by measuring tests), is told when a rebuild
// reaches each of its phases.
var rebuildTrace func(phase string)

func traceRebuild(phase string) {
	if rebuildTrace != nil {
		rebuildTrace(phase)
	}
}

// shardBuild is one shard being built.
type shardBuild struct {
	dir   string // the shard's index directory
	tmp   string // the builder's working directory
	b     *scorch.Builder
	in    chan *document.Document
	count int
	err   error
}

// indexMetaJSON is bleve's index_meta.json of a shard, as bleve.NewUsing
// writes it for create.
func indexMetaJSON() ([]byte, error) {
	return util.MarshalJSON(struct {
		Storage   string         `json:"storage"`
		IndexType string         `json:"index_type"`
		Config    map[string]any `json:"config,omitempty"`
	}{bleve.Config.DefaultKVStore, bleve.Config.DefaultIndexType, map[string]any{"bolt_timeout": "3s"}})
}

// stamp is what a built index records besides its documents: the outbox
// watermark, the identity of the database and the anchor entry (see
// integrity.go).
type stamp struct {
	watermark int64
	database  string
	anchor    []byte // nil: none
}

// internal returns the stamp as the index's internal keys.
func (st stamp) internal() map[string][]byte {
	m := map[string][]byte{string(keyWatermark): []byte(strconv.FormatInt(st.watermark, 10))}
	if st.database != "" {
		m[string(keyDatabase)] = []byte(st.database)
	}
	if st.anchor != nil {
		m[string(keyAnchor)] = st.anchor
	}
	return m
}

// buildAside builds a complete new index in dir.new from fill, stamps it
// with st, and swaps it in for the current one. Searches go on
// against the old index meanwhile and pause only for the swap. Each shard
// is analysed and written by its own goroutine, so the shards build in
// parallel; they are merged one after the other.
func (ix *Index) buildAside(ctx context.Context, st stamp, fill func(add func(*ledger.SearchDoc) error) error) (int, error) {
	next := ix.dir + ".new"
	if err := os.RemoveAll(next); err != nil {
		return 0, fmt.Errorf("search: %w", err)
	}
	swapped := false
	defer func() {
		if !swapped {
			os.RemoveAll(next)
		}
	}()
	defer tuneGCForRebuild()()
	batchSize := ix.RebuildBatch
	if batchSize <= 0 {
		batchSize = DefaultRebuildBatch
	}
	batchSize = max(1, batchSize/numShards)

	im := indexMapping()
	mappingJSON, err := util.MarshalJSON(im)
	if err != nil {
		return 0, fmt.Errorf("search: %w", err)
	}
	meta, err := indexMetaJSON()
	if err != nil {
		return 0, fmt.Errorf("search: %w", err)
	}
	builds := make([]*shardBuild, numShards)
	for i := range builds {
		sb := &shardBuild{dir: shardDir(next, i), tmp: filepath.Join(next, "build-"+strconv.Itoa(i)), in: make(chan *document.Document, 64)}
		builds[i] = sb
		if err := os.MkdirAll(sb.tmp, 0o755); err != nil {
			return 0, fmt.Errorf("search: %w", err)
		}
		if err := os.MkdirAll(sb.dir, 0o755); err != nil {
			return 0, fmt.Errorf("search: %w", err)
		}
		if err := os.WriteFile(filepath.Join(sb.dir, "index_meta.json"), meta, 0o644); err != nil {
			return 0, fmt.Errorf("search: %w", err)
		}
		internal := st.internal()
		internal[string(util.MappingInternalKey)] = mappingJSON
		internal[string(keyFingerprint)] = []byte(Fingerprint())
		sb.b, err = scorch.NewBuilder(map[string]any{
			"path":            filepath.Join(sb.dir, "store"),
			"buildPathPrefix": sb.tmp,
			"batchSize":       batchSize,
			"mergeMax":        mergeMaxSegments,
			"internal":        internal,
		})
		if err != nil {
			return 0, fmt.Errorf("search: %w", err)
		}
	}

	// One writer per shard: it analyses each document as it comes (the
	// builder would analyse a whole batch at once, leaving a core idle
	// meanwhile) and hands it to the builder, which writes a segment file
	// every batchSize documents.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, sb := range builds {
		wg.Go(func() {
			for doc := range sb.in {
				if sb.err != nil {
					continue // drain
				}
				for _, f := range doc.Fields {
					if tf, ok := f.(*textField); ok {
						tf.Analyze()
					}
				}
				if err := sb.b.Index(doc); err != nil {
					sb.err = fmt.Errorf("search: writing batch: %w", err)
					cancel()
					continue
				}
				sb.count++
			}
		})
	}
	// The builder takes each key once: a record handed over again (the
	// live index would replace it) is put in after the build.
	seen := make(map[string]struct{})
	var later []change
	n := 0
	err = fill(func(d *ledger.SearchDoc) error {
		if err := wctx.Err(); err != nil {
			return err
		}
		n++
		if _, dup := seen[d.Key]; dup {
			later = append(later, change{key: d.Key, doc: d})
			return nil
		}
		seen[d.Key] = struct{}{}
		doc, err := newDocument(im, d)
		if err != nil {
			return fmt.Errorf("search: indexing %s: %w", d.Key, err)
		}
		select {
		case builds[shardOf(d.Key)].in <- doc:
		case <-wctx.Done():
			return wctx.Err()
		}
		return nil
	})
	seen = nil
	for _, sb := range builds {
		close(sb.in)
	}
	wg.Wait()
	for _, sb := range builds {
		if err == nil && sb.err != nil {
			err = sb.err
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return n, err
	}
	traceRebuild("written")
	rebuildMerging()
	// One segment per shard: a query then runs one searcher per term rather
	// than one per segment, and the dictionaries are not repeated. The
	// shards merge one at a time: a merge reads every segment of its shard
	// through memory maps, so two at once held the whole index resident.
	for i, sb := range builds {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if sb.count == 0 {
			// The builder cannot write an empty index.
			if err := createEmptyShard(sb.dir, st); err != nil {
				return n, err
			}
		} else {
			// The pages of the segments read are let go as the merge goes.
			stop := make(chan struct{})
			paged := make(chan struct{})
			go func() { defer close(paged); pageOutWhile(sb.tmp, mergeFileBudget, mergeFilePoll, stop) }()
			err := sb.b.Close()
			close(stop)
			<-paged
			if err != nil {
				return n, fmt.Errorf("search: merging shard %d: %w", i, err)
			}
		}
		if err := os.RemoveAll(sb.tmp); err != nil {
			return n, fmt.Errorf("search: %w", err)
		}
	}
	traceRebuild("merged")
	if len(later) > 0 {
		if err := applyLater(ctx, next, later, st.watermark); err != nil {
			return n, err
		}
	}
	swapped = true
	return n, ix.swap(next)
}

// createEmptyShard makes an empty shard in dir stamped with st.
func createEmptyShard(dir string, st stamp) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("search: %w", err)
	}
	bi, err := create(dir)
	if err != nil {
		return err
	}
	for k, v := range st.internal() {
		if err = bi.SetInternal([]byte(k), v); err != nil {
			break
		}
	}
	return errors.Join(err, bi.Close())
}

// applyLater puts the records handed over more than once into the built
// index in next, each in its last form, and merges each shard into one
// segment again.
func applyLater(ctx context.Context, next string, later []change, watermark int64) error {
	nb, err := openShards(next, false)
	if err != nil {
		return fmt.Errorf("search: opening new index: %w", err)
	}
	ix := &Index{dir: next, bi: nb}
	err = ix.apply(later, watermark, nil)
	if err == nil {
		err = nb.forceMerge(ctx)
	}
	return errors.Join(err, ix.Close())
}
