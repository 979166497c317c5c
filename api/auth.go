package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"civicledger/ledger"
)

// Authenticator resolves a bearer token and a client's address to the
// actor that calls (the core's Publishing.Authenticate).
type Authenticator func(ctx context.Context, token, client string) (ledger.Actor, error)

// Authenticate returns middleware that resolves "Authorization: Bearer
// TOKEN" to an actor carried in the request's context (ledger.ActorFrom).
// A request without an Authorization header passes untouched, so the
// anonymous public API answers exactly as before; a POST also carries the
// client's address (ledger.ClientFrom) for sign-in throttling. A header
// that is not a valid bearer token is refused with 401 and the GraphQL
// error code UNAUTHENTICATED: a script with a stale token learns it at once
// instead of silently reading as the public.
func Authenticate(auth Authenticator, cfg Config) func(http.Handler) http.Handler {
	clientKey := cfg.withDefaults().ClientKey
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := r.Header.Get("Authorization")
			if h == "" {
				if r.Method == http.MethodPost {
					r = r.WithContext(ledger.WithClient(r.Context(), clientKey(r)))
				}
				next.ServeHTTP(w, r)
				return
			}
			client := clientKey(r)
			scheme, token, _ := strings.Cut(h, " ")
			var actor ledger.Actor
			err := error(&ledger.Error{Code: ledger.EUNAUTHENTICATED, Message: "the Authorization header must be \"Bearer\" and a token"})
			if strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != "" {
				actor, err = auth(r.Context(), strings.TrimSpace(token), client)
			}
			if err != nil {
				code, msg := ledger.ErrorCode(err), ledger.ErrorMessage(err)
				status := http.StatusUnauthorized
				if code != ledger.EUNAUTHENTICATED {
					status = http.StatusServiceUnavailable
					code, msg = CodeUnavailable, "the token could not be checked; try again"
				}
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Cache-Control", "no-store")
				w.Header().Set("WWW-Authenticate", `Bearer realm="civicledger"`)
				w.WriteHeader(status)
				_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
					"message": msg, "extensions": map[string]any{"code": code}}}})
				return
			}
			ctx := ledger.WithClient(ledger.WithActor(r.Context(), actor), client)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}
