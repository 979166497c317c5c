package opendata

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"testing"
)

// appendJSONString writes what encoding/json reads back as the same text
// (invalid UTF-8 read back as U+FFFD, as encoding/json writes it).
func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " backslash \ slash /`, "line\nfeed\r\ttab\x00\x1f\x7f",
		"社区公益 <b>&amp;</b>", "\u2028\u2029", "bad \xff\xfe utf-8", "emoji 🙂", strings.Repeat("长", 1000)} {
		var got string
		if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil {
			t.Fatalf("%q: %v in %s", s, err, appendJSONString(nil, s))
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		if s == "bad \xff\xfe utf-8" {
			want = "bad \ufffd\ufffd utf-8"
		}
		if got != want {
			t.Errorf("%q read back as %q", s, got)
		}
	}
}

// Downloads past MaxConcurrent are answered 503 with Retry-After until a
// slot is free; snapshot files are served regardless.
func TestDownloadSlots(t *testing.T) {
	h := &Handler{MaxConcurrent: 1}
	status := func(path string) (int, string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w.Code, w.Header().Get("Retry-After")
	}
	release, err := h.acquire()
	if err != nil {
		t.Fatal(err)
	}
	if code, retry := status("/download/nothing.csv"); code != 503 || retry == "" {
		t.Errorf("with every slot taken: %d, Retry-After %q", code, retry)
	}
	if code, _ := status("/download/snapshot/manifest.json"); code != 404 { // no snapshot directory: not refused as busy
		t.Errorf("snapshot file with every slot taken: %d", code)
	}
	release()
	if code, _ := status("/download/nothing.csv"); code != 404 {
		t.Errorf("with a slot free: %d", code)
	}
}

// While an XLSX download runs the collector's headroom is halved; when the
// last one ends, whether finished or stopped, the setting is given back.
func TestXLSXCollectorSettingRestored(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	cols := []int{0, 1}
	a, err := newXLSXWriter(io.Discard, roundsTable, cols, Chinese)
	if err != nil {
		t.Fatal(err)
	}
	b, err := newXLSXWriter(io.Discard, roundsTable, cols, Chinese)
	if err != nil {
		t.Fatal(err)
	}
	if got := debug.SetGCPercent(-1); got != 50 {
		t.Errorf("GOGC %d while two XLSX downloads run, want 50", got)
	}
	debug.SetGCPercent(50)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetGCPercent(50); got != 50 {
		t.Errorf("GOGC %d while one XLSX download still runs, want 50", got)
	}
	b.discard() // stopped before Close
	b.discard() // and discarded twice: counted once
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC %d after the downloads, want 100 again", got)
	}
}
