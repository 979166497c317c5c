package api

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Error codes of the refusals this package makes itself. GraphQL request
// errors made by gqlgen carry GRAPHQL_PARSE_FAILED or
// GRAPHQL_VALIDATION_FAILED; domain errors carry their ledger code.
const (
	CodeBadRequest       = "BAD_REQUEST" // malformed HTTP request (400)
	CodeValidationFailed = "GRAPHQL_VALIDATION_FAILED"
	CodeDepthLimit       = "DEPTH_LIMIT_EXCEEDED"   // MaxDepth exceeded
	CodeCostLimit        = "COST_LIMIT_EXCEEDED"    // MaxCost exceeded
	CodeMethodNotAllowed = "METHOD_NOT_ALLOWED"     // 405
	CodeNotAcceptable    = "NOT_ACCEPTABLE"         // 406
	CodePayloadTooLarge  = "PAYLOAD_TOO_LARGE"      // 413
	CodeUnsupportedMedia = "UNSUPPORTED_MEDIA_TYPE" // 415
	CodeRateLimited      = "RATE_LIMITED"           // 429
	CodeUnavailable      = "UNAVAILABLE"            // 503, same as ledger.EUNAVAILABLE
	CodeTimeout          = "TIMEOUT"                // the per-request timeout stopped the operation
	CodeTooLarge         = "RESPONSE_TOO_LARGE"     // the answer grew past MaxResponseBytes
	CodeInternal         = "INTERNAL_SERVER_ERROR"  // same as ledger.EINTERNAL
)

// Cost is what the limits extension measured for one operation. It is
// stored in the operation context's stats (see CostOf).
type Cost struct {
	// Requested is the operation's cost as described at Config.MaxCost.
	Requested int
	// Depth is the deepest field nesting, introspection not counted.
	Depth int
}

const costStatsKey = "civicledger/api.Cost"

// CostOf returns the cost measured for the operation running in ctx, or nil
// before it is measured.
func CostOf(ctx context.Context) *Cost {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	return costOf(graphql.GetOperationContext(ctx))
}

func costOf(opCtx *graphql.OperationContext) *Cost {
	if opCtx == nil {
		return nil
	}
	c, _ := opCtx.Stats.GetExtension(costStatsKey).(*Cost)
	return c
}

// limits is the gqlgen extension that measures depth and cost after
// validation and refuses an operation over a limit, before any resolver
// runs.
type limits struct {
	cfg *Config
}

var _ interface {
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = limits{}

func (limits) ExtensionName() string                          { return "CivicLedgerLimits" }
func (limits) Validate(schema graphql.ExecutableSchema) error { return nil }

func (l limits) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Operation
	if op.Operation == ast.Subscription {
		return requestError(CodeValidationFailed, op.Position, "subscriptions are not served over HTTP")
	}
	w := &walker{cfg: l.cfg, doc: opCtx.Doc, vars: opCtx.Variables, frags: map[string]*measure{}}
	m := w.selectionSet(op.SelectionSet)
	cost := &Cost{Requested: int(max(1, m.cost)), Depth: m.depth}
	opCtx.Stats.SetExtension(costStatsKey, cost)
	if w.err != nil {
		return w.err
	}
	if l.cfg.MaxDepth > 0 && cost.Depth > l.cfg.MaxDepth {
		err := requestError(CodeDepthLimit, op.Position,
			"query depth %d exceeds the limit of %d", cost.Depth, l.cfg.MaxDepth)
		err.Extensions["depth"] = cost.Depth
		err.Extensions["limit"] = l.cfg.MaxDepth
		return err
	}
	if l.cfg.MaxCost > 0 && cost.Requested > l.cfg.MaxCost {
		err := requestError(CodeCostLimit, op.Position,
			"query cost %d exceeds the limit of %d (a connection counts its first or last, %d when neither is given, times the connections around it; nodes(ids:) counts its ids)",
			cost.Requested, l.cfg.MaxCost, l.cfg.DefaultPage)
		err.Extensions["cost"] = map[string]any{"requested": cost.Requested, "limit": l.cfg.MaxCost}
		return err
	}
	return nil
}

// requestError returns a GraphQL request error with a code.
func requestError(code string, pos *ast.Position, format string, args ...any) *gqlerror.Error {
	err := &gqlerror.Error{
		Message:    fmt.Sprintf(format, args...),
		Extensions: map[string]any{"code": code},
	}
	if pos != nil && pos.Line > 0 {
		err.Locations = []gqlerror.Location{{Line: pos.Line, Column: pos.Column}}
	}
	return err
}

// measure is the cost of a selection set for one enclosing object, and its
// depth. Cost grows linearly with the number of enclosing objects, so a
// fragment is measured once and multiplied wherever it is spread.
type measure struct {
	cost  int64
	depth int
}

// costCap keeps saturated arithmetic far from overflow.
const costCap = math.MaxInt64 / 4

func addSat(a, b int64) int64 { return min(a+b, costCap) }

func mulSat(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > costCap/b {
		return costCap
	}
	return min(a*b, costCap)
}

type walker struct {
	cfg   *Config
	doc   *ast.QueryDocument
	vars  map[string]any
	frags map[string]*measure
	err   *gqlerror.Error
}

func (w *walker) fail(err *gqlerror.Error) {
	if w.err == nil {
		w.err = err
	}
}

func (w *walker) selectionSet(set ast.SelectionSet) measure {
	var m measure
	add := func(o measure) {
		m.cost = addSat(m.cost, o.cost)
		m.depth = max(m.depth, o.depth)
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			add(w.field(s))
		case *ast.InlineFragment:
			w.noDefer(s.Directives, s.Position)
			add(w.selectionSet(s.SelectionSet))
		case *ast.FragmentSpread:
			w.noDefer(s.Directives, s.Position)
			add(w.fragment(s))
		}
	}
	return m
}

func (w *walker) noDefer(dirs ast.DirectiveList, pos *ast.Position) {
	if dirs.ForName("defer") != nil || dirs.ForName("stream") != nil {
		w.fail(requestError(CodeValidationFailed, pos, "@defer and @stream are not supported by this endpoint"))
	}
}

func (w *walker) fragment(s *ast.FragmentSpread) measure {
	if m, ok := w.frags[s.Name]; ok {
		return *m
	}
	def := s.Definition
	if def == nil && w.doc != nil {
		def = w.doc.Fragments.ForName(s.Name)
	}
	if def == nil {
		return measure{}
	}
	w.frags[s.Name] = &measure{} // validation refuses cycles; this guards anyway
	m := w.selectionSet(def.SelectionSet)
	w.frags[s.Name] = &m
	return m
}

func (w *walker) field(f *ast.Field) measure {
	if f.Name == "__schema" || f.Name == "__type" {
		// Introspection answers are large and alike: a flat price per
		// field, paid by every alias.
		c := int64(w.cfg.IntrospectionCost)
		if f.Name == "__type" {
			c = max(1, c/10)
		}
		return measure{cost: c, depth: 1}
	}
	if strings.HasPrefix(f.Name, "__") || f.Definition == nil {
		return measure{}
	}
	child := w.selectionSet(f.SelectionSet)
	depth := 1 + child.depth

	var unit int64
	if len(f.SelectionSet) > 0 && (len(f.Definition.Arguments) > 0 || isConnection(f.Definition)) {
		unit = 1 // a lookup, a connection or nodes(ids:)
	}
	plainList := len(f.SelectionSet) > 0 && f.Definition.Type.Elem != nil && !isConnection(f.Definition) &&
		f.Definition.Arguments.ForName("ids") == nil &&
		(f.ObjectDefinition == nil || !strings.HasSuffix(f.ObjectDefinition.Name, "Connection"))
	if plainList {
		unit = 1 // each object of a plain list counts
	}
	if f.ObjectDefinition != nil {
		if c, ok := w.cfg.FieldCosts[f.ObjectDefinition.Name+"."+f.Name]; ok {
			unit = int64(max(c, 0))
		}
	}

	items := int64(1)
	args := f.Definition.Arguments
	switch {
	case f.ObjectDefinition != nil && w.cfg.ListSizes[f.ObjectDefinition.Name+"."+f.Name] > 0:
		items = int64(w.cfg.ListSizes[f.ObjectDefinition.Name+"."+f.Name])
	case plainList:
		items = int64(w.cfg.DefaultListSize)
	case args.ForName("ids") != nil && args.ForName("ids").Type.Elem != nil:
		ids := reflect.ValueOf(f.ArgumentMap(w.vars)["ids"])
		n := 0
		if ids.Kind() == reflect.Slice {
			n = ids.Len()
		}
		if n > w.cfg.MaxIDs {
			w.fail(requestError(CodeValidationFailed, f.Position,
				"%s(ids:) accepts at most %d ids, got %d", f.Name, w.cfg.MaxIDs, n))
		}
		items = int64(n)
	case isConnection(f.Definition):
		argv := f.ArgumentMap(w.vars)
		page, given := int64(-1), false
		for _, name := range []string{"first", "last"} {
			if args.ForName(name) == nil {
				continue
			}
			n, ok := intValue(argv[name])
			if !ok {
				continue
			}
			given = true
			if n < 0 || n > int64(w.cfg.MaxPage) {
				w.fail(requestError(CodeValidationFailed, f.Position,
					"%s on %s must be between 0 and %d, got %d", name, f.Name, w.cfg.MaxPage, n))
			}
			page = max(page, n)
		}
		if !given {
			page = int64(w.cfg.DefaultPage)
		}
		items = max(page, 0)
	}
	return measure{cost: mulSat(items, addSat(unit, child.cost)), depth: depth}
}

// isConnection reports whether a field is paged like a Relay connection.
func isConnection(def *ast.FieldDefinition) bool {
	return strings.HasSuffix(def.Type.Name(), "Connection") ||
		def.Arguments.ForName("first") != nil || def.Arguments.ForName("last") != nil
}

// intValue converts an argument value to an int64; ok is false for null.
func intValue(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			f, ferr := n.Float64()
			if ferr != nil {
				return 0, false
			}
			return int64(f), true
		}
		return i, true
	}
	return 0, false
}
