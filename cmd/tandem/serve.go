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
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/admin"
	"github.com/tandemnet/tandem/server/buildinfo"
	"github.com/tandemnet/tandem/server/store"
	"github.com/tandemnet/tandem/server/store/opener"
)

type serveFlags struct {
	listen, db, node, admin string
	// listenGiven is true when --listen or TANDEM_LISTEN chose the address,
	// false when it is the default (which depends on --dev).
	listenGiven         bool
	dev, pprof          bool
	adminOpenMetrics    bool
	logFormat, logLevel string
	tlsCert, tlsKey     string
	dbRetry             time.Duration
	limits              server.Limits
	ws                  wsFlags
	cluster             clusterFlags
	clusterCfg          *server.ClusterConfig // nil: one process
}

// Default client addresses: every interface normally, loopback only in dev
// mode, where anyone who can connect gets an account.
const (
	defaultListen    = ":7777"
	defaultDevListen = "127.0.0.1:7777"
)

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// serveHelpHint is the one line printed under a command-line error, so the
// error itself stays on screen.
const serveHelpHint = "Run 'tandem serve --help' for the options."

func newServeFlagSet(f *serveFlags) *flag.FlagSet {
	d := server.DefaultLimits()
	fs := flag.NewFlagSet("tandem serve", flag.ContinueOnError)
	fs.StringVar(&f.listen, "listen", os.Getenv("TANDEM_LISTEN"), "client address (env TANDEM_LISTEN; default "+defaultListen+", with --dev "+defaultDevListen+")")
	fs.StringVar(&f.db, "db", envOr("TANDEM_DB", "./tandem.db"), "SQLite file or postgres:// URL (env TANDEM_DB)")
	fs.BoolVar(&f.dev, "dev", false, "create unknown accounts on first login (samples and quick tries only); listens on loopback unless --listen is given")
	fs.StringVar(&f.node, "node", envOr("TANDEM_NODE", ""), "this node's name in the store's room list, logs and metrics, unique per database (env TANDEM_NODE; default <hostname>-<listen port>)")
	fs.StringVar(&f.admin, "admin", envOr("TANDEM_ADMIN", ""), "admin HTTP address: the admin console, /metrics and /healthz (e.g. 127.0.0.1:7778; without a host, loopback); empty: off")
	fs.BoolVar(&f.adminOpenMetrics, "admin-open-metrics", true, "serve /metrics, /healthz and /debug/pprof on the admin address without an admin login (for Prometheus, health probes, go tool pprof)")
	fs.BoolVar(&f.pprof, "pprof", false, "serve /debug/pprof on the admin address (its cmdline with database passwords redacted)")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key serves TLS 1.3, or 1.2 with ECDHE AEAD suites only")
	fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fs.DurationVar(&f.dbRetry, "db-retry", time.Minute, "keep retrying a database that is not up yet (refusing connections, starting up) for this long")
	addWebSocketFlags(fs, &f.ws)
	addClusterFlags(fs, &f.cluster)
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
	fs.DurationVar(&l.RejoinGrace, "rejoin-grace", d.RejoinGrace, "how long a dropped member stays in its room, inactive, for a resume (0: off, a drop is a leave)")
	fs.DurationVar(&l.MaxRejoinGrace, "max-rejoin-grace", d.MaxRejoinGrace, "longest rejoin grace a room may ask for when created (2:<room>:<password>:<seconds>); 0: the default")
	fs.IntVar(&l.MaxInactive, "max-inactive", d.MaxInactive, "inactive members on this node; past it a drop is a leave")
	fs.DurationVar(&l.SessionTTL, "session-ttl", d.SessionTTL, "how long a session token (login without the password, 18:<token>) stays good after the password login that issued it (0: session tokens off)")
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
	fs.DurationVar(&l.AbuseBackoff, "abuse-backoff", d.AbuseBackoff, "after --abuse-backoff-cuts connections of one address (IPv6: one /64) were closed for abuse (8:rate_limited), its new connections are closed at accept for this long, doubling per further cut; open connections are not touched (0: off)")
	fs.DurationVar(&l.AbuseBackoffMax, "abuse-backoff-max", d.AbuseBackoffMax, "longest abuse back-off; an address is forgotten after this long without a cut once its back-off ended")
	fs.IntVar(&l.AbuseBackoffCuts, "abuse-backoff-cuts", d.AbuseBackoffCuts, "cuts for abuse of one address before its new connections are refused (the first ones are free, for players behind one NAT)")
	return fs
}

// parseServeFlags reads the serve command line. On -h/--help it writes the
// full usage to help and returns flag.ErrHelp; on a mistake it returns the
// error alone (the caller adds one line pointing at --help).
func parseServeFlags(args []string, help io.Writer) (*serveFlags, error) {
	f := &serveFlags{}
	fs := newServeFlagSet(f)
	// The flag package prints its error and the whole usage on a mistake;
	// silence it and print only what is asked for.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	// Flags after a stray word still count, so the error names only the word.
	ordered, err := flagsFirst(fs, args)
	if err != nil {
		return nil, err
	}
	if err := fs.Parse(ordered); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(help)
			fmt.Fprint(help, "usage: tandem serve [options]\n\nRuns the Tandem server. Options:\n\n")
			fs.PrintDefaults()
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, unexpectedArgs(fs, fs.Args())
	}
	l := &f.limits
	if l.RejoinGrace < 0 || l.MaxRejoinGrace < 0 || l.MaxInactive < 0 {
		return nil, errors.New("--rejoin-grace, --max-rejoin-grace and --max-inactive must not be negative")
	}
	if l.RejoinGrace == 0 {
		l.RejoinGrace = -1 // off; a zero in server.Limits means the default
	}
	if l.SessionTTL < 0 {
		return nil, errors.New("--session-ttl must not be negative")
	}
	if l.SessionTTL == 0 {
		l.SessionTTL = -1 // off, as for --rejoin-grace
	}
	if l.AbuseBackoff < 0 || l.AbuseBackoffMax < 0 || l.AbuseBackoffCuts < 0 {
		return nil, errors.New("--abuse-backoff, --abuse-backoff-max and --abuse-backoff-cuts must not be negative")
	}
	if l.AbuseBackoff == 0 {
		l.AbuseBackoff = -1 // off
	} else if l.AbuseBackoffMax != 0 && l.AbuseBackoffMax < l.AbuseBackoff {
		return nil, errors.New("--abuse-backoff-max must not be below --abuse-backoff")
	}
	if err := f.limits.Check(); err != nil {
		return nil, err
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	if err := f.ws.validate(); err != nil {
		return nil, err
	}
	f.listenGiven = f.listen != ""
	if !f.listenGiven {
		f.listen = defaultListen
		if f.dev {
			f.listen = defaultDevListen
		}
	}
	nodeGiven := os.Getenv("TANDEM_NODE") != ""
	fs.Visit(func(fl *flag.Flag) { nodeGiven = nodeGiven || fl.Name == "node" })
	if f.clusterCfg, err = f.clusterConfig(nodeGiven); err != nil {
		return nil, err
	}
	return f, nil
}

// unexpectedArgs refuses positional arguments, which the flag package
// would otherwise leave behind silently together with every flag after
// them. A word that is the name of a flag ("serve dev") gets a hint.
func unexpectedArgs(fs *flag.FlagSet, args []string) error {
	msg := fmt.Sprintf("unexpected arguments %q", args)
	if len(args) == 1 {
		msg = fmt.Sprintf("unexpected argument %q", args[0])
	}
	for _, a := range args {
		if fs.Lookup(a) != nil {
			msg += fmt.Sprintf(" (did you mean --%s?)", a)
			break
		}
	}
	return errors.New(msg)
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

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseServeFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "tandem serve: %v\n%s\n", err, serveHelpHint)
		return exitUsage
	}
	log, err := newLogger(f.logFormat, f.logLevel, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "tandem serve: %v\n%s\n", err, serveHelpHint)
		return exitUsage
	}
	if err := serve(ctx, f, log); err != nil {
		if f.logFormat == "json" {
			log.Error("tandem serve failed", "err", err)
		} else {
			// A plain line: the reason and the fix read better unquoted.
			fmt.Fprintf(stderr, "tandem serve: %v\n", err)
		}
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
	var tlsCfg *tls.Config
	if f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		tlsCfg = serverTLSConfig(cert)
		ln = tls.NewListener(ln, tlsCfg)
		log.Info("TLS enabled", "cert", f.tlsCert)
	}
	srv := server.New(server.Config{Node: nodeName(f.node, ln.Addr()), Dev: f.dev, Limits: f.limits, Logger: log, Cluster: f.clusterCfg}, st)
	if f.admin != "" {
		stopAdmin, err := startAdmin(f.admin, adminOptions{pprof: f.pprof, openMetrics: f.adminOpenMetrics}, srv, st, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stopAdmin()
	}
	if f.ws.listen != "" {
		wsCtx, stopWS := context.WithCancel(ctx) // also stops it when Serve fails
		waitWS, err := startWebSocket(wsCtx, f.ws, tlsCfg, srv, log)
		if err != nil {
			stopWS()
			ln.Close()
			return err
		}
		defer func() { stopWS(); waitWS() }()
	}
	logStart(ctx, f, ln.Addr().String(), st, log)
	return srv.Serve(ctx, ln)
}

// logStart says what a newcomer needs to know: which build, where it
// listens, whether dev mode is on, and how to get a first account.
func logStart(ctx context.Context, f *serveFlags, addr string, st store.Store, log *slog.Logger) {
	bi := buildinfo.Read()
	countCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	users, err := st.CountUsers(countCtx)
	cancel()
	attrs := []any{"version", bi.Version, "commit", bi.Commit, "listen", addr, "db", opener.Redact(f.db), "dev", f.dev}
	if err == nil {
		attrs = append(attrs, "accounts", users)
	}
	log.Info("tandem server starting", attrs...)
	if err != nil {
		log.Error("count accounts", "err", err)
	}
	if f.dev && !f.listenGiven {
		log.Warn("dev mode: listening on loopback only; give --listen (e.g. --listen :7777) to accept other machines", "listen", addr)
	}
	if err == nil && users == 0 && !f.dev {
		add := "echo pw | tandem user add NAME"
		if f.db != defaultDB() {
			add += " --db " + shellQuote(opener.Redact(f.db))
		}
		log.Warn("no accounts yet, so nobody can log in: add one with `" + add + "`, or restart with --dev to create accounts on first login")
	}
}

// shellQuote quotes s for a copy-pasted shell command when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '_' || r == '-' || r == ':' || r == '@' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// openStoreWithRetry keeps trying a database that is not up yet, so a
// server started before its database comes up on its own. A failure that
// waiting cannot heal (no such database, a file that is not a database...)
// is returned at once.
func openStoreWithRetry(ctx context.Context, dsn string, patience time.Duration, log *slog.Logger) (store.Store, error) {
	deadline := time.Now().Add(patience)
	delay := 500 * time.Millisecond
	for {
		st, err := opener.Open(ctx, dsn)
		if err == nil {
			return st, nil
		}
		if !opener.Retryable(err) {
			return nil, err
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

type adminOptions struct {
	pprof       bool // serve /debug/pprof
	openMetrics bool // /metrics, /healthz (and pprof) without an admin login
}

// startAdmin serves the admin console (server/admin), /metrics
// (Prometheus), /healthz and, when asked, /debug/pprof on a separate
// listener that is meant to stay private.
func startAdmin(addr string, opt adminOptions, srv *server.Server, st store.Store, log *slog.Logger) (func(), error) {
	console := admin.New(admin.Options{Backend: srv, Store: st, Logger: log, Started: time.Now()})
	mux := http.NewServeMux()
	handle := func(pattern string, h http.Handler, open bool) {
		if !open {
			h = console.Protect(h)
		}
		console.Handle(pattern, h)
	}
	handle("/metrics", promhttp.HandlerFor(srv.Metrics().Registry, promhttp.HandlerOpts{}), opt.openMetrics)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(ctx); err != nil {
			http.Error(w, "database unavailable: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	handle("/healthz", mux, opt.openMetrics)
	if opt.pprof {
		pp := http.NewServeMux()
		pp.HandleFunc("/debug/pprof/", pprof.Index)
		pp.HandleFunc("/debug/pprof/cmdline", redactedCmdline(os.Args))
		pp.HandleFunc("/debug/pprof/profile", pprof.Profile)
		pp.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		pp.HandleFunc("/debug/pprof/trace", pprof.Trace)
		pp.HandleFunc("/debug/pprof/free-os-memory", freeOSMemory)
		handle("/debug/pprof/", pp, opt.openMetrics) // for go tool pprof, which cannot log in
	}
	addr = adminAddr(addr)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin listener on %s: %w", addr, err)
	}
	hs := &http.Server{Handler: console.Handler(), ReadHeaderTimeout: 5 * time.Second}
	sampling, stopSampling := context.WithCancel(context.Background())
	go console.Run(sampling)
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin listener", "err", err)
		}
	}()
	log.Info("admin console listening", "url", "http://"+ln.Addr().String()+"/", "pprof", opt.pprof, "open_metrics", opt.openMetrics)
	if host, _, _ := net.SplitHostPort(addr); host == "0.0.0.0" || host == "::" {
		log.Warn("the admin address listens on every interface; keep it behind a firewall or use 127.0.0.1", "addr", addr)
	}
	return func() {
		stopSampling()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}, nil
}

// adminAddr puts an admin address without a host on loopback: ":7778"
// means 127.0.0.1:7778, so the console is never public by omission; every
// interface must be asked for (0.0.0.0:7778).
func adminAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "" {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// freeOSMemory (POST, with --pprof) collects garbage and returns freed
// memory to the OS at once (runtime/debug.FreeOSMemory). A memory
// measurement (tandem bench --idle) then reads the process's RSS without
// the garbage of earlier work, such as the 19 MiB Argon2id buffer of every
// password login, which the runtime would otherwise return gradually.
func freeOSMemory(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	debug.FreeOSMemory()
	w.WriteHeader(http.StatusNoContent)
}
