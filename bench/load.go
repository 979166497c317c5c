package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is one run of one request body at one concurrency, as a line
// of the results file.
type loadResult struct {
	Round    int     `json:"round"`
	Server   string  `json:"server"`
	Query    string  `json:"query"`
	Conns    int     `json:"conns"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	// CPU per answered request, in milliseconds: the server process, the
	// PostgreSQL backends serving the bench database, the load generator.
	ServerCPUms float64 `json:"server_cpu_ms"`
	PGCPUms     float64 `json:"pg_cpu_ms"`
	ClientCPUms float64 `json:"client_cpu_ms"`
	Load1       float64 `json:"load1"`
	FirstError  string  `json:"first_error,omitempty"`
}

// loadCmd sends the request bodies of -body (one JSON body a line, used in
// turn) to -url over -c keep-alive connections: -warmup first, unmeasured,
// then -d measured. It appends one loadResult line to -out.
func loadCmd(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	target := fs.String("url", "", "GraphQL endpoint on a loopback address")
	bodyFile := fs.String("body", "", "file of request bodies, one JSON object a line")
	conns := fs.Int("c", 1, "connections, each with one request in flight")
	dur := fs.Duration("d", 5*time.Second, "measured duration")
	warmup := fs.Duration("warmup", time.Second, "unmeasured duration before")
	maxReq := fs.Int("n", 1_000_000, "stop the measured run after this many requests")
	serverPID := fs.Int("server-pid", 0, "process whose CPU time counts as the server's")
	pgMatch := fs.String("pg-match", "", "what the process title of the PostgreSQL backends to count holds (e.g. ': civicledger civicledger_bench ')")
	server := fs.String("server", "", "label: server")
	query := fs.String("query", "", "label: query")
	round := fs.Int("round", 0, "label: round")
	out := fs.String("out", "", "results file to append to (stdout when empty)")
	fs.Parse(args)

	if err := loopbackOnly(*target); err != nil {
		return err
	}
	bodies, err := readBodies(*bodyFile)
	if err != nil {
		return err
	}
	tr := &http.Transport{
		MaxIdleConns:        *conns,
		MaxIdleConnsPerHost: *conns,
		MaxConnsPerHost:     *conns,
		DisableCompression:  true,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}

	if *warmup > 0 {
		drive(client, *target, bodies, *conns, *warmup, *maxReq)
	}
	cpu := newCPUSampler(*serverPID, *pgMatch)
	stop := cpu.run(100 * time.Millisecond)
	load1 := loadAverage()
	clientStart := selfCPU()
	start := time.Now()
	lat, nerr, firstErr := drive(client, *target, bodies, *conns, *dur, *maxReq)
	elapsed := time.Since(start).Seconds()
	clientTicks := selfCPU() - clientStart
	serverTicks, pgTicks := stop()

	r := loadResult{Round: *round, Server: *server, Query: *query, Conns: *conns,
		Requests: len(lat), Errors: nerr, Seconds: elapsed, Load1: load1, FirstError: firstErr}
	if ok := len(lat) - nerr; ok > 0 {
		r.RPS = float64(ok) / elapsed
		r.ServerCPUms = ticksToMs(serverTicks) / float64(ok)
		r.PGCPUms = ticksToMs(pgTicks) / float64(ok)
		r.ClientCPUms = ticksToMs(clientTicks) / float64(ok)
	}
	if len(lat) > 0 {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		pct := func(p float64) float64 {
			return float64(lat[int(p*float64(len(lat)-1)+0.5)].Microseconds()) / 1000
		}
		r.P50ms, r.P99ms = pct(0.50), pct(0.99)
	}
	line, _ := json.Marshal(r)
	fmt.Fprintf(os.Stderr, "%-12s %-3s c=%-2d %7.1f req/s  p50 %7.2f  p99 %7.2f ms  cpu/req server %.3f pg %.3f ms  errors %d  load %.1f\n",
		r.Server, r.Query, r.Conns, r.RPS, r.P50ms, r.P99ms, r.ServerCPUms, r.PGCPUms, r.Errors, r.Load1)
	if *out == "" {
		fmt.Println(string(line))
		return nil
	}
	f, err := os.OpenFile(*out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(append(line, '\n'))
	return err
}

// loopbackOnly refuses any target but a loopback address: the load
// generator is for servers on this machine.
func loopbackOnly(target string) error {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-url %q is not a URL", target)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-url %q: only loopback addresses are allowed", target)
}

func readBodies(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var bodies [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			bodies = append(bodies, append([]byte(nil), line...))
		}
	}
	if len(bodies) == 0 {
		return nil, fmt.Errorf("%s holds no request body", path)
	}
	return bodies, sc.Err()
}

// drive runs conns workers until d has passed or maxReq requests were sent,
// and returns every latency, the number of failed requests (not 200, or a
// GraphQL error in the answer) and the first failure.
func drive(client *http.Client, target string, bodies [][]byte, conns int, d time.Duration, maxReq int) ([]time.Duration, int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var (
		next  atomic.Int64
		mu    sync.Mutex
		all   []time.Duration
		nerr  int
		first string
		wg    sync.WaitGroup
	)
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			errs, firstErr := 0, ""
			buf := make([]byte, 0, 64<<10)
			for ctx.Err() == nil {
				i := next.Add(1)
				if i > int64(maxReq) {
					break
				}
				body := bodies[int(i-1)%len(bodies)]
				req, _ := http.NewRequest("POST", target, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json")
				t0 := time.Now()
				resp, err := client.Do(req)
				var msg string
				if err == nil {
					b := bytes.NewBuffer(buf[:0])
					_, err = io.Copy(b, resp.Body)
					resp.Body.Close()
					buf = b.Bytes()
					if err == nil && resp.StatusCode != 200 {
						msg = fmt.Sprintf("status %d: %.200s", resp.StatusCode, buf)
					} else if err == nil && bytes.Contains(buf, []byte(`"errors"`)) {
						msg = fmt.Sprintf("%.300s", buf)
					}
				}
				if err != nil {
					msg = err.Error()
				}
				if ctx.Err() != nil && err != nil {
					break // cut off by the end of the run
				}
				lat = append(lat, time.Since(t0))
				if msg != "" {
					errs++
					if firstErr == "" {
						firstErr = msg
					}
				}
			}
			mu.Lock()
			all = append(all, lat...)
			nerr += errs
			if first == "" {
				first = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, nerr, first
}

// cpuSampler follows the CPU time (user + system, in clock ticks) of the
// server process and of the PostgreSQL backends whose process title holds a
// string. Backends come and go, so it polls: a backend's share is its
// last reading less its reading at the start (0 when it started later).
type cpuSampler struct {
	serverPID int
	pgMatch   string
	mu        sync.Mutex
	base      map[int]int64 // pid → ticks at start
	last      map[int]int64 // pid → latest ticks
}

func newCPUSampler(serverPID int, pgMatch string) *cpuSampler {
	return &cpuSampler{serverPID: serverPID, pgMatch: pgMatch, base: map[int]int64{}, last: map[int]int64{}}
}

func (s *cpuSampler) poll(first bool) {
	pids := []int{}
	if s.serverPID > 0 {
		pids = append(pids, s.serverPID)
	}
	if s.pgMatch != "" {
		pids = append(pids, backendPIDs(s.pgMatch)...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, pid := range pids {
		t, ok := procTicks(pid)
		if !ok {
			continue
		}
		if _, seen := s.last[pid]; !seen {
			if first {
				s.base[pid] = t
			} else {
				s.base[pid] = 0
			}
		}
		s.last[pid] = t
	}
}

// run polls every interval until the returned stop is called; stop returns
// the ticks spent by the server and by the backends since run.
func (s *cpuSampler) run(interval time.Duration) func() (server, pg int64) {
	s.poll(true)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s.poll(false)
			}
		}
	}()
	return func() (int64, int64) {
		close(done)
		<-stopped
		s.poll(false)
		s.mu.Lock()
		defer s.mu.Unlock()
		var server, pg int64
		for pid, t := range s.last {
			d := t - s.base[pid]
			if pid == s.serverPID {
				server += d
			} else {
				pg += d
			}
		}
		return server, pg
	}
}

// backendPIDs lists the PostgreSQL processes whose title (/proc/PID/cmdline,
// which PostgreSQL overwrites with "postgres: [cluster: ]user database host
// state") holds match.
func backendPIDs(match string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if title := strings.ReplaceAll(string(b), "\x00", " "); strings.HasPrefix(title, "postgres: ") && strings.Contains(title, match) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// procTicks reads utime + stime of a process from /proc/PID/stat.
func procTicks(pid int) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return u + st, true
}

func selfCPU() int64 {
	t, _ := procTicks(os.Getpid())
	return t
}

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat times: 100 on
// every architecture Go supports on Linux.
const clockTicks = 100

func ticksToMs(t int64) float64 { return float64(t) * 1000 / clockTicks }

func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
