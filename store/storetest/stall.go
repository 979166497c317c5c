package storetest

import (
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// StallProxy forwards TCP connections to a target until Stall is set;
// from then on it holds every connection open and forwards nothing, as a
// paused or partitioned server would.
type StallProxy struct {
	ln    net.Listener
	Stall atomic.Bool
}

// NewStallProxy starts a proxy to target on a loopback port, closed when
// the test ends.
func NewStallProxy(t testing.TB, target string) *StallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &StallProxy{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c, target)
		}
	}()
	return p
}

// Addr is the proxy's host:port.
func (p *StallProxy) Addr() string { return p.ln.Addr().String() }

func (p *StallProxy) pipe(c net.Conn, target string) {
	defer c.Close()
	s, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer s.Close()
	copyUntilStall := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if err != nil {
				return
			}
			for p.Stall.Load() {
				time.Sleep(50 * time.Millisecond) // hold the bytes, forever
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
	}
	go copyUntilStall(s, c)
	copyUntilStall(c, s)
}
