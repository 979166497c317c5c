package opendata

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"civicledger/ledger"
	"civicledger/portal"
)

// A snapshot is a directory holding every public table in full as CSV and
// JSON Lines, the ledger as an OCDS release package and record package and
// as 360Giving grants, the data dictionary, and manifest.json: each file's
// size and SHA-256. The portal serves the latest one under
// /download/snapshot/.

// ManifestFile is one file of a snapshot.
type ManifestFile struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	Rows   *int64 `json:"rows,omitempty"` // of a table file
}

// Manifest describes a snapshot.
type Manifest struct {
	Created string         `json:"created"`
	Demo    bool           `json:"demo"`
	Note    string         `json:"note,omitempty"`
	Files   []ManifestFile `json:"files"`
}

// DictionaryEntry is one column of the data dictionary.
type DictionaryEntry struct {
	Table   string `json:"table"`
	Column  string `json:"column"`
	ZH      string `json:"zh"`
	EN      string `json:"en"`
	Type    Type   `json:"type"`
	Unit    string `json:"unit,omitempty"`
	Meaning string `json:"meaning"`
}

// Dictionary lists every column of every table.
func Dictionary() []DictionaryEntry {
	var out []DictionaryEntry
	for _, t := range SnapshotTables {
		for _, c := range t.Columns {
			out = append(out, DictionaryEntry{Table: t.Name, Column: c.Key, ZH: c.ZH, EN: c.EN, Type: c.Type, Unit: c.Unit, Meaning: c.Meaning})
		}
	}
	return out
}

// snapshotRequest is the whole of a table: every application, not only the
// funded projects.
func snapshotRequest(t *Table) *Request {
	r := &Request{Table: t}
	if t.Filter == "project" {
		all := ledger.ScopeApplications
		r.Project = &portal.ProjectQuery{Scope: &all}
	}
	return r
}

// counter counts what passes through and hashes it.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// WriteSnapshot writes a full snapshot into dir, which must be empty or absent.
func (s *Source) WriteSnapshot(ctx context.Context, st Standards, dir string) (*Manifest, error) {
	ctx = ledger.WithBulk(ctx)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if ents, err := os.ReadDir(dir); err != nil {
		return nil, err
	} else if len(ents) > 0 {
		return nil, fmt.Errorf("%s is not empty: a snapshot is written into an empty directory", dir)
	}
	m := &Manifest{Created: ledger.FormatTime(st.now())}
	if meta, err := s.Portal.Dataset(ctx); err == nil && meta != nil {
		m.Demo, m.Note = meta.Demo, meta.Note
	}
	file := func(name string, rows *int64, fill func(w io.Writer) error) error {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		c := &counter{w: io.MultiWriter(f, h)}
		if err := fill(c); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := f.Sync(); err != nil {
			return err
		}
		m.Files = append(m.Files, ManifestFile{Path: name, Bytes: c.n, SHA256: hex.EncodeToString(h.Sum(nil)), Rows: rows})
		return f.Close()
	}
	for _, t := range SnapshotTables {
		all, _ := t.Select("")
		for _, f := range []Format{CSV, JSONL} {
			var n int64
			err := file(t.Name+"."+string(f), &n, func(w io.Writer) error {
				rw, err := NewRowWriter(w, f, t, all, Chinese)
				if err != nil {
					return err
				}
				count := func(row []any) error { n++; return rw.Row(row) }
				var err2 error
				if t.Filter == "" {
					err2 = s.snapshotRows(ctx, t, count)
				} else {
					err2 = s.Rows(ctx, snapshotRequest(t), count)
				}
				if err := err2; err != nil {
					return err
				}
				return rw.Close()
			})
			if err != nil {
				return nil, err
			}
		}
	}
	rounds, err := s.Portal.Rounds(ctx)
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(s.BaseURL, "/") + "/download/snapshot/"
	// Each round's release is built, written and let go before the next.
	eachRelease := func(fn func(*Release) error) error {
		for _, r := range rounds {
			rel, err := s.Release(ctx, st, r.Year)
			if err != nil {
				return err
			}
			if err := fn(rel); err != nil {
				return err
			}
		}
		return nil
	}
	if err := file("ocds/release-package.json", nil, func(w io.Writer) error {
		return writePackage(w, st.ReleasePackage(base+"ocds/release-package.json", nil), "releases", func(emit func(any) error) error {
			return eachRelease(func(r *Release) error { return emit(r) })
		})
	}); err != nil {
		return nil, err
	}
	if err := file("ocds/record-package.json", nil, func(w io.Writer) error {
		return writePackage(w, st.RecordPackage(base+"ocds/record-package.json", nil), "records", func(emit func(any) error) error {
			return eachRelease(func(r *Release) error { return emit(st.RecordPackage("", []*Release{r}).Records[0]) })
		})
	}); err != nil {
		return nil, err
	}
	var grants int64
	if err := file("360giving/grants.json", &grants, func(w io.Writer) error {
		return writePackage(w, st.GrantPackage("福彩公益金购买服务项目 grants (all rounds)", nil), "grants", func(emit func(any) error) error {
			for _, r := range rounds {
				gs, err := s.Grants(ctx, st, r.Year)
				if err != nil {
					return err
				}
				for _, g := range gs {
					grants++
					if err := emit(g); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}); err != nil {
		return nil, err
	}
	dict := Dictionary()
	if err := file("dictionary.json", nil, func(w io.Writer) error { return writeJSON(w, dict) }); err != nil {
		return nil, err
	}
	if err := file("dictionary.csv", nil, func(w io.Writer) error {
		io.WriteString(w, "\uFEFF")
		cw := csv.NewWriter(w)
		cw.UseCRLF = true
		cw.Write([]string{"table", "column", "zh", "en", "type", "unit", "meaning"})
		for _, e := range dict {
			cw.Write([]string{e.Table, e.Column, e.ZH, e.EN, string(e.Type), e.Unit, e.Meaning})
		}
		cw.Flush()
		return cw.Error()
	}); err != nil {
		return nil, err
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	f, err := os.Create(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := writeJSON(f, m); err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	return m, f.Close()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	return enc.Encode(v)
}

// writePackage writes pkg with its list field (named list, empty in pkg)
// filled by items one at a time, so a package of every round is never held
// whole in memory.
func writePackage(w io.Writer, pkg any, list string, items func(emit func(any) error) error) error {
	head, err := json.Marshal(pkg)
	if err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(head, &fields); err != nil {
		return err
	}
	delete(fields, list)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	io.WriteString(w, "{")
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		w.Write(kb)
		io.WriteString(w, ":")
		w.Write(fields[k])
		io.WriteString(w, ",")
	}
	kb, _ := json.Marshal(list)
	w.Write(kb)
	io.WriteString(w, ":[")
	first := true
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := items(func(v any) error {
		if !first {
			io.WriteString(w, ",")
		}
		first = false
		return enc.Encode(v)
	}); err != nil {
		return err
	}
	_, err = io.WriteString(w, "]}\n")
	return err
}

// latestFile names, in the snapshots directory, the file holding the name
// of the latest complete snapshot.
const latestFile = "LATEST"

// keepSnapshots is how many snapshots the schedule keeps.
const keepSnapshots = 3

// Snapshot writes a new snapshot under root (a directory named by its
// time), marks it the latest once complete, and removes the oldest beyond
// the last few. A snapshot that fails is removed, and the latest stays.
func (s *Source) Snapshot(ctx context.Context, st Standards, root string) (string, error) {
	name := "snapshot-" + st.now().UTC().Format("20060102T150405Z")
	dir := filepath.Join(root, name)
	if _, err := s.WriteSnapshot(ctx, st, dir); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	tmp := filepath.Join(root, latestFile+".tmp")
	if err := os.WriteFile(tmp, []byte(name+"\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, filepath.Join(root, latestFile)); err != nil {
		return "", err
	}
	ents, _ := os.ReadDir(root)
	var old []string
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), "snapshot-") {
			old = append(old, e.Name())
		}
	}
	slices.Sort(old)
	for len(old) > keepSnapshots {
		os.RemoveAll(filepath.Join(root, old[0]))
		old = old[1:]
	}
	return dir, nil
}

// RunSchedule makes a snapshot every interval until ctx ends, the first at
// once when none exists yet.
func (s *Source) RunSchedule(ctx context.Context, st Standards, root string, every time.Duration, log func(msg string, args ...any)) {
	if _, err := os.Stat(filepath.Join(root, latestFile)); err == nil {
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
	for {
		start := time.Now()
		dir, err := s.Snapshot(ctx, st, root)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log("snapshot failed", "err", err)
		} else {
			log("snapshot written", "dir", dir, "took", time.Since(start).Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// serveSnapshot serves a file of the latest snapshot.
func (h *Handler) serveSnapshot(w http.ResponseWriter, r *http.Request, name string) error {
	notFound := &ledger.Error{Code: ledger.ENOTFOUND, Message: "no snapshot file " + ledger.Excerpt(name) + "; see /download/snapshot/manifest.json"}
	if h.Snapshots == "" {
		return &ledger.Error{Code: ledger.ENOTFOUND, Message: "this portal publishes no snapshots"}
	}
	latest, err := os.ReadFile(filepath.Join(h.Snapshots, latestFile))
	if err != nil {
		return &ledger.Error{Code: ledger.ENOTFOUND, Message: "no snapshot has been made yet"}
	}
	clean := path.Clean("/" + name)[1:]
	if clean == "" || clean != name || strings.HasPrefix(clean, ".") {
		return notFound
	}
	p := filepath.Join(h.Snapshots, strings.TrimSpace(string(latest)), filepath.FromSlash(clean))
	f, err := os.Open(p)
	if err != nil {
		return notFound
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return notFound
	}
	switch {
	case strings.HasSuffix(name, ".csv"):
		w.Header().Set("Content-Type", CSV.ContentType())
	case strings.HasSuffix(name, ".jsonl"):
		w.Header().Set("Content-Type", JSONL.ContentType())
	case strings.HasSuffix(name, ".json"):
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	http.ServeContent(w, r, name, st.ModTime(), f)
	return nil
}
