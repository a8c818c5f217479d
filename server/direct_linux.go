package server

import (
	"fmt"
	"net"
	"syscall"
	"unsafe"
)

// directWriter writes a queue batch to a plain TCP socket with one
// non-blocking writev, from whichever goroutine holds the conn's write
// turn. Its buffers are reused, so a write allocates nothing.
type directWriter struct {
	rc    syscall.RawConn
	fn    func(fd uintptr) bool // rc.Write's callback, made once
	iov   []syscall.Iovec
	n     int
	errno syscall.Errno
}

// newDirectWriter returns nil unless nc is a plain TCP socket.
func newDirectWriter(nc net.Conn) *directWriter {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	d := &directWriter{rc: rc}
	d.fn = d.writevOnce
	return d
}

// writevOnce makes one writev call; returning true tells the runtime not
// to wait for the socket to become writable.
func (d *directWriter) writevOnce(fd uintptr) bool {
	for {
		n, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&d.iov[0])), uintptr(len(d.iov)))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			d.n, d.errno = 0, e
		} else {
			d.n, d.errno = int(n), 0
		}
		return true
	}
}

// writev writes what the socket takes now of batch's frames and reports
// how many bytes that was; a full socket is not an error.
func (d *directWriter) writev(batch []outFrame) (int, error) {
	d.iov = d.iov[:0]
	for _, f := range batch {
		if len(f.b) > 0 {
			v := syscall.Iovec{Base: &f.b[0]}
			v.SetLen(len(f.b))
			d.iov = append(d.iov, v)
		}
	}
	if len(d.iov) == 0 {
		return 0, nil
	}
	err := d.rc.Write(d.fn)
	clear(d.iov) // drop references to shared frames
	if err != nil {
		return 0, err
	}
	switch d.errno {
	case 0:
		return d.n, nil
	case syscall.EAGAIN:
		return 0, nil
	default:
		return 0, fmt.Errorf("writev: %w", d.errno)
	}
}
