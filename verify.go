package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"civicledger/search"
	"civicledger/store"
)

// verifySample is how many records of the database `civicledger verify`
// compares field by field with the index, chosen at random.
const verifySample = 500

// verify compares this node's search index with the database (counts per
// kind, a sample of records, the index's origin and watermark), writes
// what it found to out and fails when they differ. Run it while the node
// is stopped, like reindex: the index is held by one process at a time. An
// index whose segment files fail their checksums is reported as needing a
// rebuild (and is replaced by an empty one, as a serving node would).
func verify(ctx context.Context, cfg config, log *slog.Logger, out io.Writer) error {
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	ix, err := search.Open(filepath.Join(cfg.DataDir, "search"), log)
	if err != nil {
		return fmt.Errorf("open search index: %w", err)
	}
	defer ix.Close()
	r, err := search.Verify(ctx, ix, db, db, verifySample)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%-14s %10s %10s\n", "kind", "database", "index")
	for _, c := range r.Counts {
		fmt.Fprintf(out, "%-14s %10d %10d\n", c.Kind, c.Database, c.Index)
	}
	fmt.Fprintf(out, "indexed through outbox %d of %d; %d records compared field by field\n", r.Watermark, r.MaxSeq, r.Sampled)
	for _, p := range r.Problems {
		fmt.Fprintln(out, "MISMATCH:", p)
	}
	if !r.OK() {
		return fmt.Errorf("the search index does not match the database (%d differences; `civicledger reindex` rebuilds it)", len(r.Problems))
	}
	fmt.Fprintln(out, "ok: the search index matches the database")
	return nil
}

// writeSearchStatus adds the follower's findings to a readiness answer:
// how far the index is behind the outbox's end (max), whether it is being
// built, and the differences its checks found.
func writeSearchStatus(w io.Writer, st search.Status, max int64) {
	fmt.Fprintf(w, "search: lag %d\n", max-st.Watermark)
	if st.Building {
		fmt.Fprintf(w, "search: building (%s); answers say indexing\n", st.BuildReason)
	}
	if st.Mismatch != "" {
		fmt.Fprintf(w, "search: mismatch at %s: %s; the index was discarded and rebuilt\n", st.MismatchAt.UTC().Format(time.RFC3339), st.Mismatch)
	}
	for _, d := range st.CountDiffs {
		fmt.Fprintf(w, "search: mismatch: %s\n", d)
	}
	if !st.CountsAt.IsZero() && len(st.CountDiffs) == 0 {
		fmt.Fprintf(w, "search: counts per kind agree with the database (checked %s)\n", st.CountsAt.UTC().Format(time.RFC3339))
	}
}
