package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	neturl "net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
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

// dialer opens a connection that carries protocol lines.
type dialer func(ctx context.Context) (net.Conn, error)

// tcpDialer dials the server's TCP listener.
func tcpDialer(addr string) dialer {
	return func(ctx context.Context) (net.Conn, error) {
		d := net.Dialer{Timeout: 10 * time.Second}
		nc, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true) // each flush is one batch already
		}
		return nc, nil
	}
}

// wsDialer dials the server's WebSocket endpoint (ws:// or wss:// URL).
// The connection reads as one stream of lines, whatever message boundaries
// the server chose, and each Write is one text message: a flush of whole
// lines, as PROTOCOL.md allows.
func wsDialer(url string) dialer {
	return func(ctx context.Context) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{CompressionMode: websocket.CompressionDisabled})
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("WebSocket %s: %w", url, err)
		}
		// The server batches many lines into one message under load; the
		// library's default 32 KiB limit would fail those reads.
		ws.SetReadLimit(wsReadLimit)
		return websocket.NetConn(context.Background(), ws, websocket.MessageText), nil
	}
}

// wsReadLimit bounds one message from the server: far above any batch.
const wsReadLimit = 64 << 20

// dialTandem connects and logs user in; the dev-mode server creates the
// account on its first login.
func dialTandem(ctx context.Context, dial dialer, user, password string, readBuf int) (*tandemLine, error) {
	nc, err := dial(ctx)
	if err != nil {
		return nil, err
	}
	c := &tandemLine{nc: nc, br: bufio.NewReaderSize(nc, readBuf)}
	_ = nc.SetDeadline(time.Now().Add(setupTimeout))
	var line string
	for attempt := 1; ; attempt++ {
		line, err = c.exchange("0:"+user+":"+password, func(l string) bool { return strings.HasPrefix(l, "0:") })
		// A server busy creating many accounts at once may ask to come
		// back later; a player's client would.
		var ans *answerError
		if attempt == loginAttempts || !errors.As(err, &ans) || !ans.retryable() {
			break
		}
		if !sleepUntil(ctx, time.Now().Add(time.Duration(attempt)*100*time.Millisecond)) {
			break
		}
	}
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
			return "", &answerError{line: line}
		}
		if done(line) {
			return line, nil
		}
	}
}

// loginAttempts bounds the tries of a login the server asks to retry.
const loginAttempts = 5

// answerError is an error (9) or closing (8) line received in setup.
type answerError struct{ line string }

func (e *answerError) Error() string { return fmt.Sprintf("server answered %q", e.line) }

// retryable reports whether the server asked to try again later.
func (e *answerError) retryable() bool {
	f := strings.SplitN(e.line, ":", 4)
	return len(f) == 4 && f[0] == "9" && (f[2] == "store_unavailable" || f[2] == "server_busy")
}

// tandemSystem drives the load through a Tandem server, over TCP or
// WebSocket.
type tandemSystem struct {
	cfg       *benchConfig
	websocket bool
}

func (t *tandemSystem) name() string {
	if t.websocket {
		return "tandem-ws"
	}
	return "tandem"
}

func (t *tandemSystem) serverAddr() string {
	if t.websocket {
		if u, err := neturl.Parse(t.cfg.wsURL); err == nil {
			return u.Host
		}
	}
	return t.cfg.addr
}

func (t *tandemSystem) serverPID() int { return t.cfg.serverPID }

// dialer is how connection i reaches the server: over WebSocket, or to
// the --addr servers in turn.
func (t *tandemSystem) dialer(i int) dialer {
	if t.websocket {
		return wsDialer(t.cfg.wsURL)
	}
	return tcpDialer(t.cfg.addrs[i%len(t.cfg.addrs)])
}

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
	c, err := dialTandem(ctx, t.dialer(r*cfg.players+p), user, cfg.password, benchReadBuffer)
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
