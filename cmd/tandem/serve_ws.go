package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/tandemnet/tandem/samples/web"
	"github.com/tandemnet/tandem/server"
)

// wsFlags are serve's WebSocket settings (PROTOCOL.md, "WebSocket framing").
type wsFlags struct {
	listen, path, origins string
	maxMessage            int
	handshake             time.Duration
	web                   bool
}

func addWebSocketFlags(fs *flag.FlagSet, f *wsFlags) {
	fs.StringVar(&f.listen, "ws-listen", envOr("TANDEM_WS_LISTEN", ""), "WebSocket address for browsers and WebGL builds, e.g. :7780 (env TANDEM_WS_LISTEN); empty: off. wss with --tls-cert/--tls-key")
	fs.StringVar(&f.path, "ws-path", server.DefaultWebSocketPath, "URL path of the WebSocket endpoint")
	fs.StringVar(&f.origins, "ws-origins", envOr("TANDEM_WS_ORIGINS", ""), "comma-separated browser Origin patterns allowed besides the endpoint's own host:port, matched against the origin's host[:port], e.g. '*.example.com,localhost:*,https://game.example.com' (env TANDEM_WS_ORIGINS); empty: same host only")
	fs.DurationVar(&f.handshake, "ws-handshake-timeout", 10*time.Second, "time to complete the WebSocket upgrade (and TLS handshake) after connecting")
	fs.BoolVar(&f.web, "web", false, "serve the browser sample page (samples/web) at / of the WebSocket listener")
	fs.IntVar(&f.maxMessage, "ws-max-message", server.DefaultWebSocketMaxMessage, "largest WebSocket message from a client in bytes (bigger: closed with 1009)")
}

func (f wsFlags) validate() error {
	if f.web && f.listen == "" {
		return errors.New("--web serves the page on the WebSocket listener: set --ws-listen too")
	}
	if err := f.options().Check(); err != nil {
		return fmt.Errorf("--ws-path/--ws-origins: %w", err)
	}
	return nil
}

func (f wsFlags) options() server.WebSocketOptions {
	opts := server.WebSocketOptions{Path: f.path, MaxMessageBytes: f.maxMessage, HandshakeTimeout: f.handshake}
	for _, p := range strings.Split(f.origins, ",") {
		if p = strings.TrimSpace(p); p != "" {
			opts.OriginPatterns = append(opts.OriginPatterns, p)
		}
	}
	if f.web {
		opts.Files = web.Files()
	}
	return opts
}

// startWebSocket serves the WebSocket listener until ctx ends; wait blocks
// until it has stopped.
func startWebSocket(ctx context.Context, f wsFlags, tlsCfg *tls.Config, srv *server.Server, log *slog.Logger) (wait func(), err error) {
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return nil, fmt.Errorf("WebSocket listen on %s: %w", f.listen, err)
	}
	scheme := "ws"
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
		scheme = "wss"
	}
	opts := f.options()
	log.Info("WebSocket endpoint", "url", fmt.Sprintf("%s://%s%s", scheme, ln.Addr().String(), f.path), "web_page", f.web)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.ServeWebSocket(ctx, ln, opts); err != nil {
			log.Error("WebSocket listener failed", "err", err)
		}
	}()
	return func() { <-done }, nil
}
