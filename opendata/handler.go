package opendata

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"civicledger/ledger"
)

// Handler serves the open data under /download/:
//
//	/download/{table}.{csv|xlsx|jsonl}?filter…   a filtered download (Tables)
//	/download/changes?after=CURSOR             what changed since a cursor (JSON)
//	/download/snapshot/manifest.json           the latest snapshot's manifest
//	/download/snapshot/{file}                  a file of the latest snapshot
//	/download/ocds/{year}/release-package.json an OCDS release package of one round
//	/download/ocds/{year}/record-package.json  an OCDS record package of one round
//	/download/360giving/{year}.json            the 360Giving grants of one round
type Handler struct {
	Source *Source
	// Changes reads the outbox for the changes feed.
	Changes ChangeReader
	// Snapshots is the directory the scheduled snapshots are written to and
	// the latest is served from ("" serves none).
	Snapshots string
	// Standards configures the OCDS and 360Giving documents.
	Standards Standards
	Log       *slog.Logger
	// WriteTimeout bounds the writing of one download (10 minutes when
	// zero): longer than the server's own write timeout, which suits the
	// API's answers but not a file of 100,000 rows.
	WriteTimeout time.Duration
	// MaxConcurrent bounds the downloads and documents made at once (4
	// when zero; an XLSX holds up to 32 MiB while it is written); one more
	// is answered 503 with Retry-After. Snapshot files are served anyway.
	MaxConcurrent int

	once  sync.Once
	slots chan struct{}
}

// acquire takes a slot for a download, or answers that none is free.
func (h *Handler) acquire() (release func(), err error) {
	h.once.Do(func() {
		n := h.MaxConcurrent
		if n <= 0 {
			n = 4
		}
		h.slots = make(chan struct{}, n)
	})
	select {
	case h.slots <- struct{}{}:
		return func() { <-h.slots }, nil
	default:
		return nil, &ledger.Error{Code: ledger.EUNAVAILABLE, Message: "too many downloads are being made; try again in a minute, or take the snapshot (/download/snapshot/manifest.json)"}
	}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, "/download/")
	var err error
	if strings.HasPrefix(rest, "snapshot/") {
		err = h.serveSnapshot(w, r, strings.TrimPrefix(rest, "snapshot/"))
	} else if release, busy := h.acquire(); busy != nil {
		w.Header().Set("Retry-After", "60")
		err = busy
	} else {
		defer release()
		switch {
		case rest == "changes":
			err = h.serveChanges(w, r)
		case strings.HasPrefix(rest, "ocds/"), strings.HasPrefix(rest, "360giving/"):
			err = h.serveStandard(w, r, rest)
		default:
			err = h.serveDownload(w, r, rest)
		}
	}
	if err != nil {
		h.fail(w, err)
	}
}

// fail answers an error met before anything was written: the client's
// mistake with its message and field, anything else as an internal error
// whose detail is only logged.
func (h *Handler) fail(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch ledger.ErrorCode(err) {
	case ledger.EINVALID:
		status = http.StatusBadRequest
	case ledger.ENOTFOUND:
		status = http.StatusNotFound
	case ledger.EUNAVAILABLE:
		status = http.StatusServiceUnavailable
	}
	if status == http.StatusInternalServerError && h.Log != nil {
		h.Log.Error("download failed", "err", err)
	}
	w.Header().Del("Content-Disposition")
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, ledger.ErrorMessage(err), status)
}

// splitName splits "projects.csv" into its table and format.
func splitName(name string) (*Table, Format, error) {
	base, ext, ok := strings.Cut(name, ".")
	t := TableNamed(base)
	if !ok || t == nil {
		names := make([]string, len(Tables))
		for i, t := range Tables {
			names[i] = t.Name
		}
		return nil, "", &ledger.Error{Code: ledger.ENOTFOUND, Message: "no download " + ledger.Excerpt(name) +
			"; the downloads are " + strings.Join(names, ", ") + ", each .csv, .xlsx or .jsonl"}
	}
	f := Format(ext)
	switch f {
	case CSV, XLSX, JSONL:
		return t, f, nil
	}
	return nil, "", &ledger.Error{Code: ledger.ENOTFOUND, Message: "no format " + ledger.Excerpt(ext) + "; the formats are csv, xlsx, jsonl"}
}

// serveDownload streams one filtered download.
func (h *Handler) serveDownload(w http.ResponseWriter, r *http.Request, name string) error {
	t, f, err := splitName(name)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	req, err := ParseRequest(t, q)
	if err != nil {
		return err
	}
	cols, err := t.Select(q.Get("columns"))
	if err != nil {
		return err
	}
	lang := Chinese
	switch l := q.Get("lang"); l {
	case "", "zh":
	case "en":
		lang = English
	default:
		return ledger.Invalid("lang", "%s is not zh or en", ledger.Excerpt(l))
	}
	ctx := ledger.WithBulk(r.Context())
	run, err := h.Source.check(ctx, req)
	if err != nil {
		return err
	}
	timeout := h.WriteTimeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(timeout))
	hd := w.Header()
	hd.Set("Content-Type", f.ContentType())
	hd.Set("Content-Disposition", `attachment; filename="`+t.Name+"."+string(f)+`"`)
	hd.Set("Cache-Control", "public, max-age=60")
	if r.Method == http.MethodHead {
		return nil
	}
	rw, err := NewRowWriter(w, f, t, cols, lang)
	if err != nil {
		return err
	}
	if d, ok := rw.(interface{ discard() }); ok {
		defer d.discard() // a stopped XLSX leaves no temporary file behind
	}
	err = run(rw.Row)
	if err == nil {
		err = rw.Close()
	}
	if err != nil {
		h.abort(ctx, err)
	}
	return nil
}

// abort ends a download that failed after its first bytes: the status is
// sent, so the connection is cut and the client sees a broken transfer,
// never a file that silently ends early.
func (h *Handler) abort(ctx context.Context, err error) {
	if h.Log != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) {
		h.Log.Error("download stopped", "err", err)
	}
	panic(http.ErrAbortHandler)
}
