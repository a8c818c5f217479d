package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// lineReader reads lines from a plain TCP socket like bufio.Reader, but
// holds its buffer only while bytes are waiting: when the socket has
// nothing to read and no partial line is buffered, the buffer goes back to
// a pool before the reader parks, so an idle connection keeps none. It
// makes the same system calls as bufio on a net.Conn (one read that may
// find nothing, then one after the wake-up) and allocates nothing.
//
// When its caller allows it (setParkable), a read that finds the socket
// empty at a line boundary, on a connection that was quiet for readerQuiet
// before, returns errIdle instead of waiting: the caller then parks the
// socket in the idle poller and its goroutine exits.
type lineReader struct {
	rc   syscall.RawConn
	fd   int        // the socket's descriptor, for the idle poller
	pool *sync.Pool // of *[]byte, readBufferSize long
	bufp *[]byte    // nil while idle
	buf  []byte
	r, w int
	fn   func(fd uintptr) bool // made once
	n    int
	err  syscall.Errno

	clock       *atomic.Int64 // the server's coarse clock
	lastDrained int64         // clock when a read last found the socket empty
	quiet       int64         // readerQuiet in nanoseconds
	parkable    bool          // the caller takes errIdle
	idle        bool          // readOnce found the socket empty and quiet

	// A reader that waits on an empty socket at a line boundary (waiting)
	// may be asked to park by the sweeper once the connection has been
	// quiet (requestPark): the request sets parkReq and interrupts the
	// wait with a read deadline, which fill takes back through owner.
	owner   *conn
	waiting atomic.Bool
	parkReq atomic.Bool
}

// newLineReader returns nil unless nc is a plain TCP socket.
func newLineReader(nc net.Conn, pool *sync.Pool, clock *atomic.Int64, quiet time.Duration) *lineReader {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	lr := &lineReader{rc: rc, pool: pool, clock: clock, quiet: int64(quiet), fd: -1}
	if rc.Control(func(fd uintptr) { lr.fd = int(fd) }) != nil {
		return nil
	}
	lr.fn = lr.readOnce
	return lr
}

// Buffered is the number of bytes read but not yet returned.
func (lr *lineReader) Buffered() int { return lr.w - lr.r }

// hasLine reports whether a whole line is buffered.
func (lr *lineReader) hasLine() bool { return bytes.IndexByte(lr.buf[lr.r:lr.w], '\n') >= 0 }

// ReadSlice is bufio.Reader.ReadSlice: the slice is valid until the next
// call, and a line longer than the buffer comes in parts with
// bufio.ErrBufferFull.
func (lr *lineReader) ReadSlice(delim byte) ([]byte, error) {
	searched := 0
	for {
		if i := bytes.IndexByte(lr.buf[lr.r+searched:lr.w], delim); i >= 0 {
			line := lr.buf[lr.r : lr.r+searched+i+1]
			lr.r += searched + i + 1
			return line, nil
		}
		if lr.buf != nil && lr.w-lr.r == len(lr.buf) {
			line := lr.buf[lr.r:lr.w]
			lr.r = lr.w
			return line, bufio.ErrBufferFull
		}
		searched = lr.w - lr.r
		if lr.r > 0 {
			lr.w = copy(lr.buf, lr.buf[lr.r:lr.w])
			lr.r = 0
		}
		if err := lr.fill(); err != nil {
			line := lr.buf[lr.r:lr.w]
			lr.r = lr.w
			return line, err
		}
	}
}

func (lr *lineReader) fill() error {
	lr.idle = false
	err := lr.rc.Read(lr.fn)
	if lr.waiting.Load() {
		lr.waiting.Store(false)
	}
	for err != nil {
		if !lr.parkReq.Load() || !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		// The sweeper's request, unless the connection is closing (its
		// deadline then stands and ends the read).
		lr.parkReq.Store(false)
		if !lr.owner.clearParkDeadline() {
			return err
		}
		if lr.parkable && lr.r == lr.w {
			return errIdle
		}
		lr.idle = false
		err = lr.rc.Read(lr.fn) // mid-line: read on
	}
	if lr.idle {
		return errIdle
	}
	if lr.err != 0 {
		return fmt.Errorf("read: %w", lr.err)
	}
	if lr.n == 0 {
		return io.EOF
	}
	lr.w += lr.n
	return nil
}

// readOnce makes one non-blocking read. On "nothing yet" with nothing
// buffered it returns the buffer to the pool, and stops the read if the
// caller may park and the connection was quiet; false makes the runtime
// wait for readability (honouring the read deadline) and call it again.
func (lr *lineReader) readOnce(fd uintptr) bool {
	if lr.bufp == nil {
		lr.bufp = lr.pool.Get().(*[]byte)
		lr.buf = *lr.bufp
	}
	for {
		n, _, e := syscall.Syscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&lr.buf[lr.w])), uintptr(len(lr.buf)-lr.w))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if lr.r == lr.w {
				lr.release()
				if lr.parkable {
					now := lr.clock.Load()
					quiet := now-lr.lastDrained >= lr.quiet
					lr.lastDrained = now
					if quiet {
						lr.idle = true
						return true
					}
					lr.waiting.Store(true)
				}
			}
			return false
		}
		lr.n, lr.err = int(n), e
		if e != 0 {
			lr.n = 0
		}
		return true
	}
}

// requestPark asks a reader waiting at a line boundary to park; it
// reports whether it asked (the caller then sets a read deadline).
func (lr *lineReader) requestPark() bool {
	return lr.owner != nil && lr.waiting.Load() && lr.parkReq.CompareAndSwap(false, true)
}

// setParkable says whether the next reads may return errIdle: only at a
// line boundary, with nothing of a longer line assembled elsewhere.
func (lr *lineReader) setParkable(ok bool) { lr.parkable = ok }

// park arms the socket in p for c; the socket must be drained.
func (lr *lineReader) park(p *idlePoller, c *conn) error {
	var err error
	// Inside Control the descriptor cannot be closed and reused.
	if cerr := lr.rc.Control(func(fd uintptr) { err = p.arm(c, int(fd)) }); cerr != nil {
		return cerr
	}
	return err
}

// forget drops c from p's table once the connection has ended.
func (lr *lineReader) forget(p *idlePoller, c *conn) { p.forget(c, lr.fd) }

// closed reports whether the socket was closed (by anyone).
func (lr *lineReader) closed() bool { return lr.rc.Control(func(uintptr) {}) != nil }

// release gives the buffer back; nothing may be buffered.
func (lr *lineReader) release() {
	if lr.bufp != nil {
		lr.pool.Put(lr.bufp)
		lr.bufp, lr.buf = nil, nil
		lr.r, lr.w = 0, 0
	}
}
