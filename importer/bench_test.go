package importer_test

import (
	"path/filepath"
	"testing"

	"civicledger/importer"
	"civicledger/store"
	"civicledger/store/storetest"
)

// BenchmarkImport5000 imports a 5,000-row XLSX summary table of
// applications into a fresh database of each dialect: read, check every
// row against the ledger and the policy, write all in one transaction
// through the use cases (RegisterApplication, which assigns the evaluation
// agency a row names in the same version of the project). The target is
// under 10 s a run on either dialect. Run it with
//
//	go test -run '^$' -bench Import5000 -benchtime 3x ./importer/
func BenchmarkImport5000(b *testing.B) {
	const n = 5000
	dir := b.TempDir()
	withAgency, noAgency := filepath.Join(dir, "agency.xlsx"), filepath.Join(dir, "plain.xlsx")
	writeApplicationsXLSX(b, withAgency, n, 40, nil)
	writeApplicationsXLSX(b, noAgency, n, 40, func(_ int, row []any) { row[12] = "" })
	for _, c := range []struct{ name, path string }{{"agency", withAgency}, {"plain", noAgency}} {
		for _, d := range storetest.Dialects {
			b.Run(c.name+"/"+string(d), func(b *testing.B) { benchImport(b, d, c.path, n) })
		}
	}
}

func benchImport(b *testing.B, d store.Dialect, path string, n int) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := storetest.MustOpenDB(b, d)
		f := newFixture(b, db, 40)
		b.StartTimer()
		res := f.run(b, importer.Kinds[0], path, false)
		b.StopTimer()
		if res.Written != n {
			b.Fatalf("written %d of %d: %v", res.Written, n, res.Problems)
		}
		closeDB(db)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// closeDB closes a benchmark's database before the next run opens
// another (the cleanup closes it again, harmlessly).
func closeDB(db *store.DB) { db.Close() }
