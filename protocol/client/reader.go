package client

import (
	"bufio"
	"fmt"
	"io"

	"github.com/tandemnet/tandem/protocol"
)

// readLoop is the client's one reader goroutine.
func (c *Client) readLoop() {
	sc := bufio.NewScanner(c.conn)
	sc.Buffer(make([]byte, 64<<10), maxInLine)
	for sc.Scan() {
		c.received.Add(1)
		if ev := c.handle(sc.Text()); ev != nil {
			c.emit(ev)
		}
	}
	err := sc.Err()
	if err == nil {
		err = io.EOF
	}
	c.finish(err)
}

// handle applies one line to the view and the waiting calls, and returns
// the event to deliver, if any.
func (c *Client) handle(line string) Event {
	parsed, err := parseLine(line)
	if err != nil {
		return BadLine{Line: line, Err: err}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch p := parsed.(type) {
	case sessionLine:
		if p.sessionToken != "" {
			c.sessionToken = p.sessionToken // a resume's answer keeps the old one
		}
		if w := c.head(protocol.NumLogin); w != nil {
			c.id, c.resumeToken = p.id, p.resumeToken
			c.complete(w, p.id, nil)
		} else if w := c.head(protocol.NumTokenLogin); w != nil {
			c.id, c.resumeToken = p.id, p.resumeToken
			c.complete(w, p.id, nil)
		} else if w := c.head(protocol.NumResume); w != nil && !w.resumed {
			// The join lines of the resumed room follow; Resume waits for "17".
			c.id, c.resumeToken = p.id, p.resumeToken
			w.resumed = true
		}
		return nil
	case roomsLine:
		c.complete(c.head(protocol.NumRooms), p.rooms, nil)
		return nil
	case whoLine:
		c.complete(c.head(protocol.NumWho), p, nil)
		return nil
	case pongLine:
		for _, w := range c.waiters[protocol.NumPing] {
			if w.token == p.token {
				c.complete(w, nil, nil)
				break
			}
		}
		return nil // keep-alive pongs too
	case ErrorReceived:
		c.errs.Add(1)
		if w := c.head(p.Err.Command); w != nil {
			return c.complete(w, nil, p.Err)
		}
		return p
	case Closing:
		c.closing = &ClosingError{Code: p.Code, Text: p.Text}
		if p.Code == protocol.CloseLoggedOut {
			c.sessionToken, c.resumeToken = "", ""
			if w := c.head(protocol.NumLogout); w != nil {
				c.complete(w, nil, nil)
			}
		}
		return p
	case Event:
		if s, ok := p.(ObjectSpawned); ok {
			s.Snapshot = c.world.joining
			p = s
		}
		keep, stale := c.world.apply(c.id, p)
		if stale {
			c.stale.Add(1)
		}
		c.answer(p)
		if !keep {
			return nil
		}
		return p
	}
	return BadLine{Line: line, Err: fmt.Errorf("unexpected %T", parsed)}
}

// answer completes the call a room event answers, if any; caller holds mu.
func (c *Client) answer(ev Event) {
	switch ev := ev.(type) {
	case MemberLeft: // our leave confirmation; a join elsewhere sees one too
		if w := c.head(protocol.NumJoin); w != nil && w.leave && ev.ID == c.id {
			c.complete(w, nil, nil)
		}
	case RoomReady:
		if w := c.head(protocol.NumResume); w != nil && w.resumed {
			c.complete(w, c.world.view(), nil)
		} else if w := c.head(protocol.NumJoin); w != nil && !w.leave {
			c.complete(w, c.world.view(), nil)
		}
	case ObjectSpawned:
		if ev.Snapshot || ev.Object.ID.Creator != c.id {
			return
		}
		for _, w := range c.waiters[protocol.NumInstantiate] {
			if w.token == ev.Object.Token {
				c.complete(w, ev.Object, nil)
				return
			}
		}
	}
}

// head is the oldest waiting call for message number num; caller holds mu.
func (c *Client) head(num int) *waiter {
	if ws := c.waiters[num]; len(ws) > 0 {
		return ws[0]
	}
	return nil
}

// complete hands the answer to w and dequeues it; caller holds mu. An
// error nobody waits for any more is returned as an event to deliver.
func (c *Client) complete(w *waiter, val any, err *ServerError) Event {
	if w == nil {
		return nil
	}
	ws := c.waiters[w.num]
	for i, x := range ws {
		if x == w {
			c.waiters[w.num] = append(ws[:i:i], ws[i+1:]...)
			break
		}
	}
	w.val = val
	if err != nil {
		w.err = err
	}
	close(w.done)
	if w.abandoned && err != nil {
		return ErrorReceived{Err: err}
	}
	return nil
}

// emit delivers ev, dropping the oldest buffered event when the buffer is
// full; only the reader sends, so this never blocks.
func (c *Client) emit(ev Event) {
	if cap(c.events) == 0 {
		return
	}
	for {
		select {
		case c.events <- ev:
			return
		default:
		}
		select {
		case <-c.events:
			c.dropped.Add(1)
		default:
		}
	}
}

// finish ends the client after the reader stops: every waiting call fails
// and the event channel closes.
func (c *Client) finish(readErr error) {
	c.mu.Lock()
	if c.closeErr == nil {
		if c.closing != nil {
			c.closeErr = c.closing
		} else {
			c.closeErr = fmt.Errorf("%w: connection lost: %w", ErrClosed, readErr)
		}
	}
	for num, ws := range c.waiters {
		for _, w := range ws {
			w.err = c.closeErr
			close(w.done)
		}
		delete(c.waiters, num)
	}
	c.mu.Unlock()
	if c.keepAlive != nil {
		c.keepAlive.Stop()
	}
	_ = c.conn.Close()
	close(c.events)
	close(c.done)
}
