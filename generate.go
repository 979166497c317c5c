package main

// The GraphQL server code in graph/ is generated from schema.graphqls by
// gqlgen (pinned as a tool in go.mod); CI checks it matches.
//go:generate go tool gqlgen generate --config gqlgen.yml
