package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkAbuseLoad starts the portal as `go run .` would (a built binary,
// its own process, demo data on SQLite, default limits) and, for each
// attack shape, floods it from 127.0.0.1 with 200 connections for
// abuseSeconds while one client on 127.0.0.2 sends cheap queries one after
// another. It reports the cheap client's success rate and latency and the
// server's peak resident memory (VmHWM). Loopback only; bounded in time.
//
//	go test -run '^$' -bench AbuseLoad -benchtime 1x .
func BenchmarkAbuseLoad(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "civicledger")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	addr := "127.0.0.1:" + strconv.Itoa(18000+os.Getpid()%1000)
	cmd := exec.Command(bin, "-addr", addr, "-data-dir", filepath.Join(dir, "data"), "-log-level", "warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() }()
	url := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(url + "/readyz"); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			// Wait until the search index has caught up, so its build is
			// not part of the measurement.
			var w, m int
			if resp.StatusCode == 200 && strings.Contains(string(body), "search:") {
				_, _ = fmtSscanf(string(body[strings.Index(string(body), "search:"):]), "search: indexed through outbox %d of %d", &w, &m)
				if m > 0 && w == m {
					break
				}
			}
		}
		if i > 600 {
			b.Fatal("the portal did not become ready")
		}
		time.Sleep(200 * time.Millisecond)
	}

	var intro strings.Builder
	intro.WriteString("{")
	for i := range 450 {
		fmt.Fprintf(&intro, " s%d: __schema { types { name fields { name } } }", i)
	}
	intro.WriteString(" }")
	var pages strings.Builder
	pages.WriteString("{")
	for i := range 40 {
		fmt.Fprintf(&pages, " r%d: reports(first: 100) { nodes { title body } }", i)
	}
	pages.WriteString(" }")
	shapes := []struct{ name, query string }{
		{"dearest-allowed", dearQuery},
		{"nested-lists-allowed", nested(100, 2)},
		{"nested-lists-6", nested(100, 6)},
		{"fragment-fanout-40", fanout(40)},
		{"aliased-introspection", intro.String()},
		{"report-pages-x40", pages.String()},
	}
	for _, sh := range shapes {
		b.Run(sh.name, func(b *testing.B) {
			for range b.N {
				r := abuseRound(b, url, sh.query, cmd.Process.Pid)
				b.ReportMetric(r.okRate*100, "cheap-ok-%")
				b.ReportMetric(float64(r.p50.Microseconds())/1000, "cheap-p50-ms")
				b.ReportMetric(float64(r.p99.Microseconds())/1000, "cheap-p99-ms")
				b.ReportMetric(float64(r.peakRSS>>20), "peak-RSS-MB")
				b.ReportMetric(float64(r.attacks), "attack-answers")
				b.Logf("%s: cheap %d/%d ok, p50 %s p99 %s; flood statuses %v; peak RSS %d MB",
					sh.name, r.ok, r.n, r.p50, r.p99, r.statuses, r.peakRSS>>20)
			}
		})
	}
}

// abuseSeconds is how long each shape floods the server.
const abuseSeconds = 15

type abuseResult struct {
	n, ok    int
	okRate   float64
	p50, p99 time.Duration
	peakRSS  int64
	attacks  int64
	statuses map[int]int64
}

func abuseRound(b *testing.B, url, query string, pid int) abuseResult {
	ctx, cancel := context.WithTimeout(context.Background(), abuseSeconds*time.Second)
	defer cancel()
	fl := flood(ctx, url, query, 200)
	var wg sync.WaitGroup
	var peak atomic.Int64
	wg.Go(func() {
		for ctx.Err() == nil {
			if kb := vmHWM(pid); kb > 0 {
				peak.Store(kb << 10)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	cheap := clientFrom("127.0.0.2", 1)
	cheapBody := []byte(`{"query":"{ stats(filter: {years: [2014]}) { total { projects awarded beneficiaries } } }"}`)
	var lat []time.Duration
	r := abuseResult{}
	time.Sleep(time.Second) // let the flood build up
	for ctx.Err() == nil {
		start := time.Now()
		resp, err := cheap.Post(url+"/graphql", "application/json", bytes.NewReader(cheapBody))
		d := time.Since(start)
		r.n++
		if err == nil {
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && !bytes.Contains(raw, []byte(`"errors"`)) {
				r.ok++
				lat = append(lat, d)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	slices.Sort(lat)
	if len(lat) > 0 {
		r.p50, r.p99 = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
	}
	r.okRate = float64(r.ok) / float64(max(r.n, 1))
	r.statuses = fl.wait()
	for _, n := range r.statuses {
		r.attacks += n
	}
	r.peakRSS = peak.Load()
	return r
}

// vmHWM reads a process's peak resident set size in kB from /proc.
func vmHWM(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
