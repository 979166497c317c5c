package opendata_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"civicledger/ledger"
	"civicledger/opendata"
	"civicledger/store"
)

func TestEscapeFormula(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://x\",\"y\")": "'=HYPERLINK(\"http://x\",\"y\")",
		"+86 574":                        "'+86 574",
		"-1+2":                           "'-1+2",
		"@SUM(A1)":                       "'@SUM(A1)",
		"\t=1":                           "'\t=1",
		"社区公益":                           "社区公益",
		"a=b":                            "a=b",
		"":                               "",
	} {
		if got := opendata.EscapeFormula(in); got != want {
			t.Errorf("EscapeFormula(%q) = %q, want %q", in, got, want)
		}
	}
}

// Text cells that a spreadsheet would run as formulas are escaped in CSV
// and XLSX; numbers (a negative one too) stay numbers; JSON Lines keep the
// text as it is.
func TestFormulaCellsEscaped(t *testing.T) {
	tab := opendata.TableNamed("tranches")
	all, _ := tab.Select("")
	cells := []any{"=1+1", "@cmd|' /C calc'!A0", "FIRST", "-首期", ledger.Money(-150), ledger.Date("2015-06-01"), 1, "+http://x"}
	write := func(f opendata.Format) []byte {
		var b bytes.Buffer
		w, err := opendata.NewRowWriter(&b, f, tab, all, opendata.English)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Row(cells); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	want := []string{"'=1+1", "'@cmd|' /C calc'!A0", "FIRST", "'-首期", "-1.50", "2015-06-01", "1", "'+http://x"}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(write(opendata.CSV), []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[1], "|"); got != strings.Join(want, "|") {
		t.Errorf("CSV row %s, want %s", got, strings.Join(want, "|"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(write(opendata.XLSX)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("Tranches")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[1], "|"); got != strings.Join(want, "|") {
		t.Errorf("XLSX row %s, want %s", got, strings.Join(want, "|"))
	}
	for _, cell := range []string{"A2", "B2", "H2"} {
		if formula, _ := f.GetCellFormula("Tranches", cell); formula != "" {
			t.Errorf("XLSX cell %s holds formula %q", cell, formula)
		}
	}
	var m map[string]any
	if err := json.Unmarshal(write(opendata.JSONL), &m); err != nil {
		t.Fatal(err)
	}
	if m["projectCode"] != "=1+1" || m["amount"] != "-1.50" {
		t.Errorf("JSON Lines changed the data: %v", m)
	}
}

// A refused filter is a 400 naming the parameter, before any row; an
// unknown download is a 404.
func TestDownloadRefusals(t *testing.T) {
	db := demoDB(t, store.SQLite)
	srv := server(t, db, 0)
	for path, want := range map[string]struct {
		status int
		text   string
	}{
		"/download/projects.csv?yaer=2015":           {400, "yaer: is not a filter of this download"},
		"/download/projects.csv?serviceArea=ELDERLY": {400, `serviceArea: "ELDERLY" is not one of`},
		"/download/projects.xlsx?columns=code,bogus": {400, `columns: projects has no column "bogus"`},
		"/download/projects.jsonl?undertaker=X":      {400, "undertakers: no organization has credit code"},
		"/download/projects.csv?outcome=REJECTED":    {400, "outcomes: rejected applications are not funded projects"},
		"/download/projects.csv?lang=fr":             {400, `lang: "fr" is not zh or en`},
		"/download/reports.csv?project=NOPE":         {400, "project: no project has code"},
		"/download/nothing.csv":                      {404, `no download "nothing.csv"`},
		"/download/projects.pdf":                     {404, `no format "pdf"`},
		"/download/changes?after=x":                  {400, "after: is not a cursor"},
		"/download/snapshot/manifest.json":           {404, "this portal publishes no snapshots"},
		"/download/ocds/1999/release-package.json":   {404, "no funding round in 1999"},
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want.status || !strings.Contains(b.String(), want.text) {
			t.Errorf("%s: %d %q, want %d and %q", path, resp.StatusCode, b.String(), want.status, want.text)
		}
	}
}

// The changes feed hands out every outbox entry once, by public key, page
// after page, and ends with a cursor that returns nothing new.
func TestChangesFeed(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		max, err := db.OutboxMaxSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		src := source(db)
		seen := map[int64]bool{}
		cursor, pages := "", 0
		for {
			page, err := src.Changes(ctx, db, cursor, 1000)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, c := range page.Changes {
				if seen[c.Seq] || c.Key == "" || !strings.HasPrefix(c.URL, testBase+"/") {
					t.Fatalf("change %+v: repeated or without key", c)
				}
				seen[c.Seq] = true
			}
			cursor = page.Next
			if !page.More {
				break
			}
		}
		// Every outbox entry of a snapshot table is one change; the others
		// (moderated comments) are passed over, and the cursor ends at the end.
		all, _, err := db.OutboxAfter(ctx, 0, int(max)+1)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, e := range all {
			if e.Entity != ledger.EntityComment {
				want++
			}
		}
		if len(seen) != want || want == 0 || cursor != strings.TrimSpace(jsonNum(max)) {
			t.Errorf("%d changes in %d pages ending at %s; the outbox holds %d entries of snapshot tables and ends at %d",
				len(seen), pages, cursor, want, max)
		}
		again, err := src.Changes(ctx, db, cursor, 1000)
		if err != nil || len(again.Changes) != 0 || again.More {
			t.Errorf("after the end: %+v, %v", again, err)
		}
	})
}

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

// A snapshot's manifest gives each file's true size and SHA-256, the
// tables hold every application, the dictionary every column; the handler
// serves the latest snapshot.
func TestSnapshot(t *testing.T) {
	db := demoDB(t, store.SQLite)
	src := source(db)
	root := t.TempDir()
	dir, err := src.Snapshot(context.Background(), opendata.Standards{}, root)
	if err != nil {
		t.Fatal(err)
	}
	var m opendata.Manifest
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if !m.Demo {
		t.Error("the manifest does not say the data is the demo's")
	}
	files := map[string]opendata.ManifestFile{}
	for _, f := range m.Files {
		files[f.Path] = f
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(data)) != f.Bytes {
			t.Errorf("%s: manifest says %d bytes %s, the file is %d bytes %x", f.Path, f.Bytes, f.SHA256, len(data), sum)
		}
	}
	for _, tab := range opendata.SnapshotTables {
		for _, ext := range []string{".csv", ".jsonl"} {
			if _, ok := files[tab.Name+ext]; !ok {
				t.Errorf("no %s%s in the snapshot", tab.Name, ext)
			}
		}
	}
	if f := files["projects.jsonl"]; f.Rows == nil || *f.Rows != 717+888 {
		t.Errorf("projects.jsonl rows %v, want every application (1,605)", f.Rows)
	}
	var dict []opendata.DictionaryEntry
	b, _ = os.ReadFile(filepath.Join(dir, "dictionary.json"))
	if err := json.Unmarshal(b, &dict); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tab := range opendata.SnapshotTables {
		n += len(tab.Columns)
	}
	if len(dict) != n {
		t.Errorf("dictionary has %d entries, the tables %d columns", len(dict), n)
	}
	for _, e := range dict {
		if e.ZH == "" || e.EN == "" || e.Type == "" || e.Meaning == "" {
			t.Errorf("dictionary entry %+v incomplete", e)
		}
	}

	h := &opendata.Handler{Source: src, Snapshots: root}
	rec := func(path string) (int, []byte) {
		r, _ := http.NewRequest("GET", path, nil)
		w := &recorder{header: http.Header{}}
		h.ServeHTTP(w, r)
		return w.status, w.body.Bytes()
	}
	status, body := rec("/download/snapshot/manifest.json")
	if status != 200 || !bytes.Equal(body, mustRead(t, filepath.Join(dir, "manifest.json"))) {
		t.Errorf("manifest served with %d", status)
	}
	if status, _ := rec("/download/snapshot/../LATEST"); status != 404 {
		t.Errorf("a path out of the snapshot answered %d", status)
	}
}

func mustRead(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(s int) { r.status = s }

// The schedule makes a snapshot at once when there is none, marks it the
// latest, and stops with its context.
func TestSnapshotSchedule(t *testing.T) {
	src := source(demoDB(t, store.SQLite))
	root := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	logged := make(chan string, 4)
	go func() {
		defer close(done)
		src.RunSchedule(ctx, opendata.Standards{}, root, time.Hour, func(msg string, args ...any) { logged <- msg })
	}()
	if msg := <-logged; msg != "snapshot written" {
		t.Fatalf("schedule: %s", msg)
	}
	cancel()
	<-done
	latest, err := os.ReadFile(filepath.Join(root, "LATEST"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, strings.TrimSpace(string(latest)), "manifest.json")); err != nil {
		t.Errorf("the latest snapshot has no manifest: %v", err)
	}
}
