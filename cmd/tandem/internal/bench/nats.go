package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// natsSystem drives the same load through a NATS server: each room is one
// subject, each player one connection subscribed to its room's subject
// and publishing to it with echo off, so a message reaches the P-1 others
// exactly as Tandem's "3:0" does. NATS has no ordered stream or object
// state: whatever the mix, players publish plain payloads of the same size.
type natsSystem struct{ cfg *benchConfig }

func (s *natsSystem) name() string       { return "nats" }
func (s *natsSystem) serverAddr() string { return s.cfg.natsAddr }
func (s *natsSystem) serverPID() int     { return s.cfg.natsPID }

// natsConnect opens one bench connection with reconnects off: a dropped
// connection is an error to report, not something to paper over.
func natsConnect(addr, name string, errs *atomic.Int64) (*nats.Conn, error) {
	return nats.Connect("nats://"+addr,
		nats.Name(name),
		nats.NoEcho(),
		nats.NoReconnect(),
		nats.Timeout(10*time.Second),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) { errs.Add(1) }),
	)
}

func (s *natsSystem) connect(ctx context.Context, r, p int, st *recvStats) (loadPeer, error) {
	subject := "bench.room" + strconv.Itoa(r)
	peer := &natsPeer{subject: subject, st: st, payload: fillPayload(s.cfg.bytes), done: make(chan struct{})}
	nc, err := natsConnect(s.cfg.natsAddr, fmt.Sprintf("%s%d_%d", s.cfg.userPrefix, r, p), &peer.asyncErrs)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS: %w", err)
	}
	peer.nc = nc
	sub, err := nc.SubscribeSync(subject)
	if err == nil {
		// The round trip makes sure the server has the subscription before
		// any player publishes.
		err = nc.FlushTimeout(setupTimeout)
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("subscribe %s: %w", subject, err)
	}
	peer.sub = sub
	// The wire size of a delivery: "MSG <subject> <sid> <len>\r\n<payload>\r\n".
	peer.overhead = len("MSG  1 \r\n\r\n") + len(subject) + len(strconv.Itoa(s.cfg.bytes))
	go peer.readLoop()
	return peer, nil
}

// natsPeer is one player on NATS.
type natsPeer struct {
	nc        *nats.Conn
	sub       *nats.Subscription
	subject   string
	st        *recvStats
	payload   []byte
	overhead  int
	pubErr    error // sender-owned
	asyncErrs atomic.Int64
	stopping  atomic.Bool
	done      chan struct{}
}

// queue publishes at once: nats.go copies the payload into its write
// buffer and its flusher goroutine writes it, so payload can be reused.
func (p *natsPeer) queue(_ int, ts int64) {
	putTimestamp(p.payload, ts)
	if err := p.nc.Publish(p.subject, p.payload); err != nil && p.pubErr == nil {
		p.pubErr = err
	}
}

func (p *natsPeer) flush() error { return p.pubErr }

func (p *natsPeer) stop() {
	p.stopping.Store(true)
	p.nc.Close()
	<-p.done
	p.st.errors += p.asyncErrs.Load()
}

func (p *natsPeer) readLoop() {
	defer close(p.done)
	for {
		msg, err := p.sub.NextMsg(time.Second)
		if err != nil {
			if errors.Is(err, nats.ErrTimeout) {
				continue
			}
			if !p.stopping.Load() {
				p.st.fail("nats: " + err.Error())
			}
			if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrBadSubscription) || p.stopping.Load() {
				return
			}
			continue
		}
		now := time.Now().UnixNano()
		ts, ok := parseTimestamp(msg.Data)
		if !ok {
			p.st.fail("nats message without a timestamp")
			continue
		}
		p.st.deliver(ts, now, len(msg.Data)+p.overhead)
	}
}

// natsRawSystem is the same NATS load through a minimal client of the NATS
// text protocol built exactly like the Tandem load client (direct writes
// from the sender, one bufio reader goroutine), so that the difference
// between the two systems is the servers', not the client libraries':
// nats.go hands every message through a channel to the subscriber and
// every publish to a flusher goroutine, which costs wake-ups and latency
// on a 2-core machine that the Tandem client does not pay.
type natsRawSystem struct{ cfg *benchConfig }

func (s *natsRawSystem) name() string       { return "nats-raw" }
func (s *natsRawSystem) serverAddr() string { return s.cfg.natsAddr }
func (s *natsRawSystem) serverPID() int     { return s.cfg.natsPID }

func (s *natsRawSystem) connect(ctx context.Context, r, p int, st *recvStats) (loadPeer, error) {
	subject := "bench.room" + strconv.Itoa(r)
	d := net.Dialer{Timeout: 10 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", s.cfg.natsAddr)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS: %w", err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	br := bufio.NewReaderSize(nc, benchReadBuffer)
	_ = nc.SetDeadline(time.Now().Add(setupTimeout))
	// The server speaks first (INFO); then CONNECT with echo off, the
	// subscription, and a PING whose PONG says both were processed.
	hello := fmt.Sprintf("CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":false,\"protocol\":1,\"name\":\"%s%d_%d\"}\r\nSUB %s 1\r\nPING\r\n", s.cfg.userPrefix, r, p, subject)
	if _, err := nc.Write([]byte(hello)); err != nil {
		nc.Close()
		return nil, err
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("NATS handshake: %w", err)
		}
		if strings.HasPrefix(line, "-ERR") {
			nc.Close()
			return nil, fmt.Errorf("NATS handshake: %s", strings.TrimSpace(line))
		}
		if line == "PONG\r\n" {
			break
		}
	}
	_ = nc.SetDeadline(time.Time{})
	peer := &natsRawPeer{rawPeer: newRawPeer(nc, br, st), payload: fillPayload(s.cfg.bytes)}
	peer.pubPrefix = []byte("PUB " + subject + " " + strconv.Itoa(s.cfg.bytes) + "\r\n")
	go peer.readLoop()
	return peer, nil
}

type natsRawPeer struct {
	rawPeer
	writeMu sync.Mutex // the reader answers server PINGs between flushes

	payload, pubPrefix []byte
}

func (p *natsRawPeer) queue(_ int, ts int64) {
	putTimestamp(p.payload, ts)
	p.buf = append(p.buf, p.pubPrefix...)
	p.buf = append(p.buf, p.payload...)
	p.buf = append(p.buf, '\r', '\n')
}

func (p *natsRawPeer) flush() error {
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	return p.write()
}

func (p *natsRawPeer) readLoop() {
	defer close(p.done)
	fail := func(what string) {
		if !p.stopping.Load() {
			p.st.fail(what)
		}
	}
	for {
		line, err := p.br.ReadSlice('\n')
		if err != nil {
			fail("nats read: " + err.Error())
			return
		}
		switch {
		case len(line) > 4 && string(line[:4]) == "MSG ":
			// MSG <subject> <sid> [reply] <size>\r\n<payload>\r\n
			end := len(line) - 2
			sp := bytes.LastIndexByte(line[:end], ' ')
			size, err := strconv.Atoi(string(line[sp+1 : end]))
			if err != nil {
				fail("nats: bad MSG line")
				return
			}
			hdr := len(line)
			body, err := p.br.Peek(size + 2)
			if err != nil {
				fail("nats read: " + err.Error())
				return
			}
			now := time.Now().UnixNano()
			if ts, ok := parseTimestamp(body); ok {
				p.st.deliver(ts, now, hdr+size+2)
			} else {
				p.st.fail("nats message without a timestamp")
			}
			_, _ = p.br.Discard(size + 2)
		case string(line) == "PING\r\n":
			p.writeMu.Lock()
			_, _ = p.nc.Write([]byte("PONG\r\n"))
			p.writeMu.Unlock()
		case len(line) > 4 && string(line[:4]) == "-ERR":
			p.st.fail(strings.TrimSpace(string(line)))
		}
	}
}
