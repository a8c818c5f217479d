package server_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
)

func startWS(t *testing.T, opts ...servertest.Option) *servertest.Server {
	t.Helper()
	return servertest.Start(t, append([]servertest.Option{servertest.WithWebSocket(server.WebSocketOptions{})}, opts...)...)
}

func wsCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), servertest.Timeout)
	t.Cleanup(cancel)
	return ctx
}

// The same session over TCP and over WebSocket gets the same lines, apart
// from the client ids the server hands out.
func TestWebSocketSpeaksTheSameLinesAsTCP(t *testing.T) {
	script := []string{"1", "2:lobby", "3:1:hello", "10:t1:Cube:t:p:3:AaF4", "11:1.1:1:0:1:Ag==", "5:lobby", "7:tok", "2:-1"}
	run := func(t *testing.T, dial func(*servertest.Server) *servertest.Client) []string {
		srv := startWS(t)
		c := srv.LoginOn(t, dial(srv), "alice")
		var got []string
		for _, line := range script {
			c.Send(line)
			got = append(got, c.Sync(fmt.Sprint("s", len(got)))...)
		}
		return got
	}
	tcp := run(t, func(s *servertest.Server) *servertest.Client { return s.Dial(t) })
	ws := run(t, func(s *servertest.Server) *servertest.Client { return s.DialWebSocket(t, nil) })
	require.NotEmpty(t, tcp)
	// A fresh server each: the same ids come out.
	assert.Contains(t, tcp, "3:1:hello")
	assert.Contains(t, tcp, "10:1.1:1:1:t:p:Cube:t1:3:AaF4")
	for _, l := range tcp {
		assert.False(t, strings.HasPrefix(l, "9:"), "the script has no errors: %q", l)
	}
	assert.Equal(t, tcp, ws)
}

// A room with a TCP and a WebSocket member has one total order of ordered
// messages, whichever transport each sender uses.
func TestWebSocketAndTCPShareOneRoomOrder(t *testing.T) {
	srv := startWS(t)
	a := srv.Login(t, "tcpuser")
	b := srv.LoginWebSocket(t, "wsuser")
	a.Join("mixed")
	b.Join("mixed")
	a.ExpectPrefix(fmt.Sprintf("2:%d:mixed", b.ID))

	const n = 200
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			b.Send(fmt.Sprintf("3:3:b%d", i))
		}
	}()
	for i := range n {
		a.Send(fmt.Sprintf("3:3:a%d", i))
	}
	<-done
	collect := func(c *servertest.Client) []string {
		var got []string
		for len(got) < 2*n {
			line := c.Next()
			if strings.HasPrefix(line, "3:") {
				got = append(got, line)
			}
		}
		return got
	}
	fromA, fromB := collect(a), collect(b)
	assert.Equal(t, fromA, fromB, "both members see one order")
	assert.Contains(t, fromA, fmt.Sprintf("3:%d:a0", a.ID))
	assert.Contains(t, fromA, fmt.Sprintf("3:%d:b%d", b.ID, n-1))
}

// Several lines in one message, with or without the last '\n', are
// answered in order; a line never spans messages.
func TestWebSocketMessageBatchesLines(t *testing.T) {
	srv := startWS(t)
	ws := srv.DialWebSocketRaw(t, nil)
	ctx := wsCtx(t)
	require.NoError(t, ws.Write(ctx, websocket.MessageText, []byte("0:bob:pw-bob\n7:one\n7:tw")))
	require.NoError(t, ws.Write(ctx, websocket.MessageText, []byte("o")))
	require.NoError(t, ws.Write(ctx, websocket.MessageText, []byte("")))
	var lines []string
	for len(lines) < 4 {
		typ, msg, err := ws.Read(ctx)
		require.NoError(t, err)
		require.Equal(t, websocket.MessageText, typ)
		require.True(t, strings.HasSuffix(string(msg), "\n"), "server messages end with a whole line: %q", msg)
		lines = append(lines, strings.Split(strings.TrimSuffix(string(msg), "\n"), "\n")...)
	}
	assert.Regexp(t, `^0:\d+(:[^:]*:[^:]*)?$`, lines[0])
	// The empty message added nothing: the next answer is the next ping's.
	require.NoError(t, ws.Write(ctx, websocket.MessageText, []byte("7:last")))
	_, msg, err := ws.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "7:last\n", string(msg))
	// "7:tw" and "o" were two lines: the second is an unknown command.
	assert.Equal(t, []string{"7:one", "7:tw"}, lines[1:3])
	assert.True(t, strings.HasPrefix(lines[3], "9:-:"), "got %q", lines[3])
}

func TestWebSocketRefusesBadMessages(t *testing.T) {
	cases := []struct {
		name string
		typ  websocket.MessageType
		msg  []byte
		code websocket.StatusCode
	}{
		{"binary", websocket.MessageBinary, []byte("7\n"), websocket.StatusUnsupportedData},
		{"invalid UTF-8", websocket.MessageText, []byte("3:0:\xff\xfe\n"), websocket.StatusInvalidFramePayloadData},
		{"oversize", websocket.MessageText, []byte("3:0:" + strings.Repeat("x", 2000) + "\n"), websocket.StatusMessageTooBig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := servertest.Start(t, servertest.WithWebSocket(server.WebSocketOptions{MaxMessageBytes: 1024}))
			other := srv.Login(t, "watcher")
			other.Join("r")
			ws := srv.DialWebSocketRaw(t, nil)
			c := websocket.NetConn(context.Background(), ws, websocket.MessageText)
			_, err := c.Write([]byte("0:mallory:pw-mallory\n2:r"))
			require.NoError(t, err)
			other.ExpectPrefix("2:")
			ctx := wsCtx(t)
			require.NoError(t, ws.Write(ctx, tc.typ, tc.msg))
			err = readUntilClosed(ctx, ws)
			assert.Equal(t, tc.code, websocket.CloseStatus(err), "close: %v", err)
			// The bad client left the room; the server keeps serving.
			left := other.ExpectPrefix("2:")
			assert.True(t, strings.HasSuffix(left, ":"), "leave line %q", left)
			other.Sync("still-alive")
		})
	}
}

// A line over --max-line inside a message gets line_too_long, as on TCP,
// and the connection goes on.
func TestWebSocketLongLineInMessage(t *testing.T) {
	srv := startWS(t, servertest.WithConfig(func(c *server.Config) { c.Limits.MaxLineBytes = 1000 }))
	c := srv.LoginWebSocket(t, "long")
	c.Send("3:0:" + strings.Repeat("x", 5000))
	c.ExpectPrefix("9:3:line_too_long:")
	c.Sync("after")
}

func readUntilClosed(ctx context.Context, ws *websocket.Conn) error {
	for {
		if _, _, err := ws.Read(ctx); err != nil {
			return err
		}
	}
}

// A TCP line that is not UTF-8 is refused, so that no WebSocket member
// ever receives a text message a browser would reject.
func TestTCPLineMustBeUTF8(t *testing.T) {
	srv := startWS(t)
	a := srv.Login(t, "a")
	b := srv.LoginWebSocket(t, "b")
	a.Join("r")
	b.Join("r")
	a.Skip(func(l string) bool { return strings.HasPrefix(l, "2:") })
	a.Send("3:0:\xff")
	a.ExpectPrefix("9:3:bad_command:")
	a.Send("3:0:ok")
	b.Expect(fmt.Sprintf("3:%d:ok", a.ID))
}

func TestWebSocketOrigins(t *testing.T) {
	cases := []struct {
		name     string
		patterns []string
		origin   string
		ok       bool
	}{
		{"no Origin (native client)", nil, "", true},
		{"same host", nil, "http://%s", true},
		{"other site refused by default", nil, "https://evil.example", false},
		{"allowed pattern", []string{"*.example.com"}, "https://game.example.com", true},
		{"pattern does not match", []string{"*.example.com"}, "https://example.org", false},
		{"same name, other port", nil, "http://127.0.0.1:1", false},
		{"any local port", []string{"127.0.0.1:*"}, "http://127.0.0.1:1", true},
		{"scheme pattern", []string{"https://game.example.com"}, "http://game.example.com", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := servertest.Start(t, servertest.WithWebSocket(server.WebSocketOptions{OriginPatterns: tc.patterns}))
			h := http.Header{}
			if tc.origin != "" {
				origin := tc.origin
				if strings.Contains(origin, "%s") {
					origin = fmt.Sprintf(origin, strings.TrimSuffix(strings.TrimPrefix(srv.WSURL, "ws://"), "/ws"))
				}
				h.Set("Origin", origin)
			}
			ws, resp, err := websocket.Dial(wsCtx(t), srv.WSURL, &websocket.DialOptions{HTTPHeader: h})
			if resp != nil && resp.Body != nil {
				_ = resp.Body.Close()
			}
			if !tc.ok {
				require.Error(t, err)
				require.NotNil(t, resp)
				assert.Equal(t, http.StatusForbidden, resp.StatusCode)
				return
			}
			require.NoError(t, err)
			defer ws.CloseNow()
			c := srv.LoginOn(t, srv.Wrap(t, websocket.NetConn(context.Background(), ws, websocket.MessageText)), "o")
			assert.Positive(t, c.ID)
		})
	}
}

// WebSocket connections count against the same per-address limit as TCP.
func TestWebSocketSharesPerIPLimitWithTCP(t *testing.T) {
	srv := startWS(t, servertest.WithConfig(func(c *server.Config) { c.Limits.MaxConnsPerIP = 2 }))
	srv.Login(t, "t1")
	srv.LoginWebSocket(t, "w1")
	over := srv.DialWebSocketRaw(t, nil)
	ctx := wsCtx(t)
	_, msg, err := over.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "8:rate_limited:too many connections from your address\n", string(msg))
	_, _, err = over.Read(ctx)
	assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err), "closed after the 8 line: %v", err)
	tcp := srv.Dial(t)
	assert.Equal(t, []string{"8:rate_limited:too many connections from your address"}, tcp.ExpectClosed())
}

// A WebSocket ping keeps a quiet client alive like "7"; without traffic
// the idle timeout closes it.
func TestWebSocketPingKeepsAlive(t *testing.T) {
	// Neither client logs in (no password hashing to wait for on a loaded
	// machine); the login deadline is far beyond the test.
	srv := startWS(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.IdleTimeout = 1500 * time.Millisecond
		c.Limits.LoginTimeout = time.Minute
	}))
	pinger := srv.DialWebSocketRaw(t, nil)
	silent := srv.DialWebSocket(t, nil)
	ctx := wsCtx(t)
	// Ping needs a concurrent reader to receive the pong.
	readErr := make(chan error, 1)
	go func() { readErr <- readUntilClosed(context.Background(), pinger) }()
	for range 10 {
		require.NoError(t, pinger.Ping(ctx))
		time.Sleep(400 * time.Millisecond)
	}
	assert.Equal(t, []string{"8:idle_timeout:nothing received for 1.5s; send 7 to keep the connection"}, silent.ExpectClosed())
	select {
	case err := <-readErr:
		t.Fatalf("pinging client was closed: %v", err)
	default:
	}
}

func TestWebSocketOverTLS(t *testing.T) {
	cert := servertest.SelfSignedCert(t, "127.0.0.1")
	srv := startWS(t, servertest.WithTLS(cert.Server))
	require.True(t, strings.HasPrefix(srv.WSURL, "wss://"))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsClientConfig(cert)}}
	a := srv.LoginOn(t, srv.DialWebSocket(t, &websocket.DialOptions{HTTPClient: client}), "secure")
	a.Join("tls")
	a.Send("3:1:over wss")
	a.Expect(fmt.Sprintf("3:%d:over wss", a.ID))
	// A server-side close stops the reader with a deadline on the TLS
	// socket; the closing line must still get through.
	srv.LoginOn(t, srv.DialWebSocket(t, &websocket.DialOptions{HTTPClient: client}), "secure")
	got := a.ExpectClosed()
	require.Len(t, got, 1)
	assert.True(t, strings.HasPrefix(got[0], "8:session_replaced:"), "got %q", got)
}

func tlsClientConfig(cert servertest.Cert) *tls.Config {
	return &tls.Config{RootCAs: cert.Pool, MinVersion: tls.VersionTLS12}
}

// A graceful shutdown tells WebSocket clients why, like TCP ones.
func TestWebSocketGracefulShutdown(t *testing.T) {
	srv := startWS(t)
	ws := srv.LoginWebSocket(t, "leaving")
	tcp := srv.Login(t, "alsoleaving")
	require.NoError(t, srv.Stop())
	want := []string{"8:server_shutdown:the server is shutting down"}
	assert.Equal(t, want, ws.ExpectClosed())
	assert.Equal(t, want, tcp.ExpectClosed())
}

// The slow-consumer policy is the transport's too: a WebSocket member that
// stops reading gets the warning and merged updates, and the newest state.
func TestWebSocketSlowRecipientGetsMergedUpdates(t *testing.T) {
	srv := startWS(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.OutboundSoftBytes = 2 << 10
		c.Limits.OutboundHardBytes = 64 << 20
		c.Limits.SendBufferBytes = 4 << 10
		c.Limits.MessagesPerSecond = 1e6
		c.Limits.MessageBurst = 1e6
	}))
	a := srv.Login(t, "a")
	a.Join("w")
	// A small client receive buffer, so the backlog shows on the server soon.
	dialer := &net.Dialer{}
	transport := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := dialer.DialContext(ctx, network, addr)
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4 << 10)
		}
		return nc, err
	}}
	slow := srv.LoginOn(t, srv.DialWebSocket(t, &websocket.DialOptions{HTTPClient: &http.Client{Transport: transport}}), "slow")
	slow.Join("w")
	a.Send("10:o:Thing:t:p:0:")
	oid := id(a) + ".1"
	slow.ExpectPrefix("10:" + oid)
	a.Sync("x")

	slow.Pause()
	const updates = 3000
	pad := strings.Repeat("p", 200)
	for k := 1; k <= updates; k++ {
		a.Send("11:" + oid + ":1:0:" + delta(t, map[int]any{0: k, 1: pad}))
	}
	a.Sync("sent")
	slow.Resume()

	w := newWorld()
	w.apply(t, "10:"+oid+":"+id(a)+":1:t:p:Thing:o:0:")
	n, warned := 0, false
	for _, l := range slow.Sync("end") {
		if strings.HasPrefix(l, "9:-:slow_consumer:") {
			warned = true
		}
		if w.apply(t, l) {
			n++
		}
	}
	assert.True(t, warned, "the slow client is told")
	assert.Less(t, n, updates, "updates were merged")
	assert.Equal(t, updates, fieldInt(t, w.state[oid][0]), "the newest value arrives")
}

// /metrics counts connections and bytes per transport.
func TestMetricsPerTransport(t *testing.T) {
	srv := startWS(t)
	a := srv.Login(t, "a")
	b := srv.LoginWebSocket(t, "b")
	a.Sync("x")
	b.Sync("y")
	m := srv.Server.Metrics()
	assert.Equal(t, 1.0, testutil.ToFloat64(m.TransportConnections.WithLabelValues(server.TransportTCP)))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.TransportConnections.WithLabelValues(server.TransportWebSocket)))
	// Each sent its login and a ping, and got its session line and the pong.
	wsIn := testutil.ToFloat64(m.TransportBytesIn.WithLabelValues(server.TransportWebSocket))
	assert.Equal(t, float64(len("0:b:pw-b\n7:y\n")), wsIn)
	// Counted after the write returns, which may be after the client read it.
	assert.Eventually(t, func() bool {
		return testutil.ToFloat64(m.TransportBytesOut.WithLabelValues(server.TransportWebSocket)) == float64(len("0:2:"+b.SessionToken+":"+b.ResumeToken+"\n7:y\n"))
	}, servertest.Timeout, 10*time.Millisecond, "WebSocket bytes out")
	assert.Equal(t, float64(len("0:a:pw-a\n7:x\n")), testutil.ToFloat64(m.TransportBytesIn.WithLabelValues(server.TransportTCP)))
}

// A WebSocket member that never reads is cut at the hard limit: it leaves
// the room at once, and its connection is released even though its
// writer is stuck on a full socket.
func TestWebSocketSlowConsumerIsCut(t *testing.T) {
	srv := startWS(t, servertest.WithConfig(func(c *server.Config) {
		c.Limits.OutboundSoftBytes = 4 << 10
		c.Limits.OutboundHardBytes = 64 << 10
		c.Limits.SendBufferBytes = 4 << 10
		c.Limits.WriteTimeout = time.Second
		c.Limits.MessagesPerSecond = 1e6
		c.Limits.MessageBurst = 1e6
		c.Limits.BytesPerSecond = 1 << 30
		c.Limits.ByteBurst = 1 << 30
	}))
	a := srv.Login(t, "a")
	a.Join("w")
	// Never reads after its login.
	stuck := srv.DialWebSocketRaw(t, nil)
	ctx := wsCtx(t)
	require.NoError(t, stuck.Write(ctx, websocket.MessageText, []byte("0:stuck:pw\n2:w")))
	joined := a.ExpectPrefix("2:")
	stuckID := strings.TrimSuffix(strings.TrimPrefix(joined, "2:"), ":w")

	pad := strings.Repeat("z", 1000)
	for i := range 2000 {
		a.Send(fmt.Sprintf("3:0:%d %s", i, pad))
	}
	// Cut as a slow consumer: a drop, so the member turns inactive (it
	// could resume) rather than leaving.
	a.Skip(func(l string) bool { return l == "20:"+stuckID+":inactive" })
	m := srv.Server.Metrics()
	assert.Eventually(t, func() bool {
		return testutil.ToFloat64(m.TransportConnections.WithLabelValues(server.TransportWebSocket)) == 0
	}, servertest.Timeout, 20*time.Millisecond, "the stuck connection is released")
	assert.Equal(t, 1.0, testutil.ToFloat64(m.SlowConsumerKicks))
}
