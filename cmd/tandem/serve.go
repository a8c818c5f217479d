package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/store"
	"github.com/tandemnet/tandem/server/store/opener"
)

type serveFlags struct {
	listen, db, node, admin string
	dev, pprof              bool
	logFormat, logLevel     string
	tlsCert, tlsKey         string
	dbRetry                 time.Duration
	limits                  server.Limits
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func parseServeFlags(args []string, stderr io.Writer) (*serveFlags, error) {
	f := &serveFlags{}
	d := server.DefaultLimits()
	fs := flag.NewFlagSet("tandem serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.listen, "listen", envOr("TANDEM_LISTEN", ":7777"), "client address (env TANDEM_LISTEN)")
	fs.StringVar(&f.db, "db", envOr("TANDEM_DB", "./tandem.db"), "SQLite file or postgres:// URL (env TANDEM_DB)")
	fs.BoolVar(&f.dev, "dev", false, "create unknown accounts on first login (samples and quick tries only)")
	fs.StringVar(&f.node, "node", envOr("TANDEM_NODE", ""), "this node's name in the store's room list, unique per database (env TANDEM_NODE; default <hostname>:<listen port>)")
	fs.StringVar(&f.admin, "admin", envOr("TANDEM_ADMIN", ""), "admin HTTP address for /metrics and /healthz (e.g. 127.0.0.1:7778); empty: off")
	fs.BoolVar(&f.pprof, "pprof", false, "serve /debug/pprof on the admin address (its cmdline with database passwords redacted)")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key serves TLS 1.3, or 1.2 with ECDHE AEAD suites only")
	fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fs.DurationVar(&f.dbRetry, "db-retry", time.Minute, "keep retrying an unavailable database at start for this long")
	l := &f.limits
	fs.IntVar(&l.MaxLineBytes, "max-line", d.MaxLineBytes, "longest accepted line in bytes")
	fs.IntVar(&l.MaxRooms, "max-rooms", d.MaxRooms, "live rooms on this node")
	fs.IntVar(&l.MaxRoomMembers, "max-room-members", d.MaxRoomMembers, "members per room")
	fs.IntVar(&l.MaxConnsPerIP, "max-conns-per-ip", d.MaxConnsPerIP, "connections from one address")
	fs.Float64Var(&l.MessagesPerSecond, "msg-rate", d.MessagesPerSecond, "lines per second per connection (token bucket)")
	fs.IntVar(&l.MessageBurst, "msg-burst", d.MessageBurst, "line burst per connection")
	fs.Float64Var(&l.BytesPerSecond, "byte-rate", d.BytesPerSecond, "inbound bytes per second per connection, discarded over-long lines included")
	fs.IntVar(&l.ByteBurst, "byte-burst", d.ByteBurst, "inbound byte burst per connection")
	fs.IntVar(&l.RateStrikes, "rate-strikes", d.RateStrikes, "rate-limit errors and over-long lines before a connection is closed")
	fs.DurationVar(&l.IdleTimeout, "idle-timeout", d.IdleTimeout, "close connections silent for this long")
	fs.DurationVar(&l.LoginTimeout, "login-timeout", d.LoginTimeout, "time to log in after connecting")
	fs.DurationVar(&l.WriteTimeout, "write-timeout", d.WriteTimeout, "one socket write to a client")
	fs.IntVar(&l.OutboundSoftBytes, "outbound-soft", d.OutboundSoftBytes, "queued bytes per client after which object updates merge")
	fs.IntVar(&l.OutboundHardBytes, "outbound-hard", d.OutboundHardBytes, "queued bytes per client after which it is disconnected")
	fs.IntVar(&l.MaxObjectsPerRoom, "max-objects-per-room", d.MaxObjectsPerRoom, "network objects per room")
	fs.IntVar(&l.MaxObjectsPerClient, "max-objects-per-client", d.MaxObjectsPerClient, "network objects one client may own (checked at instantiate, take, give and approve)")
	fs.IntVar(&l.MaxStateBytes, "max-state-bytes", d.MaxStateBytes, "merged state bytes per object")
	fs.IntVar(&l.LoginConcurrency, "login-concurrency", d.LoginConcurrency, "password hashes computed at once")
	// Abuse resistance (PROTOCOL.md "Abuse limits").
	fs.IntVar(&l.MaxRecipients, "max-recipients", d.MaxRecipients, "ids read from one 3:4/3:5; a member listed twice gets one copy")
	fs.Float64Var(&l.FanoutBytesPerSecond, "fanout-byte-rate", d.FanoutBytesPerSecond, "bytes/s a client's messages, object commands and join snapshots may queue for others (size x recipients); in debt, its 2, 3 and 10-16 lines are refused")
	fs.IntVar(&l.FanoutByteBurst, "fanout-byte-burst", d.FanoutByteBurst, "fan-out byte burst per client")
	fs.IntVar(&l.MaxRoomStateBytes, "max-room-state-bytes", d.MaxRoomStateBytes, "merged state bytes of all objects of a room (bounds the join snapshot; must fit half of --outbound-hard)")
	fs.Float64Var(&l.JoinsPerSecond, "join-rate", d.JoinsPerSecond, "joins (2:<room>) per second per connection; over it: 9:2:rate_limited")
	fs.IntVar(&l.JoinBurst, "join-burst", d.JoinBurst, "join burst per connection")
	fs.IntVar(&l.LoginsInFlightPerAccount, "logins-in-flight-per-account", d.LoginsInFlightPerAccount, "login attempts checked at once per account; more: 9:0:server_busy")
	fs.IntVar(&l.LoginsInFlightPerAddress, "logins-in-flight-per-address", d.LoginsInFlightPerAddress, "login attempts checked at once per client address; more: 9:0:server_busy")
	fs.Float64Var(&l.LoginsPerAccountPerSecond, "logins-per-account-rate", d.LoginsPerAccountPerSecond, "successful logins per second per account; more: 9:0:login_throttled")
	fs.IntVar(&l.LoginAccountBurst, "logins-per-account-burst", d.LoginAccountBurst, "successful login burst per account")
	fs.Float64Var(&l.LoginsPerAddressPerSecond, "logins-per-address-rate", d.LoginsPerAddressPerSecond, "successful logins per second per client address")
	fs.IntVar(&l.LoginAddressBurst, "logins-per-address-burst", d.LoginAddressBurst, "successful login burst per client address")
	fs.DurationVar(&l.LoginQueueWait, "login-queue-wait", d.LoginQueueWait, "longest wait for a password-hashing slot (fair across addresses) before 9:0:server_busy")
	fs.IntVar(&l.RoomPasswordFailures, "room-password-failures", d.RoomPasswordFailures, "wrong room passwords (2, 5, or a 1:<password> opening nothing) per connection before it backs off (9:<n>:rate_limited)")
	fs.Float64Var(&l.RoomGuessesPerSecond, "room-guess-rate", d.RoomGuessesPerSecond, "wrong passwords per second per room; over it, connections that guessed wrong wait")
	fs.IntVar(&l.RoomGuessBurst, "room-guess-burst", d.RoomGuessBurst, "wrong password burst per room")
	fs.DurationVar(&l.RoomListTTL, "room-list-ttl", d.RoomListTTL, "how stale the room list answering 1 and 5 may be (one database scan per period)")
	fs.Float64Var(&l.ListsPerSecond, "list-rate", d.ListsPerSecond, "1 and 5 requests per second per connection; over it: 9:<n>:rate_limited")
	fs.IntVar(&l.ListBurst, "list-burst", d.ListBurst, "1 and 5 burst per connection")
	fs.IntVar(&l.PreLoginStrikes, "prelogin-strikes", d.PreLoginStrikes, "strikes (refused or over-long lines) before a client not yet logged in is closed")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := f.limits.Check(); err != nil {
		return nil, err
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	return f, nil
}

func newLogger(format, level string, w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
}

func runServe(ctx context.Context, args []string, _, stderr io.Writer) int {
	f, err := parseServeFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "tandem serve: %v\n", err)
		return exitUsage
	}
	log, err := newLogger(f.logFormat, f.logLevel, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "tandem serve: %v\n", err)
		return exitUsage
	}
	if err := serve(ctx, f, log); err != nil {
		log.Error("tandem serve failed", "err", err)
		return exitFail
	}
	return exitOK
}

func serve(ctx context.Context, f *serveFlags, log *slog.Logger) error {
	st, err := openStoreWithRetry(ctx, f.db, f.dbRetry, log)
	if err != nil {
		return err
	}
	defer st.Close()

	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.listen, err)
	}
	if f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		ln = tls.NewListener(ln, serverTLSConfig(cert))
		log.Info("TLS enabled", "cert", f.tlsCert)
	}
	srv := server.New(server.Config{Node: nodeName(f.node, ln.Addr()), Dev: f.dev, Limits: f.limits, Logger: log}, st)
	if f.admin != "" {
		stopAdmin, err := startAdmin(f.admin, f.pprof, srv, st, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stopAdmin()
	}
	log.Info("tandem server starting", "listen", ln.Addr().String(), "db", opener.Redact(f.db))
	return srv.Serve(ctx, ln)
}

// openStoreWithRetry keeps trying an unavailable database at start, so a
// server started before its database comes up on its own.
func openStoreWithRetry(ctx context.Context, dsn string, patience time.Duration, log *slog.Logger) (store.Store, error) {
	deadline := time.Now().Add(patience)
	delay := 500 * time.Millisecond
	for {
		st, err := opener.Open(ctx, dsn)
		if err == nil {
			return st, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("database unavailable (gave up after %s): %w", patience, err)
		}
		log.Error("database unavailable; retrying", "db", opener.Redact(dsn), "in", delay, "err", err)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, fmt.Errorf("database unavailable: %w", err)
		}
		delay = min(2*delay, 10*time.Second)
	}
}

// startAdmin serves /metrics (Prometheus), /healthz and, when asked,
// /debug/pprof on a separate listener that is meant to stay private.
func startAdmin(addr string, withPprof bool, srv *server.Server, st store.Store, log *slog.Logger) (func(), error) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(srv.Metrics().Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(ctx); err != nil {
			http.Error(w, "database unavailable: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", redactedCmdline(os.Args))
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin listener on %s: %w", addr, err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin listener", "err", err)
		}
	}()
	log.Info("admin listening", "addr", ln.Addr().String(), "pprof", withPprof)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}, nil
}
