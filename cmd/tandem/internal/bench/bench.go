// Package bench is `tandem bench`: it drives a message load (or a crowd of
// idle connections) against a Tandem server, and optionally the same load
// through a NATS server for reference, and reports latency, throughput,
// CPU and memory figures.
package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/tandemnet/tandem/cmd/tandem/internal/cmdline"
	"github.com/tandemnet/tandem/cmd/tandem/internal/exitcode"
	"github.com/tandemnet/tandem/cmd/tandem/internal/progress"
)

const benchUsage = `usage:
  tandem bench --addr HOST:PORT [--rooms R] [--players P] [--rate S] [--bytes B]
               [--duration D] [--warmup W] [--mix unordered|ordered|update|mixed]
               [--server-pid PID] [--ws ws://HOST:PORT/ws]
               [--nats HOST:PORT [--nats-pid PID]] [--rounds N]
  tandem bench --addr HOST:PORT --idle C [--hold D] [--server-pid PID]
               [--ws ws://HOST:PORT/ws] [--nats HOST:PORT [--nats-pid PID]]
  tandem bench --addr HOST:PORT --storm N [--players P]
               [--storm-login token|password|resume] [--storm-tokens FILE]
               [--storm-cut all|none] [--storm-sources K]

Load mode: R rooms of P players each, every player sending S messages a
second of B payload bytes to the others in its room, for D seconds after a
warm-up of W. The server must run in dev mode (accounts b<room>_<player>
are created on first login) with --msg-rate above S. With --nats the same
load then goes through a NATS server, one subject per room, echo off.
With --ws the same load also runs over WebSocket to the same server
(system tandem-ws; the server runs with --ws-listen). --rounds N runs the
systems N times in turn, so a noisy machine affects them alike.

Several --addr servers, separated by commas, get the TCP connections in
turn (player i of the run on server i mod n), spreading each room's members
over the nodes of a cluster (tandem serve --cluster). Independent servers
do not share rooms: between them nothing is delivered. Server CPU and
memory are those of the first server.

Idle mode (--idle C): C logged-in connections that only keep alive; reports
the server's memory per connection and whether all C were held. With --ws,
then C WebSocket connections (system tandem-ws) to the same server.

Storm mode (--storm N): N players, P to a room, logged in and in their
rooms, lose their connections at once (the server sees N drops, as at a
proxy or network cut) and all come back at once, with a session token
(--storm-login token, the default), the password, or a resume (falling back
to the token). Reports seconds until every one is logged in and back in its
room, the p50 and p99, the retries after server_busy and the server's CPU
meanwhile. Set-up logs each player in with the password (dev mode creates
bench accounts s<i>): a hash each. --storm-tokens FILE keeps the session
tokens so later runs set up with them; with it, stop the server after one
run, start it again, and run with --storm-cut none (no set-up: every player
connects at once, with its kept token) to measure a restart.
Players come from K source addresses 127.0.0.x (the server bounds
connections and logins per address).

Output: a readable table, then one "BENCH key=value ..." line per system
for scripts. Server CPU and memory come from /proc/<pid> (same machine
only); the pid is found from the listening port unless given. On a
terminal, stderr also shows a live line: system, phase, elapsed time,
connections and the delivery rate.

flags:
`

// benchConfig is the parsed command line.
type benchConfig struct {
	addr, natsAddr     string
	addrs              []string // --addr split at commas; addr is the first
	wsURL              string
	rooms, players     int
	rate               float64
	bytes              int
	duration, warmup   time.Duration
	drain              time.Duration
	mix                string
	serverPID, natsPID int
	natsClient         string
	systems            string
	idle               int
	rounds             int
	hold               time.Duration
	userPrefix         string
	roomPrefix         string
	password           string
	setupConcurrency   int
	serverAdmin        string
	natsAdmin          string
	settle             time.Duration
	storm              int
	stormLogin         string
	stormCut           string
	stormTokens        string
	stormSources       int
}

func parseBenchFlags(args []string, help io.Writer) (*benchConfig, error) {
	c := &benchConfig{}
	fs := flag.NewFlagSet("tandem bench", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:7777", "Tandem server address HOST:PORT, or several separated by commas: connection i goes to the (i mod n)th, e.g. the nodes of a cluster (server figures come from the first)")
	fs.StringVar(&c.wsURL, "ws", "", "also run the load over WebSocket to this endpoint of the same server (ws://HOST:PORT/ws, served with tandem serve --ws-listen)")
	fs.StringVar(&c.natsAddr, "nats", "", "also run the load through this NATS server (HOST:PORT)")
	fs.IntVar(&c.rooms, "rooms", 8, "rooms (R)")
	fs.IntVar(&c.players, "players", 8, "players per room (P)")
	fs.Float64Var(&c.rate, "rate", 10, "messages a second sent by each player (S)")
	fs.IntVar(&c.bytes, "bytes", 64, "payload bytes per message (B, at least 24: the send timestamp)")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "measured time (D)")
	fs.DurationVar(&c.warmup, "warmup", 2*time.Second, "load before the measurement starts (W)")
	fs.DurationVar(&c.drain, "drain", 3*time.Second, "longest wait after the load for messages still in flight")
	fs.StringVar(&c.mix, "mix", "unordered", "what players send: unordered (3:0), ordered (3:2), update (11, unordered object updates) or mixed (5 updates, 3 unordered, 2 ordered in 10)")
	fs.IntVar(&c.serverPID, "server-pid", 0, "Tandem server pid for CPU and RSS (default: the process listening on --addr)")
	fs.StringVar(&c.systems, "systems", "", "comma-separated systems to run, of tandem, tandem-ws, nats, nats-raw; idle mode: tandem, tandem-ws, nats (default: tandem, tandem-ws with --ws, and with --nats the --nats-client ones, or nats in idle mode)")
	fs.StringVar(&c.natsClient, "nats-client", "natsgo", "NATS load client: natsgo (the nats.go library), raw (a minimal protocol client built like the Tandem one), or both")
	fs.IntVar(&c.natsPID, "nats-pid", 0, "NATS server pid (default: the process listening on --nats)")
	fs.IntVar(&c.rounds, "rounds", 1, "load mode: run the systems this many times, taking turns")
	fs.IntVar(&c.idle, "idle", 0, "idle mode: hold this many logged-in connections and report memory per connection")
	fs.DurationVar(&c.hold, "hold", 5*time.Second, "idle mode: how long to hold the connections before checking them")
	fs.StringVar(&c.userPrefix, "user-prefix", "b", "prefix of the bench user names")
	fs.StringVar(&c.roomPrefix, "room-prefix", "bench-", "prefix of the bench room names")
	fs.StringVar(&c.password, "password", "bench-password", "password of the bench users (dev mode creates them with it)")
	fs.IntVar(&c.setupConcurrency, "setup-concurrency", 16, "connections being set up at once (logins cost a password hash each)")
	fs.StringVar(&c.serverAdmin, "server-admin", "", "Tandem admin address (HOST:PORT, served with --pprof); idle mode then forces a GC and has the server return freed memory to the OS before each memory sample, and reports Go heap and stack per connection")
	fs.StringVar(&c.natsAdmin, "nats-admin", "", "NATS profiling address (HOST:PORT, nats-server --profile PORT); idle mode then does the same there")
	fs.IntVar(&c.storm, "storm", 0, "storm mode: this many logged-in players in rooms of --players lose their connections at once and all come back; reports how long until every one is back in its room")
	fs.StringVar(&c.stormLogin, "storm-login", "token", "storm mode: how players come back: token (18, a session token), password (0), or resume (19, then the token)")
	fs.StringVar(&c.stormCut, "storm-cut", "all", "storm mode: all (set up, then close every connection at once) or none (no set-up: the server was restarted, every player connects at once, with its token from --storm-tokens)")
	fs.StringVar(&c.stormTokens, "storm-tokens", "", "storm mode: file that keeps the players' session tokens between runs (set-up then logs in with them instead of a password hash each)")
	fs.IntVar(&c.stormSources, "storm-sources", 0, "storm mode: spread the players over this many source addresses 127.0.0.x (default: 100 on a loopback --addr, else 1)")
	fs.DurationVar(&c.settle, "settle", 10*time.Second, "idle mode: wait after a forced GC before a memory sample, so the runtime returns freed memory to the OS")
	if err := cmdline.Parse(fs, args, benchUsage, help); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.addr == "" {
		return nil, errors.New("--addr is required")
	}
	for _, a := range strings.Split(c.addr, ",") {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, fmt.Errorf("--addr: %q is not HOST:PORT", a)
		}
		c.addrs = append(c.addrs, a)
	}
	c.addr = c.addrs[0]
	switch {
	case c.idle < 0:
		return nil, errors.New("--idle must be positive")
	case c.idle > 0:
		return c, nil
	case c.rooms < 1 || c.players < 2:
		return nil, errors.New("--rooms must be at least 1 and --players at least 2")
	case c.rate <= 0 || c.rate > 100000:
		return nil, errors.New("--rate must be in (0, 100000]")
	case c.bytes < minPayload || c.bytes > 60000:
		return nil, fmt.Errorf("--bytes must be in [%d, 60000]", minPayload)
	case c.duration <= 0 || c.warmup < 0 || c.drain < 0:
		return nil, errors.New("--duration must be positive, --warmup and --drain not negative")
	case c.rounds < 1 || c.rounds > 100:
		return nil, errors.New("--rounds must be in [1, 100]")
	case c.setupConcurrency < 1:
		return nil, errors.New("--setup-concurrency must be positive")
	}
	if _, err := parseMix(c.mix); err != nil {
		return nil, err
	}
	if c.natsClient != "natsgo" && c.natsClient != "raw" && c.natsClient != "both" {
		return nil, fmt.Errorf("--nats-client must be natsgo, raw or both, not %q", c.natsClient)
	}
	return c, nil
}

// Run runs `tandem bench` with its arguments and returns the exit status.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseBenchFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitcode.OK
	}
	if err != nil {
		fmt.Fprintf(stderr, "tandem bench: %v\n%s\n", err, cmdline.HelpHint("bench"))
		return exitcode.Usage
	}
	var systems []loadSystem
	var idleSystems []idleSystem
	if cfg.idle > 0 {
		idleSystems, err = cfg.idleSystems()
	} else if cfg.storm > 0 {
		err = cfg.checkStorm()
	} else {
		systems, err = cfg.loadSystems()
	}
	if err != nil {
		fmt.Fprintf(stderr, "tandem bench: %v\n%s\n", err, cmdline.HelpHint("bench"))
		return exitcode.Usage
	}
	live := &liveFigures{}
	status := progress.Start(stderr, 250*time.Millisecond, live.render)
	defer status.Stop()
	live.changed = status.Redraw
	logf := func(format string, a ...any) { status.Logf("bench: "+format, a...) }
	if cfg.idle > 0 {
		return runIdleBench(ctx, cfg, idleSystems, stdout, live, status, logf)
	}
	if cfg.storm > 0 {
		err := runStormBench(ctx, cfg, stdout, live, logf)
		status.Stop()
		if err != nil {
			fmt.Fprintf(stderr, "tandem bench: storm: %v\n", err)
			return exitcode.Fail
		}
		return exitcode.OK
	}
	var results []*loadResult
	for round := 1; round <= cfg.rounds; round++ {
		for _, sys := range systems {
			res, err := runLoad(ctx, cfg, sys, live, logf)
			if err != nil {
				status.Stop()
				fmt.Fprintf(stderr, "tandem bench: %s: %v\n", sys.name(), err)
				return exitcode.Fail
			}
			res.round = round
			results = append(results, res)
		}
	}
	status.Stop()
	printLoadTable(stdout, cfg, results)
	for _, r := range results {
		fmt.Fprintln(stdout, r.figuresLine(cfg))
	}
	return exitcode.OK
}

// loadSystems returns the systems to drive, in order.
func (cfg *benchConfig) loadSystems() ([]loadSystem, error) {
	names := []string{"tandem"}
	if cfg.wsURL != "" {
		names = append(names, "tandem-ws")
	}
	if cfg.natsAddr != "" {
		if cfg.natsClient != "raw" {
			names = append(names, "nats")
		}
		if cfg.natsClient != "natsgo" {
			names = append(names, "nats-raw")
		}
	}
	if cfg.systems != "" {
		names = strings.Split(cfg.systems, ",")
	}
	var out []loadSystem
	for _, n := range names {
		switch n {
		case "tandem":
			out = append(out, &tandemSystem{cfg: cfg})
		case "tandem-ws":
			if cfg.wsURL == "" {
				return nil, errors.New("system tandem-ws needs --ws")
			}
			out = append(out, &tandemSystem{cfg: cfg, websocket: true})
		case "nats", "nats-raw":
			if cfg.natsAddr == "" {
				return nil, fmt.Errorf("system %s needs --nats", n)
			}
			if n == "nats" {
				out = append(out, &natsSystem{cfg: cfg})
			} else {
				out = append(out, &natsRawSystem{cfg: cfg})
			}
		default:
			return nil, fmt.Errorf("unknown system %q (tandem, tandem-ws, nats, nats-raw)", n)
		}
	}
	return out, nil
}

// --- the load model ---------------------------------------------------------

// minPayload leaves room for the 19-digit send timestamp and some filler.
const minPayload = 24

// tsDigits is the width of a unix-nanosecond timestamp (until 2286).
const tsDigits = 19

type msgKind uint8

const (
	kindUnordered msgKind = iota
	kindOrdered
	kindUpdate
)

// mixedCycle is the "mixed" load: half object updates, as a game's traffic
// mostly is, the rest chat-like messages, a fifth of them ordered.
var mixedCycle = [...]msgKind{kindUpdate, kindUnordered, kindUpdate, kindOrdered, kindUpdate, kindUnordered, kindUpdate, kindUnordered, kindUpdate, kindOrdered}

// parseMix returns the kind of message number k for a mix name.
func parseMix(mix string) (func(k int) msgKind, error) {
	switch mix {
	case "unordered":
		return func(int) msgKind { return kindUnordered }, nil
	case "ordered":
		return func(int) msgKind { return kindOrdered }, nil
	case "update":
		return func(int) msgKind { return kindUpdate }, nil
	case "mixed":
		return func(k int) msgKind { return mixedCycle[k%len(mixedCycle)] }, nil
	}
	return nil, fmt.Errorf("--mix must be unordered, ordered, update or mixed, not %q", mix)
}

// window is the measurement interval in unix nanoseconds. It is fixed
// before any sender starts and never changes, so readers share it freely.
type window struct{ start, end int64 }

func (w window) has(t int64) bool { return t >= w.start && t < w.end }

// sharedWindow hands the window to the readers, which start during setup,
// before the window is known. Until it is set it lies in the far future,
// so nothing is counted; the atomics make the hand-over race-free (socket
// traffic is no happens-before edge).
type sharedWindow struct{ start, end atomic.Int64 }

func newSharedWindow() *sharedWindow {
	w := &sharedWindow{}
	w.start.Store(1<<63 - 1)
	w.end.Store(1<<63 - 1)
	return w
}

func (w *sharedWindow) set(v window) {
	w.end.Store(v.end)
	w.start.Store(v.start)
}

func (w *sharedWindow) get() window { return window{start: w.start.Load(), end: w.end.Load()} }

// putTimestamp writes ts as tsDigits decimal digits into b.
func putTimestamp(b []byte, ts int64) {
	for i := tsDigits - 1; i >= 0; i-- {
		b[i] = byte('0' + ts%10)
		ts /= 10
	}
}

// parseTimestamp reads the timestamp putTimestamp wrote at the start of b.
func parseTimestamp(b []byte) (int64, bool) {
	if len(b) < tsDigits {
		return 0, false
	}
	var ts int64
	for _, ch := range b[:tsDigits] {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		ts = ts*10 + int64(ch-'0')
	}
	return ts, true
}

// fillPayload returns a payload of n bytes whose first tsDigits bytes are
// rewritten with the send time of each message.
func fillPayload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = 'a' + byte(i%26)
	}
	return p
}

// recvStats is what one connection's reader saw. The reader goroutine owns
// every field but matched, which the drain loop polls; the rest is read
// only after the reader has stopped.
type recvStats struct {
	win      *sharedWindow
	hist     latencyHist
	received int64 // delivered within the window, by receive time
	bytes    int64 // their line bytes
	matched  atomic.Int64
	arrived  atomic.Int64 // every delivery, for the progress line
	errors   int64
	samples  []string
}

// deliver records one delivered message sent at ts, received at now, of n
// bytes on the wire. Latency is recorded for messages sent in the window
// (including those that arrive in the drain after it), so a backlog shows
// as latency rather than vanishing; throughput counts arrivals in the window.
func (s *recvStats) deliver(ts, now int64, n int) {
	s.arrived.Add(1)
	win := s.win.get()
	if win.has(ts) {
		s.matched.Add(1)
		s.hist.record(now - ts)
	}
	if win.has(now) {
		s.received++
		s.bytes += int64(n)
	}
}

func (s *recvStats) fail(what string) {
	s.errors++
	if len(s.samples) < 3 {
		s.samples = append(s.samples, what)
	}
}

// sendStats is owned by one sender goroutine and read after it stopped.
type sendStats struct {
	sent, inWindow int64
	errors         int64
	sample         string
}

// loadPeer is one player's connection to the system under test.
type loadPeer interface {
	// queue adds message k of this player, stamped ts, to the next flush.
	queue(k int, ts int64)
	// flush sends what queue added.
	flush() error
	// stop closes the connection and waits for its reader to return.
	stop()
}

// loadSystem connects players to one system (Tandem or NATS).
type loadSystem interface {
	name() string
	serverAddr() string
	serverPID() int
	// connect sets up player p of room r: connected, in its room, ready to
	// send; its reader records into st from now on.
	connect(ctx context.Context, r, p int, st *recvStats) (loadPeer, error)
}

// loadResult is one system's figures.
type loadResult struct {
	system        string
	conns         int
	setup         time.Duration
	sent          int64 // in the window
	expected      int64 // deliveries due for the messages sent in the window
	matched       int64 // of those, delivered (within the drain)
	received      int64 // deliveries in the window
	bytes         int64
	hist          latencyHist
	errors        int64
	samples       []string
	server        procWatch
	client        procWatch
	machineBusy   int64 // ticks all CPUs were busy in the window; -1 unknown
	hz            int64
	window        time.Duration
	lostToTimeout bool
	round         int // 1.. with --rounds
}

func runLoad(ctx context.Context, cfg *benchConfig, sys loadSystem, live *liveFigures, logf func(string, ...any)) (*loadResult, error) {
	n := cfg.rooms * cfg.players
	res := &loadResult{system: sys.name(), conns: n, hz: clockTicks(), window: cfg.duration}
	res.server.pid = sys.serverPID()
	if res.server.pid == 0 {
		if pid, err := findListenerPID(sys.serverAddr()); err == nil {
			res.server.pid = pid
		} else {
			logf("%s: no server CPU and RSS: %v", sys.name(), err)
		}
	}
	res.client.pid = os.Getpid()

	// Set up every player before any sends, so no message is lost to a
	// member that has not joined yet. The window is fixed afterwards: setup
	// time never counts.
	logf("%s: connecting %d players in %d rooms", sys.name(), n, cfg.rooms)
	live.connecting(sys.name(), "connecting", n)
	setupStart := time.Now()
	shared := newSharedWindow()
	stats := make([]*recvStats, n)
	peers := make([]loadPeer, n)
	for i := range stats {
		stats[i] = &recvStats{win: shared}
	}
	err := forEachLimited(ctx, n, cfg.setupConcurrency, func(ctx context.Context, i int) error {
		p, err := sys.connect(ctx, i/cfg.players, i%cfg.players, stats[i])
		peers[i] = p
		if err == nil {
			live.connected.Add(1)
		}
		return err
	})
	stopAll := func() {
		var wg sync.WaitGroup
		for _, p := range peers {
			if p != nil {
				wg.Go(p.stop)
			}
		}
		wg.Wait()
	}
	if err != nil {
		stopAll()
		return nil, fmt.Errorf("set up players: %w", err)
	}
	res.setup = time.Since(setupStart)
	logf("%s: %d players ready in %s; load for %s + %s", sys.name(), n, res.setup.Round(time.Millisecond), cfg.warmup, cfg.duration)

	begin := time.Now().Add(50 * time.Millisecond)
	win := window{start: begin.Add(cfg.warmup).UnixNano()}
	win.end = win.start + cfg.duration.Nanoseconds()
	shared.set(win)
	period := time.Duration(float64(time.Second) / cfg.rate)
	sends := make([]sendStats, n)
	var senders sync.WaitGroup
	for i, p := range peers {
		// Spread the players' first sends over one period, so the load is
		// smooth rather than R*P messages at every tick.
		offset := time.Duration(int64(period) * int64(i) / int64(n))
		senders.Go(func() { runSender(ctx, p, begin.Add(offset), period, win, &sends[i]) })
	}
	live.counting(func() int64 {
		var n int64
		for _, s := range stats {
			n += s.arrived.Load()
		}
		return n
	})
	live.enter(sys.name(), "warm-up", cfg.warmup)
	sleepUntil(ctx, time.Unix(0, win.start))
	live.enter(sys.name(), "measuring", cfg.duration)
	res.server.begin()
	res.client.begin()
	busy0, busyErr := machineBusyTicks()
	sleepUntil(ctx, time.Unix(0, win.end))
	res.server.finish()
	res.client.finish()
	busy1, busyErr1 := machineBusyTicks()
	res.machineBusy = -1
	if busyErr == nil && busyErr1 == nil {
		res.machineBusy = busy1 - busy0
	}
	senders.Wait()
	live.enter(sys.name(), "draining", cfg.drain)

	// Deliveries due: every message sent in the window, to the P-1 others.
	for i := range sends {
		res.sent += sends[i].inWindow
		res.errors += sends[i].errors
		if sends[i].sample != "" && len(res.samples) < 5 {
			res.samples = append(res.samples, sends[i].sample)
		}
	}
	res.expected = res.sent * int64(cfg.players-1)
	drainEnd := time.Now().Add(cfg.drain)
	for {
		var got int64
		for _, s := range stats {
			got += s.matched.Load()
		}
		if got >= res.expected || time.Now().After(drainEnd) || ctx.Err() != nil {
			res.lostToTimeout = got < res.expected
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopAll()
	for _, s := range stats {
		res.hist.merge(&s.hist)
		res.received += s.received
		res.bytes += s.bytes
		res.matched += s.matched.Load()
		res.errors += s.errors
		for _, x := range s.samples {
			if len(res.samples) < 5 && !slices.Contains(res.samples, x) {
				res.samples = append(res.samples, x)
			}
		}
	}
	if res.server.err != nil {
		logf("%s: reading server /proc: %v", sys.name(), res.server.err)
	}
	for _, s := range res.samples {
		logf("%s: error: %s", sys.name(), s)
	}
	return res, ctx.Err()
}

// runSender sends player p's messages: message k is due at first+k*period.
// A ticker wakes it; each wake-up sends every message now due (at most
// maxBatch, so a stalled connection cannot build an unbounded burst) in
// one write, so the offered rate holds even when ticks are late.
func runSender(ctx context.Context, p loadPeer, first time.Time, period time.Duration, win window, st *sendStats) {
	const maxBatch = 256
	if !sleepUntil(ctx, first) {
		return
	}
	tick := time.NewTicker(max(period, time.Millisecond))
	defer tick.Stop()
	k := 0
	for {
		now := time.Now()
		ts := now.UnixNano()
		if ts >= win.end {
			return
		}
		due := int(now.Sub(first)/period) + 1
		batch := min(due-k, maxBatch)
		for range batch {
			p.queue(k, ts)
			k++
		}
		if batch > 0 {
			if err := p.flush(); err != nil {
				st.errors++
				st.sample = "send: " + err.Error()
				return
			}
			st.sent += int64(batch)
			if win.has(ts) {
				st.inWindow += int64(batch)
			}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// sleepUntil reports false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// forEachLimited runs f(0..n-1) with at most limit at once and returns the
// first error (the rest still finish; ctx given to f is cancelled).
func forEachLimited(ctx context.Context, n, limit int, f func(context.Context, int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := f(ctx, i); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// --- reporting --------------------------------------------------------------

func (r *loadResult) perSecond(n int64) float64 { return float64(n) / r.window.Seconds() }

func (r *loadResult) lost() int64 { return max(r.expected-r.matched, 0) }

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// otherCPU is the CPU share (100 = one core) that processes other than
// the server and this bench took during the window; ok is false when
// unknown. On a shared machine it says how far to trust the figures.
func (r *loadResult) otherCPU() (float64, bool) {
	if r.machineBusy < 0 || !r.client.ok() {
		return 0, false
	}
	sec := float64(r.machineBusy)/float64(r.hz) - r.client.cpuSeconds(r.hz)
	if r.server.ok() && r.server.pid != r.client.pid {
		sec -= r.server.cpuSeconds(r.hz)
	}
	return max(100*sec/r.window.Seconds(), 0), true
}

// serverCPU returns the server's CPU share (100 = one core) and its CPU
// time per delivered message in microseconds; ok is false without /proc.
func (r *loadResult) serverCPU() (pct, usPerMsg float64, ok bool) {
	if !r.server.ok() {
		return 0, 0, false
	}
	sec := r.server.cpuSeconds(r.hz)
	pct = 100 * sec / r.window.Seconds()
	if r.received > 0 {
		usPerMsg = sec * 1e6 / float64(r.received)
	}
	return pct, usPerMsg, true
}

func (r *loadResult) figuresLine(cfg *benchConfig) string {
	var b strings.Builder
	kv := func(k string, v any) {
		b.WriteByte(' ')
		b.WriteString(k)
		b.WriteByte('=')
		switch x := v.(type) {
		case float64:
			b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
		default:
			fmt.Fprint(&b, x)
		}
	}
	round := func(x float64, places int) float64 {
		v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', places, 64), 64)
		return v
	}
	b.WriteString("BENCH")
	kv("system", r.system)
	kv("mode", "load")
	kv("round", r.round)
	kv("mix", cfg.mix)
	kv("rooms", cfg.rooms)
	kv("players", cfg.players)
	kv("conns", r.conns)
	kv("rate", cfg.rate)
	kv("bytes", cfg.bytes)
	kv("duration_s", cfg.duration.Seconds())
	kv("offered_per_s", round(float64(cfg.rooms*cfg.players)*cfg.rate*float64(cfg.players-1), 1))
	kv("sent_per_s", round(r.perSecond(r.sent), 1))
	kv("delivered", r.received)
	kv("delivered_per_s", round(r.perSecond(r.received), 1))
	kv("bytes_per_s", round(r.perSecond(r.bytes), 0))
	kv("p50_us", round(us(r.hist.quantile(0.50)), 1))
	kv("p90_us", round(us(r.hist.quantile(0.90)), 1))
	kv("p99_us", round(us(r.hist.quantile(0.99)), 1))
	kv("p999_us", round(us(r.hist.quantile(0.999)), 1))
	kv("max_us", round(us(time.Duration(r.hist.max)), 1))
	kv("errors", r.errors)
	kv("lost", r.lost())
	if pct, per, ok := r.serverCPU(); ok {
		kv("server_pid", r.server.pid)
		kv("server_cpu_pct", round(pct, 1))
		kv("server_cpu_us_per_msg", round(per, 3))
		kv("server_rss_kib", r.server.end.rssKiB)
		if r.server.start.syscw >= 0 && r.server.end.syscw > r.server.start.syscw && r.server.end.syscr > r.server.start.syscr {
			// Deliveries per write call and sent messages per read call,
			// over the window (the window's sent count stands for inbound).
			kv("server_msgs_per_write", round(float64(r.received)/float64(r.server.end.syscw-r.server.start.syscw), 2))
			kv("server_msgs_per_read", round(float64(r.sent)/float64(r.server.end.syscr-r.server.start.syscr), 2))
		}
	}
	if r.client.ok() {
		kv("client_cpu_pct", round(100*r.client.cpuSeconds(r.hz)/r.window.Seconds(), 1))
	}
	if other, ok := r.otherCPU(); ok {
		kv("other_cpu_pct", round(other, 1))
	}
	kv("setup_s", round(r.setup.Seconds(), 2))
	return b.String()
}

func printLoadTable(w io.Writer, cfg *benchConfig, results []*loadResult) {
	fmt.Fprintf(w, "load: %d rooms x %d players, %g msg/s of %d B each (%s), %s measured after %s warm-up\n",
		cfg.rooms, cfg.players, cfg.rate, cfg.bytes, cfg.mix, cfg.duration, cfg.warmup)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "system\tconns\toffered/s\tdelivered/s\tMB/s\tp50 ms\tp90 ms\tp99 ms\tp99.9 ms\tmax ms\terrors\tlost\tsrv CPU %\tsrv µs/msg\tsrv RSS MiB\tclient CPU %\tother CPU %\t")
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) }
	for _, r := range results {
		offered := float64(cfg.rooms*cfg.players) * cfg.rate * float64(cfg.players-1)
		cpu, per, rss := "-", "-", "-"
		if pct, p, ok := r.serverCPU(); ok {
			cpu = strconv.FormatFloat(pct, 'f', 1, 64)
			per = strconv.FormatFloat(p, 'f', 3, 64)
			rss = strconv.FormatFloat(float64(r.server.end.rssKiB)/1024, 'f', 1, 64)
		}
		ccpu, ocpu := "-", "-"
		if r.client.ok() {
			ccpu = strconv.FormatFloat(100*r.client.cpuSeconds(r.hz)/r.window.Seconds(), 'f', 1, 64)
		}
		if other, ok := r.otherCPU(); ok {
			ocpu = strconv.FormatFloat(other, 'f', 1, 64)
		}
		label := r.system
		if cfg.rounds > 1 {
			label += " #" + strconv.Itoa(r.round)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f\t%.2f\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n",
			label, r.conns, offered, r.perSecond(r.received), r.perSecond(r.bytes)/1e6,
			ms(r.hist.quantile(0.5)), ms(r.hist.quantile(0.9)), ms(r.hist.quantile(0.99)), ms(r.hist.quantile(0.999)), ms(time.Duration(r.hist.max)),
			r.errors, r.lost(), cpu, per, rss, ccpu, ocpu)
	}
	_ = tw.Flush()
	if cfg.rounds > 1 {
		printMedians(w, cfg, results)
	}
}

// printMedians sums up --rounds: per system, the median over its rounds of
// the figures that compare systems (a median shrugs off one round that a
// neighbour's burst spoiled).
func printMedians(w io.Writer, cfg *benchConfig, results []*loadResult) {
	fmt.Fprintf(w, "medians over %d rounds:\n", cfg.rounds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "system\tdelivered/s\tp50 ms\tp99 ms\tsrv µs/msg\t")
	var order []string
	by := map[string][]*loadResult{}
	for _, r := range results {
		if by[r.system] == nil {
			order = append(order, r.system)
		}
		by[r.system] = append(by[r.system], r)
	}
	for _, name := range order {
		rs := by[name]
		rate := median(rs, func(r *loadResult) (float64, bool) { return r.perSecond(r.received), true })
		p50 := median(rs, func(r *loadResult) (float64, bool) { return float64(r.hist.quantile(0.5)) / 1e6, true })
		p99 := median(rs, func(r *loadResult) (float64, bool) { return float64(r.hist.quantile(0.99)) / 1e6, true })
		per := median(rs, func(r *loadResult) (float64, bool) { _, p, ok := r.serverCPU(); return p, ok })
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", name, rate(0), p50(3), p99(3), per(3))
	}
	_ = tw.Flush()
}

// median returns a formatter of the median of f over rs ("-" when f knows
// none of them).
func median(rs []*loadResult, f func(*loadResult) (float64, bool)) func(places int) string {
	var vs []float64
	for _, r := range rs {
		if v, ok := f(r); ok {
			vs = append(vs, v)
		}
	}
	return func(places int) string {
		if len(vs) == 0 {
			return "-"
		}
		slices.Sort(vs)
		m := vs[len(vs)/2]
		if len(vs)%2 == 0 {
			m = (vs[len(vs)/2-1] + m) / 2
		}
		return strconv.FormatFloat(m, 'f', places, 64)
	}
}
