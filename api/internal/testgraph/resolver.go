// Package testgraph is a tiny gqlgen schema used only by the api package's
// tests. generated.go and models_gen.go are generated from schema.graphqls
// by go generate; only this file is written by hand.
package testgraph

//go:generate go tool gqlgen generate --config gqlgen.yml

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"

	"civicledger/ledger"
)

// Resolver resolves the test schema. Count counts every resolver call so a
// test can prove that a refused query never reached a resolver.
type Resolver struct {
	Count atomic.Int64
	// Touches counts mutations.
	Touches atomic.Int64
}

// New returns the executable test schema and its resolver.
func New() (graphql.ExecutableSchema, *Resolver) {
	r := &Resolver{}
	return NewExecutableSchema(Config{Resolvers: r}), r
}

func (r *Resolver) call() { r.Count.Add(1) }

func item(id string) *Item { return &Item{ID: id, Name: "item " + id} }

func page(first, last *int) int {
	n := 3
	if first != nil {
		n = *first
	} else if last != nil {
		n = *last
	}
	return n
}

func connection(n int) *ItemConnection {
	c := &ItemConnection{TotalCount: n}
	for i := range n {
		it := item(strconv.Itoa(i + 1))
		c.Nodes = append(c.Nodes, it)
		c.Edges = append(c.Edges, &ItemEdge{Cursor: it.ID, Node: it})
	}
	return c
}

// Self is the resolver for the self field.
func (r *itemResolver) Self(ctx context.Context, obj *Item) (*Item, error) {
	r.call()
	return obj, nil
}

// Children is the resolver for the children field.
func (r *itemResolver) Children(ctx context.Context, obj *Item, first *int, after *string, last *int, before *string) (*ItemConnection, error) {
	r.call()
	return connection(page(first, last)), nil
}

// Touch is the resolver for the touch field.
func (r *mutationResolver) Touch(ctx context.Context) (int, error) {
	r.call()
	return int(r.Touches.Add(1)), nil
}

// Hello is the resolver for the hello field.
func (r *queryResolver) Hello(ctx context.Context) (string, error) {
	r.call()
	return "你好", nil
}

// Item is the resolver for the item field.
func (r *queryResolver) Item(ctx context.Context, id string) (*Item, error) {
	r.call()
	if id == "missing" {
		return nil, ledger.NotFound("item", id)
	}
	return item(id), nil
}

// Items is the resolver for the items field.
func (r *queryResolver) Items(ctx context.Context, first *int, after *string, last *int, before *string) (*ItemConnection, error) {
	r.call()
	return connection(page(first, last)), nil
}

// Node is the resolver for the node field.
func (r *queryResolver) Node(ctx context.Context, id string) (Node, error) {
	r.call()
	return item(id), nil
}

// Nodes is the resolver for the nodes field.
func (r *queryResolver) Nodes(ctx context.Context, ids []string) ([]Node, error) {
	r.call()
	out := make([]Node, len(ids))
	for i, id := range ids {
		out[i] = item(id)
	}
	return out, nil
}

// Fail is the resolver for the fail field.
func (r *queryResolver) Fail(ctx context.Context, kind string) (*string, error) {
	r.call()
	switch kind {
	case "invalid":
		return nil, ledger.Invalid("tranche.amount", "amount must be positive")
	case "notfound":
		return nil, ledger.NotFound("project", "P-1")
	case "wrapped":
		return nil, fmt.Errorf("store: loading: %w", ledger.Errorf(ledger.ECONFLICT, "already published"))
	case "panic":
		panic("pq: relation \"secret_table\" does not exist")
	default:
		return nil, errors.New("pq: relation \"secret_table\" does not exist")
	}
}

// Slow is the resolver for the slow field.
func (r *queryResolver) Slow(ctx context.Context) (*string, error) {
	r.call()
	<-ctx.Done()
	return nil, ctx.Err()
}

// Calls is the resolver for the calls field.
func (r *queryResolver) Calls(ctx context.Context) (int, error) {
	return int(r.Count.Load()), nil
}

// Item returns ItemResolver implementation.
func (r *Resolver) Item() ItemResolver { return &itemResolver{r} }

// Mutation returns MutationResolver implementation.
func (r *Resolver) Mutation() MutationResolver { return &mutationResolver{r} }

// Query returns QueryResolver implementation.
func (r *Resolver) Query() QueryResolver { return &queryResolver{r} }

type (
	itemResolver     struct{ *Resolver }
	mutationResolver struct{ *Resolver }
	queryResolver    struct{ *Resolver }
)
