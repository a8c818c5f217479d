package server_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
)

// Abusive reconnects (issue 14): a client cut for flooding used to come
// straight back, and every new connection was accepted and read until its
// strikes cut it again. An address cut repeatedly now has its new
// connections closed at accept, while other addresses, and the address's
// open connections, are served as before.

const guardBase = time.Second

func guardConfig(c *server.Config) {
	c.Limits.AbuseBackoff = guardBase
	c.Limits.AbuseBackoffMax = 10 * guardBase
	c.Limits.AbuseBackoffCuts = 2
	c.Limits.MaxLineBytes = 4 << 10
	c.Limits.PreLoginStrikes = 3
	c.Limits.RateStrikes = 3
	c.Limits.MessagesPerSecond = 50
	c.Limits.MessageBurst = 20
	c.Limits.FanoutBytesPerSecond = 10 << 10
	c.Limits.FanoutByteBurst = 20 << 10
}

// refusedFor reads the refusal of a connection made during a back-off:
// one 8:rate_limited line, written before anything was sent, then the
// close. It returns the wait the line announces.
func refusedFor(t *testing.T, c *servertest.Client) time.Duration {
	t.Helper()
	lines := c.ExpectClosed()
	require.Len(t, lines, 1, "%q", lines)
	text, ok := strings.CutPrefix(lines[0], "8:rate_limited:")
	require.True(t, ok, "%q", lines[0])
	_, after, ok := strings.Cut(text, "refused for ")
	require.True(t, ok, "the line says for how long: %q", text)
	d, err := time.ParseDuration(after)
	require.NoError(t, err, "%q", text)
	return d
}

func refusedMetric(t *testing.T, srv *servertest.Server, reason string) float64 {
	t.Helper()
	families, err := srv.Server.Metrics().Registry.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != "tandem_connections_refused_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("tandem_connections_refused_total{reason=%q} not found", reason)
	return 0
}

// expectCut waits for the server to close c for abuse.
func expectCut(t *testing.T, c *servertest.Client) {
	t.Helper()
	lines := c.ExpectClosed()
	require.NotEmpty(t, lines)
	assert.True(t, strings.HasPrefix(lines[len(lines)-1], "8:rate_limited:"), "%q", lines)
}

func TestAbusiveAddressIsRefusedAtAccept(t *testing.T) {
	n := 0
	attacks := []struct {
		name string
		cut  func(t *testing.T, srv *servertest.Server, victim *servertest.Client) // from 127.0.0.1
	}{
		{"over-long lines before login", func(t *testing.T, srv *servertest.Server, _ *servertest.Client) {
			c := srv.Dial(t)
			_, _ = c.Conn.Write([]byte(strings.Repeat("3:1:"+strings.Repeat("z", 5<<10)+"\n", 10)))
			expectCut(t, c)
		}},
		{"rate strikes after login", func(t *testing.T, srv *servertest.Server, _ *servertest.Client) {
			n++
			c := srv.Login(t, "flooder"+string(rune('a'+n)))
			_, _ = c.Conn.Write([]byte(strings.Repeat("7:x\n", 60))) // over --msg-burst
			expectCut(t, c)
		}},
		{"3:4 amplification", func(t *testing.T, srv *servertest.Server, victim *servertest.Client) {
			n++
			c := srv.Login(t, "amp"+string(rune('a'+n)))
			c.Join("amp")
			ids := strings.TrimSuffix(strings.Repeat(id(victim)+":", 256), ":")
			_, _ = c.Conn.Write([]byte(strings.Repeat("3:4:"+ids+":"+strings.Repeat("m", 3000)+"\n", 30)))
			expectCut(t, c)
		}},
	}
	for _, tt := range attacks {
		t.Run(tt.name, func(t *testing.T) {
			srv := servertest.Start(t, servertest.WithConfig(guardConfig))
			// The victim and the other machine's player are on 127.0.0.2;
			// a neighbour of the attacker is already connected from 127.0.0.1.
			victim := srv.LoginOn(t, dialFrom(t, srv, "127.0.0.2"), "victim")
			victim.Join("amp")
			neighbour := srv.Login(t, "neighbour")

			tt.cut(t, srv, victim)
			// One cut is free: the attacker's NAT neighbours still connect.
			srv.Login(t, "newcomer")

			tt.cut(t, srv, victim)
			wait := refusedFor(t, srv.Dial(t))
			assert.LessOrEqual(t, wait, guardBase)
			assert.Equal(t, 1.0, refusedMetric(t, srv, "abuse_backoff"))

			// Another address is served; so is the open connection.
			srv.LoginOn(t, dialFrom(t, srv, "127.0.0.2"), "elsewhere")
			assert.Empty(t, neighbour.Sync("still here"))
			for _, l := range victim.Sync("still here") {
				assert.False(t, strings.HasPrefix(l, "8:") || strings.HasPrefix(l, "9:"), "the victim is not cut or refused: %q", l)
			}

			// The back-off expires...
			time.Sleep(wait)
			srv.Login(t, "later")
			// ...and the next cut doubles it.
			tt.cut(t, srv, victim)
			again := refusedFor(t, srv.Dial(t))
			assert.Greater(t, again, guardBase)
			assert.LessOrEqual(t, again, 2*guardBase)
		})
	}
}

// Over TLS the refusal happens before the handshake (which is what it
// saves), and the WebSocket listener refuses before TLS and HTTP.
func TestAbuseBackoffOverTLSAndWebSocket(t *testing.T) {
	cert := servertest.SelfSignedCert(t, "127.0.0.1")
	srv := servertest.Start(t, servertest.WithConfig(guardConfig), servertest.WithTLS(cert.Server),
		servertest.WithWebSocket(server.WebSocketOptions{}))
	clientTLS := &tls.Config{RootCAs: cert.Pool, MinVersion: tls.VersionTLS12}
	dialTLS := func(src string) (*tls.Conn, error) {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: servertest.Timeout}
		return tls.DialWithDialer(d, "tcp", srv.Addr, clientTLS)
	}
	dialWS := func(src string) (*websocket.Conn, error) {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: servertest.Timeout}
		hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext, TLSClientConfig: clientTLS}}
		ctx, cancel := context.WithTimeout(context.Background(), servertest.Timeout)
		defer cancel()
		ws, resp, err := websocket.Dial(ctx, srv.WSURL, &websocket.DialOptions{HTTPClient: hc})
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		if ws != nil {
			t.Cleanup(func() { _ = ws.CloseNow() })
		}
		return ws, err
	}
	for range 2 {
		nc, err := dialTLS("127.0.0.1")
		require.NoError(t, err)
		c := srv.Wrap(t, nc)
		_, _ = c.Conn.Write([]byte(strings.Repeat("3:1:x\n", 10)))
		expectCut(t, c)
	}
	_, err := dialTLS("127.0.0.1")
	require.Error(t, err, "closed before the handshake")
	_, err = dialWS("127.0.0.1")
	require.Error(t, err, "closed before the WebSocket handshake")
	assert.Equal(t, 2.0, refusedMetric(t, srv, "abuse_backoff"))

	nc, err := dialTLS("127.0.0.2")
	require.NoError(t, err)
	srv.LoginOn(t, srv.Wrap(t, nc), "tls-elsewhere")
	ws, err := dialWS("127.0.0.2")
	require.NoError(t, err)
	srv.LoginOn(t, srv.Wrap(t, websocket.NetConn(context.Background(), ws, websocket.MessageText)), "ws-elsewhere")
}

// With the back-off off (--abuse-backoff 0), a cut address is accepted
// again at once, as before.
func TestAbuseBackoffOff(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		guardConfig(c)
		c.Limits.AbuseBackoff = -1
	}))
	for range 4 {
		c := srv.Dial(t)
		_, _ = c.Conn.Write([]byte(strings.Repeat("3:1:x\n", 10)))
		expectCut(t, c)
	}
	srv.Login(t, "welcome")
	assert.Zero(t, refusedMetric(t, srv, "abuse_backoff"))
}

// Embedded in another HTTP server (WebSocketHandler), a request from an
// address in back-off is refused before the upgrade with 429 and
// Retry-After.
func TestAbuseBackoffEmbeddedWebSocket(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(guardConfig))
	hs := httptest.NewServer(srv.Server.WebSocketHandler(server.WebSocketOptions{}))
	t.Cleanup(hs.Close)
	for range 2 {
		c := srv.Dial(t)
		_, _ = c.Conn.Write([]byte(strings.Repeat("3:1:x\n", 10)))
		expectCut(t, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), servertest.Timeout)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http"), nil)
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.Equal(t, 1.0, refusedMetric(t, srv, "abuse_backoff"))
}
