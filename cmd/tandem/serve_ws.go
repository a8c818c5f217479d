package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/tandemnet/tandem/server"
)

// wsFlags are serve's WebSocket settings (PROTOCOL.md, "WebSocket framing").
type wsFlags struct {
	listen, path, origins string
	maxMessage            int
}

func addWebSocketFlags(fs *flag.FlagSet, f *wsFlags) {
	fs.StringVar(&f.listen, "ws-listen", envOr("TANDEM_WS_LISTEN", ""), "WebSocket address for browsers and WebGL builds, e.g. :7780 (env TANDEM_WS_LISTEN); empty: off. wss with --tls-cert/--tls-key")
	fs.StringVar(&f.path, "ws-path", server.DefaultWebSocketPath, "URL path of the WebSocket endpoint")
	fs.StringVar(&f.origins, "ws-origins", envOr("TANDEM_WS_ORIGINS", ""), "comma-separated browser Origin host patterns allowed besides the server's own host, e.g. '*.example.com,https://game.itch.io' (env TANDEM_WS_ORIGINS); empty: same host only")
	fs.IntVar(&f.maxMessage, "ws-max-message", server.DefaultWebSocketMaxMessage, "largest WebSocket message from a client in bytes (bigger: closed with 1009)")
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
	opts := server.WebSocketOptions{Path: f.path, MaxMessageBytes: f.maxMessage}
	for _, p := range strings.Split(f.origins, ",") {
		if p = strings.TrimSpace(p); p != "" {
			opts.OriginPatterns = append(opts.OriginPatterns, p)
		}
	}
	log.Info("WebSocket endpoint", "url", fmt.Sprintf("%s://%s%s", scheme, ln.Addr().String(), f.path))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.ServeWebSocket(ctx, ln, opts); err != nil {
			log.Error("WebSocket listener failed", "err", err)
		}
	}()
	return func() { <-done }, nil
}
