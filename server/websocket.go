package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// WebSocketOptions configure the WebSocket listener (PROTOCOL.md,
// "WebSocket framing"). Zero values take the defaults below.
type WebSocketOptions struct {
	// Path is where clients upgrade (default "/ws").
	Path string
	// OriginPatterns are the browser Origins allowed besides the request's
	// own host, matched as in coder/websocket's AcceptOptions (path.Match
	// on the origin host, or on "scheme://host" when a pattern holds
	// "://"). Empty: only pages served from the same host. Requests without
	// an Origin header (native clients) are always allowed.
	OriginPatterns []string
	// MaxMessageBytes bounds one client message (default 128 KiB); a bigger
	// one closes the connection with status 1009.
	MaxMessageBytes int
	// HandshakeTimeout bounds reading the upgrade request and writing the
	// answer (and, on wss, the TLS handshake). Default 10 s.
	HandshakeTimeout time.Duration
	// Files, when set, is served for every other path (the web sample).
	Files http.Handler
}

// Defaults of WebSocketOptions.
const (
	DefaultWebSocketPath        = "/ws"
	DefaultWebSocketMaxMessage  = 128 << 10
	defaultWebSocketHandshake   = 10 * time.Second
	webSocketMaxHeaderBytes     = 16 << 10
	webSocketCloseHandshakeWait = time.Second
)

func (o WebSocketOptions) withDefaults() WebSocketOptions {
	if o.Path == "" {
		o.Path = DefaultWebSocketPath
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = DefaultWebSocketMaxMessage
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = defaultWebSocketHandshake
	}
	return o
}

// Check reports options that cannot work: a path that is not a plain URL
// path, or an Origin pattern path.Match cannot parse.
func (o WebSocketOptions) Check() error {
	o = o.withDefaults()
	if !strings.HasPrefix(o.Path, "/") || strings.ContainsAny(o.Path, " \t{}") {
		return fmt.Errorf("WebSocket path %q must start with / and hold no spaces or braces", o.Path)
	}
	for _, p := range o.OriginPatterns {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("WebSocket origin pattern %q: %w", p, err)
		}
	}
	return nil
}

// ServeWebSocket accepts WebSocket clients on ln (plain, or a TLS listener
// for wss) until ctx is cancelled. Run it beside Serve with the same ctx:
// its connections are the server's connections, closed by Serve's graceful
// shutdown like TCP ones.
func (s *Server) ServeWebSocket(ctx context.Context, ln net.Listener, opts WebSocketOptions) error {
	opts = opts.withDefaults()
	if err := opts.Check(); err != nil {
		_ = ln.Close()
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(opts.Path, s.WebSocketHandler(opts))
	if opts.Files != nil {
		mux.Handle("/", opts.Files)
	}
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: opts.HandshakeTimeout,
		// A handshake is one small request; static files are small too.
		WriteTimeout:   opts.HandshakeTimeout,
		IdleTimeout:    opts.HandshakeTimeout,
		MaxHeaderBytes: webSocketMaxHeaderBytes,
		// Failed TLS handshakes and the like: the client's problem, not ours.
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	origins := "same host only"
	if len(opts.OriginPatterns) > 0 {
		origins = "same host and " + strings.Join(opts.OriginPatterns, ", ")
	}
	s.log.Info("serving WebSocket", "addr", ln.Addr().String(), "path", opts.Path, "origins", origins)
	for _, p := range opts.OriginPatterns {
		if p == "*" {
			s.log.Warn("WebSocket origin pattern * lets any web page connect with its visitors' browsers")
		}
	}
	select { // the handshake backlog waits in the kernel meanwhile
	case <-s.serving:
	case <-ctx.Done():
		_ = ln.Close()
		return nil
	}
	done := make(chan error, 1)
	// Addresses in abuse back-off are closed before the TLS and HTTP
	// handshakes (floodguard.go).
	go func() { done <- hs.Serve(guardedListener{Listener: ln, g: s.floodGuard}) }()
	select {
	case <-ctx.Done():
		// Upgraded connections are hijacked, so this only ends handshakes
		// and file requests; Serve's shutdown closes the clients.
		_ = hs.Close()
		<-done
		return nil
	case err := <-done:
		return fmt.Errorf("serve WebSocket: %w", err)
	}
}

// WebSocketHandler upgrades requests to WebSocket connections of this
// server (for embedding Tandem's WebSocket endpoint in another mux).
func (s *Server) WebSocketHandler(opts WebSocketOptions) http.Handler {
	opts = opts.withDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-s.serving:
		default: // Serve has not cleaned up after an earlier run yet
			http.Error(w, "the server is starting; retry", http.StatusServiceUnavailable)
			return
		}
		// Embedded in another server, the listener is not ours: refuse
		// here, before upgrading, what guardedListener would have closed.
		if wait := s.floodGuard.waitRemote(r.RemoteAddr); wait > 0 {
			s.floodGuard.refusedBackoff.Inc()
			w.Header().Set("Retry-After", strconv.Itoa(int((retryAfter(wait)+time.Second-1)/time.Second)))
			http.Error(w, refusalText(wait), http.StatusTooManyRequests)
			return
		}
		wc := &wsConn{log: s.log}
		hw := &hijackRecorder{ResponseWriter: w}
		ws, err := websocket.Accept(hw, r, &websocket.AcceptOptions{
			OriginPatterns: opts.OriginPatterns,
			// No permessage-deflate: see docs/DESIGN.md ("WebSocket").
			CompressionMode: websocket.CompressionDisabled,
			OnPingReceived: func(context.Context, []byte) bool {
				if f := wc.keepAlive; f != nil {
					f()
				}
				return true
			},
		})
		if err != nil {
			s.metrics.WebSocketRefused.Inc()
			s.log.Debug("WebSocket handshake refused", "remote", r.RemoteAddr, "origin", r.Header.Get("Origin"), "err", err)
			return // Accept has written the HTTP error
		}
		if hw.raw == nil {
			_ = ws.CloseNow()
			return
		}
		// net/http leaves its handshake deadlines on a hijacked connection.
		_ = hw.raw.SetDeadline(time.Time{})
		if tc, ok := hw.raw.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true) // the writer already coalesces
			if n := s.cfg.Limits.SendBufferBytes; n > 0 {
				_ = tc.SetWriteBuffer(n)
			}
		}
		ws.SetReadLimit(int64(opts.MaxMessageBytes))
		wc.ws, wc.raw, wc.maxMsg = ws, hw.raw, opts.MaxMessageBytes
		s.startConn(wc, s.wsTransport)
	})
}

// hijackRecorder keeps the connection websocket.Accept hijacks, so that
// deadlines can be set on it directly (see wsConn).
type hijackRecorder struct {
	http.ResponseWriter
	raw net.Conn
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("the HTTP server cannot hand over connections")
	}
	nc, brw, err := hj.Hijack()
	h.raw = nc
	return nc, brw, err
}

func (h *hijackRecorder) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// wsConn presents a WebSocket as the byte stream of lines the connection
// reader and writer already speak (conn.go), so both run unchanged:
//
//   - Read yields the lines of each text message in turn; a message whose
//     last line lacks its '\n' gets one, so a line never spans messages.
//     Binary messages close with 1003, invalid UTF-8 with 1007, messages
//     over the limit with 1009 (by the library's read limit).
//   - Write sends p as one text message: the writer gathers each batch of
//     whole lines into one Write.
//   - Deadlines go to the hijacked connection rather than through
//     websocket.NetConn, whose expired deadline closes the WebSocket at
//     once: closeWith sets a read deadline to stop the reader, and the
//     client must still receive the "8:" line written after it.
type wsConn struct {
	ws        *websocket.Conn
	raw       net.Conn
	log       *slog.Logger
	keepAlive func() // set by newConn before the reader starts
	maxMsg    int    // the read limit set on ws

	msg []byte // the current message
	off int    // how much of msg Read has returned
}

// setKeepAlive makes a WebSocket ping count as traffic for the idle timeout.
func (w *wsConn) setKeepAlive(f func()) { w.keepAlive = f }

func (w *wsConn) Read(p []byte) (int, error) {
	for w.off >= len(w.msg) {
		if err := w.nextMessage(); err != nil {
			return 0, err
		}
	}
	n := copy(p, w.msg[w.off:])
	w.off += n
	if w.off == len(w.msg) && cap(w.msg) > 4*readBufferSize {
		w.msg, w.off = nil, 0 // an idle client keeps no big buffer
	}
	return n, nil
}

var (
	errBinaryMessage = errors.New("binary WebSocket message")
	errInvalidUTF8   = errors.New("WebSocket text message is not valid UTF-8")
	errTooBig        = errors.New("WebSocket message over the size limit")
)

func (w *wsConn) nextMessage() error {
	w.msg, w.off = w.msg[:0], 0
	// A context without Done: the library then arms no timer per read;
	// deadlines on the raw connection interrupt reads instead.
	typ, r, err := w.ws.Reader(context.Background())
	if err != nil {
		switch websocket.CloseStatus(err) {
		case websocket.StatusNormalClosure, websocket.StatusGoingAway, websocket.StatusNoStatusRcvd:
			return io.EOF
		}
		return fmt.Errorf("read WebSocket message: %w", err)
	}
	if typ != websocket.MessageText {
		w.closeFor(websocket.StatusUnsupportedData, "binary messages are not part of the protocol; send text")
		return errBinaryMessage
	}
	w.msg, err = readMessage(w.msg, r)
	if err != nil {
		if w.maxMsg > 0 && len(w.msg) >= w.maxMsg {
			// The library's read limit: it has closed with 1009 already.
			return fmt.Errorf("read WebSocket message: %w: %w", errTooBig, err)
		}
		return fmt.Errorf("read WebSocket message: %w", err)
	}
	if !utf8.Valid(w.msg) {
		w.closeFor(websocket.StatusInvalidFramePayloadData, "text messages must be valid UTF-8")
		return errInvalidUTF8
	}
	if n := len(w.msg); n > 0 && w.msg[n-1] != '\n' {
		w.msg = append(w.msg, '\n')
	}
	return nil
}

// readMessage appends all of r to buf, which it grows as needed.
func readMessage(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// closeFor ends the connection for a protocol violation with code and a
// reason the client can read. The reader then returns, the client leaves
// its room, and the writer's Close finds the WebSocket already closed.
func (w *wsConn) closeFor(code websocket.StatusCode, reason string) {
	_ = w.raw.SetDeadline(time.Now().Add(webSocketCloseHandshakeWait))
	if err := w.ws.Close(code, reason); err != nil {
		w.log.Debug("WebSocket close", "err", err)
	}
}

func (w *wsConn) Write(p []byte) (int, error) {
	if err := w.ws.Write(context.Background(), websocket.MessageText, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close runs the closing handshake, waiting briefly for the client's
// answer; a reader still blocked is released by the same deadline.
func (w *wsConn) Close() error {
	_ = w.raw.SetDeadline(time.Now().Add(webSocketCloseHandshakeWait))
	err := w.ws.Close(websocket.StatusNormalClosure, "")
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func (w *wsConn) LocalAddr() net.Addr                { return w.raw.LocalAddr() }
func (w *wsConn) RemoteAddr() net.Addr               { return w.raw.RemoteAddr() }
func (w *wsConn) SetDeadline(t time.Time) error      { return w.raw.SetDeadline(t) }
func (w *wsConn) SetReadDeadline(t time.Time) error  { return w.raw.SetReadDeadline(t) }
func (w *wsConn) SetWriteDeadline(t time.Time) error { return w.raw.SetWriteDeadline(t) }

// transportViolation says whether a read error is the transport closing a
// peer that broke its rules (binary, invalid UTF-8 or oversize WebSocket
// messages), as opposed to a connection that went away.
func transportViolation(err error) bool {
	return errors.Is(err, errBinaryMessage) || errors.Is(err, errInvalidUTF8) || errors.Is(err, errTooBig)
}
