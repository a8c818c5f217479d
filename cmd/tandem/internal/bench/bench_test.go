package bench

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/cmd/tandem/internal/exitcode"
	"github.com/tandemnet/tandem/cmd/tandem/internal/progress/ptytest"
	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
)

// figures returns the key=value pairs of the BENCH line of system.
func figures(t *testing.T, out, system string) map[string]string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "BENCH" {
			continue
		}
		kv := map[string]string{}
		for _, p := range f[1:] {
			k, v, ok := strings.Cut(p, "=")
			require.True(t, ok, "field %q of %q is not key=value", p, line)
			kv[k] = v
		}
		if kv["system"] == system {
			return kv
		}
	}
	t.Fatalf("no BENCH line for %s in:\n%s", system, out)
	return nil
}

func number(t *testing.T, kv map[string]string, key string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(kv[key], 64)
	require.NoError(t, err, "%s=%q", key, kv[key])
	return v
}

// startServer starts a dev-mode server that gives logins a minute: the
// bench logs many players in at once, and password hashing under -race on
// a busy machine can take longer than the default 10 s queue.
func startServer(t *testing.T, opts ...servertest.Option) *servertest.Server {
	t.Helper()
	slow := servertest.WithConfig(func(c *server.Config) { c.Limits.LoginTimeout = time.Minute })
	return servertest.Start(t, append([]servertest.Option{slow}, opts...)...)
}

func runBenchArgs(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := Run(ctx, args, &out, &errOut)
	t.Log(errOut.String())
	// Not a terminal: plain log lines, no progress line.
	assert.NotContains(t, errOut.String(), "\r", "no progress line outside a terminal")
	return out.String(), code
}

func TestBenchLoadAgainstServer(t *testing.T) {
	srv := startServer(t)
	// The mixed load exercises all three paths: unordered and ordered
	// messages and object updates (each player spawns an object).
	out, code := runBenchArgs(t, "--addr", srv.Addr, "--rooms", "2", "--players", "3",
		"--rate", "20", "--bytes", "40", "--duration", "1s", "--warmup", "200ms", "--mix", "mixed")
	require.Equal(t, exitcode.OK, code, out)
	t.Log(out)
	kv := figures(t, out, "tandem")
	assert.Equal(t, "load", kv["mode"])
	assert.Equal(t, "6", kv["conns"])
	assert.Greater(t, number(t, kv, "delivered"), 0.0)
	assert.Greater(t, number(t, kv, "delivered_per_s"), 0.0)
	assert.Greater(t, number(t, kv, "p50_us"), 0.0)
	assert.GreaterOrEqual(t, number(t, kv, "p99_us"), number(t, kv, "p50_us"))
	assert.GreaterOrEqual(t, number(t, kv, "max_us"), number(t, kv, "p999_us"))
	assert.Zero(t, number(t, kv, "errors"))
	assert.Zero(t, number(t, kv, "lost"))
	// The server runs in this process, which the port lookup finds.
	assert.Equal(t, strconv.Itoa(os.Getpid()), kv["server_pid"])
	assert.Greater(t, number(t, kv, "server_rss_kib"), 0.0)
	assert.Contains(t, out, "delivered/s", "the readable table")
}

// On a terminal, stderr shows each phase with its elapsed time and the
// delivery rate; the line is erased before the results.
func TestBenchProgressOnTerminal(t *testing.T) {
	srv := startServer(t)
	term := ptytest.Open(t)
	var out bytes.Buffer
	code := Run(t.Context(), []string{"--addr", srv.Addr, "--rooms", "1", "--players", "3",
		"--rate", "50", "--duration", "1s", "--warmup", "500ms"}, &out, term.TTY)
	drawn := term.Output()
	require.Equal(t, exitcode.OK, code, drawn)
	for _, want := range []string{
		`\r\x1b\[Ktandem: connecting [0-9.]+m?s  [0-3]/3 connected`,
		`\r\x1b\[Kbench: tandem: 3 players ready in \S+; load for 500ms \+ 1s\ntandem: `, // log lines go above the status
		`\r\x1b\[Ktandem: measuring [0-9.]+m?s/1s  3/3 connected  \d+ deliveries/s`,
	} {
		assert.Regexp(t, want, drawn)
	}
	assert.True(t, strings.HasSuffix(drawn, "\r\x1b[K"), "the status is erased at the end: %q", drawn)
	assert.NotContains(t, out.String(), "\r")
	figures(t, out.String(), "tandem")
}

func TestLiveFiguresRender(t *testing.T) {
	deliveries := int64(0)
	tests := []struct {
		name string
		set  func(f *liveFigures)
		want string // a regular expression for the whole line
	}{
		{"before anything", func(*liveFigures) {}, `^starting$`},
		{"connecting", func(f *liveFigures) {
			f.connecting("tandem", "connecting", 64)
			f.connected.Add(12)
		}, `^tandem: connecting 0s  12/64 connected$`},
		{"measuring", func(f *liveFigures) {
			f.connecting("nats", "connecting", 4)
			f.connected.Add(4)
			f.counting(func() int64 { deliveries += 1000; return deliveries })
			f.enter("nats", "measuring", 10*time.Second)
		}, `^nats: measuring 0s/10s  4/4 connected  \d+ deliveries/s$`},
		{"open-ended", func(f *liveFigures) { f.enter("tandem", "checking", 0) }, `^tandem: checking 0s$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &liveFigures{}
			tt.set(f)
			f.render()                   // the first rate is 0
			time.Sleep(time.Millisecond) // and the next one positive
			assert.Regexp(t, tt.want, f.render())
		})
	}
}

// The same load over TCP and WebSocket to one server, in rounds: both
// systems deliver everything, and every round has its own row and line.
func TestBenchWebSocket(t *testing.T) {
	srv := startServer(t, servertest.WithWebSocket(server.WebSocketOptions{}))
	out, code := runBenchArgs(t, "--addr", srv.Addr, "--ws", srv.WSURL, "--rooms", "1", "--players", "3",
		"--rate", "20", "--bytes", "40", "--duration", "1s", "--warmup", "200ms", "--mix", "mixed", "--rounds", "2")
	require.Equal(t, exitcode.OK, code, out)
	t.Log(out)
	var rows []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "BENCH" {
			rows = append(rows, f[1]+" "+f[3])
		}
	}
	assert.Equal(t, []string{"system=tandem round=1", "system=tandem-ws round=1", "system=tandem round=2", "system=tandem-ws round=2"}, rows)
	for _, system := range []string{"tandem", "tandem-ws"} {
		kv := figures(t, out, system)
		assert.Equal(t, "3", kv["conns"], system)
		assert.Greater(t, number(t, kv, "delivered"), 0.0, system)
		assert.Greater(t, number(t, kv, "p99_us"), 0.0, system)
		assert.Zero(t, number(t, kv, "errors"), system)
		assert.Zero(t, number(t, kv, "lost"), system)
		assert.Greater(t, number(t, kv, "server_cpu_us_per_msg"), 0.0, system)
	}
	assert.Regexp(t, `(?m)^medians over 2 rounds:\n.*srv µs/msg`, out)
	assert.Regexp(t, `(?m)^\s*tandem-ws\s+\d+\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+\s*$`, out, "the WebSocket median row")
}

// tandem-ws alone reaches the server only over WebSocket: the TCP address
// given is closed.
func TestBenchWebSocketOnly(t *testing.T) {
	srv := startServer(t, servertest.WithWebSocket(server.WebSocketOptions{}))
	out, code := runBenchArgs(t, "--addr", "127.0.0.1:1", "--ws", srv.WSURL, "--systems", "tandem-ws",
		"--rooms", "1", "--players", "2", "--rate", "20", "--duration", "500ms", "--warmup", "100ms")
	require.Equal(t, exitcode.OK, code, out)
	kv := figures(t, out, "tandem-ws")
	assert.Greater(t, number(t, kv, "delivered"), 0.0)
	assert.Zero(t, number(t, kv, "lost"))
	// The server pid is found from the WebSocket port.
	assert.Equal(t, strconv.Itoa(os.Getpid()), kv["server_pid"])
	assert.NotContains(t, out, "system=tandem ")
}

// --addr with several servers spreads each room's players over them in
// turn. Two single servers do not share rooms, so nothing is delivered
// across them; what is checked is where each player logged in.
func TestBenchSpreadsOverAddresses(t *testing.T) {
	a, b := startServer(t), startServer(t)
	out, code := runBenchArgs(t, "--addr", a.Addr+","+b.Addr, "--rooms", "1", "--players", "4",
		"--rate", "10", "--duration", "300ms", "--warmup", "0s", "--drain", "0s", "--user-prefix", "spread")
	require.Equal(t, exitcode.OK, code, out)
	users := func(s *servertest.Server) []string {
		list, err := s.Store.ListUsers(t.Context())
		require.NoError(t, err)
		var names []string
		for _, u := range list {
			names = append(names, u.Name)
		}
		return names
	}
	assert.ElementsMatch(t, []string{"spread0_0", "spread0_2"}, users(a))
	assert.ElementsMatch(t, []string{"spread0_1", "spread0_3"}, users(b))
}

// Idle connections over TCP, then over WebSocket, all held and answering.
func TestBenchIdle(t *testing.T) {
	srv := startServer(t, servertest.WithWebSocket(server.WebSocketOptions{}))
	out, code := runBenchArgs(t, "--addr", srv.Addr, "--ws", srv.WSURL, "--idle", "4", "--hold", "100ms")
	require.Equal(t, exitcode.OK, code, out)
	for _, system := range []string{"tandem", "tandem-ws"} {
		kv := figures(t, out, system)
		assert.Equal(t, "idle", kv["mode"], system)
		assert.Equal(t, "4", kv["connected"], system)
		assert.Equal(t, "4", kv["held"], system)
		assert.Zero(t, number(t, kv, "errors"), system)
		assert.Contains(t, kv, "rss_per_conn_bytes", system)
		assert.Equal(t, "false", kv["rss_after_free"], "no --server-admin: RSS read without freeing memory first")
	}
}

// TestBenchNATS runs the same tiny load through a NATS server of its own,
// when one is installed (CI installs Debian's nats-server).
func TestBenchNATS(t *testing.T) {
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		if _, err2 := os.Stat("/usr/sbin/nats-server"); err2 != nil {
			t.Skip("nats-server is not installed")
		}
		bin = "/usr/sbin/nats-server"
	}
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-a", "127.0.0.1", "-p", strconv.Itoa(port))
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	natsAddr := fmt.Sprintf("127.0.0.1:%d", port)
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", natsAddr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)

	srv := startServer(t)
	out, code := runBenchArgs(t, "--addr", srv.Addr, "--nats", natsAddr, "--nats-pid", strconv.Itoa(cmd.Process.Pid),
		"--nats-client", "both", "--rooms", "2", "--players", "2", "--rate", "20", "--duration", "1s", "--warmup", "200ms")
	require.Equal(t, exitcode.OK, code, out)
	t.Log(out)
	for _, sys := range []string{"tandem", "nats", "nats-raw"} {
		kv := figures(t, out, sys)
		assert.Greater(t, number(t, kv, "delivered"), 0.0, sys)
		assert.Zero(t, number(t, kv, "errors"), sys)
		assert.Zero(t, number(t, kv, "lost"), sys)
	}
	assert.Equal(t, strconv.Itoa(cmd.Process.Pid), figures(t, out, "nats")["server_pid"])
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// A command-line mistake gets its error and one line pointing at --help;
// --help prints the usage on stdout.
func TestBenchFlags(t *testing.T) {
	tests := []struct {
		args   []string
		stderr string // the error line
	}{
		{[]string{"--players", "1"}, "--rooms must be at least 1 and --players at least 2"},
		{[]string{"--mix", "chaos"}, `--mix must be unordered, ordered, update or mixed, not "chaos"`},
		{[]string{"--bytes", "10"}, "--bytes must be in [24, 60000]"},
		{[]string{"--rate", "0"}, "--rate must be in (0, 100000]"},
		{[]string{"--systems", "redis"}, `unknown system "redis" (tandem, tandem-ws, nats, nats-raw)`},
		{[]string{"--systems", "nats"}, "system nats needs --nats"},
		{[]string{"--systems", "tandem-ws"}, "system tandem-ws needs --ws"},
		{[]string{"--rounds", "0"}, "--rounds must be in [1, 100]"},
		{[]string{"--addr", "127.0.0.1:7777,nohost"}, `--addr: "nohost" is not HOST:PORT`},
		{[]string{"--addr", "127.0.0.1:7777,"}, `--addr: "" is not HOST:PORT`},
		{[]string{"--nats-client", "grpc"}, `--nats-client must be natsgo, raw or both, not "grpc"`},
		{[]string{"--nope"}, "flag provided but not defined: -nope"},
		{[]string{"--idle", "3", "--systems", "nats-raw"}, `unknown idle-mode system "nats-raw" (tandem, tandem-ws, nats)`},
		{[]string{"--idle", "3", "--systems", "tandem-ws"}, "system tandem-ws needs --ws"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := Run(t.Context(), tt.args, &stdout, &stderr)
		assert.Equal(t, exitcode.Usage, code, "%v", tt.args)
		assert.Equal(t, "tandem bench: "+tt.stderr+"\nRun 'tandem bench --help' for the options.\n", stderr.String(), "%v", tt.args)
		assert.Empty(t, stdout.String())
	}
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitcode.OK, Run(t.Context(), []string{"--help"}, &stdout, &stderr))
	assert.Empty(t, stderr.String())
	assert.True(t, strings.HasPrefix(stdout.String(), "usage:\n  tandem bench --addr"), stdout.String())
	assert.Contains(t, stdout.String(), "-ws string")
}

func TestLatencyHistogram(t *testing.T) {
	var h latencyHist
	for v := int64(1); v <= 100000; v++ {
		h.record(v * 1000) // 1 µs .. 100 ms, uniform
	}
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		want := q * 100000 * 1000
		got := float64(h.quantile(q))
		assert.InEpsilon(t, want, got, 1.0/histSub+1e-3, "q=%v", q)
		assert.GreaterOrEqual(t, got, want*(1-1e-9), "quantiles are reported on the high side")
	}
	assert.Equal(t, time.Duration(100000*1000), h.quantile(1))

	var other latencyHist
	other.record(int64(time.Hour * 1000)) // past the top bucket: clamped, max exact
	h.merge(&other)
	assert.Equal(t, uint64(100001), h.n)
	assert.Equal(t, time.Hour*1000, h.quantile(1))
	for i := range histBuckets {
		assert.Equal(t, i, histIndex(histUpper(i)), "bucket %d", i)
	}
}

func TestTimestampRoundTrip(t *testing.T) {
	p := fillPayload(minPayload)
	ts := time.Now().UnixNano()
	putTimestamp(p, ts)
	got, ok := parseTimestamp(p)
	require.True(t, ok)
	assert.Equal(t, ts, got)
	_, ok = parseTimestamp(p[:tsDigits-1])
	assert.False(t, ok)
}

func TestFindListenerPID(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	pid, err := findListenerPID(ln.Addr().String())
	require.NoError(t, err)
	assert.Equal(t, os.Getpid(), pid)
	s, err := readProc(pid)
	require.NoError(t, err)
	assert.Greater(t, s.rssKiB, int64(0))
	assert.Greater(t, clockTicks(), int64(0))
}

func TestGoMemoryFromPprof(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	ts := httptest.NewServer(mux)
	defer ts.Close()
	heap, stack, goroutines, err := goMemory(strings.TrimPrefix(ts.URL, "http://"))
	require.NoError(t, err)
	assert.Greater(t, heap, 0.0)
	assert.Greater(t, stack, 0.0)
	assert.Greater(t, goroutines, 0.0)

	_, _, _, err = goMemory("127.0.0.1:1") // nothing listens there
	assert.Error(t, err)
}

// Storm mode: players come back after a cut with the way asked, and after
// a restart (--storm-cut none) with the tokens kept from a run before.
func TestBenchStorm(t *testing.T) {
	srv := startServer(t)
	tokens := filepath.Join(t.TempDir(), "tokens")
	steps := []struct {
		args []string
		by   string // every player came back this way
	}{
		{[]string{"--storm-login", "token"}, "by_token"}, // set-up with passwords; tokens kept
		{[]string{"--storm-login", "password"}, "by_password"},
		{[]string{"--storm-login", "resume"}, "by_resume"},
		{[]string{"--storm-cut", "none"}, "by_token"}, // as after a restart: all at once with the kept tokens
	}
	for _, s := range steps {
		args := append([]string{"--addr", srv.Addr, "--storm", "6", "--players", "3", "--storm-tokens", tokens}, s.args...)
		out, code := runBenchArgs(t, args...)
		require.Equal(t, exitcode.OK, code, out)
		kv := figures(t, out, "tandem")
		assert.Equal(t, "storm", kv["mode"], s.args)
		assert.Equal(t, "6", kv["players"], s.args)
		assert.Equal(t, "0", kv["failed"], s.args)
		assert.Equal(t, "6", kv[s.by], s.args)
	}
	kept, err := os.ReadFile(tokens)
	require.NoError(t, err)
	assert.Equal(t, 6, strings.Count(string(kept), "\n"), "one token per player")
	info, err := os.Stat(tokens)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the token file is the owner's only")

	out, code := runBenchArgs(t, "--addr", srv.Addr, "--storm", "2", "--storm-login", "magic")
	assert.Equal(t, exitcode.Usage, code, out)
}
