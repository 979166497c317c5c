package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"civicledger/ledger"
)

// errorPresenter returns the gqlgen error presenter of the handler: errors
// wrapping a *ledger.Error keep its client-safe message and get its code
// (and field) — UNAUTHENTICATED and FORBIDDEN from the publishing policy
// (ledger.Authorize) travel this way, as extensions.code; errors made by gqlgen, gqlparser or this package keep their
// message and get a code if they lack one; everything else is logged with
// its real text and shown as "internal error".
func errorPresenter(log *slog.Logger, cfg *Config) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		if err == errStopped {
			return nil // the handler answers a stopped operation itself
		}
		out := &gqlerror.Error{}
		gqlErr, isGQL := errors.AsType[*gqlerror.Error](err)
		if isGQL {
			out.Message = gqlErr.Message
			out.Path = gqlErr.Path
			out.Locations = gqlErr.Locations
			out.Rule = gqlErr.Rule
			out.Extensions = maps.Clone(gqlErr.Extensions)
		}
		if out.Path == nil {
			out.Path = graphql.GetPath(ctx)
		}
		if out.Extensions == nil {
			out.Extensions = map[string]any{}
		}

		var le *ledger.Error
		switch {
		case errors.As(err, &le):
			if le.Field == "" && isGQL {
				// A scalar refused while gqlgen read an argument: name the
				// argument by the input path below the field's own path.
				le, _ = ledger.InField(argumentPath(gqlErr.Path, graphql.GetPath(ctx)), le).(*ledger.Error)
			}
			out.Message = le.Error()
			out.Extensions["code"] = le.Code
			if le.Field != "" {
				out.Extensions["field"] = le.Field
			}
		case errors.Is(err, context.DeadlineExceeded):
			out.Message = timeoutMessage(cfg.Timeout)
			out.Extensions["code"] = CodeTimeout
		case errors.Is(err, context.Canceled):
			out.Message = "the request was cancelled"
			out.Extensions["code"] = CodeTimeout
		case isGQL && gqlErr.Err == nil:
			// Made by gqlgen, gqlparser or this package: the message is safe.
			if _, ok := out.Extensions["code"]; !ok {
				if len(out.Path) == 0 {
					out.Extensions["code"] = CodeBadRequest
				} else {
					out.Extensions["code"] = CodeInternal
				}
			}
		default:
			log.ErrorContext(ctx, "graphql: internal error", "err", err.Error(), "path", out.Path.String())
			out.Message = "internal error"
			out.Extensions = map[string]any{"code": CodeInternal}
		}
		return out
	}
}

// recoverFunc logs a resolver panic with its stack and turns it into an
// internal error, which the presenter then masks.
func recoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "graphql: panic in resolver", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return fmt.Errorf("panic: %v", v)
	}
}

// argumentPath returns the part of an input error's path below the field
// whose argument it is ("filter.awardedMin" of projects.filter.awardedMin),
// or "" when path does not continue the field's path.
func argumentPath(path, field ast.Path) string {
	if len(path) <= len(field) {
		return ""
	}
	for i := range field {
		if path[i] != field[i] {
			return ""
		}
	}
	return path[len(field):].String()
}
