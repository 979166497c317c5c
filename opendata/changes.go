package opendata

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"civicledger/ledger"
)

// ChangeReader reads the outbox: every write that changes a record with
// public text (project, organization, announcement, report, case study)
// appends a row to it in the same transaction (store/outbox.go).
type ChangeReader interface {
	OutboxAfter(ctx context.Context, after int64, limit int) ([]ledger.OutboxEntry, ledger.Horizon, error)
}

// Change is one entry of the changes feed: a record that was published or
// corrected, by its public key, with its permalink.
type Change struct {
	Seq        int64     `json:"seq"`
	Entity     string    `json:"entity"`
	Key        string    `json:"key"`
	URL        string    `json:"url"`
	RecordedAt time.Time `json:"recordedAt"`
}

// ChangePage is one answer of the changes feed. Next is the cursor to ask
// with next time; More says whether more changes can be had at once (false
// at the end, and while a change ahead waits on a running transaction).
type ChangePage struct {
	Changes []Change `json:"changes"`
	Next    string   `json:"next"`
	More    bool     `json:"more"`
}

// A changes cursor is "SEQ", or "SEQ.XMAX" while a gap in the sequence
// right after SEQ is waiting to be settled: a sequence number is taken
// when a transaction writes its row, so on PostgreSQL a row can become
// visible after a later-numbered one. A gap is settled (the row committed
// and is read, or was rolled back and never will be) once every
// transaction that was running when it was first seen (below XMAX) has
// ended. The feed never hands out a cursor past an unsettled gap, so a
// mirror that follows it misses nothing.
func parseCursor(c string) (after, gapXMax int64, err error) {
	if c == "" {
		return 0, 0, nil
	}
	s, x, hasX := strings.Cut(c, ".")
	after, err1 := strconv.ParseInt(s, 10, 64)
	if hasX {
		gapXMax, err = strconv.ParseInt(x, 10, 64)
	}
	if err1 != nil || err != nil || after < 0 || gapXMax < 0 {
		return 0, 0, ledger.Invalid("after", "is not a cursor this feed returned")
	}
	return after, gapXMax, nil
}

// maxChanges is the most changes one answer holds.
const maxChanges = 1000

// Changes returns the changes after cursor, at most limit of them.
func (s *Source) Changes(ctx context.Context, cr ChangeReader, cursor string, limit int) (*ChangePage, error) {
	after, gapXMax, err := parseCursor(cursor)
	if err != nil {
		return nil, err
	}
	entries, h, err := cr.OutboxAfter(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	page := &ChangePage{Changes: []Change{}, More: len(entries) == limit}
	settled := func(gapAtCursor bool) bool {
		switch {
		case h.XMin == math.MaxInt64, h.XMin >= h.XMax: // SQLite (one writer), or nothing running
			return true
		case gapAtCursor && gapXMax != 0 && h.XMin >= gapXMax:
			return true
		}
		return false
	}
	safe, next := after, ""
	var keep []ledger.OutboxEntry
	for _, e := range entries {
		if e.Seq != safe+1 && !settled(safe == after) {
			x := h.XMax
			if safe == after && gapXMax != 0 {
				x = gapXMax
			}
			next = strconv.FormatInt(safe, 10) + "." + strconv.FormatInt(x, 10)
			// What follows waits on a transaction still running: ask
			// again later, not at once.
			page.More = false
			break
		}
		keep = append(keep, e)
		safe = e.Seq
	}
	if next == "" {
		next = strconv.FormatInt(safe, 10)
	}
	page.Next = next
	keys, err := s.changeKeys(ctx, keep)
	if err != nil {
		return nil, err
	}
	for i, e := range keep {
		if !changeEntities[e.Entity] {
			continue // not a table of the snapshot (a moderated comment, say)
		}
		k := keys[i]
		page.Changes = append(page.Changes, Change{Seq: e.Seq, Entity: string(e.Entity), Key: k[0], URL: k[1], RecordedAt: e.RecordedAt})
	}
	return page, nil
}

// changeEntities are the kinds of record the changes feed reports: those
// of the snapshot's tables that the outbox records. Other entries of the
// outbox (comments, which search indexes once moderated) are passed over;
// the cursor still moves past them.
var changeEntities = map[ledger.Entity]bool{
	ledger.EntityProject: true, ledger.EntityOrganization: true, ledger.EntityAnnouncement: true,
	ledger.EntityReport: true, ledger.EntityCaseStudy: true,
}

// changeKeys returns each entry's public key and permalink.
func (s *Source) changeKeys(ctx context.Context, es []ledger.OutboxEntry) ([][2]string, error) {
	byEntity := map[ledger.Entity][]int64{}
	for _, e := range es {
		byEntity[e.Entity] = append(byEntity[e.Entity], e.EntityID)
	}
	keys := map[ledger.Entity]map[int64][2]string{}
	put := func(en ledger.Entity, id int64, key, link string) {
		if keys[en] == nil {
			keys[en] = map[int64][2]string{}
		}
		keys[en][id] = [2]string{key, link}
	}
	rd := s.Portal.Reader
	for en, ids := range byEntity {
		switch en {
		case ledger.EntityProject:
			ps, err := rd.ProjectsByIDs(ctx, ids)
			if err != nil {
				return nil, err
			}
			for _, p := range ps {
				if p != nil {
					put(en, p.ID, p.Code, s.ProjectURL(p.Code))
				}
			}
		case ledger.EntityOrganization:
			os, err := rd.OrganizationsByIDs(ctx, ids)
			if err != nil {
				return nil, err
			}
			for _, o := range os {
				if o != nil {
					put(en, o.ID, o.CreditCode, s.OrganizationURL(o.CreditCode))
				}
			}
		case ledger.EntityAnnouncement:
			as, err := rd.AnnouncementsByIDs(ctx, ids)
			if err != nil {
				return nil, err
			}
			for _, a := range as {
				if a != nil {
					put(en, a.ID, a.Code, s.AnnouncementURL(a.Code))
				}
			}
		case ledger.EntityReport:
			rs, err := rd.ReportsByIDs(ctx, ids)
			if err != nil {
				return nil, err
			}
			for _, r := range rs {
				if r != nil {
					put(en, r.ID, r.Code, s.ReportURL(r.Code))
				}
			}
		case ledger.EntityCaseStudy:
			cs, err := rd.CaseStudiesByIDs(ctx, ids)
			if err != nil {
				return nil, err
			}
			var pids []int64
			for _, c := range cs {
				if c != nil {
					pids = append(pids, c.ProjectID)
				}
			}
			ps, err := rd.ProjectsByIDs(ctx, pids)
			if err != nil {
				return nil, err
			}
			codes := map[int64]string{}
			for _, p := range ps {
				if p != nil {
					codes[p.ID] = p.Code
				}
			}
			for _, c := range cs {
				if c != nil {
					put(en, c.ID, strconv.FormatInt(c.ID, 10), s.ProjectURL(codes[c.ProjectID]))
				}
			}
		}
	}
	out := make([][2]string, len(es))
	for i, e := range es {
		out[i] = keys[e.Entity][e.EntityID]
	}
	return out, nil
}

// serveChanges answers /download/changes?after=CURSOR&limit=N.
func (h *Handler) serveChanges(w http.ResponseWriter, r *http.Request) error {
	if h.Changes == nil {
		return &ledger.Error{Code: ledger.ENOTFOUND, Message: "this portal keeps no changes feed"}
	}
	limit := maxChanges
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxChanges {
			return ledger.Invalid("limit", "must be a whole number from 1 to %d", maxChanges)
		}
		limit = n
	}
	page, err := h.Source.Changes(r.Context(), h.Changes, r.URL.Query().Get("after"), limit)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	return json.NewEncoder(w).Encode(page)
}
