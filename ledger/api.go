package ledger

// Node is any record the API can fetch by global ID (Relay's Node).
type Node interface{}

// SearchRecord is any record a search hit can point to.
type SearchRecord interface{}
