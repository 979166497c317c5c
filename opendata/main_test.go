package opendata_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"civicledger/demo"
	"civicledger/ledger"
	"civicledger/opendata"
	"civicledger/portal"
	"civicledger/store"
	"civicledger/store/storetest"
)

// The demo data set is loaded once per dialect and shared by the tests of
// this package, which only read it.
var shared = struct {
	sync.Mutex
	dbs    map[store.Dialect]*store.DB
	errs   map[store.Dialect]error
	closes []func()
}{dbs: map[store.Dialect]*store.DB{}, errs: map[store.Dialect]error{}}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, c := range shared.closes {
		c()
	}
	os.Exit(code)
}

func demoDB(t testing.TB, d store.Dialect) *store.DB {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if db, ok := shared.dbs[d]; ok {
		return db
	}
	if err, ok := shared.errs[d]; ok {
		storetest.Skip(t, err)
	}
	ctx := context.Background()
	db, closeDB, err := storetest.Open(ctx, d)
	if err == nil {
		shared.closes = append(shared.closes, closeDB)
		if _, err = demo.Load(ctx, db, demo.Options{}); err == nil {
			err = db.SetMeta(ctx, &ledger.Meta{Demo: true, Note: demo.Note})
		}
	}
	if err != nil {
		shared.errs[d] = err
		storetest.Skip(t, err)
	}
	shared.dbs[d] = db
	return db
}

const testBase = "https://gongyi.example.cn"

func source(db *store.DB) *opendata.Source {
	return &opendata.Source{Portal: &portal.Portal{Reader: db, Meta: db}, Export: db, BaseURL: testBase}
}

// eachDialect runs fn on the demo data on SQLite and PostgreSQL.
func eachDialect(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) { fn(t, demoDB(t, d)) })
	}
}
