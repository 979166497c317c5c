package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// civicledger export DIR takes one directory and writes a full snapshot
// there; it refuses a directory that is not empty.
func TestExportCommand(t *testing.T) {
	if _, _, err := parseArgs([]string{"export"}); err == nil || !strings.Contains(err.Error(), "export takes DIR") {
		t.Errorf("export without DIR: %v", err)
	}
	cmd, cfg, err := parseArgs([]string{"export", "out", "-ocid-prefix", "ocds-abc123", "-public-url", "https://gongyi.example.cn/"})
	if err != nil || cmd != "export" || cfg.Args[0] != "out" || cfg.OpenData.OCIDPrefix != "ocds-abc123" ||
		cfg.OpenData.publicURL(cfg.Addr) != "https://gongyi.example.cn" {
		t.Fatalf("parse: %s %+v %v", cmd, cfg, err)
	}
	if _, _, err := parseArgs([]string{"-snapshot-every", "daily"}); err == nil || !strings.Contains(err.Error(), "snapshot-every") {
		t.Errorf("-snapshot-every daily: %v", err)
	}

	a, url := startPortal(t) // the demo ledger, served
	dir := filepath.Join(t.TempDir(), "snap")
	cfg.Args = []string{dir}
	cfg.DatabaseURL = filepath.Join(a.dataDir, "civicledger.db")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := export(context.Background(), cfg, log); err != nil {
		t.Fatal(err)
	}
	var m struct {
		Demo  bool
		Files []struct{ Path string }
	}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil || !m.Demo || len(m.Files) < 30 {
		t.Errorf("manifest: %v, demo %v, %d files", err, m.Demo, len(m.Files))
	}
	if err := export(context.Background(), cfg, log); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("export into a full directory: %v", err)
	}

	// The portal routes /download/ (with CORS, as the API).
	req, _ := http.NewRequest("GET", url+"/download/projects.csv?year=2015&columns=code,awarded", nil)
	req.Header.Set("Origin", "https://example.org")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.HasPrefix(string(body), "\uFEFF项目编号,资助金额\r\n") {
		t.Errorf("/download/projects.csv: %d %q", resp.StatusCode, string(body)[:min(len(body), 80)])
	}
}
