package resolvers

import (
	"encoding/base64"
	"strconv"
	"strings"

	"civicledger/graph/model"
	"civicledger/ledger"
)

// MaxPage is the largest page a connection returns; DefaultPage is used
// when neither first nor last is given.
const (
	MaxPage     = 100
	DefaultPage = 20
)

// Cursors are opaque to clients; inside they are an offset into the ordered
// result ("o:42"), base64url-encoded.
func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

// maxCursor bounds the offset a cursor may carry: far past any result,
// and far from overflowing the offset after it.
const maxCursor = 1 << 40

// decodeCursor accepts only a cursor encodeCursor could have written; the
// refusal quotes no more than an excerpt of what was sent.
func decodeCursor(field, c string) (int, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err == nil {
		if digits, ok := strings.CutPrefix(string(b), "o:"); ok {
			if n, err := strconv.Atoi(digits); err == nil && n >= 0 && n <= maxCursor && strconv.Itoa(n) == digits {
				return n, nil
			}
		}
	}
	return 0, ledger.Invalid(field, "%s is not a cursor returned by this API", ledger.Excerpt(c))
}

// pageArgs are a connection's Relay arguments.
type pageArgs struct {
	first, last   *int
	after, before *string
}

// window is the slice of a result a connection returns.
type window struct {
	offset, limit int
}

// paginate runs fetch(offset, limit) -> (items, total) for Relay
// arguments. With `last` and no `before` it first asks for the total alone
// (limit 0), which the store answers with one COUNT statement.
func paginate[T any](a pageArgs, fetch func(offset, limit int) ([]T, int, error)) ([]T, window, int, *model.PageInfo, error) {
	for name, v := range map[string]*int{"first": a.first, "last": a.last} {
		if v != nil && (*v < 0 || *v > MaxPage) {
			return nil, window{}, 0, nil, ledger.Invalid(name, "must be between 0 and %d, got %d", MaxPage, *v)
		}
	}
	if a.first == nil && a.last == nil {
		d := DefaultPage
		a.first = &d
	}
	start, end := 0, -1
	if a.after != nil {
		n, err := decodeCursor("after", *a.after)
		if err != nil {
			return nil, window{}, 0, nil, err
		}
		start = n + 1
	}
	if a.before != nil {
		n, err := decodeCursor("before", *a.before)
		if err != nil {
			return nil, window{}, 0, nil, err
		}
		end = n
	}
	if a.last != nil && end < 0 {
		_, total, err := fetch(0, 0)
		if err != nil {
			return nil, window{}, 0, nil, err
		}
		end = total
	}
	if end >= 0 && end < start {
		end = start
	}
	limit := MaxPage
	if end >= 0 {
		limit = end - start
	}
	if a.first != nil && *a.first < limit {
		limit = *a.first
	}
	if a.last != nil && limit > *a.last {
		start += limit - *a.last
		limit = *a.last
	}
	items, total, err := fetch(start, limit)
	if err != nil {
		return nil, window{}, 0, nil, err
	}
	pi := &model.PageInfo{HasPreviousPage: start > 0, HasNextPage: start+len(items) < total}
	if len(items) > 0 {
		s, e := encodeCursor(start), encodeCursor(start+len(items)-1)
		pi.StartCursor, pi.EndCursor = &s, &e
	}
	return items, window{start, limit}, total, pi, nil
}

// Global object IDs: base64url of "Type:key" where key is the record's
// public code (project code, credit code, report code, year), so IDs stay
// the same across databases and re-imports.
func globalID(typ, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + key))
}

func parseGlobalID(id string) (typ, key string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return "", "", false
	}
	typ, key, ok = strings.Cut(string(b), ":")
	return typ, key, ok && key != ""
}
