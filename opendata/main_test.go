package opendata_test

import (
	"os"
	"testing"

	"civicledger/demo/demotest"
	"civicledger/opendata"
	"civicledger/portal"
	"civicledger/store"
	"civicledger/store/storetest"
)

// The demo data set is loaded once per dialect and shared by the tests of
// this package, which only read it.
var demoDBs demotest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	demoDBs.Close()
	os.Exit(code)
}

func demoDB(t testing.TB, d store.Dialect) *store.DB { return demoDBs.DB(t, d) }

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
