package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tandemnet/tandem/cmd/tandem/internal/exitcode"
	"github.com/tandemnet/tandem/cmd/tandem/internal/progress"
)

// Idle mode: hold C logged-in connections that only keep alive, and report
// what they cost the server. The baseline is taken after a first slice of
// the connections, so the memory the server needs anyway once clients log
// in (password hashing buffers, goroutine and GC growth) is not charged to
// each idle connection.

// idlePingEvery keeps Tandem connections under the server's idle timeout
// (60 s by default), as the C# client's 15 s keep-alive does.
const idlePingEvery = 15 * time.Second

// idleQuietAfterPings is how long a memory sample waits after a round of
// keep-alives. The bench sends every connection's keep-alive at once, so
// for a moment the server has thousands of them in hand (goroutines,
// buffers) where real clients, spread out, would have a few; a sample
// taken then measures that moment, not idle connections.
const idleQuietAfterPings = 3 * time.Second

type idleResult struct {
	system     string
	want       int
	connected  int
	baseConns  int
	held       int
	setup      time.Duration
	base, end  procSample
	pidOK      bool
	pid        int
	heapBase   float64 // Go heap in use (bytes), -1 when unknown
	heapEnd    float64
	stackBase  float64
	stackEnd   float64
	goroutines float64
	errors     int64
	sample     string
	// rssSettled: both RSS samples were taken right after the server
	// returned its freed memory to the OS (free-os-memory), not after a
	// wait for the runtime to do so by itself.
	rssSettled bool
}

func (r *idleResult) perConn(before, after float64) float64 {
	n := r.connected - r.baseConns
	if n <= 0 {
		return 0
	}
	return (after - before) / float64(n)
}

// idleConn is one held connection: a reader that drains keep-alive answers
// and counts the hold check's answer.
type idleConn interface {
	// check asks the server to answer now; the answer is counted in held.
	check() error
	close()
}

// idleSystem opens held connections on one system.
type idleSystem interface {
	name() string
	serverAddr() string
	serverPID() int
	open(ctx context.Context, i int, held *atomic.Int64) (idleConn, error)
	// keepAlive is called every idlePingEvery for each open connection.
	keepAlive(c idleConn)
	// pprofAddr is the server's pprof listener, or "".
	pprofAddr() string
}

// goMemory asks a Go server with net/http/pprof to collect garbage (the
// heap profile's gc=1 does) and returns the heap and goroutine stack bytes
// in use and the goroutine count. Without the forced collection a memory
// sample is skewed by garbage: a Tandem login hashes its password with
// Argon2id, 19 MiB each, and whether that is still held would be luck.
func goMemory(addr string) (heap, stack, goroutines float64, err error) {
	client := http.Client{Timeout: 30 * time.Second}
	get := func(path string) ([]string, error) {
		resp, err := client.Get("http://" + addr + path)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s: %s", path, resp.Status)
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		return strings.Split(string(b), "\n"), err
	}
	lines, err := get("/debug/pprof/heap?debug=1&gc=1")
	if err != nil {
		return 0, 0, 0, err
	}
	found := 0
	for _, l := range lines {
		// runtime.MemStats, as "# HeapInuse = N" and "# Stack = inuse / sys".
		if v, ok := strings.CutPrefix(l, "# HeapInuse = "); ok {
			heap, err = strconv.ParseFloat(v, 64)
			found++
		}
		if v, ok := strings.CutPrefix(l, "# Stack = "); ok {
			v, _, _ = strings.Cut(v, " ")
			stack, err = strconv.ParseFloat(v, 64)
			found++
		}
		if err != nil {
			return 0, 0, 0, err
		}
	}
	if found != 2 {
		return 0, 0, 0, errors.New("no runtime.MemStats in the heap profile")
	}
	lines, err = get("/debug/pprof/goroutine?debug=1")
	if err != nil {
		return 0, 0, 0, err
	}
	if v, ok := strings.CutPrefix(lines[0], "goroutine profile: total "); ok {
		goroutines, _ = strconv.ParseFloat(v, 64)
	}
	return heap, stack, goroutines, nil
}

// freeOSMemory asks a Tandem server started with --pprof to return freed
// memory to the OS at once, so that its RSS holds no garbage of the logins.
func freeOSMemory(addr string) error {
	client := http.Client{Timeout: 30 * time.Second}
	resp, err := client.Post("http://"+addr+"/debug/pprof/free-os-memory", "", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("free-os-memory: %s", resp.Status)
	}
	return nil
}

// idleSystems returns the systems idle mode holds connections to, in order.
func (cfg *benchConfig) idleSystems() ([]idleSystem, error) {
	names := []string{"tandem"}
	if cfg.wsURL != "" {
		names = append(names, "tandem-ws")
	}
	if cfg.natsAddr != "" {
		names = append(names, "nats")
	}
	if cfg.systems != "" {
		names = strings.Split(cfg.systems, ",")
	}
	var out []idleSystem
	for _, n := range names {
		switch {
		case n == "tandem":
			out = append(out, &tandemIdle{tandemSystem{cfg: cfg}})
		case n == "tandem-ws" && cfg.wsURL != "":
			out = append(out, &tandemIdle{tandemSystem{cfg: cfg, websocket: true}})
		case n == "nats" && cfg.natsAddr != "":
			out = append(out, &natsIdle{cfg: cfg})
		case n == "tandem-ws" || n == "nats":
			return nil, fmt.Errorf("system %s needs --%s", n, strings.TrimPrefix(n, "tandem-"))
		default:
			return nil, fmt.Errorf("unknown idle-mode system %q (tandem, tandem-ws, nats)", n)
		}
	}
	return out, nil
}

func runIdleBench(ctx context.Context, cfg *benchConfig, systems []idleSystem, stdout io.Writer, live *liveFigures, status *progress.Status, logf func(string, ...any)) int {
	var results []*idleResult
	for _, sys := range systems {
		res := runIdle(ctx, cfg, sys, live, logf)
		results = append(results, res)
		if ctx.Err() != nil {
			break
		}
	}
	status.Stop()
	printIdleTable(stdout, results)
	for _, r := range results {
		fmt.Fprintln(stdout, r.figuresLine())
	}
	for _, r := range results {
		if r.held < r.want {
			return exitcode.Fail
		}
	}
	return exitcode.OK
}

func runIdle(ctx context.Context, cfg *benchConfig, sys idleSystem, live *liveFigures, logf func(string, ...any)) *idleResult {
	res := &idleResult{system: sys.name(), want: cfg.idle, pid: sys.serverPID(), heapBase: -1, heapEnd: -1, stackBase: -1, stackEnd: -1, goroutines: -1, rssSettled: true}
	if res.pid == 0 {
		if pid, err := findListenerPID(sys.serverAddr()); err == nil {
			res.pid = pid
		} else {
			logf("%s: no server memory figures: %v", sys.name(), err)
		}
	}
	var (
		mu    sync.Mutex
		conns []idleConn
		held  atomic.Int64
		errs  atomic.Int64
		first atomic.Value
	)
	add := func(c idleConn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		live.connected.Add(1)
	}
	snapshot := func() []idleConn {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(conns)
	}
	// Keep-alives run for the whole setup, which can take minutes for 10k
	// logins (each one a password hash on the server). A memory sample
	// holds pingMu, so no round starts while it is taken, and waits
	// idleQuietAfterPings after the last one.
	pingCtx, stopPing := context.WithCancel(ctx)
	var (
		pingWG    sync.WaitGroup
		pingMu    sync.Mutex
		lastPings time.Time
	)
	pingWG.Go(func() {
		t := time.NewTicker(idlePingEvery)
		defer t.Stop()
		for {
			select {
			case <-pingCtx.Done():
				return
			case <-t.C:
				pingMu.Lock()
				for _, c := range snapshot() {
					sys.keepAlive(c)
				}
				lastPings = time.Now()
				pingMu.Unlock()
			}
		}
	})
	defer func() {
		stopPing()
		pingWG.Wait()
		var wg sync.WaitGroup
		for _, c := range snapshot() {
			wg.Go(c.close)
		}
		wg.Wait()
	}()

	open := func(from, to int) {
		_ = forEachLimited(ctx, to-from, cfg.setupConcurrency, func(ctx context.Context, i int) error {
			c, err := sys.open(ctx, from+i, &held)
			if err != nil {
				if errs.Add(1) == 1 {
					first.Store(err.Error())
				}
				return nil // count it and go on: how many are held is the figure
			}
			add(c)
			return nil
		})
	}
	sample := func(s *procSample, heap, stack *float64) {
		pingMu.Lock()
		defer pingMu.Unlock()
		sleepUntil(ctx, lastPings.Add(idleQuietAfterPings))
		addr := sys.pprofAddr()
		if addr == "" {
			res.rssSettled = false
		}
		if addr != "" {
			h, st, g, err := goMemory(addr)
			if err != nil {
				res.rssSettled = false
				logf("%s: Go memory from %s: %v", sys.name(), addr, err)
			} else {
				*heap, *stack, res.goroutines = h, st, g
				if err := freeOSMemory(addr); err != nil {
					// Not a Tandem server that can (NATS, an older
					// build): the runtime returns freed pages to the OS
					// gradually.
					res.rssSettled = false
					sleepUntil(ctx, time.Now().Add(cfg.settle))
				}
			}
		}
		if res.pid > 0 {
			if p, err := readProc(res.pid); err == nil {
				*s = p
				res.pidOK = true
			}
		}
	}

	start := time.Now()
	res.baseConns = min(max(cfg.idle/10, 1), 200)
	logf("%s: opening %d connections (baseline after %d)", sys.name(), cfg.idle, res.baseConns)
	live.connecting(sys.name(), "opening", cfg.idle)
	open(0, res.baseConns)
	res.baseConns = len(snapshot())
	sample(&res.base, &res.heapBase, &res.stackBase)
	open(res.baseConns, cfg.idle)
	res.setup = time.Since(start)
	res.connected = len(snapshot())
	logf("%s: %d of %d connected in %s; holding %s", sys.name(), res.connected, cfg.idle, res.setup.Round(time.Millisecond), cfg.hold)
	live.enter(sys.name(), "holding", cfg.hold)
	sleepUntil(ctx, time.Now().Add(cfg.hold))
	live.enter(sys.name(), "checking", 0)
	sample(&res.end, &res.heapEnd, &res.stackEnd)

	// Hold check: every connection must still answer.
	stopPing()
	pingWG.Wait()
	for _, c := range snapshot() {
		if err := c.check(); err != nil {
			if errs.Add(1) == 1 {
				first.Store(err.Error())
			}
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for held.Load() < int64(res.connected) && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	res.held = int(held.Load())
	res.errors = errs.Load()
	if s, ok := first.Load().(string); ok {
		res.sample = s
		logf("%s: first error: %s", sys.name(), s)
	}
	logf("%s: %d of %d answered the hold check", sys.name(), res.held, res.connected)
	return res
}

func (r *idleResult) figuresLine() string {
	var b strings.Builder
	kv := func(k string, v any) { fmt.Fprintf(&b, " %s=%v", k, v) }
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 0, 64) }
	b.WriteString("BENCH")
	kv("system", r.system)
	kv("mode", "idle")
	kv("conns", r.want)
	kv("connected", r.connected)
	kv("held", r.held)
	kv("errors", r.errors)
	kv("setup_s", strconv.FormatFloat(r.setup.Seconds(), 'f', 1, 64))
	if r.pidOK {
		kv("server_pid", r.pid)
		kv("rss_base_kib", r.base.rssKiB)
		kv("rss_kib", r.end.rssKiB)
		kv("rss_per_conn_bytes", f(r.perConn(float64(r.base.rssKiB)*1024, float64(r.end.rssKiB)*1024)))
		kv("rss_after_free", strconv.FormatBool(r.rssSettled))
		kv("threads", r.end.threads)
	}
	if r.heapEnd >= 0 && r.heapBase >= 0 {
		kv("heap_per_conn_bytes", f(r.perConn(r.heapBase, r.heapEnd)))
		kv("stack_per_conn_bytes", f(r.perConn(r.stackBase, r.stackEnd)))
		kv("goroutines", f(r.goroutines))
	}
	return b.String()
}

func printIdleTable(w io.Writer, results []*idleResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "system\tconns\tconnected\theld\terrors\tsetup s\tRSS base MiB\tRSS MiB\tRSS B/conn\theap B/conn\tstack B/conn\t")
	for _, r := range results {
		rb, re, rp, hp, sp := "-", "-", "-", "-", "-"
		if r.pidOK {
			rb = strconv.FormatFloat(float64(r.base.rssKiB)/1024, 'f', 1, 64)
			re = strconv.FormatFloat(float64(r.end.rssKiB)/1024, 'f', 1, 64)
			rp = strconv.FormatFloat(r.perConn(float64(r.base.rssKiB)*1024, float64(r.end.rssKiB)*1024), 'f', 0, 64)
		}
		if r.heapEnd >= 0 && r.heapBase >= 0 {
			hp = strconv.FormatFloat(r.perConn(r.heapBase, r.heapEnd), 'f', 0, 64)
			sp = strconv.FormatFloat(r.perConn(r.stackBase, r.stackEnd), 'f', 0, 64)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.1f\t%s\t%s\t%s\t%s\t%s\t\n", r.system, r.want, r.connected, r.held, r.errors, r.setup.Seconds(), rb, re, rp, hp, sp)
	}
	_ = tw.Flush()
}

// --- Tandem -------------------------------------------------------------------

// tandemIdle holds idle connections to a Tandem server over TCP or
// WebSocket; name, address and pid are the load system's.
type tandemIdle struct{ tandemSystem }

func (t *tandemIdle) pprofAddr() string { return t.cfg.serverAdmin }

func (t *tandemIdle) open(ctx context.Context, i int, held *atomic.Int64) (idleConn, error) {
	// A small read buffer: these connections only ever get pongs.
	c, err := dialTandem(ctx, t.dialer(i), t.cfg.userPrefix+"idle"+strconv.Itoa(i), t.cfg.password, 256)
	if err != nil {
		return nil, err
	}
	_ = c.nc.SetDeadline(time.Time{})
	ic := &tandemIdleConn{tandemLine: c, done: make(chan struct{})}
	go ic.readLoop(held)
	return ic, nil
}

func (t *tandemIdle) keepAlive(c idleConn) {
	ic := c.(*tandemIdleConn)
	_ = ic.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = ic.nc.Write([]byte("7\n"))
}

type tandemIdleConn struct {
	*tandemLine
	done chan struct{}
}

func (c *tandemIdleConn) readLoop(held *atomic.Int64) {
	defer close(c.done)
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
		if string(line) == "7:held\n" {
			held.Add(1)
		}
	}
}

func (c *tandemIdleConn) check() error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := c.nc.Write([]byte("7:held\n"))
	return err
}

func (c *tandemIdleConn) close() {
	_ = c.nc.Close()
	<-c.done
}

// --- NATS ---------------------------------------------------------------------

type natsIdle struct{ cfg *benchConfig }

func (n *natsIdle) name() string       { return "nats" }
func (n *natsIdle) serverAddr() string { return n.cfg.natsAddr }
func (n *natsIdle) serverPID() int     { return n.cfg.natsPID }
func (n *natsIdle) pprofAddr() string  { return n.cfg.natsAdmin }

func (n *natsIdle) open(_ context.Context, i int, held *atomic.Int64) (idleConn, error) {
	var errs atomic.Int64
	nc, err := natsConnect(n.cfg.natsAddr, n.cfg.userPrefix+"idle"+strconv.Itoa(i), &errs)
	if err != nil {
		return nil, err
	}
	return &natsIdleConn{nc: nc, held: held}, nil
}

// keepAlive is nothing: nats.go answers the server's pings itself.
func (n *natsIdle) keepAlive(idleConn) {}

type natsIdleConn struct {
	nc   *nats.Conn
	held *atomic.Int64
}

// check is a PING/PONG round trip; the flushes run one after another, so
// they are bounded per connection.
func (c *natsIdleConn) check() error {
	if err := c.nc.FlushTimeout(10 * time.Second); err != nil {
		return err
	}
	c.held.Add(1)
	return nil
}

func (c *natsIdleConn) close() { c.nc.Close() }
