package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"civicledger/portal"
)

// requestedFields returns the names of every field selected below the
// current field, through fragments, at any depth: what the core should
// batch-load for a page. Each fragment is walked once however often it is
// spread (a document may spread a fragment twice in each of forty nested
// fragments: walking every spread would take 2^40 steps), so the walk is
// linear in the size of the document.
func requestedFields(ctx context.Context) portal.Want {
	names := portal.Want{}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return names
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
