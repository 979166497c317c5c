package importer_test

import (
	"testing"

	"civicledger/importer"
	"civicledger/store"
	"civicledger/store/storetest"
)

// BenchmarkImport5000 imports a 5,000-row XLSX summary table of
// applications into a fresh database of each dialect: read, check every
// row against the ledger and the policy, write all in one transaction.
// The target is under 10 s a run on either dialect. Run it with
//
//	go test -run '^$' -bench Import5000 -benchtime 3x ./importer/
func BenchmarkImport5000(b *testing.B) {
	const n = 5000
	path := tempPath(b, "applications.xlsx")
	writeApplicationsXLSX(b, path, n, 40, nil)
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) {
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
		})
	}
}

// closeDB closes a benchmark's database before the next run opens
// another (the cleanup closes it again, harmlessly).
func closeDB(db *store.DB) { db.Close() }
