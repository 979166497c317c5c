package search

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// procMem is this process's memory as /proc/self/status reports it, in kB:
// resident (anonymous memory such as the heap, and pages of mapped files
// such as the index segments) and its high-water mark.
type procMem struct {
	RSS, HWM, Anon, File int
}

func readProcMem() procMem {
	var m procMem
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return m
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			m.RSS = v
		case "VmHWM:":
			m.HWM = v
		case "RssAnon:":
			m.Anon = v
		case "RssFile:":
			m.File = v
		}
	}
	return m
}

func (m procMem) String() string {
	return fmt.Sprintf("RSS %.0f MB (anon %.0f MB, file %.0f MB)", float64(m.RSS)/1024, float64(m.Anon)/1024, float64(m.File)/1024)
}

// memSampler samples the process's memory every few milliseconds while a
// rebuild runs: the peak resident set (and its anonymous and file parts
// at that moment), the peaks of each part, and the peak heap in use. With
// CIVICLEDGER_SEARCH_TRACE set it logs a line a second, at every phase of
// the rebuild and at every sample with over 100 MB of mapped files; with CIVICLEDGER_SEARCH_HEAPPROFILE=<file> it writes the
// heap profile taken when the heap in use was highest.
type memSampler struct {
	t       testing.TB
	trace   bool
	profile string

	mu       sync.Mutex
	start    time.Time
	peak     procMem // the sample with the highest RSS
	maxAnon  int
	maxFile  int
	maxHeap  uint64
	lastHWM  int
	lastLog  time.Time
	heapProf []byte

	stop chan struct{}
	done chan struct{}
}

func startMemSampler(t testing.TB) *memSampler {
	s := &memSampler{t: t, trace: os.Getenv("CIVICLEDGER_SEARCH_TRACE") != "", profile: os.Getenv("CIVICLEDGER_SEARCH_HEAPPROFILE"),
		start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	rebuildTrace = s.phase
	go func() {
		defer close(s.done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tick.C:
				s.sample("")
			}
		}
	}()
	return s
}

func (s *memSampler) phase(name string) { s.sample(name) }

func (s *memSampler) sample(phase string) {
	m := readProcMem()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.RSS > s.peak.RSS {
		s.peak = m
	}
	s.maxAnon, s.maxFile = max(s.maxAnon, m.Anon), max(s.maxFile, m.File)
	if ms.HeapInuse > s.maxHeap+(8<<20) && s.profile != "" {
		var b strings.Builder
		if err := pprof.Lookup("heap").WriteTo(&b, 0); err == nil {
			s.heapProf = []byte(b.String())
		}
	}
	s.maxHeap = max(s.maxHeap, ms.HeapInuse)
	hwmRose := m.HWM > s.lastHWM+(10<<10)
	s.lastHWM = max(s.lastHWM, m.HWM)
	if s.trace && (phase != "" || time.Since(s.lastLog) >= time.Second || m.File > 100<<10 || hwmRose) {
		s.lastLog = time.Now()
		s.t.Logf("%6.2fs %-8s heap in use %4.0f MB, %s, VmHWM %.0f MB", time.Since(s.start).Seconds(), phase, float64(ms.HeapInuse)/(1<<20), m, float64(m.HWM)/1024)
	}
}

// finish stops sampling and returns a line of the peaks.
func (s *memSampler) finish() string {
	rebuildTrace = nil
	close(s.stop)
	<-s.done
	s.sample("end")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.profile != "" && s.heapProf != nil {
		if err := os.WriteFile(s.profile, s.heapProf, 0o644); err != nil {
			s.t.Log(err)
		}
	}
	return fmt.Sprintf("peak VmHWM %.0f MB; peak sampled %s; peak anon %.0f MB, peak file %.0f MB; peak heap in use %.0f MB",
		float64(readProcMem().HWM)/1024, s.peak, float64(s.maxAnon)/1024, float64(s.maxFile)/1024, float64(s.maxHeap)/(1<<20))
}
