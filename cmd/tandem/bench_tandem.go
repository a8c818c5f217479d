package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// setupTimeout bounds one connection's login, join and spawn. Logins wait
// for the server's password-hash slots, so it is generous.
const setupTimeout = 60 * time.Second

// benchReadBuffer holds many lines, so a reader wakes once per batch the
// server's writer coalesced.
const benchReadBuffer = 64 << 10

// tandemLine is a connection in its setup phase: blocking request/answer
// exchanges over raw lines.
type tandemLine struct {
	nc net.Conn
	br *bufio.Reader
	id int64
}

// dialTandem connects and logs user in; the dev-mode server creates the
// account on its first login.
func dialTandem(ctx context.Context, addr, user, password string, readBuf int) (*tandemLine, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true) // each flush is one batch already
	}
	c := &tandemLine{nc: nc, br: bufio.NewReaderSize(nc, readBuf)}
	_ = nc.SetDeadline(time.Now().Add(setupTimeout))
	line, err := c.exchange("0:"+user+":"+password, func(l string) bool { return strings.HasPrefix(l, "0:") })
	if err == nil {
		// "0:<id>" or "0:<id>:<session token>:<resume token>"
		idText, _, _ := strings.Cut(line[2:], ":")
		c.id, err = strconv.ParseInt(idText, 10, 64)
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("log in %s: %w", user, err)
	}
	return c, nil
}

// exchange sends req and reads lines until done accepts one, which it
// returns. An error line (9) or a closing line (8) ends it with an error.
func (c *tandemLine) exchange(req string, done func(string) bool) (string, error) {
	if _, err := c.nc.Write([]byte(req + "\n")); err != nil {
		return "", err
	}
	for {
		b, err := c.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			continue // a long line we do not need; skip its pieces
		}
		if err != nil {
			return "", err
		}
		line := strings.TrimRight(string(b), "\r\n")
		if strings.HasPrefix(line, "9:") || strings.HasPrefix(line, "8:") {
			return "", fmt.Errorf("server answered %q", line)
		}
		if done(line) {
			return line, nil
		}
	}
}

// tandemSystem drives the load through a Tandem server.
type tandemSystem struct{ cfg *benchConfig }

func (t *tandemSystem) name() string       { return "tandem" }
func (t *tandemSystem) serverAddr() string { return t.cfg.addr }
func (t *tandemSystem) serverPID() int     { return t.cfg.serverPID }

// updateRaw is the MessagePack of a one-field state whose value is a bin
// of the payload: the header, then the payload with its timestamp first.
func updateRaw(payloadLen int) (raw []byte, tsOff int) {
	if payloadLen <= 255 {
		raw = append([]byte{0xc4, byte(payloadLen)}, fillPayload(payloadLen)...)
		return raw, 2
	}
	raw = append([]byte{0xc5, byte(payloadLen >> 8), byte(payloadLen)}, fillPayload(payloadLen)...)
	return raw, 3
}

func (t *tandemSystem) connect(ctx context.Context, r, p int, st *recvStats) (loadPeer, error) {
	cfg := t.cfg
	user := fmt.Sprintf("%s%d_%d", cfg.userPrefix, r, p)
	room := cfg.roomPrefix + strconv.Itoa(r)
	c, err := dialTandem(ctx, cfg.addr, user, cfg.password, benchReadBuffer)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (loadPeer, error) {
		c.nc.Close()
		return nil, err
	}
	if _, err := c.exchange("2:"+room, func(l string) bool { return strings.HasPrefix(l, "17:") }); err != nil {
		return fail(fmt.Errorf("%s join %s: %w", user, room, err))
	}
	mixOf, _ := parseMix(cfg.mix)
	peer := &tandemPeer{rawPeer: newRawPeer(c.nc, c.br, st), mixOf: mixOf}
	peer.payload = fillPayload(cfg.bytes)
	peer.raw, peer.tsOff = updateRaw(cfg.bytes)
	usesUpdates := cfg.mix == "update" || cfg.mix == "mixed"
	if usesUpdates {
		// One fixed-ownership player object per player, as a game's avatar.
		// Its spawn line names it: 10:<id>:<owner>:<gen>:f:p:Bench:<token>:...
		own := strconv.FormatInt(c.id, 10)
		line, err := c.exchange("10:bench:Bench:f:p:1:"+base64.StdEncoding.EncodeToString(peer.raw), func(l string) bool {
			f := strings.Split(l, ":")
			return len(f) >= 8 && f[0] == "10" && f[2] == own && f[7] == "bench"
		})
		if err != nil {
			return fail(fmt.Errorf("%s spawn: %w", user, err))
		}
		peer.updPrefix = "11:" + strings.Split(line, ":")[1] + ":1:0:1:"
	}
	_ = c.nc.SetDeadline(time.Time{})
	go peer.readLoop()
	return peer, nil
}

// tandemPeer is one player during the load: a sender goroutine calls
// queue and flush, the reader goroutine runs readLoop.
type tandemPeer struct {
	rawPeer
	mixOf func(int) msgKind

	// Sender-owned.
	payload   []byte // message payload; its first tsDigits bytes are the send time
	raw       []byte // update field value (MessagePack bin of a payload)
	tsOff     int    // where the timestamp sits in raw
	updPrefix string // "11:<object>:<gen>:0:1:"
}

// rawPeer is what the raw-TCP bench peers (Tandem and NATS) share: the
// socket, the receive statistics, the sender's write buffer and shutdown.
type rawPeer struct {
	nc          net.Conn
	br          *bufio.Reader
	st          *recvStats
	done        chan struct{}
	buf         []byte
	deadlineSet bool
	stopping    atomic.Bool
}

func newRawPeer(nc net.Conn, br *bufio.Reader, st *recvStats) rawPeer {
	return rawPeer{nc: nc, br: br, st: st, done: make(chan struct{})}
}

// write sends the buffered lines.
func (p *rawPeer) write() error {
	if !p.deadlineSet {
		// One deadline for the whole run, so a server that stops reading
		// cannot hang the bench, without a timer update on every write.
		p.deadlineSet = true
		_ = p.nc.SetWriteDeadline(time.Unix(0, p.st.win.get().end).Add(30 * time.Second))
	}
	_, err := p.nc.Write(p.buf)
	p.buf = p.buf[:0]
	return err
}

func (p *rawPeer) stop() {
	p.stopping.Store(true)
	_ = p.nc.Close()
	<-p.done
}

func (p *tandemPeer) queue(k int, ts int64) {
	switch p.mixOf(k) {
	case kindUnordered, kindOrdered:
		putTimestamp(p.payload, ts)
		if p.mixOf(k) == kindOrdered {
			p.buf = append(p.buf, "3:2:"...)
		} else {
			p.buf = append(p.buf, "3:0:"...)
		}
		p.buf = append(p.buf, p.payload...)
	case kindUpdate:
		putTimestamp(p.raw[p.tsOff:], ts)
		p.buf = append(p.buf, p.updPrefix...)
		p.buf = base64.StdEncoding.AppendEncode(p.buf, p.raw)
	}
	p.buf = append(p.buf, '\n')
}

func (p *tandemPeer) flush() error { return p.write() }

func (p *tandemPeer) readLoop() {
	defer close(p.done)
	skipping := false // inside a line longer than the buffer
	for {
		line, err := p.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			skipping = true
			continue
		}
		if err != nil {
			if !p.stopping.Load() {
				p.st.fail("read: " + err.Error())
			}
			return
		}
		if skipping {
			skipping = false
			continue
		}
		p.handle(line, time.Now().UnixNano())
	}
}

// handle looks only at what it must: the timestamp of a delivered message
// or update, and error and closing lines. Join lines of other players and
// the like are ignored.
func (p *tandemPeer) handle(line []byte, now int64) {
	switch {
	case len(line) > 2 && line[0] == '3' && line[1] == ':':
		// 3:<sender>:<payload>
		rest := line[2:]
		i := bytes.IndexByte(rest, ':')
		if i < 0 {
			p.st.fail("malformed 3 line")
			return
		}
		ts, ok := parseTimestamp(rest[i+1:])
		if !ok {
			p.st.fail("3 line without a timestamp")
			return
		}
		p.st.deliver(ts, now, len(line))
	case len(line) > 3 && line[0] == '1' && line[1] == '1' && line[2] == ':':
		// 11:<id>:<gen>:<mask>:<data>: decode just enough base64 for the
		// bin header and the timestamp.
		i := bytes.LastIndexByte(line, ':')
		data := line[i+1:]
		var raw [24]byte
		if len(data) < 32 {
			p.st.fail("11 line too short")
			return
		}
		if _, err := base64.StdEncoding.Decode(raw[:], data[:32]); err != nil {
			p.st.fail("11 line: " + err.Error())
			return
		}
		off := 2
		if raw[0] == 0xc5 {
			off = 3
		}
		ts, ok := parseTimestamp(raw[off:])
		if !ok {
			p.st.fail("11 line without a timestamp")
			return
		}
		p.st.deliver(ts, now, len(line))
	case len(line) > 2 && (line[0] == '9' || line[0] == '8') && line[1] == ':':
		p.st.fail(strings.TrimSpace(string(line)))
	}
}
