package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/server/store"
)

// Server is one Tandem node.
type Server struct {
	cfg       Config
	store     store.Store
	log       *slog.Logger
	metrics   *Metrics
	sessions  *sessionRegistry
	hub       *hub
	rejoin    *rejoinRegistry
	tokens    *sessionTokens
	clientIDs *clientIDs
	mirror    *roomMirror
	throttle  *loginThrottle
	cluster   *cluster // nil on a single node
	// Sampled logs of what clients can cause at will.
	loginFailLog, plainTextLog *logSampler

	logins      *loginGate
	hashQueue   *hashQueue
	roomGuesses *roomGuesses
	roomList    *roomListCache
	floodGuard  *floodGuard // refuses addresses recently cut for abuse at accept
	// clock is a coarse unix-nanosecond clock, ticked by the sweeper, so the
	// per-line paths never call time.Now.
	clock atomic.Int64

	tcpTransport, wsTransport *transport

	// idle parks the readers of quiet plain TCP connections (set by Serve
	// under mu; nil: readers keep their goroutines) once they have been
	// quiet for readerQuiet (the constant, but in tests).
	idle        *idlePoller
	readerQuiet time.Duration

	// readBuffers lends read buffers (*[]byte of readBufferSize) to plain
	// TCP readers while they have bytes to read (linereader_linux.go).
	readBuffers sync.Pool

	// serving is closed once Serve has cleaned up after an earlier run, so
	// no transport admits clients before (see ServeWebSocket).
	serving chan struct{}

	mu       sync.Mutex
	stopping bool         // set by shutdown: no new connections
	ln       net.Listener // set by Serve, for Crash
	conns    map[*conn]struct{}
	perIP    map[string]int
	wg       sync.WaitGroup
}

// New makes a server on st. It does not own st: the caller closes it after
// Serve returns.
func New(cfg Config, st store.Store) *Server {
	cfg.Limits = cfg.Limits.withDefaults()
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Node == "" {
		cfg.Node = "local"
	}
	if err := cfg.Limits.Check(); err != nil {
		cfg.Logger.Warn("limits: new joiners of a full room may be cut", "err", err)
	}
	s := &Server{
		cfg:       cfg,
		store:     st,
		log:       cfg.Logger,
		metrics:   newMetrics(),
		sessions:  newSessionRegistry(),
		throttle:  newLoginThrottle(time.Now),
		hashQueue: newHashQueue(cfg.Limits.LoginConcurrency, cfg.Limits.LoginQueueMax, nil),
		serving:   make(chan struct{}),
		conns:     make(map[*conn]struct{}),
		perIP:     make(map[string]int),

		loginFailLog: newLogSampler(loginFailLogBurst, loginFailLogPeriod, time.Now),
		plainTextLog: newLogSampler(plainTextLogBurst, plainTextLogPeriod, time.Now),
	}
	s.tcpTransport = s.metrics.transport(TransportTCP)
	s.wsTransport = s.metrics.transport(TransportWebSocket)
	s.clock.Store(time.Now().UnixNano())
	s.logins = newLoginGate(&s.cfg.Limits, time.Now)
	s.roomGuesses = newRoomGuesses(&s.cfg.Limits)
	s.roomList = newRoomListCache(st, cfg.Limits.RoomListTTL)
	s.floodGuard = newFloodGuard(&s.cfg.Limits, s.metrics.Registry, time.Now)
	s.hashQueue.gauge = s.metrics.LoginQueue
	s.mirror = newRoomMirror(st, cfg.Node, s.log, s.metrics)
	s.hub = newHub(&s.cfg.Limits, s.mirror, s.metrics)
	s.mirror.rooms = s.hub
	s.readerQuiet = readerQuiet
	s.readBuffers.New = func() any {
		b := make([]byte, readBufferSize)
		return &b
	}
	if cfg.Cluster != nil {
		s.cluster = newCluster(s)
		s.hub.cluster = s.cluster
	}
	s.rejoin = newRejoinRegistry(s.hub, s.sessions, &s.cfg.Limits, s.log, s.metrics.Registry)
	s.tokens = newSessionTokens(st, s.cfg.Limits.SessionTTL, s.log)
	s.clientIDs = newClientIDs(st)
	return s
}

// Metrics returns the server's instruments (for the admin listener).
func (s *Server) Metrics() *Metrics { return s.metrics }

// Config returns the effective configuration, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Serve accepts clients on ln until ctx is cancelled, then shuts down
// gracefully: every client is told "8:server_shutdown", leaves its room,
// and the node's rooms are removed from the store. It returns nil after a
// graceful shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.cfg.Dev {
		s.log.Warn("DEV MODE: unknown accounts are created on first login; never use this in production")
	}
	cleanCtx, cancel := context.WithTimeout(ctx, storeTimeout)
	if err := s.store.CleanNode(cleanCtx, s.cfg.Node); err != nil {
		s.log.Error("clean rooms left by an earlier run; will retry", "node", s.cfg.Node, "err", err)
		s.mirror.markDirty()
	}
	cancel()
	if s.tokens.on() {
		keyCtx, cancel := context.WithTimeout(ctx, storeTimeout)
		if err := s.tokens.load(keyCtx); err != nil {
			// Logins still work; tokens come when the store answers.
			s.log.Error("load session token keys; logins go on without tokens until they load", "err", err)
		}
		cancel()
	}
	if s.cluster != nil {
		startCtx, cancel := context.WithTimeout(ctx, 2*storeTimeout)
		err := s.cluster.start(startCtx)
		cancel()
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("join the cluster: %w", err)
		}
	}
	idle, idleErr := newIdlePoller()
	if idleErr != nil {
		s.log.Warn("idle connections keep a reader goroutine each", "err", idleErr)
	}
	s.mu.Lock()
	s.ln = ln
	s.idle = idle
	s.mu.Unlock()
	close(s.serving)

	bg, stopBg := context.WithCancel(context.Background())
	var bgWG sync.WaitGroup
	bgWG.Add(3)
	go func() { defer bgWG.Done(); s.mirror.run(bg) }()
	go func() { defer bgWG.Done(); s.sweep(bg) }()
	go func() { defer bgWG.Done(); s.tokens.run(bg) }()
	if idle != nil {
		bgWG.Go(func() { idle.run(s.log) })
	}

	acceptDone := make(chan error, 1)
	go func() { acceptDone <- s.acceptLoop(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String(), "node", s.cfg.Node)

	var err error
	select {
	case <-ctx.Done():
		_ = ln.Close()
		<-acceptDone
	case err = <-acceptDone:
		err = fmt.Errorf("accept clients: %w", err)
	}
	if s.cluster != nil {
		s.cluster.goodbye()
	}
	s.shutdown()
	stopBg()
	if idle != nil {
		idle.close() // after shutdown: no connection is left to park
	}
	bgWG.Wait()
	s.mirror.flush()
	if s.cluster != nil && s.cluster.nc != nil {
		s.cluster.close()
	}
	return err
}

// Crash makes the node act as if its process were killed (kill -9), for
// drills and tests of node loss: its NATS link, listener and client
// sockets are dropped at once, nobody is told anything and nothing more is
// written to the store. Serve still has to be stopped afterwards.
func (s *Server) Crash() {
	s.mirror.halted.Store(true)
	if c := s.cluster; c != nil {
		c.crashed.Store(true)
		if c.nc != nil {
			c.nc.Close()
		}
	}
	s.mu.Lock()
	if s.ln != nil {
		_ = s.ln.Close()
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.nc.Close()
	}
}

func (s *Server) acceptLoop(ln net.Listener) error {
	delay := 5 * time.Millisecond
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(delay)
				continue
			}
			// Out of file descriptors and the like: back off, keep serving.
			s.log.Error("accept", "err", err)
			time.Sleep(delay)
			delay = min(2*delay, time.Second)
			continue
		}
		delay = 5 * time.Millisecond
		// Before anything is read or a goroutine started: an address that
		// keeps coming back after being cut for abuse costs a close.
		if wait := s.floodGuard.wait(nc.RemoteAddr()); wait > 0 {
			s.floodGuard.refuse(nc, wait)
			continue
		}
		s.startConn(nc, s.tcpTransport)
	}
}

// startConn serves a new client connection of any transport; connections
// per address are counted across transports.
func (s *Server) startConn(nc net.Conn, tr *transport) {
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true) // the writer already coalesces
		if n := s.cfg.Limits.SendBufferBytes; n > 0 {
			_ = tc.SetWriteBuffer(n)
		}
	}
	nc = s.watchPlainText(nc)
	host := remoteHost(nc.RemoteAddr().String())
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		_, _ = nc.Write(protocol.AppendClosing(nil, protocol.CloseServerShutdown, "the server is shutting down"))
		_ = nc.Close()
		return
	}
	if s.perIP[host] >= s.cfg.Limits.MaxConnsPerIP {
		s.mu.Unlock()
		s.floodGuard.refusedPerAddress.Inc()
		_, _ = nc.Write(protocol.AppendClosing(nil, protocol.CodeRateLimited, "too many connections from your address"))
		_ = nc.Close()
		return
	}
	s.perIP[host]++
	c := newConn(s, nc)
	c.tr = tr
	c.log = c.log.With("transport", tr.name)
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	s.metrics.Connections.Inc()
	tr.conns.Inc()
	c.start(func() {
		defer s.wg.Done()
		s.mu.Lock()
		delete(s.conns, c)
		if s.perIP[host]--; s.perIP[host] <= 0 {
			delete(s.perIP, host)
		}
		s.mu.Unlock()
		s.metrics.Connections.Dec()
		tr.conns.Dec()
	})
}

func (s *Server) allConns() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

func (s *Server) shutdown() {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	conns := s.allConns()
	s.log.Info("shutting down", "clients", len(conns))
	for _, c := range conns {
		c.closeWith(protocol.CloseServerShutdown, "the server is shutting down")
	}
	s.wg.Wait()
	s.rejoin.closeAll() // a shutdown is not a drop: inactive members leave too
}

// writerIdle is how long a connection's writer goroutine waits without
// traffic before it is parked.
const writerIdle = time.Second

// sweep ticks the coarse clock and closes connections that stayed idle or
// did not log in in time; one goroutine for all, instead of a timer per
// connection.
func (s *Server) sweep(ctx context.Context) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	lim := s.cfg.Limits
	n := 0
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.clock.Store(now.UnixNano())
			if n++; n%10 != 0 {
				continue
			}
			quietSince := now.Add(-writerIdle).UnixNano()
			for _, c := range s.allConns() {
				c.parkIfIdle(quietSince)
				switch {
				case !c.loggedIn.Load() && now.Sub(c.connectedAt) > lim.LoginTimeout:
					c.closeWith(protocol.CloseLoginTimeout, fmt.Sprintf("log in within %s of connecting", lim.LoginTimeout))
				case now.UnixNano()-c.lastRead.Load() > int64(lim.IdleTimeout):
					c.closeWith(protocol.CloseIdleTimeout, fmt.Sprintf("nothing received for %s; send 7 to keep the connection", lim.IdleTimeout))
				}
			}
			if n%600 == 0 {
				s.throttle.sweep()
				s.logins.sweep()
				s.roomGuesses.sweep()
				s.floodGuard.sweep()
			}
		}
	}
}
