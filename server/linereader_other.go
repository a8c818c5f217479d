//go:build !linux

package server

import (
	"net"
	"sync"
)

// lineReader is Linux-only; elsewhere each reader keeps a bufio.Reader.
type lineReader struct{}

func newLineReader(net.Conn, *sync.Pool) *lineReader { return nil }

func (*lineReader) ReadSlice(byte) ([]byte, error) { return nil, nil }
func (*lineReader) Buffered() int                  { return 0 }
func (*lineReader) release()                       {}
