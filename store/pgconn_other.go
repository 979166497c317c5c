//go:build !linux

package store

import (
	"syscall"
	"time"
)

// tcpUserTimeout is Linux-only; elsewhere keepalives and the statement
// deadline bound a stalled connection.
func tcpUserTimeout(time.Duration) func(network, address string, c syscall.RawConn) error {
	return nil
}
