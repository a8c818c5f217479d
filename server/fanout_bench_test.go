package server

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tandemnet/tandem/netobj"
)

// Benchmarks of the fan-out path: one member's message relayed to the
// other N-1 members of a room. They report, besides the usual per-op
// figures (one op = one message fanned out to N-1 members), the cost per
// delivered message: ns/delivery and allocs/delivery. The aim is that
// nothing is allocated per delivery: the frame is encoded once per fan-out
// and shared by every recipient's queue.

var benchRoomSizes = []int{2, 8, 32, 128}

// discardConn is a net.Conn whose writes vanish, so the writer goroutines
// run without any socket cost. Reads block until Close.
type discardConn struct {
	once   sync.Once
	closed chan struct{}
}

func newDiscardConn() *discardConn { return &discardConn{closed: make(chan struct{})} }

func (d *discardConn) Read([]byte) (int, error)    { <-d.closed; return 0, io.EOF }
func (d *discardConn) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardConn) Close() error                { d.once.Do(func() { close(d.closed) }); return nil }
func (d *discardConn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 7777}
}
func (d *discardConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}
func (d *discardConn) SetDeadline(time.Time) error      { return nil }
func (d *discardConn) SetReadDeadline(time.Time) error  { return nil }
func (d *discardConn) SetWriteDeadline(time.Time) error { return nil }

// discardConns makes n sockets whose writes vanish.
func discardConns(n int) []net.Conn {
	socks := make([]net.Conn, n)
	for i := range socks {
		socks[i] = newDiscardConn()
	}
	return socks
}

// benchServer is a server that is never started: the benchmarks drive
// conns and rooms directly. No store is needed on the relay path.
func benchServer() *Server {
	return New(Config{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		// Far above what a benchmark queues, so no recipient is ever a
		// "slow consumer" while the producer runs ahead of the writers.
		Limits: Limits{OutboundSoftBytes: 1 << 30, OutboundHardBytes: 1 << 31},
	}, nil)
}

// benchRoom puts n logged-in members, on the given sockets, into one room.
func benchRoom(s *Server, socks []net.Conn) (*room, []*conn) {
	r := &room{name: "bench", lim: &s.cfg.Limits, events: s.mirror, metrics: s.metrics,
		objects: netobj.NewRegistry(netobj.Limits{MaxStateBytes: 1 << 16})}
	ms := make([]*conn, len(socks))
	members := make([]*member, len(socks))
	for i, nc := range socks {
		c := newConn(s, nc)
		c.client.self.id = int64(i + 1)
		c.client.self.user = "u" + strconv.Itoa(i+1)
		c.loggedIn.Store(true)
		c.client.room = r
		c.room = r
		ms[i] = c
		members[i] = &c.client.self
	}
	r.members.Store(&members)
	return r, ms
}

// drainQueue does what the writer does with a batch, minus the write.
func drainQueue(c *conn) {
	c.mu.Lock()
	batch := c.pending
	c.pending = c.spare[:0]
	c.spare = nil
	c.pendingBytes = 0
	c.mu.Unlock()
	clear(batch)
	c.mu.Lock()
	c.spare = batch[:0]
	c.mu.Unlock()
	select {
	case <-c.flushSig:
	default:
	}
}

// perDelivery reports ns and allocations per delivered message; mallocs
// counts every goroutine's allocations (writers included) during the loop.
func perDelivery(b *testing.B, members int, run func()) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		run()
		n++
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	deliveries := float64(n) * float64(members-1)
	b.ReportMetric(float64(elapsed.Nanoseconds())/deliveries, "ns/delivery")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/deliveries, "allocs/delivery")
}

var benchPayload = []byte("0123456789012345678901234567890123456789012345678901234567890123") // 64 B

// BenchmarkFanoutEnqueue is the relay path alone: encode once, enqueue to
// every other member. The queues are drained every 64 messages the way
// the writer does (swap with the spare batch), without writing.
func BenchmarkFanoutEnqueue(b *testing.B) {
	for _, n := range benchRoomSizes {
		b.Run("members="+strconv.Itoa(n), func(b *testing.B) {
			s := benchServer()
			socks := discardConns(n)
			r, ms := benchRoom(s, socks)
			sender := ms[0]
			i := 0
			perDelivery(b, n, func() {
				r.relay(&sender.client.self, false, false, benchPayload)
				if i++; i%64 == 0 {
					for _, m := range ms {
						drainQueue(m)
					}
				}
			})
		})
	}
}

// BenchmarkHandleMessage adds the parse: one "3:0:<64 B>" line through
// conn.handle, as the reader goroutine runs it.
func BenchmarkHandleMessage(b *testing.B) {
	line := append([]byte("3:0:"), benchPayload...)
	for _, n := range benchRoomSizes {
		b.Run("members="+strconv.Itoa(n), func(b *testing.B) {
			s := benchServer()
			socks := discardConns(n)
			_, ms := benchRoom(s, socks)
			sender := ms[0]
			i := 0
			b.SetBytes(int64(len(line) + 1))
			perDelivery(b, n, func() {
				sender.handle(line)
				if i++; i%64 == 0 {
					for _, m := range ms {
						drainQueue(m)
					}
				}
			})
		})
	}
}

// BenchmarkHandleUpdate is an unordered object update ("11", the transform
// vector of the shared test vectors) through conn.handle: decode the delta,
// merge it into the object's state, encode the relayed line once, fan out.
func BenchmarkHandleUpdate(b *testing.B) {
	for _, n := range benchRoomSizes {
		b.Run("members="+strconv.Itoa(n), func(b *testing.B) {
			s := benchServer()
			socks := discardConns(n)
			r, ms := benchRoom(s, socks)
			sender := ms[0]
			mask, data := []byte("7"), []byte("k8o/gAAAykAAAADKQEAAAJTKAAAAAMoAAAAAygAAAADKP4AAAMo/gAAA")
			d, err := netobj.DecodeDelta(mask, data)
			if err != nil {
				b.Fatal(err)
			}
			o, err := r.objects.Instantiate(sender.client.self.id, "t", "Avatar", netobj.ModeFixed, netobj.LifetimePlayer, d)
			if err != nil {
				b.Fatal(err)
			}
			line := o.ID.AppendText([]byte("11:"))
			line = append(line, ":1:0:7:"...)
			line = append(line, data...)
			i := 0
			perDelivery(b, n, func() {
				sender.handle(line)
				if i++; i%64 == 0 {
					for _, m := range ms {
						drainQueue(m)
					}
				}
			})
		})
	}
}

// runWriters starts every member's writer goroutine and returns a stop
// function that waits for them.
func runWriters(ms []*conn) (stop func()) {
	var wg sync.WaitGroup
	for _, m := range ms {
		m.mu.Lock()
		m.wakeLocked() // marks it running, so enqueue does not start another
		m.mu.Unlock()
		wg.Go(m.writeLoop)
	}
	return func() {
		for _, m := range ms {
			m.mu.Lock()
			m.closing = true
			m.mu.Unlock()
			m.wake(false)
		}
		wg.Wait()
	}
}

// waitQueues lets the writers catch up until every queue holds at most
// limit bytes, so the producer cannot run unboundedly ahead.
func waitQueues(ms []*conn, limit int) {
	for _, m := range ms {
		for {
			m.mu.Lock()
			p := m.pendingBytes
			m.mu.Unlock()
			if p <= limit {
				break
			}
			runtime.Gosched()
		}
	}
}

// BenchmarkFanoutWriters runs the real writer goroutines (wake-up, batch
// swap, metrics) over sockets that discard: the whole server-side
// pipeline except the syscall.
func BenchmarkFanoutWriters(b *testing.B) {
	for _, n := range benchRoomSizes {
		b.Run("members="+strconv.Itoa(n), func(b *testing.B) {
			s := benchServer()
			socks := discardConns(n)
			r, ms := benchRoom(s, socks)
			stop := runWriters(ms)
			defer stop()
			sender := ms[0]
			i := 0
			perDelivery(b, n, func() {
				r.relay(&sender.client.self, false, false, benchPayload)
				sender.out.flush() // the end of the sender's read buffer
				if i++; i%32 == 0 {
					waitQueues(ms, 16<<10)
				}
			})
			waitQueues(ms, 0)
		})
	}
}

// BenchmarkFanoutTCP is the same over real loopback TCP: writev to the
// kernel, and a reader per member on the far side that drains into a fixed
// buffer (its cost is in ns/op too; it allocates nothing per read). The
// producer runs ahead, so the writers coalesce many frames per writev.
func BenchmarkFanoutTCP(b *testing.B) {
	for _, n := range benchRoomSizes {
		b.Run("members="+strconv.Itoa(n), func(b *testing.B) { fanoutTCP(b, n, 32) })
	}
}

// BenchmarkFanoutTCPOneByOne waits for every message to be taken by all the
// writers before the next, so each writev carries one frame: a lightly
// loaded server, where any per-batch cost is a per-delivery cost.
func BenchmarkFanoutTCPOneByOne(b *testing.B) {
	for _, n := range benchRoomSizes {
		b.Run("members="+strconv.Itoa(n), func(b *testing.B) { fanoutTCP(b, n, 1) })
	}
}

func fanoutTCP(b *testing.B, n, every int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	socks := make([]net.Conn, n)
	var readers sync.WaitGroup
	for i := range socks {
		client, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		srv, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		socks[i] = srv
		readers.Go(func() {
			br := bufio.NewReaderSize(client, 64<<10)
			_, _ = io.Copy(io.Discard, br)
			client.Close()
		})
	}
	s := benchServer()
	r, ms := benchRoom(s, socks)
	stop := runWriters(ms)
	sender := ms[0]
	limit := 16 << 10
	if every == 1 {
		limit = 0
	}
	i := 0
	perDelivery(b, n, func() {
		r.relay(&sender.client.self, false, false, benchPayload)
		sender.out.flush()
		if i++; i%every == 0 {
			waitQueues(ms, limit)
		}
	})
	waitQueues(ms, 0)
	b.StopTimer()
	stop() // closes the server sides; the readers see EOF
	readers.Wait()
}

// TestFanoutAllocatesOncePerMessage guards the fast path: relaying one
// message to a room allocates its one shared frame, whatever the room size
// (an allocation per delivery would show as ~N here).
func TestFanoutAllocatesOncePerMessage(t *testing.T) {
	for _, n := range []int{2, 32, 128} {
		t.Run("members="+strconv.Itoa(n), func(t *testing.T) {
			s := benchServer()
			socks := discardConns(n)
			r, ms := benchRoom(s, socks)
			for _, m := range ms {
				m.writerRunning = true // drained by hand below, no writer goroutines
			}
			allocs := testing.AllocsPerRun(200, func() {
				r.relay(&ms[0].client.self, false, false, benchPayload)
				ms[0].out.flush() // the end of the sender's read buffer
				for _, m := range ms {
					drainQueue(m)
				}
			})
			require.LessOrEqual(t, allocs, 1.0)
		})
	}
}
