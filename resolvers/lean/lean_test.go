package lean

import (
	"bytes"
	"context"
	"math"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

func TestStringQuotesAsGqlgen(t *testing.T) {
	for _, s := range []string{"", "长者助餐", `a"b\c`, "tab\tcr\rnl\n", "\x00\x01\x1f\x7f", "\u2028\u2029", "bad \xff\xfe utf-8", "<script>&</script>", "emoji 🧓"} {
		var want bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&want)
		var w Writer
		w.String(s)
		if !bytes.Equal(w.B, want.Bytes()) {
			t.Errorf("String(%q) = %s, gqlgen writes %s", s, w.B, want.Bytes())
		}
	}
}

func TestFloatsAsGqlgen(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1.0 / 3, 1e-7, 123456789, 1e20, 1e21, 1e300, 5e-324, 2.5e6} {
		var want bytes.Buffer
		if err := graphql.MarshalFloatContext(f).MarshalGQLContext(context.Background(), &want); err != nil {
			t.Fatal(err)
		}
		var w Writer
		if !w.FiniteFloat(f) || !bytes.Equal(w.B, want.Bytes()) {
			t.Errorf("FiniteFloat(%v) = %s, gqlgen writes %s", f, w.B, want.Bytes())
		}
	}
	for _, f := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		var w Writer
		if w.FiniteFloat(f) {
			t.Errorf("FiniteFloat(%v) took a value gqlgen refuses", f)
		}
	}
}

const schema = `type Query { p: P } interface N { id: ID } type P implements N { id: ID a: Int b: Int c: Int }`

func selection(t *testing.T, q string) ast.SelectionSet {
	t.Helper()
	s := gqlparser.MustLoadSchema(&ast.Source{Input: schema})
	doc, err := gqlparser.LoadQuery(s, q)
	if err != nil {
		t.Fatal(err)
	}
	return doc.Operations[0].SelectionSet[0].(*ast.Field).SelectionSet
}

func TestCollect(t *testing.T) {
	p := []string{"P", "N"}
	for _, c := range []struct {
		query string
		vars  map[string]any
		ok    bool
		want  string
	}{
		{`{ p { a b } }`, nil, true, "a b"},
		{`{ p { x: a ...F ... on N { id } } } fragment F on P { b c }`, nil, true, "x b c id"},
		{`query($s: Boolean!) { p { a @skip(if: $s) b @include(if: $s) } }`, map[string]any{"s": true}, true, "b"},
		{`query($s: Boolean!) { p { a @skip(if: $s) b @include(if: $s) } }`, map[string]any{"s": false}, true, "a"},
		{`{ p { a a } }`, nil, false, ""}, // merged by GraphQL: gqlgen's
		{`{ p { a ...F } } fragment F on P { a }`, nil, false, ""},
		{`{ p { ...F ...F } } fragment F on P { a }`, nil, false, ""},
	} {
		var fs Fields
		ok := fs.Collect(selection(t, c.query), p, c.vars)
		var got []byte
		for i := 0; i < fs.Len(); i++ {
			if i > 0 {
				got = append(got, ' ')
			}
			got = append(got, fs.At(i).Alias...)
		}
		if ok != c.ok || (ok && string(got) != c.want) {
			t.Errorf("%s: Collect = %v %q, want %v %q", c.query, ok, got, c.ok, c.want)
		}
	}
}

// A document that spreads fragments into each other, doubling at each of
// 40 levels, is given back at once (its second spread repeats a field;
// maxVisits bounds any other shape) instead of walking 2^40 spreads.
func TestCollectBoundsFragmentFanOut(t *testing.T) {
	q := `{ p { ...F0 } }`
	for i := 0; i < 40; i++ {
		q += " fragment F" + itoa(i) + " on P { ...F" + itoa(i+1) + " ...F" + itoa(i+1) + " }"
	}
	q += " fragment F40 on P { a }"
	s := gqlparser.MustLoadSchema(&ast.Source{Input: schema})
	doc, _ := gqlparser.LoadQuery(s, q) // validation refuses nothing here but cycles
	if doc == nil {
		t.Skip("the parser refused the document")
	}
	var fs Fields
	if fs.Collect(doc.Operations[0].SelectionSet[0].(*ast.Field).SelectionSet, []string{"P"}, nil) {
		t.Fatal("took a fan-out of 2^40 spreads")
	}
}

func itoa(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }
