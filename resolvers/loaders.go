package resolvers

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"civicledger/portal"
)

// wantCache remembers requestedFields by the field of a parsed document
// (gqlgen keeps parsed documents, so a query asked again has the same
// fields): the walk and its map were 1.8 KB of every Q2. Only a field whose
// selections are its own in the document is kept; a field merged with
// another of the same name has the other's selections too.
var wantCache, _ = lru.New[*ast.Field, portal.Want](4096)

// requestedFields returns the names of every field selected below the
// current field, through fragments, at any depth: what the core should
// batch-load for a page. Each fragment is walked once however often it is
// spread (a document may spread a fragment twice in each of forty nested
// fragments: walking every spread would take 2^40 steps), so the walk is
// linear in the size of the document. The Want returned is shared: it must
// not be changed.
func requestedFields(ctx context.Context) portal.Want {
	names := portal.Want{}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return names
	}
	if fc.Field.Field != nil && slices.Equal(fc.Field.Selections, fc.Field.Field.SelectionSet) {
		if w, ok := wantCache.Get(fc.Field.Field); ok {
			return w
		}
		defer func() { wantCache.Add(fc.Field.Field, names) }()
	}
	seen := map[*ast.FragmentDefinition]bool{}
	var walk func(ss ast.SelectionSet)
	walk = func(ss ast.SelectionSet) {
		for _, s := range ss {
			switch s := s.(type) {
			case *ast.Field:
				names[s.Name] = true
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if s.Definition != nil && !seen[s.Definition] {
					seen[s.Definition] = true
					walk(s.Definition.SelectionSet)
				}
			}
		}
	}
	walk(fc.Field.Selections)
	names[portal.Abridge] = true // every field read below is named
	return names
}
