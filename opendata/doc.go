// Package opendata is the open-data door of the portal: filtered downloads
// of the public lists as CSV, XLSX and JSON Lines, full snapshots with a
// SHA-256 manifest and a data dictionary, a "changed since" feed over the
// outbox, and the ledger in two open standards: OCDS 1.1.5 release and
// record packages and 360Giving 1.4.3 grants.
//
// It is a door over the application core (package portal): a download takes
// the same filter as the GraphQL list (portal.ProjectQuery and its kin,
// bound from the query string instead of a GraphQL input) and turns it into
// the ledger's filter through the same portal call, so a download and the
// API cannot disagree. Rows stream a page at a time (ledger.ExportReader's
// keyset pages, or the list's own pages for the short lists), so memory
// stays flat whatever the size of the download.
//
// Every table is described once (Table, Column): the header names in
// Chinese and English, the type and unit of each column and its meaning.
// The downloads, the snapshot files and the data dictionary all come from
// that one description.
package opendata
