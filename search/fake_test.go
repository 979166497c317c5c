package search

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"civicledger/ledger"
)

// fakeOutbox is a ledger.Outbox of function fields.
type fakeOutbox struct {
	after  func(ctx context.Context, after int64, limit int) ([]ledger.OutboxEntry, ledger.Horizon, error)
	maxSeq func(ctx context.Context) (int64, error)
	docs   func(ctx context.Context, entity ledger.Entity, ids []int64) (map[int64]*ledger.SearchDoc, error)
	each   func(ctx context.Context, fn func(*ledger.SearchDoc) error) error
	id     string // the database identity; "" means "mem"
}

func (f *fakeOutbox) OutboxAfter(ctx context.Context, after int64, limit int) ([]ledger.OutboxEntry, ledger.Horizon, error) {
	return f.after(ctx, after, limit)
}
func (f *fakeOutbox) OutboxMaxSeq(ctx context.Context) (int64, error) { return f.maxSeq(ctx) }
func (f *fakeOutbox) SearchDocs(ctx context.Context, entity ledger.Entity, ids []int64) (map[int64]*ledger.SearchDoc, error) {
	return f.docs(ctx, entity, ids)
}
func (f *fakeOutbox) EachSearchDoc(ctx context.Context, fn func(*ledger.SearchDoc) error) error {
	return f.each(ctx, fn)
}
func (f *fakeOutbox) Identity(context.Context) (string, error) {
	if f.id == "" {
		return "mem", nil
	}
	return f.id, nil
}

// memLedger simulates the database side: records, an outbox whose rows
// get their seq when written but become visible only when their
// transaction commits, and PostgreSQL-style transaction IDs (or SQLite's
// single writer when sqlite is set).
type memLedger struct {
	mu      sync.Mutex
	sqlite  bool
	nextXID int64
	nextSeq int64
	running map[int64]bool                         // xid -> running
	rows    []row                                  // every outbox row written
	docs    map[string]*ledger.SearchDoc           // committed records by key
	pending map[int64]map[string]*ledger.SearchDoc // xid -> records it writes (nil doc: delete)
}

type row struct {
	e     ledger.OutboxEntry
	state int // 0 running, 1 committed, 2 rolled back
}

func newMemLedger() *memLedger {
	return &memLedger{nextXID: 100, running: map[int64]bool{}, docs: map[string]*ledger.SearchDoc{}, pending: map[int64]map[string]*ledger.SearchDoc{}}
}

// begin starts a transaction.
func (m *memLedger) begin() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	x := m.nextXID
	m.nextXID++
	m.running[x] = true
	m.pending[x] = map[string]*ledger.SearchDoc{}
	return x
}

// write puts d (or deletes key when d is nil) in transaction x and appends
// its outbox row, returning the seq.
func (m *memLedger) write(x int64, key string, d *ledger.SearchDoc) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextSeq++
	entity, id := splitKey(key)
	m.rows = append(m.rows, row{e: ledger.OutboxEntry{Seq: m.nextSeq, Entity: entity, EntityID: id, TxID: x}})
	m.pending[x][key] = d
	return m.nextSeq
}

func (m *memLedger) end(x int64, commit bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.running, x)
	for i := range m.rows {
		if m.rows[i].e.TxID == x {
			m.rows[i].state = 2
			if commit {
				m.rows[i].state = 1
			}
		}
	}
	if commit {
		for k, d := range m.pending[x] {
			if d == nil {
				delete(m.docs, k)
			} else {
				m.docs[k] = d
			}
		}
	}
	delete(m.pending, x)
}

// put writes and commits one record in its own transaction.
func (m *memLedger) put(d *ledger.SearchDoc) int64 {
	x := m.begin()
	s := m.write(x, d.Key, d)
	m.end(x, true)
	return s
}

func splitKey(key string) (ledger.Entity, int64) {
	i := strings.LastIndexByte(key, ':')
	id, _ := strconv.ParseInt(key[i+1:], 10, 64)
	return ledger.Entity(key[:i]), id
}

func (m *memLedger) horizon() ledger.Horizon {
	if m.sqlite {
		return ledger.Horizon{XMin: math.MaxInt64, XMax: math.MaxInt64}
	}
	h := ledger.Horizon{XMin: m.nextXID, XMax: m.nextXID}
	for x := range m.running {
		h.XMin = min(h.XMin, x)
	}
	return h
}

func (m *memLedger) outbox() *fakeOutbox {
	return &fakeOutbox{
		after: func(_ context.Context, after int64, limit int) ([]ledger.OutboxEntry, ledger.Horizon, error) {
			m.mu.Lock()
			defer m.mu.Unlock()
			var out []ledger.OutboxEntry
			for _, r := range m.rows {
				if r.state == 1 && r.e.Seq > after && len(out) < limit {
					out = append(out, r.e)
				}
			}
			return out, m.horizon(), nil
		},
		maxSeq: func(context.Context) (int64, error) {
			m.mu.Lock()
			defer m.mu.Unlock()
			var s int64
			for _, r := range m.rows {
				if r.state == 1 {
					s = max(s, r.e.Seq)
				}
			}
			return s, nil
		},
		docs: func(_ context.Context, entity ledger.Entity, ids []int64) (map[int64]*ledger.SearchDoc, error) {
			m.mu.Lock()
			defer m.mu.Unlock()
			out := map[int64]*ledger.SearchDoc{}
			for _, id := range ids {
				if d, ok := m.docs[DocKey(entity, id)]; ok {
					out[id] = d
				}
			}
			return out, nil
		},
		each: func(_ context.Context, fn func(*ledger.SearchDoc) error) error {
			m.mu.Lock()
			keys := make([]string, 0, len(m.docs))
			for k := range m.docs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			docs := make([]*ledger.SearchDoc, len(keys))
			for i, k := range keys {
				docs[i] = m.docs[k]
			}
			m.mu.Unlock()
			for _, d := range docs {
				if err := fn(d); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// loadCorpus reads testdata/search/corpus.json.
func loadCorpus(t testing.TB) []*ledger.SearchDoc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "search", "corpus.json"))
	if err != nil {
		t.Fatal(err)
	}
	var docs []*ledger.SearchDoc
	if err := json.Unmarshal(b, &docs); err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		d.Year = d.Date.Year()
	}
	return docs
}

// mustIndex opens an index in a temporary directory and fills it with docs
// through a follower, as a server would.
func mustIndex(t testing.TB, docs []*ledger.SearchDoc) (*Index, *memLedger, *Follower) {
	t.Helper()
	m := newMemLedger()
	for _, d := range docs {
		m.put(d)
	}
	ix, err := Open(filepath.Join(t.TempDir(), "index"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	f := NewFollower(ix, m.outbox(), nil)
	if err := f.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ix, m, f
}
