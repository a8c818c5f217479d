//go:build !linux

package server

import "net"

// directWriter is Linux-only; elsewhere every write goes through the
// writer goroutine.
type directWriter struct{}

func newDirectWriter(net.Conn) *directWriter { return nil }

func (*directWriter) writev([]outFrame) (int, error) { return 0, nil }
