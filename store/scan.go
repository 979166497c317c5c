package store

import (
	"context"
	"database/sql"
	"fmt"
	"hash/maphash"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/jmoiron/sqlx"
)

// The page scanner (issue 9). sqlx scans a row by reflection: it finds
// each column's field anew on every call and hands database/sql a pointer
// to a named type (ledger.Money, ledger.Stage, int), which database/sql
// converts by reflection too, through a string for every integer. A page
// of 50 projects with their undertakers and figures is 2,500 such columns.
// Here a row's plan — the offset and kind of the field of each column — is
// made once per struct type and column list, and each column is scanned by
// a sql.Scanner that writes the driver's value straight into its field.
//
// It takes the kinds the ledger's records hold: strings, integers, floats
// and booleans (named or not), time.Time, and pointers to those for
// nullable columns. A struct with a field of another kind, or a column
// without a field, is scanned by sqlx as before.

// scanKind is how a column's value is written into its field.
type scanKind uint8

const (
	kString scanKind = iota + 1
	kInt
	kUint
	kFloat
	kBool
	kTime
)

type scanField struct {
	offset uintptr
	kind   scanKind
	size   uintptr      // bytes of an integer or float
	ptr    reflect.Type // for a pointer field (a nullable column): the pointer's type
}

type scanPlan struct {
	size   uintptr
	fields []scanField
	cols   []string
	bufs   sync.Pool // of *scanBuf
}

// scanBuf is what a read scans its rows with, kept for the next read of
// the plan (2–3 KB for a row of 60 columns).
type scanBuf struct {
	scanners []columnScanner
	targets  []any
}

// buf returns a scanBuf for p; put gives it back.
func (p *scanPlan) buf() *scanBuf {
	if b, ok := p.bufs.Get().(*scanBuf); ok {
		return b
	}
	b := &scanBuf{scanners: make([]columnScanner, len(p.fields)), targets: make([]any, len(p.fields))}
	for i := range p.fields {
		b.scanners[i] = columnScanner{f: &p.fields[i], col: p.cols[i]}
		b.targets[i] = &b.scanners[i]
	}
	return b
}

func (p *scanPlan) put(b *scanBuf) {
	for i := range b.scanners {
		b.scanners[i].base = nil // not to keep the last row alive
	}
	p.bufs.Put(b)
}

// planKey finds a plan without building a key of the column names: their
// hash and count; the entry keeps the names to check them.
type planKey struct {
	t    reflect.Type
	hash uint64
	n    int
}

type planEntry struct {
	cols []string
	plan *scanPlan // nil: sqlx scans it
}

var (
	scanPlans sync.Map // planKey → *planEntry
	planSeed  = maphash.MakeSeed()
)

func colsHash(cols []string) uint64 {
	var h maphash.Hash
	h.SetSeed(planSeed)
	for _, c := range cols {
		h.WriteString(c)
		h.WriteByte(0)
	}
	return h.Sum64()
}

func kindOf(t reflect.Type) (scanKind, uintptr) {
	if t == reflect.TypeFor[time.Time]() {
		return kTime, 0
	}
	switch t.Kind() {
	case reflect.String:
		return kString, 0
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return kInt, t.Size()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return kUint, t.Size()
	case reflect.Float32, reflect.Float64:
		return kFloat, t.Size()
	case reflect.Bool:
		return kBool, 0
	}
	return 0, 0
}

// planFor returns the plan of struct type t for cols, or nil when the
// scanner cannot take it.
func planFor(m *sqlx.DB, t reflect.Type, cols []string) *scanPlan {
	key := planKey{t, colsHash(cols), len(cols)}
	if e, ok := scanPlans.Load(key); ok {
		if e := e.(*planEntry); slices.Equal(e.cols, cols) {
			return e.plan
		}
		return makePlan(m, t, cols) // another list with the same hash: planned each time
	}
	p := makePlan(m, t, cols)
	scanPlans.Store(key, &planEntry{cols: slices.Clone(cols), plan: p})
	return p
}

// makePlan plans t for cols, or returns nil.
func makePlan(m *sqlx.DB, t reflect.Type, cols []string) *scanPlan {
	p := &scanPlan{size: t.Size(), cols: slices.Clone(cols)}
	for _, path := range m.Mapper.TraversalsByName(t, cols) {
		if len(path) == 0 {
			p = nil // a column with no field
			break
		}
		var off uintptr
		ft := t
		for _, i := range path {
			if ft.Kind() != reflect.Struct {
				p = nil // through a pointer
				break
			}
			f := ft.Field(i)
			off += f.Offset
			ft = f.Type
		}
		if p == nil {
			break
		}
		sf := scanField{offset: off}
		if ft.Kind() == reflect.Pointer {
			sf.ptr = ft
			ft = ft.Elem()
		}
		sf.kind, sf.size = kindOf(ft)
		if sf.kind == 0 {
			p = nil
			break
		}
		p.fields = append(p.fields, sf)
	}
	return p
}

// columnScanner writes one column of the current row into its field.
type columnScanner struct {
	f    *scanField
	base unsafe.Pointer // the current row
	col  string
}

func (c *columnScanner) Scan(src any) error {
	p := unsafe.Add(c.base, c.f.offset)
	if c.f.ptr != nil {
		if src == nil {
			*(*unsafe.Pointer)(p) = nil
			return nil
		}
		v := reflect.New(c.f.ptr.Elem())
		*(*unsafe.Pointer)(p) = v.UnsafePointer()
		p = v.UnsafePointer()
	}
	switch c.f.kind {
	case kString:
		switch v := src.(type) {
		case string:
			*(*string)(p) = v
		case []byte:
			*(*string)(p) = string(v)
		case nil:
			*(*string)(p) = ""
		default:
			return c.refuse(src)
		}
	case kInt, kUint:
		var n int64
		switch v := src.(type) {
		case int64:
			n = v
		case []byte:
			i, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				return c.refuse(src)
			}
			n = i
		case string:
			i, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return c.refuse(src)
			}
			n = i
		case nil:
		default:
			return c.refuse(src)
		}
		switch c.f.size {
		case 8:
			*(*int64)(p) = n
		case 4:
			*(*int32)(p) = int32(n)
		case 2:
			*(*int16)(p) = int16(n)
		case 1:
			*(*int8)(p) = int8(n)
		default:
			return c.refuse(src)
		}
	case kFloat:
		var x float64
		switch v := src.(type) {
		case float64:
			x = v
		case int64:
			x = float64(v)
		case []byte:
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				return c.refuse(src)
			}
			x = f
		case nil:
		default:
			return c.refuse(src)
		}
		if c.f.size == 4 {
			*(*float32)(p) = float32(x)
		} else {
			*(*float64)(p) = x
		}
	case kBool:
		switch v := src.(type) {
		case bool:
			*(*bool)(p) = v
		case int64:
			*(*bool)(p) = v != 0
		case nil:
			*(*bool)(p) = false
		default:
			return c.refuse(src)
		}
	case kTime:
		switch v := src.(type) {
		case time.Time:
			*(*time.Time)(p) = v
		case nil:
			*(*time.Time)(p) = time.Time{}
		default:
			return c.refuse(src)
		}
	}
	return nil
}

func (c *columnScanner) refuse(src any) error {
	return fmt.Errorf("store: column %s: cannot scan %T", c.col, src)
}

// selRows runs query on the reader pool's prepared statement and appends
// its rows to dest, with the page scanner when it takes T, else with sqlx.
func selRows[T any](ctx context.Context, db *DB, dest *[]*T, query string, args ...any) error {
	db.reads.Add(1)
	pool := db.reader(ctx)
	scan := func(rows *sqlx.Rows) error {
		defer rows.Close()
		*dest = (*dest)[:0] // a statement run again (stmtCache.run) starts afresh
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		plan := planFor(pool, reflect.TypeFor[T](), cols)
		if plan == nil {
			for rows.Next() {
				v := new(T)
				if err := rows.StructScan(v); err != nil {
					return err
				}
				*dest = append(*dest, v)
			}
			return rows.Err()
		}
		b := plan.buf()
		defer plan.put(b)
		scanners, targets := b.scanners, b.targets
		for rows.Next() {
			v := new(T)
			for i := range scanners {
				scanners[i].base = unsafe.Pointer(v)
			}
			if err := rows.Scan(targets...); err != nil {
				return err
			}
			*dest = append(*dest, v)
		}
		return rows.Err()
	}
	if sc := db.stmts(ctx); sc != nil {
		return mapError(sc.run(ctx, db.q(query), func(ctx context.Context, st *sqlx.Stmt) error {
			rows, err := st.QueryxContext(ctx, args...)
			if err != nil {
				return err
			}
			return scan(rows)
		}))
	}
	rows, err := pool.QueryxContext(ctx, db.q(query), args...)
	if err != nil {
		return mapError(err)
	}
	return mapError(scan(rows))
}

var _ sql.Scanner = (*columnScanner)(nil)
