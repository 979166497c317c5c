package main

// The GraphQL server code in graph/ is generated from schema.graphqls by
// gqlgen (pinned in go.mod), run through resolvers/internal/gqlgen for the
// lean path's inline fields and lists (issue 9); CI checks it matches.
//go:generate go run ./resolvers/internal/gqlgen
