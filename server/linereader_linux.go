package server

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"unsafe"
)

// lineReader reads lines from a plain TCP socket like bufio.Reader, but
// holds its buffer only while bytes are waiting: when the socket has
// nothing to read and no partial line is buffered, the buffer goes back to
// a pool before the reader parks, so an idle connection keeps none. It
// makes the same system calls as bufio on a net.Conn (one read that may
// find nothing, then one after the wake-up) and allocates nothing.
type lineReader struct {
	rc   syscall.RawConn
	pool *sync.Pool // of *[]byte, readBufferSize long
	bufp *[]byte    // nil while idle
	buf  []byte
	r, w int
	fn   func(fd uintptr) bool // made once
	n    int
	err  syscall.Errno
}

// newLineReader returns nil unless nc is a plain TCP socket.
func newLineReader(nc net.Conn, pool *sync.Pool) *lineReader {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	lr := &lineReader{rc: rc, pool: pool}
	lr.fn = lr.readOnce
	return lr
}

// Buffered is the number of bytes read but not yet returned.
func (lr *lineReader) Buffered() int { return lr.w - lr.r }

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
	if err := lr.rc.Read(lr.fn); err != nil {
		return err
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
// buffered it returns the buffer to the pool; false makes the runtime wait
// for readability (honouring the read deadline) and call it again.
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

// release gives the buffer back; nothing may be buffered.
func (lr *lineReader) release() {
	if lr.bufp != nil {
		lr.pool.Put(lr.bufp)
		lr.bufp, lr.buf = nil, nil
		lr.r, lr.w = 0, 0
	}
}
