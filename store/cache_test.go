package store

import "testing"

// The aggregate cache holds at most its budget of (estimated) bytes,
// evicting the least recently used answers, and does not keep one answer
// that would take more than a quarter of it.
func TestAggregateCacheBudget(t *testing.T) {
	a := newAggCache()
	for i := range 100 {
		a.add(string(rune('a'+i%26))+string(rune('A'+i/26)), cached{size: cacheBudget / 10})
		if a.bytes > cacheBudget {
			t.Fatalf("after %d answers the cache holds %d bytes, over its budget of %d", i+1, a.bytes, cacheBudget)
		}
	}
	if n := a.c.Len(); n != 10 {
		t.Fatalf("%d answers of a tenth of the budget cached, want 10", n)
	}
	a.add("aA", cached{size: cacheBudget / 10}) // replacing one keeps the count right
	if a.bytes != 10*(cacheBudget/10) {
		t.Fatalf("after a replacement the cache counts %d bytes, want %d", a.bytes, 10*(cacheBudget/10))
	}
	a.add("huge", cached{size: cacheBudget/4 + 1})
	if _, ok := a.get("huge"); ok {
		t.Fatal("an answer over a quarter of the budget was cached")
	}
}
