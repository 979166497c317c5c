package portal

import (
	"encoding/base64"
	"errors"
	"testing"
	"unicode/utf8"

	"civicledger/ledger"
)

// Fuzz targets for cursors, the one opaque value clients hand back. Seeds
// are below and in testdata/fuzz/<target>/; ./test.sh runs each briefly.

// checkRefusal fails unless err is a short EINVALID *ledger.Error naming
// one of fields.
func checkRefusal(t *testing.T, err error, fields ...string) {
	t.Helper()
	var e *ledger.Error
	if !errors.As(err, &e) || e.Code != ledger.EINVALID {
		t.Fatalf("refusal is not an EINVALID *ledger.Error: %T %v", err, err)
	}
	named := false
	for _, f := range fields {
		named = named || e.Field == f
	}
	if !named {
		t.Fatalf("refusal names %q, want one of %q", e.Field, fields)
	}
	if len(e.Message) > 300 || !utf8.ValidString(e.Message) {
		t.Fatalf("refusal message of %d bytes echoes the input: %.200q", len(e.Message), e.Message)
	}
}

// FuzzCursor: a string is either a cursor this API could have written
// (decoding and encoding give it back) or a short refusal naming the
// argument, whether it is given raw or as the base64 of arbitrary bytes.
func FuzzCursor(f *testing.F) {
	for _, s := range []string{"projects:0", "projects:42", "reports:7", "bzo0Mg", "bogus", "", "projects:-1", "projects:+5",
		"projects:05", "projects:9223372036854775807", "projects:99999999999999999999", "b:3", "bzo0Mw==", "bzo0Mh", "o:42"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []string{s, base64.RawURLEncoding.EncodeToString([]byte(s))} {
			n, err := decodeCursor(ProjectList, "after", c)
			if err != nil {
				checkRefusal(t, err, "after")
				continue
			}
			if n < 0 || n > maxOffset {
				t.Fatalf("cursor %q decodes to offset %d", c, n)
			}
			if back := Cursor(ProjectList, n); back != c {
				t.Fatalf("cursor %q decodes to %d, which encodes as %q", c, n, back)
			}
		}
	})
}

// FuzzPaginate: whatever the Relay arguments, the store is asked for a
// window it can answer (offset ≥ 0, 0 ≤ limit ≤ MaxPage), the page and
// its cursors agree, or the arguments are refused naming one of them.
// The cursors are given as the base64 of the fuzzed bytes, so the fuzzer
// reaches the offsets inside them.
func FuzzPaginate(f *testing.F) {
	f.Add(int64(10), false, int64(0), false, "", "", int64(500))
	f.Add(int64(10), true, int64(0), false, "projects:19", "", int64(500))
	f.Add(int64(0), false, int64(5), true, "", "projects:100", int64(500))
	f.Add(int64(0), false, int64(5), true, "", "", int64(3))
	f.Add(int64(100), true, int64(100), true, "projects:5", "projects:2", int64(50))
	f.Add(int64(101), true, int64(0), false, "", "", int64(50))
	f.Add(int64(3), true, int64(0), false, "projects:9223372036854775806", "", int64(10))
	f.Add(int64(3), true, int64(0), false, "projects:9223372036854775807", "", int64(10))
	f.Add(int64(3), true, int64(0), false, "reports:5", "", int64(10))
	f.Fuzz(func(t *testing.T, first int64, hasFirst bool, last int64, hasLast bool, after, before string, total int64) {
		total = min(max(total, 0), 1<<40)
		var a PageArgs
		if hasFirst {
			v := int(first)
			a.First = &v
		}
		if hasLast {
			v := int(last)
			a.Last = &v
		}
		if after != "" {
			c := base64.RawURLEncoding.EncodeToString([]byte(after))
			a.After = &c
		}
		if before != "" {
			c := base64.RawURLEncoding.EncodeToString([]byte(before))
			a.Before = &c
		}
		fetch := func(offset, limit int) ([]int, int, error) {
			if offset < 0 || limit < 0 || limit > MaxPage {
				t.Fatalf("fetch(offset %d, limit %d) for %+v", offset, limit, a)
			}
			n := max(0, min(int64(limit), total-int64(offset)))
			items := make([]int, n)
			for i := range items {
				items[i] = offset + i
			}
			return items, int(total), nil
		}
		pg, err := Paginate(ProjectList, a, fetch)
		if err != nil {
			checkRefusal(t, err, "first", "last", "after", "before")
			return
		}
		items := pg.Items
		if pg.Total != int(total) || len(items) > MaxPage || pg.Offset < 0 {
			t.Fatalf("page of %d items at %d, total %d of %d", len(items), pg.Offset, pg.Total, total)
		}
		if len(items) > 0 {
			s, err1 := decodeCursor(ProjectList, "after", *pg.StartCursor)
			e, err2 := decodeCursor(ProjectList, "after", *pg.EndCursor)
			if err1 != nil || err2 != nil || s != items[0] || e != items[len(items)-1] {
				t.Fatalf("cursors %q..%q (%d..%d) for items %d..%d", *pg.StartCursor, *pg.EndCursor, s, e, items[0], items[len(items)-1])
			}
		}
		if pg.HasPrevious != (pg.Offset > 0) || pg.HasNext != (int64(pg.Offset+len(items)) < total) {
			t.Fatalf("page %+v of %d", pg, total)
		}
	})
}
