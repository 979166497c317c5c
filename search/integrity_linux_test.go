package search

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"civicledger/ledger"
)

// dropCache asks the kernel to forget the cached pages of the files under
// dir (POSIX_FADV_DONTNEED), so the next read comes from the disk.
func dropCache(dir string) {
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if f, err := os.Open(p); err == nil {
			syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), 0, 0, 4, 0, 0)
			f.Close()
		}
		return nil
	})
}

// BenchmarkOpenIndex measures opening an index with and without the
// segment checksums, its files in the page cache (warm) or not (cold). The
// index is CIVICLEDGER_SEARCH_BENCH_DIR's (built there with
// CIVICLEDGER_SEARCH_BENCH documents when it holds none), or 5,000
// generated documents:
//
//	CIVICLEDGER_SEARCH_BENCH_DIR=data/search go test -run - -bench OpenIndex ./search/
func BenchmarkOpenIndex(b *testing.B) {
	dir := os.Getenv("CIVICLEDGER_SEARCH_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(b.TempDir(), "ix")
	}
	ix, err := Open(dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	if ix.NeedsRebuild() {
		n, _ := strconv.Atoi(os.Getenv("CIVICLEDGER_SEARCH_BENCH"))
		if n <= 0 {
			n = 5000
		}
		if _, err := ix.buildAside(context.Background(), stamp{}, func(add func(*ledger.SearchDoc) error) error {
			return genEach(n, 42, add)
		}); err != nil {
			b.Fatal(err)
		}
	}
	ix.Close()
	var segs int64
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if fi, ierr := d.Info(); err == nil && ierr == nil && filepath.Ext(p) == ".zap" {
			segs += fi.Size()
		}
		return nil
	})
	for _, c := range []struct {
		name         string
		verify, cold bool
	}{{"warm/checksums", true, false}, {"warm/plain", false, false}, {"cold/checksums", true, true}, {"cold/plain", false, true}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(segs)
			for b.Loop() {
				if c.cold {
					b.StopTimer()
					dropCache(dir)
					b.StartTimer()
				}
				s, err := openShards(dir, c.verify)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				s.Close()
				b.StartTimer()
			}
		})
	}
}
