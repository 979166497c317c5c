package search

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	bolterrors "go.etcd.io/bbolt/errors"
)

// numShards is the number of bleve indexes a node's index is split into,
// by a hash of the document key. A search runs on all of them at once, so
// the two cores of a node share one query (and one rebuild).
const numShards = 2

// shards is one node's index: numShards bleve indexes in dir/shard-N,
// searched together through an alias.
type shards struct {
	idx   []bleve.Index
	alias bleve.IndexAlias
}

func shardDir(dir string, i int) string { return filepath.Join(dir, "shard-"+strconv.Itoa(i)) }

// shardOf returns the shard of a document key.
func shardOf(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % numShards)
}

func newShards(idx []bleve.Index) *shards {
	return &shards{idx: idx, alias: bleve.NewIndexAlias(idx...)}
}

// openShards opens the index in dir, telling a missing index
// (os.ErrNotExist) from a busy (ErrIndexBusy) or broken one. With verify,
// the checksum of every segment file is checked (see verifySegments), the
// shards at once; a mismatch is an error wrapping errChecksum.
func openShards(dir string, verify bool) (*shards, error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil, os.ErrNotExist
	}
	var idx []bleve.Index
	for i := range numShards {
		bi, err := openShard(shardDir(dir, i))
		if err != nil {
			for _, o := range idx {
				o.Close()
			}
			return nil, fmt.Errorf("shard %d: %w", i, err)
		}
		idx = append(idx, bi)
	}
	s := newShards(idx)
	if verify {
		if err := s.each(func(i int, bi bleve.Index) error {
			if err := verifySegments(bi); err != nil {
				return fmt.Errorf("shard %d: %w", i, err)
			}
			return nil
		}); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func openShard(dir string) (bi bleve.Index, err error) {
	if _, serr := os.Stat(filepath.Join(dir, "index_meta.json")); serr != nil {
		return nil, fmt.Errorf("no index metadata: %v", serr)
	}
	defer func() {
		if r := recover(); r != nil {
			bi, err = nil, fmt.Errorf("opening panicked: %v", r)
		}
	}()
	// The settings of a rebuild (stored with the index) do not apply once
	// it serves: batches wait for the disk and segments merge as usual.
	bi, err = bleve.OpenUsing(dir, map[string]any{"bolt_timeout": "3s", "unsafe_batch": false,
		"scorchMergePlanOptions": servingMergePlan()})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, ErrIndexBusy
	}
	if err != nil {
		return nil, err
	}
	// A cheap read proves the segments open.
	if _, err := bi.DocCount(); err != nil {
		bi.Close()
		return nil, err
	}
	return bi, nil
}

// createShards makes a new empty index in dir with the current
// fingerprint.
func createShards(dir string) (*shards, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	var idx []bleve.Index
	for i := range numShards {
		bi, err := create(shardDir(dir, i))
		if err != nil {
			for _, o := range idx {
				o.Close()
			}
			return nil, err
		}
		idx = append(idx, bi)
	}
	return newShards(idx), nil
}

// Close closes every shard.
func (s *shards) Close() error {
	var errs []error
	for _, bi := range s.idx {
		errs = append(errs, bi.Close())
	}
	return errors.Join(errs...)
}

// DocCount counts the documents of all shards.
func (s *shards) DocCount() (uint64, error) { return s.alias.DocCount() }

// SearchInContext searches all shards at once.
func (s *shards) SearchInContext(ctx context.Context, req *bleve.SearchRequest) (*bleve.SearchResult, error) {
	return s.alias.SearchInContext(ctx, req)
}

// fingerprint returns the fingerprint the shards were built with, "" when
// they disagree.
func (s *shards) fingerprint() (string, error) { return s.agreed(keyFingerprint) }

// agreed returns the internal value of key that every shard holds, "" when
// they disagree.
func (s *shards) agreed(key []byte) (string, error) {
	var val string
	for i, bi := range s.idx {
		v, err := bi.GetInternal(key)
		if err != nil {
			return "", err
		}
		if i > 0 && string(v) != val {
			return "", nil
		}
		val = string(v)
	}
	return val, nil
}

// setInternal sets key in every shard.
func (s *shards) setInternal(key, val []byte) error {
	for _, bi := range s.idx {
		if err := bi.SetInternal(key, val); err != nil {
			return err
		}
	}
	return nil
}

// watermark is the lowest watermark of the shards: each stores its own
// with its documents, so after a crash between two shards' batches the
// follower re-reads from the lower one (re-indexing is idempotent).
func (s *shards) watermark() (int64, error) {
	var w int64
	for i, bi := range s.idx {
		v, err := readWatermark(bi)
		if err != nil {
			return 0, err
		}
		if i == 0 || v < w {
			w = v
		}
	}
	return w, nil
}

// each runs fn on every shard at once and returns the errors joined.
func (s *shards) each(fn func(i int, bi bleve.Index) error) error {
	errs := make([]error, len(s.idx))
	var wg sync.WaitGroup
	for i, bi := range s.idx {
		wg.Go(func() { errs[i] = fn(i, bi) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// forceMerge merges each shard into one segment.
func (s *shards) forceMerge(ctx context.Context) error {
	return s.each(func(_ int, bi bleve.Index) error { return forceMerge(ctx, bi) })
}

// forceMerge merges the segments of bi into one.
func forceMerge(ctx context.Context, bi bleve.Index) error {
	adv, err := bi.Advanced()
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil
	}
	// A force merge merges the segments on disk at the time; repeat until
	// one is left (a few rounds at most).
	for round := 0; round < 5; round++ {
		m := sc.StatsMap()
		files, _ := m["num_root_filesegments"].(uint64)
		mem, _ := m["num_root_memorysegments"].(uint64)
		if files+mem <= 1 {
			return nil
		}
		// All segments in one pass: merging them ten at a time (bleve's
		// plan) copied every document twice more.
		plan := mergeplan.SingleSegmentMergePlanOptions
		plan.SegmentsPerMergeTask = 1 << 20
		if err := sc.ForceMerge(ctx, &plan); err != nil {
			return fmt.Errorf("search: merging: %w", err)
		}
	}
	return nil
}
