package store

import (
	"errors"
	"net"
	"testing"
	"time"
)

// loopbackPair returns both ends of a TCP connection on 127.0.0.1, the
// client's wrapped as the dialer wraps it.
func loopbackPair(t *testing.T) (*deadlineConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	t.Cleanup(func() { c.Close(); s.Close() })
	return &deadlineConn{Conn: c, io: time.Minute}, s
}

// The turns of deadlineConn: breaking off a statement that has ended does
// nothing (the connection may already carry another request's statement);
// breaking off the one in progress fails its pending read at once and
// every later write, as a timeout lib/pq takes for a bad connection, and
// marks the connection so that the pool drops it.
func TestBreakOffOnlyTheStatementInProgress(t *testing.T) {
	c, server := loopbackPair(t)

	first := c.begin()
	c.end(first)
	if c.breakOff(first) {
		t.Fatal("a statement that had ended was broken off")
	}
	second := c.begin()
	if c.breakOff(first) || c.broken() {
		t.Fatal("an ended statement's watch broke off the next statement")
	}
	if _, err := c.Write([]byte("ok")); err != nil {
		t.Fatalf("write after an ended statement's watch fired: %v", err)
	}
	buf := make([]byte, 2)
	if _, err := server.Read(buf); err != nil || string(buf) != "ok" {
		t.Fatalf("server read %q, %v", buf, err)
	}

	read := make(chan error, 1)
	go func() { _, err := c.Read(buf); read <- err }()
	time.Sleep(20 * time.Millisecond) // the read waits for an answer that never comes
	if !c.breakOff(second) {
		t.Fatal("the statement in progress was not broken off")
	}
	select {
	case err := <-read:
		var ne *net.OpError
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("the pending read failed with %T %v; want a timeout *net.OpError", err, err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the pending read was not woken")
	}
	if !c.broken() {
		t.Fatal("a broken-off connection is not marked")
	}
	c.end(second)
	c.begin()
	if _, err := c.Write([]byte("no")); err == nil {
		t.Fatal("a broken-off connection still writes")
	} else if ne := (*net.OpError)(nil); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("write failed with %T %v; want a timeout *net.OpError", err, err)
	}
	pc := &pgConn{sock: c}
	if pc.ResetSession(t.Context()) == nil {
		t.Fatal("a broken-off connection resets its session for reuse")
	}
}
