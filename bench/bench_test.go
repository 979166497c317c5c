package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoopbackOnly(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080/graphql", "http://localhost/graphql", "http://[::1]:1/x", "http://127.0.0.2/"} {
		if err := loopbackOnly(u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1/graphql", "http://192.168.1.1/", "http://example.com/", "127.0.0.1:8080", ""} {
		if err := loopbackOnly(u); err == nil {
			t.Errorf("%s allowed", u)
		}
	}
}

func TestMoneyToFen(t *testing.T) {
	for in, want := range map[string]int64{"1234.56": 123456, "1234.5": 123450, "7": 700, "0.05": 5, "0": 0} {
		if got := num(in).fen(); got != want {
			t.Errorf("%s: %d fen, want %d", in, got, want)
		}
	}
}

// The two servers' answers about the same projects normalize to the same
// value; a difference in any figure shows.
func TestNormalizeQ1(t *testing.T) {
	portal := `{"projects":{"totalCount":2,"nodes":[
	 {"code":"FC1","title":"助餐","awarded":"1234.56","stage":"CLOSING","outcome":"COMPLETED","undertaker":{"name":"甲","creditCode":"X1"},
	  "figures":{"beneficiaries":10,"volunteers":3,"experts":1,"leveraged":"617.28","leverageRatio":"0.5000"},"satisfaction":{"responses":5,"average":4.4}},
	 {"code":"FC2","title":"助残","awarded":"100","stage":"EXECUTION","outcome":null,"undertaker":{"name":"乙","creditCode":"X2"},
	  "figures":{"beneficiaries":0,"volunteers":0,"experts":0,"leveraged":"0","leverageRatio":"0.0000"},"satisfaction":{"responses":0,"average":null}}]}}`
	pgl := `{"allProjects":{"totalCount":"2","nodes":[
	 {"code":"FC1","title":"助餐","awardedFen":"123456","stage":"CLOSING","outcome":"COMPLETED","organizationByUndertakerId":{"name":"甲","creditCode":"X1"},
	  "projectFigureByProjectId":{"beneficiaryVisits":"10","volunteerVisits":"3","expertVisits":"1","leveragedFen":"61728","feedbackCount":"5","feedbackSum":"22"}},
	 {"code":"FC2","title":"助残","awardedFen":"10000","stage":"EXECUTION","outcome":"","organizationByUndertakerId":{"name":"乙","creditCode":"X2"},
	  "projectFigureByProjectId":{"beneficiaryVisits":"0","volunteerVisits":"0","expertVisits":"0","leveragedFen":"0","feedbackCount":"0","feedbackSum":"0"}}]}}`
	a, err := normPortalQ1([]byte(portal))
	if err != nil {
		t.Fatal(err)
	}
	b, err := normPGLQ1([]byte(pgl))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(a, b); d != "" {
		t.Fatalf("same data, different normal forms:\n%s", d)
	}
	c, _ := normPGLQ1([]byte(strings.Replace(pgl, `"feedbackSum":"22"`, `"feedbackSum":"23"`, 1)))
	if cmp.Equal(a, c) {
		t.Fatal("a different satisfaction sum went unnoticed")
	}
}

func TestNormalizeQ3(t *testing.T) {
	portal := `{"stats":{"total":{"projects":3,"awarded":"30","leveraged":"3","beneficiaries":9,"volunteers":6,"experts":3,"satisfaction":4.5},
	 "groups":[{"key":{"year":2011,"serviceArea":"POVERTY_RELIEF"},"projects":1,"awarded":"10","leveraged":"1","beneficiaries":3,"volunteers":2,"experts":1,"satisfaction":null},
	           {"key":{"year":2010,"serviceArea":"ELDERLY_SUPPORT"},"projects":2,"awarded":"20","leveraged":"2","beneficiaries":6,"volunteers":4,"experts":2,"satisfaction":4.5}]}}`
	pgl := `{"statsByYearArea":{"nodes":[
	 {"year":null,"serviceArea":null,"projects":"3","awardedFen":"3000","leveragedFen":"300","beneficiaries":"9","volunteers":"6","experts":"3","feedbackCount":"8","feedbackSum":"36"},
	 {"year":2010,"serviceArea":"ELDERLY_SUPPORT","projects":"2","awardedFen":"2000","leveragedFen":"200","beneficiaries":"6","volunteers":"4","experts":"2","feedbackCount":"6","feedbackSum":"27"},
	 {"year":2011,"serviceArea":"POVERTY_RELIEF","projects":"1","awardedFen":"1000","leveragedFen":"100","beneficiaries":"3","volunteers":"2","experts":"1","feedbackCount":"2","feedbackSum":"9"}]}}`
	a, err := normPortalQ3([]byte(portal))
	if err != nil {
		t.Fatal(err)
	}
	b, err := normPGLQ3([]byte(pgl))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(a, b); d != "" {
		t.Fatalf("same data, different normal forms:\n%s", d)
	}
}

// drive counts every answer, and a non-200 status or a GraphQL error as a
// failure; the bodies are sent in turn.
func TestDrive(t *testing.T) {
	var n atomic.Int64
	seen := make(chan string, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 16)
		k, _ := r.Body.Read(b)
		seen <- string(b[:k])
		switch n.Add(1) {
		case 2:
			w.WriteHeader(http.StatusTooManyRequests)
		case 3:
			w.Write([]byte(`{"errors":[{"message":"no"}]}`))
		default:
			w.Write([]byte(`{"data":{}}`))
		}
	}))
	defer srv.Close()
	lat, nerr, first := drive(srv.Client(), srv.URL, [][]byte{[]byte(`{"a":1}`), []byte(`{"b":2}`)}, 1, 10*time.Second, 6)
	if len(lat) != 6 || nerr != 2 || !strings.Contains(first, "429") {
		t.Fatalf("%d requests, %d failed, first %q; want 6, 2, a 429", len(lat), nerr, first)
	}
	close(seen)
	var got []string
	for s := range seen {
		got = append(got, s)
	}
	if want := []string{`{"a":1}`, `{"b":2}`, `{"a":1}`, `{"b":2}`, `{"a":1}`, `{"b":2}`}; !cmp.Equal(got, want) {
		t.Fatalf("bodies %v, want %v", got, want)
	}
}

func TestProcTicksOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	// Spin until the process's ticks move: on a loaded machine 50 ms on
	// the clock may be less than one tick of CPU, so the bound is loose;
	// ticks that never move in 5 s of spinning mean the reading is wrong.
	before := selfCPU()
	after := before
	for end := time.Now().Add(5 * time.Second); after <= before && time.Now().Before(end); after = selfCPU() {
		for spin := time.Now().Add(10 * time.Millisecond); time.Now().Before(spin); {
		}
	}
	if after <= before {
		t.Fatalf("CPU ticks %d then %d after 5 s of work", before, after)
	}
}

func TestReport(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "results.jsonl")
	lines := `{"round":1,"server":"portal","query":"Q1","conns":1,"requests":100,"rps":200,"p50_ms":1,"p99_ms":2,"server_cpu_ms":1,"pg_cpu_ms":0.5,"load1":2}
{"round":2,"server":"portal","query":"Q1","conns":1,"requests":100,"rps":300,"p50_ms":1,"p99_ms":2,"server_cpu_ms":1,"pg_cpu_ms":0.5,"load1":2}
{"round":3,"server":"portal","query":"Q1","conns":1,"requests":100,"rps":100,"p50_ms":1,"p99_ms":2,"server_cpu_ms":1,"pg_cpu_ms":0.5,"load1":2}
{"round":1,"server":"postgraphile","query":"Q1","conns":1,"requests":100,"rps":100,"p50_ms":1,"p99_ms":2,"server_cpu_ms":2,"pg_cpu_ms":1,"load1":2}
`
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	r, w, _ := os.Pipe()
	os.Stdout = w
	err := reportCmd([]string{path})
	w.Close()
	os.Stdout = stdout
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 8192)
	k, _ := r.Read(out)
	s := string(out[:k])
	// Median of 200, 300, 100 is 200: twice PostGraphile's 100; CPU 1.5 against 3.
	for _, want := range []string{"| 200 (100–300) | 100 (100–100) | **2.00×** |", "| 1.00 + 0.50 | 2.00 + 1.00 | 0.50× |"} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
}
