// Package lean is the runtime of the lean writer: code generated into
// package graph (resolvers/internal/gqlgen, lean.go) that writes the JSON of
// a subtree of an answer straight into one buffer, with no goroutine, field
// context, marshaler value or map per field, where gqlgen's executor would
// spend all of those (issue 9).
//
// It takes a subtree only when every field selected in it can be written
// without waiting: plain fields and methods of the object, and the resolver
// fields the generator lists as computing from the object or reading what
// the page prefetched. Anything else — a field with arguments, a resolver
// that may wait on a loader, a directive other than @skip and @include, a
// response key selected twice (which GraphQL merges), an interface, an
// error, a null where the schema allows none — makes it give the subtree
// back, and gqlgen's executor writes it as it always did, errors and paths
// included. So what the lean writer writes is byte for byte what gqlgen
// would have (resolvers/lean_test.go compares both on every test query).
package lean

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Writer is the buffer a subtree is written into. When the subtree is
// written whole it is the subtree's graphql.Marshaler, and gives its buffer
// back when it has been copied into the answer.
type Writer struct {
	B []byte
}

var pool = sync.Pool{New: func() any { return &Writer{B: make([]byte, 0, 4096)} }}

// maxPooled is the largest buffer kept for reuse.
const maxPooled = 256 << 10

type offKey struct{}

// Off returns a context in which the lean writer is not used: every answer
// is written by gqlgen's executor (for comparisons, and an operator's
// -lean-writer=false).
func Off(ctx context.Context) context.Context { return context.WithValue(ctx, offKey{}, true) }

// Start returns an empty writer for a subtree, or nil when ctx switched the
// lean writer off.
func Start(ctx context.Context) *Writer {
	if off, _ := ctx.Value(offKey{}).(bool); off {
		return nil
	}
	w := pool.Get().(*Writer)
	w.B = w.B[:0]
	return w
}

// release gives the writer back for reuse.
func (w *Writer) release() {
	if cap(w.B) <= maxPooled {
		pool.Put(w)
	}
}

// Decline gives back a writer whose subtree is left to gqlgen.
func (w *Writer) Decline() {
	declined.Add(1)
	w.release()
}

var taken, declined atomic.Int64

// Counts returns how many subtrees the lean writer has written since the
// process started, and how many it gave back to gqlgen.
func Counts() (written, givenBack int64) { return taken.Load(), declined.Load() }

// Done charges a written subtree to the operation as one field: the
// operation's field middleware (api's budget) sees the context's end and
// the subtree's size, as it would have seen each of its fields. It reports
// whether the subtree may be used.
func Done(ctx context.Context, oc *graphql.OperationContext, w *Writer) bool {
	if ctx.Err() != nil {
		return false
	}
	if oc == nil || oc.ResolverMiddleware == nil {
		taken.Add(1)
		return true
	}
	_, err := oc.ResolverMiddleware(ctx, func(context.Context) (any, error) { return json.RawMessage(w.B), nil })
	if err != nil {
		return false
	}
	taken.Add(1)
	return true
}

// MarshalGQL writes the subtree into the answer and releases the buffer.
func (w *Writer) MarshalGQL(out io.Writer) {
	_, _ = out.Write(w.B)
	w.release()
}

// MarshalData writes an operation's data into a buffer sized from what the
// lean writer already wrote of it (gqlgen grows an empty one, doubling,
// which allocates twice the answer), and returns the bytes.
func MarshalData(data graphql.Marshaler) []byte {
	n := 256
	if fs, ok := data.(*graphql.FieldSet); ok {
		for _, v := range fs.Values {
			if w, ok := v.(*Writer); ok {
				n += len(w.B) + 64
			}
		}
	}
	buf := bytes.NewBuffer(make([]byte, 0, n))
	data.MarshalGQL(buf)
	return buf.Bytes()
}

// Write appends p (a scalar's own MarshalGQL writes through it).
func (w *Writer) Write(p []byte) (int, error) {
	w.B = append(w.B, p...)
	return len(p), nil
}

// Byte appends one byte of punctuation.
func (w *Writer) Byte(c byte) { w.B = append(w.B, c) }

// Null appends null.
func (w *Writer) Null() { w.B = append(w.B, "null"...) }

// Key appends an object member's name and colon, after a comma unless it
// is the first.
func (w *Writer) Key(first bool, name string) {
	if !first {
		w.B = append(w.B, ',')
	}
	w.String(name)
	w.B = append(w.B, ':')
}

// Marshal appends what a scalar's marshaler writes.
func (w *Writer) Marshal(m graphql.Marshaler) {
	if a, ok := m.(Appender); ok {
		w.B = a.AppendGQL(w.B)
		return
	}
	m.MarshalGQL(w)
}

// Appender is a scalar marshaler that can append itself to a buffer
// without an allocation of its own (resolvers/scalars' values are).
type Appender interface {
	AppendGQL(b []byte) []byte
}

// Int appends an integer as graphql.MarshalInt and MarshalInt64 write it.
func (w *Writer) Int(i int64) { w.B = strconv.AppendInt(w.B, i, 10) }

// Float appends a float as graphql.MarshalFloat writes it (fmt's %g is
// strconv's shortest 'g').
func (w *Writer) Float(f float64) { w.B = strconv.AppendFloat(w.B, f, 'g', -1, 64) }

// FiniteFloat appends a float as graphql.MarshalFloatContext writes it,
// or reports false for an infinity or NaN, which it refuses.
func (w *Writer) FiniteFloat(f float64) bool {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return false
	}
	w.Float(f)
	return true
}

// Bool appends true or false.
func (w *Writer) Bool(b bool) { w.B = strconv.AppendBool(w.B, b) }

const hex = "0123456789ABCDEF"

// String appends s quoted exactly as graphql.MarshalString quotes it:
// control characters, quote and backslash escaped, everything else as is.
// It walks bytes where gqlgen walks runes: each byte it escapes is a whole
// rune in UTF-8, and gqlgen too writes invalid bytes through unchanged.
func (w *Writer) String(s string) {
	b := append(w.B, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		case '\n':
			b = append(b, '\\', 'n')
		case '\\':
			b = append(b, '\\', '\\')
		case '"':
			b = append(b, '\\', '"')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	w.B = append(b, '"')
}

// maxFields is the most fields one selection may have for the lean writer;
// a larger one is left to gqlgen.
const maxFields = 64

// maxVisits bounds the walk through one selection's fragments; a document
// that spreads fragments into each other more than that is left to gqlgen,
// which merges them.
const maxVisits = 256

// Fields is one selection set collected for one object type: its fields in
// order, fragments that apply spread in place, @skip and @include applied.
type Fields struct {
	n      int
	visits int
	f      [maxFields]*ast.Field
}

// Len is the number of fields collected.
func (fs *Fields) Len() int { return fs.n }

// At is the i-th field collected.
func (fs *Fields) At(i int) *ast.Field { return fs.f[i] }

// Collect collects sel for an object type that satisfies the names given
// (itself and its interfaces), and reports whether the lean writer can
// take it: false for a response key selected twice, a directive other than
// @skip and @include, or a selection too large.
func (fs *Fields) Collect(sel ast.SelectionSet, satisfies []string, vars map[string]any) bool {
	fs.n, fs.visits = 0, 0
	return fs.collect(sel, satisfies, vars)
}

func (fs *Fields) collect(sel ast.SelectionSet, satisfies []string, vars map[string]any) bool {
	for _, s := range sel {
		fs.visits++
		if fs.visits > maxVisits {
			return false
		}
		switch s := s.(type) {
		case *ast.Field:
			ok, include := included(s.Directives, vars)
			if !ok {
				return false
			}
			if !include {
				continue
			}
			for _, g := range fs.f[:fs.n] {
				if g.Alias == s.Alias {
					return false
				}
			}
			if fs.n == maxFields {
				return false
			}
			fs.f[fs.n] = s
			fs.n++
		case *ast.InlineFragment:
			ok, include := included(s.Directives, vars)
			if !ok {
				return false
			}
			if !include || !applies(s.TypeCondition, satisfies) {
				continue
			}
			if !fs.collect(s.SelectionSet, satisfies, vars) {
				return false
			}
		case *ast.FragmentSpread:
			ok, include := included(s.Directives, vars)
			if !ok || s.Definition == nil {
				return false
			}
			if !include || !applies(s.Definition.TypeCondition, satisfies) {
				continue
			}
			if !fs.collect(s.Definition.SelectionSet, satisfies, vars) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func applies(cond string, satisfies []string) bool {
	if cond == "" {
		return true
	}
	for _, s := range satisfies {
		if s == cond {
			return true
		}
	}
	return false
}

// included applies @skip and @include as gqlgen does; ok is false for any
// other directive or an "if" that is not a boolean.
func included(dirs ast.DirectiveList, vars map[string]any) (ok, include bool) {
	include = true
	for _, d := range dirs {
		var skip bool
		switch d.Name {
		case "skip":
			skip = true
		case "include":
		default:
			return false, false
		}
		arg := d.Arguments.ForName("if")
		if arg == nil || arg.Value == nil {
			return false, false
		}
		v, err := arg.Value.Value(vars)
		b, isBool := v.(bool)
		if err != nil || !isBool {
			return false, false
		}
		if b == skip {
			include = false
		}
	}
	return true, include
}
