package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"civicledger/ledger"
)

// DocKey is the index key of a record: its entity name and ID joined by a
// colon ("report:123"). The store's SearchDoc.Key must follow it, since the
// follower deletes a record that no longer exists by this key.
func DocKey(entity ledger.Entity, id int64) string {
	return string(entity) + ":" + strconv.FormatInt(id, 10)
}

// tracker is the pure bookkeeping of an outbox follower. Sequence numbers
// are handed out before commit, so a row may become visible after rows with
// higher numbers: the tracker keeps a watermark w (every seq <= w is
// indexed or known never to come), the seqs above w already indexed, and the
// gaps between them. A gap is permanent (a rolled-back write) once a
// horizon read after it was first seen shows that every transaction which
// was running then has ended: XMin >= the XMax recorded with the gap.
type tracker struct {
	w     int64           // every seq <= w is done
	front int64           // highest seq observed
	done  map[int64]bool  // seqs above w that are done
	gaps  map[int64]int64 // seq missing below front -> XMax when first seen
}

func newTracker(w int64) *tracker {
	return &tracker{w: w, front: w, done: map[int64]bool{}, gaps: map[int64]int64{}}
}

func (t *tracker) clone() *tracker {
	return &tracker{w: t.w, front: t.front, done: maps.Clone(t.done), gaps: maps.Clone(t.gaps)}
}

// isDone reports whether seq needs no more work.
func (t *tracker) isDone(seq int64) bool { return seq <= t.w || t.done[seq] }

// unseen returns the entries not done yet.
func (t *tracker) unseen(entries []ledger.OutboxEntry) []ledger.OutboxEntry {
	var out []ledger.OutboxEntry
	for _, e := range entries {
		if !t.isDone(e.Seq) {
			out = append(out, e)
		}
	}
	return out
}

// observe records that the entries of a read with horizon h are now done
// (indexed), finds new gaps below the highest seq read, settles the gaps
// the horizon proves permanent, and advances the watermark.
func (t *tracker) observe(entries []ledger.OutboxEntry, h ledger.Horizon) {
	for _, e := range entries {
		if e.Seq <= t.w {
			continue
		}
		t.done[e.Seq] = true
		delete(t.gaps, e.Seq)
		if e.Seq > t.front {
			for s := t.front + 1; s < e.Seq; s++ {
				if !t.done[s] {
					t.gaps[s] = h.XMax
				}
			}
			t.front = e.Seq
		}
	}
	for s, xmax := range t.gaps {
		if h.XMin >= xmax {
			delete(t.gaps, s)
			t.done[s] = true
		}
	}
	for t.done[t.w+1] {
		delete(t.done, t.w+1)
		t.w++
	}
}

// pendingGaps returns the open gaps in order.
func (t *tracker) pendingGaps() []int64 {
	return slices.Sorted(maps.Keys(t.gaps))
}

// Follower follows a ledger.Outbox into an Index. Run it in one goroutine
// per node; Sync and WaitFor may be called from any goroutine.
type Follower struct {
	ix  *Index
	ob  ledger.Outbox
	log *slog.Logger

	// Interval is the polling period of Run (default 150 ms).
	Interval time.Duration
	// BatchSize is the number of outbox entries read at a time (default 500).
	BatchSize int
	// HorizonWait bounds how long Rebuild waits for transactions running
	// at its start to end (default 30 s); past it the rebuilt index replays
	// the outbox from its start, which is slower but loses nothing.
	HorizonWait time.Duration
	// CheckInterval is how often a pass checks that the index belongs to
	// the database (at the first pass, then at most this often; default
	// 1 min) and, when caught up, compares the counts per kind (see
	// integrity.go and Status).
	CheckInterval time.Duration

	mu        sync.Mutex // one pass or rebuild at a time
	tr        *tracker   // nil until loaded from the index
	lastCheck time.Time  // of the origin and counts, zero before the first

	kick chan struct{}

	pmu       sync.Mutex
	pch       chan struct{} // closed and replaced on every finished pass
	started   uint64        // passes started
	okThrough uint64        // highest pass number that finished without error
	state     *tracker      // snapshot for WaitFor, replaced after each batch
	status    Status        // the checks' findings, see Status
}

// NewFollower returns a follower of ob into ix. logger may be nil.
func NewFollower(ix *Index, ob ledger.Outbox, logger *slog.Logger) *Follower {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Follower{
		ix: ix, ob: ob, log: logger,
		Interval: 150 * time.Millisecond, BatchSize: 500, HorizonWait: 30 * time.Second, CheckInterval: time.Minute,
		kick: make(chan struct{}, 1), pch: make(chan struct{}),
	}
}

// Run follows the outbox until ctx is done: it rebuilds the index first
// when it needs it, then catches up every Interval or as soon as Sync asks.
// Errors are logged and retried with backoff; Run returns nil when ctx ends.
func (f *Follower) Run(ctx context.Context) error {
	backoff := time.Duration(0)
	for {
		err := f.CatchUp(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := f.Interval
		if err != nil {
			backoff = min(max(2*backoff, time.Second), 30*time.Second)
			wait = backoff
			f.log.Warn("search follower", "err", err, "retry_in", wait)
		} else {
			backoff = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-f.kick:
			t.Stop()
		case <-t.C:
		}
	}
}

// CatchUp indexes everything the outbox holds now (rebuilding first when
// the index needs it) and returns. It returns the first error of the store
// or the index; the work done before it is kept.
func (f *Follower) CatchUp(ctx context.Context) error {
	f.pmu.Lock()
	f.started++
	no := f.started
	f.pmu.Unlock()
	f.mu.Lock()
	err := f.catchUp(ctx)
	f.mu.Unlock()
	f.pmu.Lock()
	if err == nil && no > f.okThrough {
		f.okThrough = no
	}
	close(f.pch)
	f.pch = make(chan struct{})
	f.pmu.Unlock()
	return err
}

func (f *Follower) catchUp(ctx context.Context) error {
	check := f.lastCheck.IsZero() || time.Since(f.lastCheck) >= f.CheckInterval
	if check {
		if err := f.checkOrigin(ctx); err != nil {
			return err
		}
	}
	if err := f.follow(ctx); err != nil {
		return err
	}
	if check {
		f.lastCheck = time.Now()
		return f.checkCounts(ctx)
	}
	return nil
}

func (f *Follower) follow(ctx context.Context) error {
	if f.ix.NeedsRebuild() {
		if err := f.rebuild(ctx); err != nil {
			return err
		}
	}
	if f.tr == nil {
		w, err := f.ix.Watermark()
		if err != nil {
			return fmt.Errorf("search: reading watermark: %w", err)
		}
		f.tr = newTracker(w)
		f.publish()
	}
	limit := f.BatchSize
	// Re-read from the watermark: it covers the lowest gaps.
	entries, h, err := f.ob.OutboxAfter(ctx, f.tr.w, limit)
	if err != nil {
		return fmt.Errorf("search: reading outbox: %w", err)
	}
	if err := f.handle(ctx, entries, h); err != nil {
		return err
	}
	covered := f.tr.w
	if n := len(entries); n > 0 {
		covered = entries[n-1].Seq
	}
	// Then read on from the front.
	for len(entries) == limit {
		after := max(f.tr.front, entries[len(entries)-1].Seq)
		if entries, h, err = f.ob.OutboxAfter(ctx, after, limit); err != nil {
			return fmt.Errorf("search: reading outbox: %w", err)
		}
		if err := f.handle(ctx, entries, h); err != nil {
			return err
		}
	}
	// Gaps beyond the first page are probed one by one.
	for _, g := range f.tr.pendingGaps() {
		if g <= covered {
			continue
		}
		one, h, err := f.ob.OutboxAfter(ctx, g-1, 1)
		if err != nil {
			return fmt.Errorf("search: reading outbox: %w", err)
		}
		if len(one) == 1 && one[0].Seq != g {
			one = nil
		}
		if err := f.handle(ctx, one, h); err != nil {
			return err
		}
	}
	return nil
}

// handle indexes the unseen entries of one read and stores the new
// watermark in the same batch.
func (f *Follower) handle(ctx context.Context, entries []ledger.OutboxEntry, h ledger.Horizon) error {
	todo := f.tr.unseen(entries)
	next := f.tr.clone()
	next.observe(todo, h)
	if len(todo) == 0 && next.w == f.tr.w {
		f.tr = next // gaps and front may have changed; nothing to write
		f.publish()
		return nil
	}
	changes, err := f.fetch(ctx, todo)
	if err != nil {
		return err
	}
	// The anchor: the last entry at or below the new watermark.
	var anchor []byte
	for i := len(todo) - 1; i >= 0; i-- {
		if todo[i].Seq <= next.w {
			anchor = anchorOf(&todo[i])
			break
		}
	}
	if err := f.ix.apply(changes, next.w, anchor); err != nil {
		return err
	}
	f.tr = next
	f.publish()
	return nil
}

// fetch re-reads the current form of the records the entries name: a
// record that exists is (re)indexed, one that does not is deleted.
func (f *Follower) fetch(ctx context.Context, entries []ledger.OutboxEntry) ([]change, error) {
	byEntity := map[ledger.Entity][]int64{}
	seen := map[string]bool{}
	for _, e := range entries {
		k := DocKey(e.Entity, e.EntityID)
		if !seen[k] {
			seen[k] = true
			byEntity[e.Entity] = append(byEntity[e.Entity], e.EntityID)
		}
	}
	var changes []change
	for _, entity := range slices.Sorted(maps.Keys(byEntity)) {
		ids := byEntity[entity]
		docs, err := f.ob.SearchDocs(ctx, entity, ids)
		if err != nil {
			return nil, fmt.Errorf("search: reading %s records: %w", entity, err)
		}
		for _, id := range ids {
			key := DocKey(entity, id)
			d := docs[id]
			if d == nil {
				changes = append(changes, change{key: key})
				continue
			}
			if d.Key != key {
				// Keep the key convention; a doc under another key could never be deleted.
				f.log.Warn("search doc key differs from entity:id", "key", d.Key, "want", key)
				changes = append(changes, change{key: d.Key})
				dc := *d
				dc.Key = key
				d = &dc
			}
			changes = append(changes, change{key: key, doc: d})
		}
	}
	return changes, nil
}

// publish makes the tracker's state visible to WaitFor.
func (f *Follower) publish() {
	st := f.tr.clone()
	f.pmu.Lock()
	f.state = st
	close(f.pch)
	f.pch = make(chan struct{})
	f.pmu.Unlock()
}

// Rebuild builds a new index from every searchable record (Outbox.
// EachSearchDoc) beside the current one and swaps it in; searches keep
// using the old index until then. Entries written meanwhile are picked up
// by the following passes.
func (f *Follower) Rebuild(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rebuild(ctx)
}

func (f *Follower) rebuild(ctx context.Context) error {
	start := time.Now()
	id, err := f.ob.Identity(ctx)
	if err != nil {
		return fmt.Errorf("search: reading the database identity: %w", err)
	}
	// Every entry up to m must be visible to the snapshot EachSearchDoc
	// reads, so wait until every transaction running at this point has ended.
	m, err := f.ob.OutboxMaxSeq(ctx)
	if err != nil {
		return fmt.Errorf("search: reading outbox: %w", err)
	}
	var anchor []byte
	if m > 0 {
		last, _, err := f.ob.OutboxAfter(ctx, m-1, 1)
		if err != nil {
			return fmt.Errorf("search: reading outbox: %w", err)
		}
		if len(last) == 1 && last[0].Seq == m {
			anchor = anchorOf(&last[0])
		}
	}
	_, h0, err := f.ob.OutboxAfter(ctx, m, 1)
	if err != nil {
		return fmt.Errorf("search: reading outbox: %w", err)
	}
	if err := f.waitHorizon(ctx, m, h0.XMax); err != nil {
		if ctx.Err() != nil {
			return err
		}
		f.log.Warn("search rebuild: transactions still running; the outbox will be replayed", "err", err)
		m, anchor = 0, nil
	}
	n, err := f.ix.buildAside(ctx, stamp{watermark: m, database: id, anchor: anchor}, func(add func(*ledger.SearchDoc) error) error {
		return f.ob.EachSearchDoc(ctx, add)
	})
	if err != nil {
		return fmt.Errorf("search: rebuilding: %w", err)
	}
	f.tr = newTracker(m)
	f.publish()
	f.log.Info("search index rebuilt", "docs", n, "watermark", m, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// waitHorizon waits until the horizon's XMin reaches xmax.
func (f *Follower) waitHorizon(ctx context.Context, after, xmax int64) error {
	deadline := time.Now().Add(f.HorizonWait)
	for {
		_, h, err := f.ob.OutboxAfter(ctx, after, 1)
		if err != nil {
			return err
		}
		if h.XMin >= xmax {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("horizon did not pass the rebuild's start")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Sync returns once everything committed to the outbox before the call is
// searchable on this node: it wakes Run and waits for a pass that started
// after the call to finish. Bound it with ctx; it returns ctx's error.
func (f *Follower) Sync(ctx context.Context) error {
	f.pmu.Lock()
	target := f.started + 1
	f.pmu.Unlock()
	f.wake()
	for {
		f.pmu.Lock()
		ok, ch := f.okThrough >= target, f.pch
		f.pmu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// WaitFor returns once outbox entry seq is indexed (or known never to
// commit), waking Run to look for it. Bound it with ctx.
func (f *Follower) WaitFor(ctx context.Context, seq int64) error {
	f.wake()
	for {
		f.pmu.Lock()
		ok, ch := f.state != nil && f.state.isDone(seq), f.pch
		f.pmu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// Watermark returns the follower's watermark: every outbox entry up to it
// is indexed. It is 0 before the first pass.
func (f *Follower) Watermark() int64 {
	f.pmu.Lock()
	defer f.pmu.Unlock()
	if f.state == nil {
		return 0
	}
	return f.state.w
}

func (f *Follower) wake() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}
