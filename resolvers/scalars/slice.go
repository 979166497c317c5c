package scalars

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalSliceInline marshals the elements of a list one after another on
// the caller's goroutine: graphql.MarshalSliceConcurrently without a
// goroutine per element, for lists of objects none of whose fields wait on
// anything (resolvers/internal/gqlgen decides which, and points the
// generated list marshalers of those types here). The elements share one
// field context whose index moves along: nothing below them keeps it after
// their marshaling returns, since nothing below them runs concurrently.
func MarshalSliceInline(ctx context.Context, length int, _ int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	if length == 0 {
		return ret
	}
	idx := 0
	fc := &graphql.FieldContext{Index: &idx}
	childCtx := graphql.WithFieldContext(ctx, fc)
	for i := range length {
		idx = i
		fc.Result = nil
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(childCtx, graphql.Recover(childCtx, r))
					ret[i] = graphql.Null
				}
			}()
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	return ret
}
