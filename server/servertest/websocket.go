package servertest

import (
	"context"
	"net/http"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// DialWebSocket connects a line client to WSURL (the server must run
// WithWebSocket). Each Send is one text message; received messages are
// read as one stream of lines. opts may be nil.
func (s *Server) DialWebSocket(t testing.TB, opts *websocket.DialOptions) *Client {
	t.Helper()
	ws := s.DialWebSocketRaw(t, opts)
	return s.Wrap(t, websocket.NetConn(context.Background(), ws, websocket.MessageText))
}

// DialWebSocketRaw opens a WebSocket to WSURL for tests that send frames
// the line client cannot (binary, invalid UTF-8, oversize).
func (s *Server) DialWebSocketRaw(t testing.TB, opts *websocket.DialOptions) *websocket.Conn {
	t.Helper()
	require.NotEmpty(t, s.WSURL, "start the server WithWebSocket")
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, s.WSURL, opts)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	ws.SetReadLimit(-1)
	t.Cleanup(func() { _ = ws.CloseNow() })
	return ws
}

// LoginWebSocket dials over WebSocket and logs user in.
func (s *Server) LoginWebSocket(t testing.TB, user string) *Client {
	t.Helper()
	return s.LoginOn(t, s.DialWebSocket(t, nil), user)
}
