package resolvers

import (
	"context"
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// requestedFields answers a field of a document asked again from its
// cache, and alike; a field whose selections were merged for the request
// (two fields of one name) is walked anew, with the names of both.
func TestRequestedFieldsRemembered(t *testing.T) {
	doc, err := parser.ParseQuery(&ast.Source{Input: `{ p: project(code: "x") { code undertaker { name } }
		q: project(code: "x") { ...F } } fragment F on Project { title }`})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range doc.Fragments {
		for _, s := range doc.Operations[0].SelectionSet {
			walkSpreads(s.(*ast.Field).SelectionSet, f)
		}
	}
	field := func(i int, merged ast.SelectionSet) context.Context {
		f := doc.Operations[0].SelectionSet[i].(*ast.Field)
		sel := append(ast.SelectionSet{}, f.SelectionSet...) // gqlgen collects into a new slice
		if merged != nil {
			sel = append(append(ast.SelectionSet{}, f.SelectionSet...), merged...)
		}
		return graphql.WithFieldContext(context.Background(), &graphql.FieldContext{
			Field: graphql.CollectedField{Field: f, Selections: sel}})
	}
	first := requestedFields(field(0, nil))
	again := requestedFields(field(0, nil))
	if reflect.ValueOf(first).UnsafePointer() != reflect.ValueOf(again).UnsafePointer() {
		t.Fatal("the field asked again was walked again")
	}
	for _, name := range []string{"code", "undertaker", "name"} {
		if !first[name] || !again[name] {
			t.Fatalf("%q missing: %v then %v", name, first, again)
		}
	}
	if len(first) != len(again) {
		t.Fatalf("asked again: %v, first %v", again, first)
	}
	if w := requestedFields(field(1, nil)); !w["title"] || w["code"] {
		t.Fatalf("through a fragment: %v", w)
	}
	other := doc.Operations[0].SelectionSet[1].(*ast.Field).SelectionSet
	merged := requestedFields(field(0, other))
	if !merged["title"] || !merged["code"] {
		t.Fatalf("merged with the other field: %v; want both fields' names", merged)
	}
	if w := requestedFields(field(0, nil)); w["title"] {
		t.Fatalf("the merged walk was remembered for the document's own field: %v", w)
	}
}

// walkSpreads links fragment spreads to their definition, as validation
// does.
func walkSpreads(ss ast.SelectionSet, f *ast.FragmentDefinition) {
	for _, s := range ss {
		switch s := s.(type) {
		case *ast.FragmentSpread:
			if s.Name == f.Name {
				s.Definition = f
			}
		case *ast.Field:
			walkSpreads(s.SelectionSet, f)
		}
	}
}
