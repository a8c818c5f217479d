package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
)

// TestCSharpClientEndToEnd runs the C# package's headless client (unity-client/Tests/E2E~)
// as two mono processes against a real in-process server: A instantiates an object and
// updates it, B joins late, must find exactly A's state in the join snapshot, takes
// ownership and updates it; A must see the hand-over and B's updates at the new generation.
// It runs over plain TCP and over TLS, where the C# client (SslStream) must validate the
// server's self-signed certificate against exactly that certificate's PEM (--tls), and must
// refuse a server whose certificate is another one or names another address; then over
// WebSocket (the package's WebSocket transport), plain and wss with the same pinning, with A
// on WebSocket and B on TCP in one room, and with A on the polled transport WebGL builds use.
func TestCSharpClientEndToEnd(t *testing.T) {
	exe := csharpE2EExe(t)
	for _, tc := range []struct {
		name   string
		tls    bool
		ws     bool // role A over WebSocket
		wsB    bool // role B over WebSocket
		polled bool // role A through the polled transport WebGL builds use
	}{
		{name: "plain"},
		{name: "tls", tls: true},
		{name: "ws", ws: true, wsB: true},
		{name: "wss", tls: true, ws: true, wsB: true},
		{name: "ws-and-tcp", ws: true},
		{name: "ws-polled", ws: true, wsB: true, polled: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var (
				opts  []servertest.Option
				flags []string
			)
			if tc.tls {
				cert := servertest.SelfSignedCert(t, "127.0.0.1")
				opts = append(opts, servertest.WithTLS(cert.Server))
				flags = []string{"--tls", cert.PEMPath}
			}
			if tc.ws || tc.wsB {
				opts = append(opts, servertest.WithWebSocket(server.WebSocketOptions{}))
			}
			srv := servertest.Start(t, opts...)
			flagsA, flagsB := flags, flags
			if tc.ws {
				flagsA = append([]string{"--url", srv.WSURL}, flags...)
			}
			if tc.polled {
				flagsA = append(flagsA, "--polled")
			}
			if tc.wsB {
				flagsB = append([]string{"--url", srv.WSURL}, flags...)
			}
			runCSharpRoles(t, exe, srv.Addr, flagsA, flagsB, tc.tls)
			if !tc.tls {
				return
			}
			if tc.ws {
				// wss pins like TLS over TCP: another self-signed certificate is refused.
				other := servertest.SelfSignedCert(t, "127.0.0.1")
				runCSharpRefusedURL(t, exe, srv.Addr, srv.WSURL, other.PEMPath, "is self-signed and not one of the trusted certificates")
				return
			}
			// Not "accept everything": a client that trusts another self-signed certificate for
			// the same address must refuse this server...
			other := servertest.SelfSignedCert(t, "127.0.0.1")
			runCSharpRefused(t, exe, srv.Addr, other.PEMPath, "is self-signed and not one of the trusted certificates")
			// ...and pinning a certificate does not switch off the host name check.
			wrongCert := servertest.SelfSignedCert(t, "127.0.0.2")
			wrongName := servertest.Start(t, servertest.WithTLS(wrongCert.Server))
			runCSharpRefused(t, exe, wrongName.Addr, wrongCert.PEMPath, "is not issued for 127.0.0.1")
		})
	}
}

// TestCSharpSyncEndToEnd runs the Unity layer's logic (Core's Tandem.Sync, which the
// NetworkManager, NetworkObject and NetworkTransform components adapt) on two clients against
// a real server: MOVER (over TCP) spawns a ball through RoomSync and moves it; WATCHER (over
// WebSocket) gets it from the join snapshot through the prefab factory, interpolates it
// smoothly, takes ownership mid-motion and moves on from the pose it showed; MOVER then
// interpolates the new owner. Neither may see a step larger than a few frames' motion.
func TestCSharpSyncEndToEnd(t *testing.T) {
	exe := csharpE2EExe(t)
	srv := servertest.Start(t, servertest.WithWebSocket(server.WebSocketOptions{}))
	host, port, _ := strings.Cut(srv.Addr, ":")
	suffix := fmt.Sprint(time.Now().UnixNano() % 1_000_000_000)
	room := "csharp-sync-" + suffix
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	mover := startRole(ctx, t, exe, nil, host, port, "MOVER", "csm"+suffix, room)
	select {
	case <-mover.ready:
	case <-mover.done:
		t.Fatalf("MOVER ended before READY:\n%s", mover.output())
	case <-ctx.Done():
		t.Fatalf("MOVER not READY in time:\n%s", mover.output())
	}
	watcher := startRole(ctx, t, exe, []string{"--url", srv.WSURL}, host, port, "WATCHER", "csw"+suffix, room)
	for _, r := range []*role{mover, watcher} {
		<-r.done
		out := r.output()
		if r.err != nil || !strings.Contains(out, "E2E OK") {
			t.Errorf("role %s failed (%v):\n%s", r.name, r.err, out)
			continue
		}
		t.Logf("role %s: E2E OK\n%s", r.name, firstLineWith(out, "largest step"))
	}
}

// TestCSharpWebGLPluginEndToEnd runs the package's WebGL plugin (TandemWebSocket.jslib,
// what BrowserWebSocket calls in a WebGL build) in Node, with Node's WebSocket standing in
// for the browser's: it logs in over WebSocket and joins a room where a TCP client waits;
// each side gets the other's message, and a connect to a closed port reports a reason.
func TestCSharpWebGLPluginEndToEnd(t *testing.T) {
	node, flags := nodeWithWebSocket(t)
	_, file, _, _ := runtime.Caller(0)
	pkg := filepath.Join(filepath.Dir(file), "..", "unity-client")
	srv := servertest.Start(t, servertest.WithWebSocket(server.WebSocketOptions{}))
	room := "csharp-webgl"
	tcp := srv.Login(t, "tcpwatcher")
	tcp.Join(room)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append(flags, filepath.Join(pkg, "Tests", "E2E~", "webgl-plugin.cjs"),
		filepath.Join(pkg, "Runtime", "Plugins", "WebGL", "TandemWebSocket.jslib"),
		srv.WSURL, "webgluser", room, "ws://"+closedAddr(t)+"/ws")
	cmd := exec.CommandContext(ctx, node, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var out []string
	next := func(prefix string) string {
		for sc.Scan() {
			line := sc.Text()
			out = append(out, line)
			if strings.HasPrefix(line, prefix) {
				return strings.TrimPrefix(line, prefix)
			}
			if strings.HasPrefix(line, "PLUGIN FAIL") {
				break
			}
		}
		t.Fatalf("no %q from the plugin run:\n%s\n%s", prefix, strings.Join(out, "\n"), stderr.String())
		return ""
	}
	id := next("READY ")
	tcp.Skip(func(l string) bool { return l == "2:"+id+":"+room })
	tcp.Send("3:0:hello plugin")
	next("ME ")
	tcp.Skip(func(l string) bool { return l == "3:"+id+":hello tcp" })
	reason := next("BAD ")
	next("PLUGIN OK ")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("plugin run: %v\n%s", err, stderr.String())
	}
	t.Logf("plugin client %s joined over WebSocket, talked with TCP; a failed connect says: %s", id, reason)
}

// nodeWithWebSocket finds node with a global WebSocket (Node 22+, or 20 with a flag), or skips.
func nodeWithWebSocket(t *testing.T) (string, []string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed: the WebGL plugin test is skipped")
	}
	check := "process.exit(typeof WebSocket === 'function' ? 0 : 1)"
	for _, flags := range [][]string{nil, {"--experimental-websocket"}} {
		if exec.Command(node, append(append([]string{}, flags...), "-e", check)...).Run() == nil {
			return node, flags
		}
	}
	t.Skip("this node has no WebSocket (Node 22+, or 20.10+ with --experimental-websocket): the WebGL plugin test is skipped")
	return "", nil
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// runCSharpRoles plays roles A and B (each with extra command line flags) against the server at addr.
func runCSharpRoles(t *testing.T, exe, addr string, flagsA, flagsB []string, wantTLS bool) {
	t.Helper()
	host, port, ok := strings.Cut(addr, ":")
	if !ok {
		t.Fatalf("server address %q has no port", addr)
	}
	suffix := fmt.Sprint(time.Now().UnixNano() % 1_000_000_000)
	room := "csharp-e2e-" + suffix

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	a := startRole(ctx, t, exe, flagsA, host, port, "A", "csa"+suffix, room)
	// B must join late: only once A has built its final state and printed READY.
	select {
	case <-a.ready:
	case <-a.done:
		t.Fatalf("role A ended before READY:\n%s", a.output())
	case <-ctx.Done():
		t.Fatalf("role A not READY in time:\n%s", a.output())
	}
	b := startRole(ctx, t, exe, flagsB, host, port, "B", "csb"+suffix, room)

	for _, r := range []*role{a, b} {
		<-r.done
		out := r.output()
		flags := flagsA
		if r == b {
			flags = flagsB
		}
		wantWS := slices.Contains(flags, "--url")
		wantPolled := slices.Contains(flags, "--polled")
		switch {
		case strings.Contains(out, "polled transport (as on WebGL)") != wantPolled:
			t.Errorf("role %s: polled transport used = %v, want %v:\n%s", r.name, !wantPolled, wantPolled, out)
		case strings.Contains(out, "WebSocket connected") != wantWS:
			t.Errorf("role %s: WebSocket used = %v, want %v:\n%s", r.name, !wantWS, wantWS, out)
		case r.err != nil || !strings.Contains(out, "E2E OK"):
			t.Errorf("role %s failed (%v):\n%s", r.name, r.err, out)
		case strings.Contains(out, "TLS established") != wantTLS:
			t.Errorf("role %s: TLS used = %v, want %v:\n%s", r.name, !wantTLS, wantTLS, out)
		default:
			t.Logf("role %s: E2E OK", r.name)
		}
	}
}

// runCSharpRefused runs role A trusting only the certificate in pemPath: it must refuse the
// server's certificate before logging in, and say why (want).
func runCSharpRefused(t *testing.T, exe, addr, pemPath, want string) {
	t.Helper()
	runCSharpRefusedURL(t, exe, addr, "", pemPath, want)
}

// runCSharpRefusedURL is runCSharpRefused for a client connecting to url (wss://...) when set.
func runCSharpRefusedURL(t *testing.T, exe, addr, url, pemPath, want string) {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	user := "csx" + fmt.Sprint(time.Now().UnixNano()%1_000_000_000)
	flags := []string{"--tls", pemPath}
	if url != "" {
		flags = append(flags, "--url", url)
	}
	r := startRole(ctx, t, exe, flags, host, port, "A", user, "csharp-e2e-refused")
	<-r.done
	out := r.output()
	if r.err == nil || strings.Contains(out, "E2E OK") || strings.Contains(out, "logged in as") ||
		!strings.Contains(out, "server certificate of "+host+" rejected") || !strings.Contains(out, want) {
		t.Errorf("the client must refuse the server's certificate (%q) before logging in (exit %v):\n%s", want, r.err, out)
	} else {
		t.Logf("refused as expected: %s", firstLineWith(out, "rejected"))
	}
}

func firstLineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

type role struct {
	name  string
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	done  chan struct{}
	err   error
}

func (r *role) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

func startRole(ctx context.Context, t *testing.T, exe string, flags []string, host, port, name, user, room string) *role {
	t.Helper()
	r := &role{name: name, ready: make(chan struct{}), done: make(chan struct{})}
	args := append(append([]string{exe}, flags...), host, port, name, user, room)
	cmd := exec.CommandContext(ctx, "mono", args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &lockedWriter{r: r}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start role %s: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		readied := false
		for sc.Scan() {
			line := sc.Text()
			r.mu.Lock()
			r.buf.WriteString(line + "\n")
			r.mu.Unlock()
			if line == "READY" && !readied {
				readied = true
				close(r.ready)
			}
		}
		r.err = cmd.Wait()
		close(r.done)
	}()
	return r
}

type lockedWriter struct{ r *role }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	return w.r.buf.Write(p)
}

// csharpE2EExe returns E2EClient.exe: TANDEM_CSHARP_E2E_EXE if set, else built with mcs
// from the package sources into a temp dir, else the test is skipped.
func csharpE2EExe(t *testing.T) string {
	t.Helper()
	if exe := os.Getenv("TANDEM_CSHARP_E2E_EXE"); exe != "" {
		if _, err := os.Stat(exe); err != nil {
			t.Fatalf("TANDEM_CSHARP_E2E_EXE=%s: %v", exe, err)
		}
		if _, err := exec.LookPath("mono"); err != nil {
			t.Fatalf("TANDEM_CSHARP_E2E_EXE is set but mono is not installed")
		}
		return exe
	}
	mcs, err := exec.LookPath("mcs")
	if err != nil {
		t.Skip("mono/mcs not installed: C# end-to-end test skipped")
	}
	if _, err := exec.LookPath("mono"); err != nil {
		t.Skip("mono/mcs not installed: C# end-to-end test skipped")
	}
	_, file, _, _ := runtime.Caller(0)
	pkg := filepath.Join(filepath.Dir(file), "..", "unity-client")
	var sources []string
	err = filepath.WalkDir(filepath.Join(pkg, "Runtime", "Core"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".cs") {
			sources = append(sources, p)
		}
		return err
	})
	if err != nil || len(sources) == 0 {
		t.Fatalf("C# core sources not found under %s: %v", pkg, err)
	}
	e2e, err := filepath.Glob(filepath.Join(pkg, "Tests", "E2E~", "*.cs"))
	if err != nil || len(e2e) == 0 {
		t.Fatalf("C# end-to-end client sources not found under %s: %v", pkg, err)
	}
	sources = append(sources, e2e...)
	exe := filepath.Join(t.TempDir(), "E2EClient.exe")
	args := append([]string{"-langversion:7.2", "-target:exe", "-out:" + exe}, sources...)
	if out, err := exec.Command(mcs, args...).CombinedOutput(); err != nil {
		t.Fatalf("mcs failed: %v\n%s", err, out)
	}
	return exe
}

// eachCSharpTransport runs a C# role test over TCP and over WebSocket through the
// polled transport WebGL builds use.
func eachCSharpTransport(t *testing.T, run func(t *testing.T, polled bool)) {
	for _, tc := range []struct {
		name   string
		polled bool
	}{
		{name: "tcp"},
		{name: "ws-polled", polled: true},
	} {
		t.Run(tc.name, func(t *testing.T) { run(t, tc.polled) })
	}
}

// TestCSharpResumeEndToEnd runs the C# client's reconnect and resume (role RESUMER, see
// unity-client/Tests/E2E~/ResumeRole.cs) against a real server through a TCP proxy that
// cuts its connection. A Go client in the same room owns a Ball. First drop: while the C#
// client is away the Ball changes; the client resumes within the grace with the same id and
// the same object records, holding the new Ball state. Second drop, past the grace: the
// server hands the C# client's Avatar over, the resume is refused and the client logs in
// and rejoins as a new player that sees the hand-over. Over TCP, and over WebSocket through
// the polled transport WebGL builds use (no threads of its own).
func TestCSharpResumeEndToEnd(t *testing.T) {
	exe := csharpE2EExe(t)
	eachCSharpTransport(t, func(t *testing.T, polled bool) { runCSharpResume(t, exe, polled) })
}

func runCSharpResume(t *testing.T, exe string, polled bool) {
	const grace = 3 * time.Second
	srv, proxy, addr := csharpBehindProxy(t, grace, polled)
	suffix := fmt.Sprint(time.Now().UnixNano() % 1_000_000_000)
	room := "csharp-resume-" + suffix

	other := srv.Login(t, "resother"+suffix)
	other.Join(room)
	other.Send("10:b:Ball:t:r:1:AQ==") // field 0 = 1
	ballID, _, _ := strings.Cut(strings.TrimPrefix(other.ExpectPrefix("10:"), "10:"), ":")

	next, stderr := runCSharpRole(t, exe, addr, "RESUMER", "resumer"+suffix, room)

	id, avatarID, _ := strings.Cut(next("READY "), " ")
	other.Skip(func(l string) bool { return strings.HasPrefix(l, "10:"+avatarID+":") })

	// Drop 1: the Ball changes while the C# client is away; it comes back within the grace.
	proxy.Cut()
	other.Skip(func(l string) bool { return l == "20:"+id+":inactive" })
	other.Send("11:" + ballID + ":1:1:1:BQ==") // field 0 = 5, ordered
	other.Sync("moved")
	proxy.Restore()
	if got := next("RESUMED "); got != id {
		t.Fatalf("resumed as %s, want %s", got, id)
	}
	other.Skip(func(l string) bool { return l == "20:"+id+":active" })

	// Drop 2: away past the grace; the server hands its Avatar over to the other player.
	proxy.Cut()
	other.Skip(func(l string) bool { return l == "20:"+id+":inactive" })
	other.Skip(func(l string) bool { return l == "2:"+id+":" })
	other.Skip(func(l string) bool { return strings.HasPrefix(l, "12:"+avatarID+":"+fmt.Sprint(other.ID)+":") })
	proxy.Restore()
	newID := next("REJOINED ")
	next("E2E OK")
	other.Skip(func(l string) bool { return l == "2:"+newID+":"+room })
	t.Logf("C# client %s resumed within the grace, then rejoined as %s after it:\n%s", id, newID, stderr.String())
}

// lockedBuffer is a bytes.Buffer safe for a process's writes and the test's reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// csharpAddr is where a C# E2E role connects: host and port, and the
// flags for the polled WebSocket transport when it goes that way.
type csharpAddr struct {
	host, port string
	flags      []string
}

// csharpBehindProxy starts a server with the given rejoin grace (TCP and
// WebSocket) and a proxy in front of the transport the role will use, so a
// test can cut the C# client's connection.
func csharpBehindProxy(t *testing.T, grace time.Duration, polled bool) (*servertest.Server, *servertest.Proxy, csharpAddr) {
	t.Helper()
	srv := servertest.Start(t, servertest.WithWebSocket(server.WebSocketOptions{}),
		servertest.WithConfig(func(c *server.Config) { c.Limits.RejoinGrace = grace }))
	target := srv.Addr
	if polled {
		u, err := url.Parse(srv.WSURL)
		if err != nil {
			t.Fatal(err)
		}
		target = u.Host
	}
	proxy := servertest.NewProxy(t, target)
	var a csharpAddr
	a.host, a.port, _ = strings.Cut(proxy.Addr, ":")
	if polled {
		a.flags = []string{"--url", "ws://" + proxy.Addr + "/ws", "--polled"}
	}
	return srv, proxy, a
}

// runCSharpRole runs one role of E2EClient.exe for at most a minute and
// returns next, which reads the role's output up to a line starting with
// prefix and returns the rest of that line; it fails the test on
// "E2E FAIL", on the end of the output, or at the minute.
func runCSharpRole(t *testing.T, exe string, a csharpAddr, role, user, room string) (next func(prefix string) string, stderr *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	args := append(append([]string{exe}, a.flags...), a.host, a.port, role, user, room)
	cmd := exec.CommandContext(ctx, "mono", args...)
	stderr = &lockedBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var out []string
	next = func(prefix string) string {
		t.Helper()
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("%s ended before %q:\n%s\n%s", role, prefix, strings.Join(out, "\n"), stderr.String())
				}
				out = append(out, line)
				if strings.HasPrefix(line, prefix) {
					return strings.TrimPrefix(line, prefix)
				}
				if strings.HasPrefix(line, "E2E FAIL") {
					t.Fatalf("%s: %s\n%s", role, line, stderr.String())
				}
			case <-ctx.Done():
				t.Fatalf("no %q from %s in time:\n%s\n%s", prefix, role, strings.Join(out, "\n"), stderr.String())
			}
		}
	}
	return next, stderr
}
