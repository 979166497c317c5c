package search

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// madvPageout is Linux's MADV_PAGEOUT (5.4 and later).
const madvPageout = 21

// pageOutMapped asks the kernel to reclaim the resident pages of this
// process's memory maps of files under dir (the segments a merge reads)
// and reports whether it could. Merging a shard reads each of its segment
// files once, through memory maps: without this, every page read stayed
// resident until the merge ended (a whole shard's segments, 260 MB at
// 100,000 reports). MADV_PAGEOUT keeps the data (a page read again comes from the
// file) and only works on files this process may write, so a race with a
// segment being unmapped and its range reused can cost a page fault at
// most.
func pageOutMapped(dir string) bool {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return false
	}
	defer f.Close()
	prefix := []byte(strings.TrimSuffix(dir, "/") + "/")
	ok := true
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Bytes()
		// start-end perms offset dev inode path
		i := bytes.IndexByte(line, '/')
		if i < 0 || !bytes.HasPrefix(line[i:], prefix) {
			continue
		}
		rng, _, _ := bytes.Cut(line, []byte(" "))
		s, e, found := bytes.Cut(rng, []byte("-"))
		if !found {
			continue
		}
		start, err1 := strconv.ParseUint(string(s), 16, 64)
		end, err2 := strconv.ParseUint(string(e), 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), madvPageout); errno != 0 && errno != syscall.ENOMEM {
			ok = false // EINVAL: a kernel without MADV_PAGEOUT
		}
	}
	return ok
}

// rssFile returns the resident pages of mapped files of this process,
// in bytes, from /proc/self/status (0 when it cannot be read).
func rssFile() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	_, rest, ok := bytes.Cut(b, []byte("RssFile:"))
	if !ok {
		return 0
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	kb, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(line), []byte("kB")))), 10, 64)
	if err != nil {
		return 0
	}
	return kb << 10
}

// pageOutWhile keeps the mapped files of this process within budget
// bytes over what they were at the start, letting go of the pages mapped
// from files under dir whenever they exceed it, until stop is closed or
// the kernel turns it down. It looks every poll: opening the segments of
// a merge maps most of their pages within a fraction of a second (the
// kernel maps the pages around each one read); paging out more often
// than needed made the merge read them again from the disk.
func pageOutWhile(dir string, budget int64, poll time.Duration, stop <-chan struct{}) {
	base := rssFile()
	if base == 0 {
		return
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if rssFile() > base+budget && !pageOutMapped(dir) {
				return
			}
		}
	}
}
