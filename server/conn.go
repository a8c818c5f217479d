package server

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/tandemnet/tandem/netobj"
	"github.com/tandemnet/tandem/protocol"
)

// readBufferSize is the per-connection read buffer. Lines longer than it are
// assembled in a separate buffer up to MaxLineBytes. On plain TCP (Linux)
// the buffer is taken from a pool only while there are bytes to read, so
// an idle connection holds none (linereader_linux.go).
const readBufferSize = 2 << 10

// readerQuiet is how long a plain TCP connection must have gone without
// bytes before its drained socket parks the reader in the idle poller
// (idlepoll_linux.go) instead of keeping a goroutine waiting: a client
// that sends more often keeps its reader goroutine, as before, and pays no
// park and restart per line.
const readerQuiet = time.Second

// errIdle is returned by a parkable read that found the socket empty and
// the connection quiet (lineReader).
var errIdle = errors.New("socket idle")

// outFrame is one queued line. b is shared with every other recipient of
// the same fan-out and is never modified. upd is set on unordered object
// updates, which may be merged for a slow recipient; obj is set on every
// frame about an object so that ordered ones can stop such merging.
type outFrame struct {
	b      []byte
	upd    *queuedUpdate
	obj    netobj.ID
	hasObj bool
}

// queuedUpdate is the structured form of an unordered update frame.
type queuedUpdate struct {
	id    netobj.ID
	gen   uint32
	delta netobj.Delta
}

// conn is one client connection: the transport only. It reads and parses
// lines, applies the rate limits, queues frames and writes them; what a
// command means is its client's business (handle.go), and rooms reach it
// only as an outbox.
//
// Slow-consumer policy: the outbound queue is bounded in bytes. Past
// OutboundSoftBytes the client gets one slow_consumer error and queued
// unordered updates of the same object are merged instead of appended; past
// OutboundHardBytes the queue is dropped, the client is told
// "8:slow_consumer" and disconnected. Both are counted in the metrics.
type conn struct {
	srv    *Server
	nc     net.Conn
	tr     *transport
	log    *slog.Logger
	remote string

	connectedAt time.Time
	lastRead    atomic.Int64 // unix nanos of the server's coarse clock
	loggedIn    atomic.Bool

	// Reader-goroutine state. The reader of a plain TCP socket on Linux
	// exits while the connection is idle and a new goroutine takes over
	// when bytes come (parked); the state is handed over under mu.
	lr      *lineReader // nil unless a plain TCP socket
	poller  *idlePoller // nil: the reader never parks
	noPark  bool        // the poller refused the socket, or it is closing
	done    func()      // runs once the connection has ended (start)
	client  *client     // runs the parsed commands
	long    []byte      // assembles lines longer than the read buffer
	limMsgs *rate.Limiter
	inBytes *byteBudget // inbound line bytes, discarded over-long lines included
	strikes int
	// out collects the recipients of this reader's relays until its read
	// buffer is drained (deliver.go).
	out deliveryBatch

	// fanout is charged for what this client's commands queue for others
	// and for its join snapshots (budget.go); any goroutine.
	fanout *byteBudget

	// Outbound queue, guarded by mu.
	mu           sync.Mutex
	pending      []outFrame
	spare        []outFrame // the writer's previous batch, reused
	pendingBytes int
	room         *room // the room whose frames this conn accepts (compared, never used)
	mergeIdx     map[netobj.ID]int
	warned       bool
	closing      bool
	closeCode    protocol.Code // why the server closed it; "" when the peer went

	writerRunning bool // guarded by mu
	// parked is set while no reader goroutine exists: the socket is armed
	// in the idle poller, and whoever clears parked starts the next one.
	parked bool // guarded by mu
	// answering is set while the reader runs a ping or a login: the answer, and
	// whatever else is queued meanwhile, goes out with the reader's
	// delivery batch (a direct write on plain TCP) instead of waking the
	// writer goroutine, so a keep-alive wakes no goroutine but the reader.
	answering bool // guarded by mu
	// writing is set while one goroutine (the writer, or the reader writing
	// its own answers in deliver.go) writes a batch: one write at a time, in queue order.
	writing bool // guarded by mu
	// batchedBy is the delivery batch that last recorded this conn; its
	// flush wakes or writes it.
	batchedBy *deliveryBatch // guarded by mu
	direct    *directWriter  // nil unless a plain TCP socket
	lastWrite atomic.Int64
	// flushSig wakes the writer; made when the first writer starts.
	flushSig chan struct{} // set under mu, never cleared
	// parkWriter asks the writer to exit if its queue is empty (sweeper).
	parkWriter bool // guarded by mu
	// writerGone is done when the writer has closed the socket.
	writerGone sync.WaitGroup
}

func newConn(s *Server, nc net.Conn) *conn {
	lim := s.cfg.Limits
	c := &conn{
		srv:         s,
		nc:          nc,
		remote:      nc.RemoteAddr().String(),
		connectedAt: time.Now(),
		limMsgs:     rate.NewLimiter(rate.Limit(lim.MessagesPerSecond), lim.MessageBurst),
		inBytes:     newByteBudget(lim.BytesPerSecond, lim.ByteBurst, s.clock.Load()),
		fanout:      newByteBudget(lim.FanoutBytesPerSecond, lim.FanoutByteBurst, s.clock.Load()),
	}
	c.writerGone.Add(1)
	c.log = s.log.With("remote", c.remote)
	c.tr = s.tcpTransport
	c.direct = newDirectWriter(nc)
	if c.lr = newLineReader(nc, &s.readBuffers, &s.clock, s.readerQuiet); c.lr != nil {
		c.lr.owner = c
		c.poller = s.idle
	}
	c.lastRead.Store(s.clock.Load())
	if k, ok := nc.(interface{ setKeepAlive(func()) }); ok {
		// The transport's own pings (WebSocket) count as traffic, like "7".
		k.setKeepAlive(func() { c.lastRead.Store(s.clock.Load()) })
	}
	c.client = newClient(s, c)
	return c
}

// loggedInAs marks the connection logged in; log names the client from
// now on. Called on the reader goroutine, before the client can be found in
// a room or the session registry.
func (c *conn) loggedInAs(log *slog.Logger) {
	c.log = log
	c.loggedIn.Store(true)
}

// loggedOut undoes loggedInAs for a login that failed at its last step,
// before the client could be found anywhere.
func (c *conn) loggedOut(log *slog.Logger) {
	c.loggedIn.Store(false)
	c.log = log
}

// start serves the connection on goroutines of its own; done runs once the
// client has left its room and the socket is closed.
func (c *conn) start(done func()) {
	c.done = done
	go c.serve()
}

// serve runs the reader until the connection closes, or until it parks
// in the idle poller, which calls serve again on a new goroutine when the
// socket has bytes (or is closed: see unpark).
func (c *conn) serve() {
	for c.readLoop() {
		if c.parkReader() {
			return
		}
	}
	if c.lr != nil {
		c.lr.release()
		if c.poller != nil {
			c.lr.forget(c.poller, c)
		}
	}
	c.cleanup()
	c.writerGone.Wait()
	c.done()
}

// parkReader hands the drained socket to the idle poller. It reports
// whether the goroutine may exit; if not, the reader goes on: it reads as
// before from now on (the poller refused the socket), or it finds the
// connection's end (closing: a read deadline or the closed socket).
func (c *conn) parkReader() bool {
	// An idle client keeps no buffers.
	c.long = nil
	c.out.conns = nil
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		c.noPark = true // the next read ends the loop
		return false
	}
	if len(c.pending) == 0 && !c.writing {
		c.pending, c.spare = nil, nil
	}
	c.parked = true
	c.mu.Unlock()
	err := c.lr.park(c.poller, c)
	if err == nil {
		return true
	}
	c.mu.Lock()
	mine := c.parked
	c.parked = false
	c.mu.Unlock()
	if !mine {
		return true // another goroutine was started meanwhile and reads on
	}
	if !c.lr.closed() {
		c.log.Warn("idle poller refused a socket; its reader keeps a goroutine", "err", err)
	}
	c.noPark = true
	return false
}

// unpark starts a reader goroutine if none is running; any goroutine.
func (c *conn) unpark() {
	c.mu.Lock()
	start := c.parked
	c.parked = false
	c.mu.Unlock()
	if start {
		go c.serve()
	}
}

// clearParkDeadline takes back the read deadline of the sweeper's park
// request, unless the connection is closing; it reports whether it did.
// Closers set their deadline under mu after closing, so it stands.
func (c *conn) clearParkDeadline() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return false
	}
	_ = c.nc.SetReadDeadline(time.Time{})
	return true
}

// stopReaderLocked makes the reader end now, so the client leaves its room
// at once, not at its next line; caller holds c.mu.
func (c *conn) stopReaderLocked() {
	_ = c.nc.SetReadDeadline(time.Now())
	if c.parked {
		c.parked = false
		go c.serve()
	}
}

// lineSource is bufio.Reader's line reading, or lineReader's.
type lineSource interface {
	ReadSlice(delim byte) ([]byte, error)
	Buffered() int
}

// readLoop reads and runs lines. It returns false when the connection is
// done, and true when the socket is drained and quiet and the reader
// should park (only with an idle poller).
func (c *conn) readLoop() (idle bool) {
	var br lineSource
	if c.lr != nil {
		br = c.lr
	} else {
		br = bufio.NewReaderSize(c.nc, readBufferSize)
	}
	max := c.srv.cfg.Limits.MaxLineBytes
	for {
		if c.lr != nil {
			c.lr.setParkable(c.poller != nil && !c.noPark)
		}
		line, err := br.ReadSlice('\n')
		if errors.Is(err, errIdle) {
			return true // nothing buffered, the batch already flushed
		}
		num := -1 // of an oversize line, read from its start
		if errors.Is(err, bufio.ErrBufferFull) {
			num = protocol.LineNumber(line)
			line, err = c.readLong(br, line, max)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !errors.Is(err, errFloodedLong) {
				c.log.Debug("read ended", "err", err)
			}
			if transportViolation(err) {
				// The transport closed it for breaking its rules: the
				// server's close, so a room member leaves (no resume).
				c.mu.Lock()
				if c.closeCode == "" {
					c.closeCode = protocol.CodeBadCommand
				}
				c.mu.Unlock()
			}
			return false // a line cut off by a disconnect is dropped, never executed
		}
		c.lastRead.Store(c.srv.clock.Load())
		c.srv.metrics.MessagesIn.Inc()
		c.srv.metrics.BytesIn.Add(float64(len(line)))
		c.tr.bytesIn.Add(float64(len(line)))
		switch {
		case line == nil: // discarded oversize line, already charged
			if !c.strike(num, protocol.CodeLineTooLong, "line over the maximum length was discarded") {
				return false
			}
		case !c.allow(line):
			if c.isClosing() {
				return false
			}
		case !utf8.Valid(line):
			// Relayed, it would break WebSocket recipients (text frames are UTF-8).
			c.sendError(protocol.LineNumber(line), protocol.CodeBadCommand, "line is not valid UTF-8; it was dropped")
		default:
			c.handle(line[:len(line)-1])
		}
		// Once per read buffer, not per frame: before the next read from
		// the socket, which may wait for the client. (Waiting for an
		// empty buffer instead would hold the batch as long as a sender
		// with a backlog fills buffers that end mid-line.)
		if !bufferedLine(br) {
			c.out.flush()
		}
		if c.isClosing() {
			return false
		}
	}
}

// readLong assembles a line longer than the read buffer. It returns a nil
// line (and no error) when the line exceeded max and was discarded.
func (c *conn) readLong(br lineSource, first []byte, max int) ([]byte, error) {
	if c.lr != nil {
		c.lr.setParkable(false) // the line's start is in c.long, not the socket
	}
	c.long = append(c.long[:0], first...)
	tooLong := len(c.long) > max
	discarded := 0 // bytes of a too-long line not yet charged
	if tooLong {
		discarded = len(first)
	}
	for {
		part, err := br.ReadSlice('\n')
		if !tooLong {
			c.long = append(c.long, part...)
			if tooLong = len(c.long) > max+1; tooLong {
				discarded = len(c.long)
			}
		} else {
			discarded += len(part)
		}
		if tooLong && (discarded >= 8*readBufferSize || err == nil) {
			// A discarded line costs its sender as if it had been read:
			// the bytes are charged as they come, and a sender deep in
			// debt is cut without waiting for the line's end.
			if c.inBytes.charge(c.srv.clock.Load(), discarded) < -float64(c.srv.cfg.Limits.ByteBurst) {
				c.srv.metrics.RateLimited.Inc()
				c.client.flooded()
				c.closeWith(protocol.CodeRateLimited, "over-long lines beyond the byte rate; logins from you wait a while")
				return nil, errFloodedLong
			}
			discarded = 0
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return nil, err
		}
		line := c.long
		if cap(c.long) > 4*readBufferSize {
			c.long = nil // don't keep a big buffer for an idle client
		}
		if tooLong {
			return nil, nil
		}
		return line, nil
	}
}

// errFloodedLong ends the read loop of a client cut while sending an
// over-long line.
var errFloodedLong = errors.New("over-long line flood")

// allow applies the per-connection rate limits: lines, inbound bytes, and
// the fan-out budget (a client in debt for what it made the server send
// has its lines refused until the debt is paid back). Refused lines get a
// rate_limited error and a strike.
func (c *conn) allow(line []byte) bool {
	now := c.srv.clock.Load()
	if c.limMsgs.AllowN(time.Unix(0, now), 1) && c.inBytes.allow(now, len(line)) &&
		!(fansOut(line) && c.fanout.inDebt(now)) {
		return true
	}
	c.srv.metrics.RateLimited.Inc()
	c.strike(protocol.LineNumber(line), protocol.CodeRateLimited, "message rate limit exceeded; the line was dropped")
	return false
}

// strike answers a refused line with code and counts it; after RateStrikes
// of them (PreLoginStrikes before login) the client is closed with
// 8:rate_limited. It reports whether the connection stays open.
func (c *conn) strike(num int, code protocol.Code, text string) bool {
	c.strikes++
	limit := c.srv.cfg.Limits.RateStrikes
	if !c.loggedIn.Load() {
		limit = min(limit, c.srv.cfg.Limits.PreLoginStrikes)
	}
	if c.strikes >= limit {
		c.client.flooded()
		c.closeWith(protocol.CodeRateLimited, "rate limit exceeded repeatedly; logins from you wait a while")
		return false
	}
	c.sendError(num, code, text)
	return true
}

// chargeFanout charges the client for bytes its command queued for others.
func (c *conn) chargeFanout(n int) {
	if n > 0 {
		c.fanout.charge(c.srv.clock.Load(), n)
	}
}

func (c *conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// cleanup runs on the reader goroutine after the read loop ends.
func (c *conn) cleanup() {
	c.out.flush()
	c.client.closed()
	c.mu.Lock()
	c.closing = true
	start := c.wakeLocked()
	c.mu.Unlock()
	c.wake(start)
}

// writeLoop drains the outbound queue: every wake-up takes all queued
// frames and writes them with one writev, so frames coalesce under load
// without any added delay when idle. It runs while the client has traffic:
// the sweeper parks it after a quiet spell (an idle client then costs no
// writer stack) and the next frame starts it again.
func (c *conn) writeLoop() {
	var iov, nb net.Buffers // nb outside the loop: as a local it escapes per batch
	// writev only pays on a plain TCP socket; over TLS each buffer would
	// become its own record, so frames are gathered into one write instead.
	_, plain := c.nc.(*net.TCPConn)
	var gathered []byte
	var deadline int64 // unix nanos of the write deadline last set
	timeout := int64(c.srv.cfg.Limits.WriteTimeout)
	for {
		<-c.flushSig
		// Let the goroutines that are runnable now go first: on a busy
		// server they are readers with more frames for this queue, which
		// then share this writev (3.5 instead of 2.5 frames per write at
		// 179 k deliveries/s, BENCHMARKS.md); on an idle one nothing is
		// runnable and this returns at once.
		runtime.Gosched()
		c.mu.Lock()
		if c.parkWriter {
			c.parkWriter = false
			if len(c.pending) == 0 && !c.closing {
				c.writerRunning = false
				c.spare = nil // an idle client keeps no batch buffers
				c.mu.Unlock()
				return
			}
		}
		if c.writing {
			// The reader is writing its own answers directly; it signals when done.
			c.mu.Unlock()
			continue
		}
		batch := c.pending
		batchBytes := c.pendingBytes
		c.pending = c.spare[:0]
		c.spare = nil
		c.pendingBytes = 0
		if c.mergeIdx != nil {
			clear(c.mergeIdx)
		}
		if batchBytes < c.srv.cfg.Limits.OutboundSoftBytes {
			c.warned = false
		}
		closing := c.closing
		c.writing = len(batch) > 0
		c.mu.Unlock()

		if len(batch) > 0 {
			start := time.Now()
			// Refreshing the deadline costs a timer update: only do it when
			// less than half of the timeout is left.
			if now := start.UnixNano(); deadline-now < timeout/2 {
				deadline = now + timeout
				_ = c.nc.SetWriteDeadline(time.Unix(0, deadline))
			}
			var err error
			if plain {
				iov = iov[:0]
				for _, f := range batch {
					iov = append(iov, f.b)
				}
				nb = iov
				_, err = nb.WriteTo(c.nc)
			} else {
				gathered = gathered[:0]
				for _, f := range batch {
					gathered = append(gathered, f.b...)
				}
				_, err = c.nc.Write(gathered)
				if cap(gathered) > 64<<10 {
					gathered = nil
				}
			}
			c.lastWrite.Store(c.srv.clock.Load())
			m := c.srv.metrics
			m.Writes.Inc()
			m.FramesOut.Add(float64(len(batch)))
			m.BytesOut.Add(float64(batchBytes))
			c.tr.bytesOut.Add(float64(batchBytes))
			m.DeliveryLatency.Observe(time.Since(start).Seconds())
			clear(batch) // drop references to shared frames
			clear(iov)
			if err != nil {
				c.log.Debug("write failed", "err", err)
				c.mu.Lock()
				c.closing = true
				c.writing = false
				c.mu.Unlock()
				c.finishWriter()
				return
			}
		}
		c.mu.Lock()
		c.spare = batch[:0]
		c.writing = false
		c.mu.Unlock()
		if closing {
			c.finishWriter()
			return
		}
	}
}

// finishWriter closes the socket once the last frames are written. A
// parked reader is started to end the connection: the closed socket left
// the idle poller without an event.
func (c *conn) finishWriter() {
	_ = c.nc.Close()
	c.writerGone.Done()
	c.unpark()
}

// wakeLocked makes sure a writer will look at the queue; caller holds c.mu.
// It reports whether a writer goroutine must be started.
func (c *conn) wakeLocked() bool {
	if c.writerRunning {
		return false
	}
	c.writerRunning = true
	if c.flushSig == nil {
		c.flushSig = make(chan struct{}, 1)
	}
	return true
}

// wake runs after a frame was queued under c.mu; start is wakeLocked's
// answer.
func (c *conn) wake(start bool) {
	if start {
		go c.writeLoop()
	}
	select {
	case c.flushSig <- struct{}{}:
	default:
	}
}

// parkIfIdle asks a writer that has written nothing since before `since`
// to exit (called by the sweeper every second). It asks a reader waiting
// on a connection quiet for readerQuiet to park: a reader only parks by
// itself when the bytes it waits for follow a quiet spell, so a client
// that stops after a busy spell would keep its goroutine until its next
// line. It also ends a parked reader whose socket was closed without the
// writer (Server.Crash): a closed socket leaves the idle poller without an
// event.
func (c *conn) parkIfIdle(since int64) {
	if c.poller != nil && c.lastRead.Load() < c.srv.clock.Load()-int64(c.srv.readerQuiet) && c.lr.requestPark() {
		_ = c.nc.SetReadDeadline(time.Now())
	}
	c.mu.Lock()
	if c.writerRunning && c.lastWrite.Load() < since {
		c.parkWriter = true
		select {
		case c.flushSig <- struct{}{}:
		default:
		}
	}
	parked := c.parked
	c.mu.Unlock()
	if parked && c.lr.closed() {
		c.unpark()
	}
}

// send queues a frame for this client alone.
func (c *conn) send(b []byte) {
	c.enqueue(nil, outFrame{b: b})
}

// deliver queues a frame of room r; it is dropped if the client is no
// longer in r (it left while the frame was being fanned out). It makes
// conn a room member's outbox.
func (c *conn) deliver(r *room, f outFrame, via *deliveryBatch) {
	if via == nil {
		c.enqueue(r, f)
		return
	}
	c.mu.Lock()
	if c.enqueueLocked(r, f) && c.batchedBy != via {
		c.batchedBy = via
		via.conns = append(via.conns, c)
	}
	c.mu.Unlock()
}

func (c *conn) enqueue(r *room, f outFrame) {
	c.mu.Lock()
	queued := c.enqueueLocked(r, f)
	if queued && c.answering && !c.closing {
		c.mu.Unlock() // the reader writes it when the command is done
		return
	}
	start := queued && c.wakeLocked()
	c.mu.Unlock()
	if queued {
		c.wake(start)
	}
}

// enqueueLocked applies the queue policy; caller holds c.mu. It reports
// whether the writer needs a wake-up.
func (c *conn) enqueueLocked(r *room, f outFrame) bool {
	lim := &c.srv.cfg.Limits
	if c.closing || (r != nil && c.room != r) {
		return false
	}
	if f.upd != nil && c.pendingBytes > lim.OutboundSoftBytes {
		if c.mergeInto(f) {
			c.srv.metrics.MergedUpdates.Inc()
			return true
		}
		if c.mergeIdx == nil {
			c.mergeIdx = make(map[netobj.ID]int)
		}
		c.mergeIdx[f.upd.id] = len(c.pending)
	} else if f.hasObj && f.upd == nil && len(c.mergeIdx) > 0 {
		delete(c.mergeIdx, f.obj) // never merge across an ordered frame
	}
	c.pending = append(c.pending, f)
	c.pendingBytes += len(f.b)
	switch {
	case c.pendingBytes > lim.OutboundHardBytes:
		clear(c.pending)
		c.pending = c.pending[:0]
		msg := protocol.AppendClosing(nil, protocol.CodeSlowConsumer, "outbound queue over its limit: you are not reading fast enough")
		c.pending = append(c.pending, outFrame{b: msg})
		c.pendingBytes = len(msg)
		c.closing = true
		c.closeCode = protocol.CodeSlowConsumer
		c.srv.metrics.SlowConsumerKicks.Inc()
		c.log.Warn("slow consumer disconnected")
		c.stopReaderLocked()
	case c.pendingBytes > lim.OutboundSoftBytes && !c.warned:
		c.warned = true
		msg := protocol.AppendError(nil, -1, protocol.CodeSlowConsumer, "your outbound queue is backing up; object updates are being merged")
		c.pending = append(c.pending, outFrame{b: msg})
		c.pendingBytes += len(msg)
		c.srv.metrics.SlowConsumerWarns.Inc()
	}
	return true
}

// mergeInto merges an unordered update into the queued update of the same
// object and generation, if one is still waiting. Caller holds c.mu.
func (c *conn) mergeInto(f outFrame) bool {
	idx, ok := c.mergeIdx[f.upd.id]
	if !ok {
		return false
	}
	old := c.pending[idx]
	if old.upd == nil || old.upd.gen != f.upd.gen {
		return false
	}
	merged := &queuedUpdate{id: f.upd.id, gen: f.upd.gen, delta: netobj.MergeDeltas(old.upd.delta, f.upd.delta)}
	b := protocol.AppendUpdated(nil, merged.id, merged.gen, merged.delta)
	c.pendingBytes += len(b) - len(old.b)
	c.pending[idx] = outFrame{b: b, upd: merged, obj: merged.id, hasObj: true}
	return true
}

// switchRoom switches the room whose frames this client accepts and queues
// first (the join lines, or a leave confirmation) in the same step, so no
// frame of the new room can precede them.
func (c *conn) switchRoom(r *room, first []byte) {
	if r != nil {
		// The join lines, snapshot included, are the joiner's cost.
		c.chargeFanout(len(first))
	}
	c.mu.Lock()
	c.room = r
	if c.mergeIdx != nil {
		clear(c.mergeIdx) // object ids are per room
	}
	queued := first != nil && c.enqueueLocked(nil, outFrame{b: first})
	if queued && c.answering && !c.closing {
		c.mu.Unlock() // the reader writes it when the command is done
		return
	}
	start := queued && c.wakeLocked()
	c.mu.Unlock()
	if queued {
		c.wake(start)
	}
}

// closeWith tells the client why and closes the connection once the line
// is written. Safe from any goroutine.
func (c *conn) closeWith(code protocol.Code, text string) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	msg := protocol.AppendClosing(nil, code, text)
	c.pending = append(c.pending, outFrame{b: msg})
	c.pendingBytes += len(msg)
	c.closing = true
	c.closeCode = code
	start := c.wakeLocked()
	c.stopReaderLocked()
	c.mu.Unlock()
	c.wake(start)
}

func (c *conn) sendError(cmd int, code protocol.Code, text string) {
	c.srv.metrics.Errors.WithLabelValues(string(code)).Inc()
	c.send(protocol.AppendError(nil, cmd, code, text))
}

// handle parses one line (without its '\n') and hands the command to the
// client; a line that does not parse is answered here.
func (c *conn) handle(line []byte) {
	cmd, err := protocol.Parse(line)
	if err != nil {
		var pe *protocol.ParseError
		if errors.As(err, &pe) {
			c.sendError(pe.Num, pe.Code, pe.Text)
		}
		return
	}
	// A keep-alive and the logins are answered through the reader's delivery
	// batch (a direct write on plain TCP), so a client that logs in and then
	// only keeps alive never starts a writer goroutine. (Other answers still
	// wake the writer at once: the reader goes on with the client's next
	// lines meanwhile. A resume is one of them: it puts the client back in
	// a room whose relays may reach it at once, so its join lines must not
	// wait.)
	answering := answeredByReader(cmd.Num)
	if !batchedCommand(cmd.Num) {
		c.out.flush() // what was relayed before goes out before anything slower runs
	}
	if answering {
		c.mu.Lock()
		c.answering = true
		c.mu.Unlock()
	}
	c.client.line = line
	c.client.handle(&cmd)
	if answering {
		c.answered()
	}
}

// answeredByReader reports whether command num is answered through the
// reader's delivery batch rather than by waking the writer.
func answeredByReader(num int) bool {
	switch num {
	case protocol.NumPing, protocol.NumLogin, protocol.NumTokenLogin:
		return true
	}
	return false
}

// answered ends a ping's answering: what was queued meanwhile (the pong,
// and frames from other goroutines, which did not wake the writer) joins
// the reader's own delivery batch, unless another reader's batch already
// holds it.
func (c *conn) answered() {
	c.mu.Lock()
	c.answering = false
	var start, wake bool
	switch {
	case len(c.pending) == 0 || c.batchedBy != nil:
		// Nothing queued, or a sender's batch flushes it.
	case c.closing:
		wake, start = true, c.wakeLocked()
	default:
		c.batchedBy = &c.out
		c.out.conns = append(c.out.conns, c)
	}
	c.mu.Unlock()
	if wake {
		c.wake(start)
	}
}

// bufferedLine reports whether br holds a whole line: if not, the next
// ReadSlice reads from the socket.
func bufferedLine(br lineSource) bool {
	switch b := br.(type) {
	case *lineReader:
		return b.hasLine()
	case *bufio.Reader:
		p, _ := b.Peek(b.Buffered())
		return bytes.IndexByte(p, '\n') >= 0
	}
	return false
}
