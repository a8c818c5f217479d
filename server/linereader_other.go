//go:build !linux

package server

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// lineReader is Linux-only; elsewhere each reader keeps a bufio.Reader.
type lineReader struct{ owner *conn }

func newLineReader(net.Conn, *sync.Pool, *atomic.Int64, time.Duration) *lineReader {
	return nil
}

func (*lineReader) ReadSlice(byte) ([]byte, error) { return nil, nil }
func (*lineReader) Buffered() int                  { return 0 }
func (*lineReader) release()                       {}
func (*lineReader) setParkable(bool)               {}
func (*lineReader) park(*idlePoller, *conn) error  { return nil }
func (*lineReader) forget(*idlePoller, *conn)      {}
func (*lineReader) hasLine() bool                  { return false }
func (*lineReader) closed() bool                   { return false }
func (*lineReader) requestPark() bool              { return false }
