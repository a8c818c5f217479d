package server

import (
	"errors"
	"os"
	"time"

	"github.com/tandemnet/tandem/protocol"
)

// deliveryBatch collects, on one reader goroutine, the recipients whose
// queues got frames while that reader worked through its read buffer. Their
// writers are woken once when the buffer is drained (flush) instead of once
// per frame. The reader's own connection (its pongs and login answers) is
// written to directly, without waking its writer goroutine. Other players'
// sockets are left to their writers: writing them from the sender's reader
// was measured to cost more, because a writer that runs a little later
// finds more frames to put in one writev (DESIGN.md "The connection").
//
// Only the hot relays (messages, unordered and ordered object updates,
// object messages) are batched; the rest wakes the writer at once.
type deliveryBatch struct {
	conns []*conn
}

// flush wakes or writes to every recorded recipient. It runs on the
// reader goroutine that owns b, without any room lock held.
func (b *deliveryBatch) flush() {
	for i, c := range b.conns {
		c.flushBatched(b)
		b.conns[i] = nil
	}
	b.conns = b.conns[:0]
	if cap(b.conns) > 1024 {
		b.conns = nil // a big room's burst does not stay with an idle reader
	}
}

// batchedCommand reports whether a command's deliveries wait for the end
// of the read buffer: the relays, which never block.
func batchedCommand(num int) bool {
	switch num {
	case protocol.NumMessage, protocol.NumUpdate, protocol.NumObjMessage, protocol.NumPing:
		return true
	}
	return false
}

// maxDirectFrames bounds a direct write to one writev (the kernel's
// IOV_MAX is 1024); bigger backlogs are the writer goroutine's.
const maxDirectFrames = 1024

// flushBatched runs on a reader goroutine after it queued frames for c.
// When c is the reader's own connection (b is c's batch) on a plain TCP
// socket with no write in flight, it writes the queue with one
// non-blocking writev; whatever the socket does not take, and every other
// case, goes to the writer goroutine.
func (c *conn) flushBatched(b *deliveryBatch) {
	c.mu.Lock()
	if c.batchedBy == b {
		c.batchedBy = nil
	}
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return
	}
	if b != &c.out || c.writing || c.closing || c.direct == nil || len(c.pending) > maxDirectFrames {
		start := c.wakeLocked()
		c.mu.Unlock()
		c.wake(start)
		return
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
	c.writing = true
	c.mu.Unlock()

	start := time.Now()
	n, err := c.direct.writev(batch)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The writer's deadline from its last blocking write has passed;
		// this write would not have blocked. The writer takes the batch
		// and sets a fresh deadline.
		err = nil
	}
	written := batch
	rest := batch[:0]
	if n < batchBytes && err == nil {
		// The socket is full: the rest waits for the writer, in order.
		written, rest = splitWritten(batch, n)
	}
	c.countWrite(start, len(written), n)

	c.mu.Lock()
	c.writing = false
	if err != nil {
		c.log.Debug("write failed", "err", err)
		c.closing = true
		c.stopReaderLocked() // the reader leaves the room now
	}
	if len(rest) > 0 {
		// Ahead of anything queued meanwhile; merge positions shift, so
		// merging restarts.
		c.pending = append(rest, c.pending...) // rest is a fresh slice
		c.pendingBytes += batchBytes - n
		if c.mergeIdx != nil {
			clear(c.mergeIdx)
		}
	} else {
		clear(batch) // drop references to shared frames
		if c.spare == nil {
			c.spare = batch[:0]
		}
	}
	var wake, startWriter bool
	if len(c.pending) > 0 || c.closing {
		wake = true
		startWriter = c.wakeLocked()
	}
	c.mu.Unlock()
	if wake {
		c.wake(startWriter)
	}
}

// splitWritten splits batch after n written bytes: the fully written
// frames, and the rest, whose first frame may be cut. A cut frame can no
// longer be merged into.
func splitWritten(batch []outFrame, n int) (written, rest []outFrame) {
	i := 0
	for i < len(batch) && n >= len(batch[i].b) {
		n -= len(batch[i].b)
		i++
	}
	written, rest = batch[:i], batch[i:]
	rest = append([]outFrame(nil), rest...) // rare: the socket was full
	if n > 0 {
		rest[0] = outFrame{b: rest[0].b[n:], obj: rest[0].obj, hasObj: true}
	}
	return written, rest
}

// countWrite records one write of frames frames and n bytes.
func (c *conn) countWrite(start time.Time, frames, n int) {
	c.lastWrite.Store(c.srv.clock.Load())
	m := c.srv.metrics
	m.Writes.Inc()
	m.FramesOut.Add(float64(frames))
	m.BytesOut.Add(float64(n))
	c.tr.bytesOut.Add(float64(n))
	m.DeliveryLatency.Observe(time.Since(start).Seconds())
}
