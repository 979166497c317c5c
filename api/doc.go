// Package api is the HTTP transport of the public GraphQL API: one handler
// for any gqlgen executable schema (NewHandler) and the GraphiQL page served
// from the binary (GraphiQL).
//
// # Protocol
//
// The handler follows "GraphQL over HTTP", the GraphQL Foundation working
// draft at https://graphql.github.io/graphql-over-http/draft/, as checked by
// the server audit of the graphql-http npm package 1.23.1 (see api/audit).
// In short:
//
//   - POST with Content-Type application/json (charset utf-8 or none) runs
//     any operation; any other content type is 415; a body over
//     Config.MaxBodyBytes is 413; an empty, non-JSON or malformed body (query
//     not a string, variables or extensions not an object, no query) is 400.
//     No error message ever quotes the request.
//   - GET runs queries only; a mutation sent with GET is 405 with Allow: POST.
//     Parameters are query, operationName, and variables and extensions as
//     JSON text.
//   - The response is application/graphql-response+json when the Accept header
//     prefers it, and application/json when it asks for application/json, for
//     */*, or has no Accept header (the spec's legacy rule); anything else
//     is 406.
//   - A GraphQL request error (parse, validation, variable coercion, the
//     depth, cost, page and ids limits) is 400 with
//     application/graphql-response+json and 200 with application/json, as the
//     spec specifies; its response has no data entry.
//   - Other methods are 405 with Allow; an exhausted rate budget is 429 with
//     Retry-After; a full worker pool is 503 with Retry-After.
//
// # Safety limits
//
// Every limit is a Config field with a documented default: body size,
// parser tokens, depth, a cost in the style of GitHub's node limit, page
// size and nodes(ids:) length, per-request timeout, worker pool, and a
// per-client token bucket charged with each operation's cost. Depth, cost,
// page and ids limits are checked after validation and before execution, so
// a refused query never reaches a resolver or the database. Each answer
// carries X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset,
// and extensions.cost {requested, remaining, limit, resetAt}.
//
// # Errors
//
// Every GraphQL error carries extensions.code. An error wrapping a
// *ledger.Error keeps its message and takes its Code (and Field as
// extensions.field); gqlgen's own request errors keep
// GRAPHQL_PARSE_FAILED and GRAPHQL_VALIDATION_FAILED; this package's
// refusals use the Code constants; anything else is logged with its real
// text and shown as "internal error" with INTERNAL_SERVER_ERROR.
//
// # Caching
//
// A successful GET answer to a query sent without Authorization or Cookie
// carries a weak ETag (a hash of the body without its cost extension, which
// changes with every request) and Cache-Control: public, max-age=30; a
// matching If-None-Match is answered 304. Other answers are no-store.
// Automatic persisted queries (Apollo's persistedQuery extension) are kept
// in an LRU cache, so a hot query can be a short cacheable GET.
package api
