// Package servertest starts real Tandem servers on loopback TCP for tests,
// and gives tests a line client with timeouts. No mocks: a real listener, a
// real SQLite store in a temp dir, the real server.
package servertest

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/store"
	"github.com/tandemnet/tandem/server/store/sqlitestore"
)

// Timeout bounds every wait of a test client. Generous: under the race
// detector on a loaded 2-core machine an argon2id login alone can take a
// second; a passing test never waits for it.
const Timeout = 20 * time.Second

// Server is a running server.
type Server struct {
	Addr string
	// WSURL is the WebSocket endpoint (ws:// or wss://) when started
	// WithWebSocket, else empty.
	WSURL  string
	Server *server.Server
	Store  store.Store
	cancel context.CancelFunc
	done   chan error
}

type options struct {
	configure func(*server.Config)
	store     store.Store
	tls       *tls.Config
	ws        *server.WebSocketOptions
}

// Option changes how Start builds the server.
type Option func(*options)

// WithConfig edits the server configuration (dev mode is on by default).
func WithConfig(f func(*server.Config)) Option {
	return func(o *options) { o.configure = f }
}

// WithStore runs the server on st instead of a fresh SQLite file.
func WithStore(st store.Store) Option {
	return func(o *options) { o.store = st }
}

// WithTLS serves TLS with cfg on the same protocol.
func WithTLS(cfg *tls.Config) Option {
	return func(o *options) { o.tls = cfg }
}

// WithWebSocket also serves WebSocket clients with opts on a second
// loopback listener (wss when WithTLS is given too); see Server.WSURL.
func WithWebSocket(opts server.WebSocketOptions) Option {
	return func(o *options) { o.ws = &opts }
}

// Start runs a dev-mode server on 127.0.0.1 and stops it when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	st := o.store
	if st == nil {
		var err error
		st, err = sqlitestore.Open(context.Background(), t.TempDir()+"/tandem.db")
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
	}
	cfg := server.Config{Dev: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if o.configure != nil {
		o.configure(&cfg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	if o.tls != nil {
		ln = tls.NewListener(ln, o.tls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{Addr: ln.Addr().String(), Server: server.New(cfg, st), Store: st, cancel: cancel, done: make(chan error, 1)}
	if o.ws != nil {
		wsln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		scheme := "ws"
		if o.tls != nil {
			wsln = tls.NewListener(wsln, o.tls)
			scheme = "wss"
		}
		path := o.ws.Path
		if path == "" {
			path = server.DefaultWebSocketPath
		}
		s.WSURL = scheme + "://" + wsln.Addr().String() + path
		wsDone := make(chan struct{})
		go func() {
			defer close(wsDone)
			_ = s.Server.ServeWebSocket(ctx, wsln, *o.ws)
		}()
		t.Cleanup(func() { <-wsDone }) // runs after Stop: cleanups are LIFO
	}
	go func() { s.done <- s.Server.Serve(ctx, ln) }()
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

// Stop shuts the server down gracefully and returns Serve's result.
func (s *Server) Stop() error {
	if s.cancel == nil {
		return nil
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		return err
	case <-time.After(30 * time.Second):
		return fmt.Errorf("server did not stop within 30s")
	}
}

// Client is a test client speaking raw protocol lines.
type Client struct {
	t    testing.TB
	Conn net.Conn
	ID   int64
	// ResumeToken is the resume token of the last "0:" answer Login,
	// Resume or ReadSession read ("" when the server sent none).
	ResumeToken string
	// SessionToken is the session token of the last "0:" answer that
	// carried one (a resume's answer does not).
	SessionToken string
	lines        chan string
	w            *bufio.Writer
	gate         *sync.Mutex // held while paused: the reader stops reading the socket
}

// Dial connects a client without logging in.
func (s *Server) Dial(t testing.TB) *Client {
	t.Helper()
	return s.DialAt(t, s.Addr)
}

// DialAt connects a client to addr (a Proxy in front of the server, say)
// without logging in.
func (s *Server) DialAt(t testing.TB, addr string) *Client {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	return s.Wrap(t, nc)
}

// Wrap makes a test client of an established connection (TLS, say).
func (s *Server) Wrap(t testing.TB, nc net.Conn) *Client {
	t.Helper()
	c := &Client{t: t, Conn: nc, lines: make(chan string, 1<<16), w: bufio.NewWriter(nc), gate: &sync.Mutex{}}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(gatedReader{nc, c.gate})
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { _ = nc.Close() })
	return c
}

type gatedReader struct {
	r    io.Reader
	gate *sync.Mutex
}

func (g gatedReader) Read(p []byte) (int, error) {
	g.gate.Lock()
	g.gate.Unlock() //nolint:staticcheck // an empty critical section is the gate
	return g.r.Read(p)
}

// Pause stops reading from the socket (a slow client); Resume goes on.
func (c *Client) Pause() {
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4 << 10)
	}
	c.gate.Lock()
}

// Resume undoes Pause.
func (c *Client) Resume() { c.gate.Unlock() }

// Login dials and logs user in (dev mode creates the account) and returns
// the client with its id set.
func (s *Server) Login(t testing.TB, user string) *Client {
	t.Helper()
	return s.LoginAt(t, s.Addr, user)
}

// LoginAt is Login through addr (a Proxy in front of the server, say).
func (s *Server) LoginAt(t testing.TB, addr, user string) *Client {
	t.Helper()
	return s.LoginOn(t, s.DialAt(t, addr), user)
}

// LoginOn logs user in on an unauthenticated client c (of any transport).
func (s *Server) LoginOn(t testing.TB, c *Client, user string) *Client {
	t.Helper()
	c.Send("0:" + user + ":pw-" + user)
	c.ReadSession()
	return c
}

// ReadSession reads the "0:<id>[:<session token>:<resume token>]" answer
// of a login or resume and sets ID and ResumeToken from it.
func (c *Client) ReadSession() {
	c.t.Helper()
	line := c.Next()
	id, token, err := ParseSession(line)
	require.NoError(c.t, err, "answered %q", line)
	c.ID, c.ResumeToken = id, token
	if f := strings.Split(line, ":"); len(f) == 4 {
		c.SessionToken = f[2]
	}
}

// ParseSession reads a "0:" answer: the client id and the resume token
// (empty when the server sent none).
func ParseSession(line string) (id int64, resumeToken string, err error) {
	rest, ok := strings.CutPrefix(line, "0:")
	if !ok {
		return 0, "", fmt.Errorf("not a session line: %q", line)
	}
	f := strings.Split(rest, ":")
	if len(f) != 1 && len(f) != 3 {
		return 0, "", fmt.Errorf("session line with %d fields: %q", len(f), line)
	}
	if id, err = strconv.ParseInt(f[0], 10, 64); err != nil {
		return 0, "", fmt.Errorf("session line %q: %w", line, err)
	}
	if len(f) == 3 {
		resumeToken = f[2]
	}
	return id, resumeToken, nil
}

// Join makes c join room and consumes its join lines up to "17".
func (c *Client) Join(room string) []string {
	c.t.Helper()
	c.Send("2:" + room)
	var got []string
	for {
		line := c.Next()
		got = append(got, line)
		if strings.HasPrefix(line, "17:") {
			return got
		}
		require.False(c.t, strings.HasPrefix(line, "9:"), "join %s: %s", room, line)
	}
}

// Send writes one line (the '\n' is added).
func (c *Client) Send(line string) {
	c.t.Helper()
	_, err := c.w.WriteString(line + "\n")
	require.NoError(c.t, err)
	require.NoError(c.t, c.w.Flush())
}

// Next returns the next line, failing the test after Timeout.
func (c *Client) Next() string {
	c.t.Helper()
	select {
	case line, ok := <-c.lines:
		require.True(c.t, ok, "connection closed while waiting for a line")
		return line
	case <-time.After(Timeout):
		c.t.Fatalf("client %d: no line within %s", c.ID, Timeout)
		return ""
	}
}

// Expect fails unless the next line is want.
func (c *Client) Expect(want string) {
	c.t.Helper()
	require.Equal(c.t, want, c.Next(), "client %d", c.ID)
}

// ExpectPrefix fails unless the next line starts with prefix; returns it.
func (c *Client) ExpectPrefix(prefix string) string {
	c.t.Helper()
	line := c.Next()
	require.True(c.t, strings.HasPrefix(line, prefix), "client %d: want %q..., got %q", c.ID, prefix, line)
	return line
}

// Skip reads lines until one satisfies match, and returns it.
func (c *Client) Skip(match func(string) bool) string {
	c.t.Helper()
	for {
		if line := c.Next(); match(line) {
			return line
		}
	}
}

// ExpectSilence fails if a line arrives within d.
func (c *Client) ExpectSilence(d time.Duration) {
	c.t.Helper()
	select {
	case line, ok := <-c.lines:
		if ok {
			c.t.Fatalf("client %d: expected nothing, got %q", c.ID, line)
		}
	case <-time.After(d):
	}
}

// ExpectClosed waits until the server closes the connection, returning
// the lines received before that.
func (c *Client) ExpectClosed() []string {
	c.t.Helper()
	var got []string
	deadline := time.After(Timeout)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				return got
			}
			got = append(got, line)
		case <-deadline:
			c.t.Fatalf("client %d: connection not closed within %s (got %q)", c.ID, Timeout, got)
			return got
		}
	}
}

// Sync sends a ping with a unique token and waits for its pong, so every
// line the server queued for c before the ping has been read or is
// returned (in order).
func (c *Client) Sync(token string) []string {
	c.t.Helper()
	c.Send("7:" + token)
	var got []string
	for {
		line := c.Next()
		if line == "7:"+token {
			return got
		}
		got = append(got, line)
	}
}

// SyncAfter collects what every client received up to a ping, sender
// first: the sender's pong comes after its last command was fanned out, so
// after it every recipient's copy is queued before that recipient's pong.
func SyncAfter(token string, sender *Client, others ...*Client) map[*Client][]string {
	got := map[*Client][]string{sender: sender.Sync(token)}
	for _, c := range others {
		if c != sender {
			got[c] = c.Sync(token)
		}
	}
	return got
}
