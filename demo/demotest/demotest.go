// Package demotest gives the tests of a package the demo data set, loaded
// once per dialect into a fresh database (storetest) and shared by tests
// that only read it: loading it takes seconds, reading it milliseconds.
//
//	var demoDBs demotest.Shared
//
//	func TestMain(m *testing.M) { code := m.Run(); demoDBs.Close(); os.Exit(code) }
//
//	db := demoDBs.DB(t, store.SQLite)
//
// Without PostgreSQL the PostgreSQL tests skip, except under CI (storetest.Skip).
package demotest

import (
	"context"
	"sync"
	"testing"

	"civicledger/demo"
	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

// Shared is one package's demo databases, one per dialect. Its zero value
// loads the whole demo data set; set Options before the first DB for less.
type Shared struct {
	// Options is what demo.Load is given; its Meta is the demo's own.
	Options demo.Options

	mu     sync.Mutex
	dbs    map[store.Dialect]*store.DB
	errs   map[store.Dialect]error
	closes []func()
}

// DB returns the demo database of dialect d, loading it on first use; a
// dialect that could not be loaded skips (or, under CI, fails) t.
func (s *Shared) DB(t testing.TB, d store.Dialect) *store.DB {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if db, ok := s.dbs[d]; ok {
		return db
	}
	if err, ok := s.errs[d]; ok {
		storetest.Skip(t, err)
	}
	if s.dbs == nil {
		s.dbs, s.errs = map[store.Dialect]*store.DB{}, map[store.Dialect]error{}
	}
	ctx := context.Background()
	db, closeDB, err := storetest.Open(ctx, d)
	if err == nil {
		s.closes = append(s.closes, closeDB)
		opts := s.Options
		opts.Meta = &ledger.Meta{Demo: true, Note: demo.Note}
		_, err = demo.Load(ctx, db, opts)
	}
	if err != nil {
		s.errs[d] = err
		storetest.Skip(t, err)
	}
	s.dbs[d] = db
	return db
}

// Close closes every database DB opened (and drops its PostgreSQL schema).
func (s *Shared) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.closes {
		c()
	}
	s.closes, s.dbs, s.errs = nil, nil, nil
}
