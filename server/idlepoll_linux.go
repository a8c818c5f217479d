package server

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"
)

// idlePoller lets idle plain-TCP connections wait for their next line
// without a goroutine: a drained, quiet connection's reader arms the
// socket here (one-shot) and exits, and the poller starts a new reader
// goroutine when the socket becomes readable. A parked goroutine costs its
// stack (4 KiB for a reader that has handled a login) whatever it waits
// on; an armed socket costs a slot in this table.
//
// It is a second epoll set beside the Go runtime's; the runtime's own
// registration of each socket stays, so a connection that is busy reads
// through the runtime's netpoller exactly as before. The epoll descriptor
// itself is registered in the runtime's netpoller, so waiting on it takes
// no thread.
type idlePoller struct {
	file *os.File // the epoll descriptor
	rc   syscall.RawConn
	epfd int

	mu     sync.Mutex
	conns  []*conn // by socket descriptor, while armed
	closed bool    // run has returned: arm refuses

	// Reused by wait, on the run goroutine only.
	events []syscall.EpollEvent
	n      int
	err    error
	waitFn func(fd uintptr) bool
}

func newIdlePoller() (*idlePoller, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("idle poller: epoll_create1: %w", err)
	}
	// Non-blocking, so os.NewFile registers it with the runtime netpoller.
	if err := syscall.SetNonblock(fd, true); err != nil {
		_ = syscall.Close(fd)
		return nil, fmt.Errorf("idle poller: set non-blocking: %w", err)
	}
	f := os.NewFile(uintptr(fd), "idle-epoll")
	rc, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("idle poller: %w", err)
	}
	p := &idlePoller{file: f, rc: rc, epfd: fd, events: make([]syscall.EpollEvent, 256)}
	p.waitFn = p.wait
	return p, nil
}

// run starts a reader for every armed socket that becomes readable (or
// hung up), until close. Should it stop early, every armed connection gets
// its reader back and no more park.
func (p *idlePoller) run(log *slog.Logger) {
	defer p.release()
	for {
		if err := p.rc.Read(p.waitFn); err != nil {
			return // closed
		}
		if p.err != nil {
			log.Error("idle poller stopped; idle connections keep a reader goroutine each", "err", p.err)
			return
		}
		for _, ev := range p.events[:p.n] {
			fd := int(ev.Fd)
			p.mu.Lock()
			var c *conn
			if fd < len(p.conns) {
				c = p.conns[fd]
				p.conns[fd] = nil
			}
			p.mu.Unlock()
			if c != nil {
				// An event harvested before its socket was closed and its
				// descriptor reused wakes the new connection for nothing:
				// it finds no bytes and parks again.
				c.unpark()
			}
		}
	}
}

// wait collects ready sockets without blocking; false makes the runtime
// wait until the epoll set has some.
func (p *idlePoller) wait(fd uintptr) bool {
	for {
		n, err := syscall.EpollWait(int(fd), p.events, 0)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			p.err = fmt.Errorf("idle poller: epoll_wait: %w", err)
			return true
		}
		p.n = n
		return n > 0
	}
}

// close stops run (after the last connection has ended).
func (p *idlePoller) close() { _ = p.file.Close() }

// release refuses further arms and wakes every armed connection.
func (p *idlePoller) release() {
	p.mu.Lock()
	p.closed = true
	armed := p.conns
	p.conns = nil
	p.mu.Unlock()
	for _, c := range armed {
		if c != nil {
			c.unpark()
		}
	}
}

// errPollerClosed refuses an arm after run has returned.
var errPollerClosed = errors.New("idle poller: closed")

// arm registers c's socket fd for one readiness event; c must be marked
// parked first, since the event can come at once.
func (p *idlePoller) arm(c *conn, fd int) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errPollerClosed
	}
	if fd >= len(p.conns) {
		grown := make([]*conn, max(fd+1, 2*len(p.conns)))
		copy(grown, p.conns)
		p.conns = grown
	}
	p.conns[fd] = c
	p.mu.Unlock()
	// Level-triggered and one-shot: bytes that came since the reader's
	// last read report at once, and a busy connection, disarmed after its
	// one event, costs this set nothing.
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: int32(fd)}
	err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_MOD, fd, &ev)
	if errors.Is(err, syscall.ENOENT) {
		err = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, fd, &ev)
	}
	if err != nil {
		p.forget(c, fd)
		return fmt.Errorf("idle poller: epoll_ctl: %w", err)
	}
	return nil
}

// forget drops c's slot, if it still holds c.
func (p *idlePoller) forget(c *conn, fd int) {
	p.mu.Lock()
	if fd < len(p.conns) && p.conns[fd] == c {
		p.conns[fd] = nil
	}
	p.mu.Unlock()
}
