package portal

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"

	"civicledger/ledger"
)

// MaxPage is the largest page a list returns; DefaultPage is used when
// neither First nor Last is given.
const (
	MaxPage     = 100
	DefaultPage = 20
)

// List names a paged list; a cursor is bound to the list that made it.
type List string

// The paged lists.
const (
	ProjectList      List = "projects"
	OrganizationList List = "organizations"
	AnnouncementList List = "announcements"
	ReportList       List = "reports"
	SearchList       List = "search"
	CommentList      List = "comments"
	ObjectionList    List = "objections"
)

// lists are the lists a cursor may name.
var lists = []List{ProjectList, OrganizationList, AnnouncementList, ReportList, SearchList, CommentList, ObjectionList}

// Cursor returns the opaque cursor of the item at offset in list: inside,
// "list:offset", base64url-encoded.
func Cursor(list List, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(list) + ":" + strconv.Itoa(offset)))
}

// maxOffset is the largest offset a cursor may carry: far past any list,
// and far from overflowing when the next offset is computed from it.
const maxOffset = 1 << 40

// maxCursor is longer than any cursor Cursor makes; a longer one is refused
// before it is decoded.
const maxCursor = 64

// decodeCursor returns the offset a cursor of list stands for. A cursor of
// another list, or anything else, is refused with an error naming field;
// the error never repeats the cursor, which may be of any size.
func decodeCursor(list List, field, c string) (int, error) {
	if len(c) <= maxCursor {
		if b, err := base64.RawURLEncoding.Strict().DecodeString(c); err == nil {
			name, off, ok := strings.Cut(string(b), ":")
			if ok && name == string(list) {
				if n, err := strconv.Atoi(off); err == nil && n >= 0 && n <= maxOffset && off == strconv.Itoa(n) {
					return n, nil
				}
			}
			if ok && name != string(list) && slices.Contains(lists, List(name)) {
				return 0, ledger.Invalid(field, "is a cursor of another list (%s), not of %s", name, list)
			}
		}
	}
	return 0, ledger.Invalid(field, "is not a cursor this API returned for %s", list)
}

// PageArgs are a list's Relay arguments.
type PageArgs struct {
	First, Last   *int
	After, Before *string
}

// Page is one page of a list.
type Page[T any] struct {
	Items []T
	// Offset is the position of Items[0] in the whole list.
	Offset int
	// Total is how many items the whole list holds.
	Total int
	// HasPrevious and HasNext say whether items lie before and after.
	HasPrevious, HasNext bool
	// StartCursor and EndCursor are the cursors of the first and last
	// items (nil when the page is empty).
	StartCursor, EndCursor *string
	list                   List
}

// Cursor returns the cursor of Items[i].
func (p *Page[T]) Cursor(i int) string { return Cursor(p.list, p.Offset+i) }

// Paginate runs fetch(offset, limit) -> (items, total) for Relay arguments
// on list. With Last and no Before it first asks for the total alone
// (limit 0), which stores answer with one COUNT statement.
func Paginate[T any](list List, a PageArgs, fetch func(offset, limit int) ([]T, int, error)) (*Page[T], error) {
	for name, v := range map[string]*int{"first": a.First, "last": a.Last} {
		if v != nil && (*v < 0 || *v > MaxPage) {
			return nil, ledger.Invalid(name, "must be between 0 and %d, got %d", MaxPage, *v)
		}
	}
	if a.First == nil && a.Last == nil {
		d := DefaultPage
		a.First = &d
	}
	start, end := 0, -1
	if a.After != nil {
		n, err := decodeCursor(list, "after", *a.After)
		if err != nil {
			return nil, err
		}
		start = n + 1
	}
	if a.Before != nil {
		n, err := decodeCursor(list, "before", *a.Before)
		if err != nil {
			return nil, err
		}
		end = n
	}
	if a.Last != nil && end < 0 {
		_, total, err := fetch(0, 0)
		if err != nil {
			return nil, err
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
	if a.First != nil && *a.First < limit {
		limit = *a.First
	}
	if a.Last != nil && limit > *a.Last {
		start += limit - *a.Last
		limit = *a.Last
	}
	items, total, err := fetch(start, limit)
	if err != nil {
		return nil, err
	}
	p := &Page[T]{Items: items, Offset: start, Total: total, HasPrevious: start > 0,
		HasNext: start+len(items) < total, list: list}
	if len(items) > 0 {
		s, e := Cursor(list, start), Cursor(list, start+len(items)-1)
		p.StartCursor, p.EndCursor = &s, &e
	}
	return p, nil
}
