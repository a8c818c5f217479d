// Package samples holds no Go code. Its tests run the console sample
// (samples/console) end to end against a real server; the Unity sample
// project and the package are checked by samples/unityassets.
package samples

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server"
	"github.com/tandemnet/tandem/server/servertest"
)

// checkout is this repository's Unity package and sample project (their checks
// live in samples/unityassets).
type checkout struct {
	pkg     string // unity-client
	project string // samples/unity
}

func repoLayout(t *testing.T) checkout {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"), "the tests run from samples/")
	return checkout{pkg: filepath.Join(root, "unity-client"), project: filepath.Join(root, "samples", "unity")}
}

// ---- the console sample --------------------------------------------------------------

var consoleBuild struct {
	once sync.Once
	dir  string
	exe  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if consoleBuild.dir != "" {
		_ = os.RemoveAll(consoleBuild.dir)
	}
	os.Exit(code)
}

// consoleExe returns Console.exe: TANDEM_CONSOLE_EXE if set (CI builds it
// with .ci/samples.sh), else built once with mcs from samples/console and the
// package's Core sources. Without Mono the test is skipped.
func consoleExe(t *testing.T) string {
	t.Helper()
	if exe := os.Getenv("TANDEM_CONSOLE_EXE"); exe != "" {
		require.FileExists(t, exe, "TANDEM_CONSOLE_EXE")
		if _, err := exec.LookPath("mono"); err != nil {
			t.Fatalf("TANDEM_CONSOLE_EXE is set but mono is not on PATH")
		}
		return exe
	}
	for _, tool := range []string{"mcs", "mono"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH: the console sample needs Mono (apt-get install mono-devel, or run bash .ci/samples.sh); skipped", tool)
		}
	}
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	pkg := filepath.Join(root, "unity-client")
	consoleBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "tandem-console-")
		if err != nil {
			consoleBuild.err = err
			return
		}
		consoleBuild.dir = dir
		args := []string{"-langversion:7.2", "-nologo", "-warnaserror+", "-target:exe", "-out:" + filepath.Join(dir, "Console.exe")}
		err = filepath.WalkDir(filepath.Join(pkg, "Runtime", "Core"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".cs") {
				args = append(args, p)
			}
			return err
		})
		if err != nil {
			consoleBuild.err = err
			return
		}
		args = append(args, filepath.Join(root, "samples", "console", "Program.cs"))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "mcs", args...).CombinedOutput(); err != nil {
			consoleBuild.err = fmt.Errorf("mcs: %v\n%s", err, out)
			return
		}
		consoleBuild.exe = filepath.Join(dir, "Console.exe")
	})
	require.NoError(t, consoleBuild.err)
	return consoleBuild.exe
}

// syncBuffer collects a process's output while tests may read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type consoleRun struct {
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{}
	err    error
}

func startConsole(t *testing.T, ctx context.Context, exe string, args ...string) *consoleRun {
	t.Helper()
	r := &consoleRun{done: make(chan struct{})}
	r.cmd = exec.CommandContext(ctx, "mono", append([]string{exe}, args...)...)
	r.cmd.Stdout = &r.stdout
	r.cmd.Stderr = &r.stderr
	require.NoError(t, r.cmd.Start())
	go func() {
		r.err = r.cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("console stdout:\n%s\nconsole stderr:\n%s", r.stdout.String(), r.stderr.String())
		}
	})
	return r
}

func (r *consoleRun) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(limit):
		t.Fatalf("the console did not exit within %s", limit)
	}
	var exit *exec.ExitError
	if r.err == nil {
		return 0
	} else if errors.As(r.err, &exit) {
		return exit.ExitCode()
	}
	t.Fatalf("running the console: %v", r.err)
	return -1
}

// TestConsoleSampleEndToEnd runs the console against a real in-process
// server, next to a raw-protocol client that watches the room: over TCP
// (HOST PORT) and over WebSocket (a ws:// URL), in a room with a TCP member.
func TestConsoleSampleEndToEnd(t *testing.T) {
	exe := consoleExe(t)
	for _, tc := range []struct {
		name string
		ws   bool
	}{
		{name: "tcp"},
		{name: "websocket", ws: true},
	} {
		t.Run(tc.name, func(t *testing.T) { runConsoleEndToEnd(t, exe, tc.ws) })
	}
}

func runConsoleEndToEnd(t *testing.T, exe string, ws bool) {
	var opts []servertest.Option
	if ws {
		opts = append(opts, servertest.WithWebSocket(server.WebSocketOptions{}))
	}
	srv := servertest.Start(t, opts...)
	host, port, ok := strings.Cut(srv.Addr, ":")
	require.True(t, ok, srv.Addr)
	address := []string{host, port}
	if ws {
		address = []string{srv.WSURL}
	}

	watcher := srv.Login(t, "watcher")
	watcher.Join("console-room")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append(address, "console", "pw-console", "console-room", "--say", "hello", "--seconds", "3")
	run := startConsole(t, ctx, exe, args...)

	// The watcher sees the console join, speak, and leave when it exits.
	join := watcher.Skip(func(l string) bool { return strings.HasPrefix(l, "2:") && strings.HasSuffix(l, ":console-room") })
	id := strings.TrimSuffix(strings.TrimPrefix(join, "2:"), ":console-room")
	_, err := strconv.ParseInt(id, 10, 64)
	require.NoError(t, err, "join line %q", join)
	watcher.Skip(func(l string) bool { return l == "3:"+id+":hello" })

	require.Equal(t, 0, run.wait(t, 30*time.Second), "exit status")
	watcher.Skip(func(l string) bool { return l == "2:"+id+":" })

	out := run.stdout.String()
	// Names come with the member list (the join lines carry ids only).
	assert.Regexp(t, `members: (watcher #`+strconv.FormatInt(watcher.ID, 10)+`, console #`+id+`|console #`+id+`, watcher #`+strconv.FormatInt(watcher.ID, 10)+`)\n`, out)
	for _, want := range []string{
		"logged in as console (client id " + id + ")",
		"joined room console-room as console #" + id,
		"room console-room ready: 2 members, 0 objects, master ",
		"said to all: hello",
		"message from console #" + id + ": hello",
		"bye",
	} {
		assert.Contains(t, out, want)
	}
}

// TestConsoleSampleReportsObjects: the console prints objects from the join
// snapshot and what happens to them afterwards.
func TestConsoleSampleReportsObjects(t *testing.T) {
	exe := consoleExe(t)
	srv := servertest.Start(t)
	host, port, _ := strings.Cut(srv.Addr, ":")

	owner := srv.Login(t, "owner")
	owner.Join("objects-room")
	// An avatar in the snapshot: position [1.5, 0, 2] (float32s), as the bots send it.
	owner.Send("10:a1:Avatar:t:p:1:k8o/wAAAygAAAADKQAAAAA==")
	spawned := owner.ExpectPrefix("10:")
	objectID := strings.Split(spawned, ":")[1]

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run := startConsole(t, ctx, exe, host, port, "viewer", "pw-viewer", "objects-room", "--seconds", "4")

	owner.Skip(func(l string) bool { return strings.HasPrefix(l, "2:") && strings.HasSuffix(l, ":objects-room") })
	owner.Send("11:" + objectID + ":1:1:1:k8pAAAAAygAAAADKQAAAAA==") // position [2, 0, 2], ordered
	owner.Send("15:" + objectID)
	owner.Skip(func(l string) bool { return l == "15:"+objectID })

	require.Equal(t, 0, run.wait(t, 30*time.Second), "exit status")
	out := run.stdout.String()
	for _, want := range []string{
		"object (snapshot) " + objectID + " Avatar (takeover, player object, owner ",
		"{0: [1.5, 0, 2]}",
		"update " + objectID + " (generation 1) {0: [2, 0, 2]}",
		"destroyed " + objectID + " Avatar",
	} {
		assert.Contains(t, out, want)
	}
}

func TestConsoleSampleFailures(t *testing.T) {
	exe := consoleExe(t)
	srv := servertest.Start(t)
	host, port, _ := strings.Cut(srv.Addr, ":")
	srv.Login(t, "taken") // the account now exists with the password pw-taken

	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedPort := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, ln.Close())

	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no arguments", nil, 2, "usage: mono Console.exe HOST PORT USER PASSWORD ROOM"},
		{"port is not a number", []string{host, "x", "u", "p", "r"}, 2, "PORT must be a number"},
		{"unknown option", []string{host, port, "u", "p", "r", "--loud"}, 2, "unknown option --loud"},
		{"option without its value", []string{host, port, "u", "p", "r", "--seconds"}, 2, "--seconds needs a value"},
		{"nothing listens there", []string{"127.0.0.1", closedPort, "u", "p", "r", "--seconds", "20"}, 1, "FAILED: connection ended"},
		{"wrong password", []string{host, port, "taken", "not-the-password", "r", "--seconds", "20"}, 1, "FAILED: login refused: bad_credentials"},
		{"bad room name", []string{host, port, "roomless", "pw", "a,b", "--seconds", "20"}, 1, "FAILED: join refused: bad_room_name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			run := startConsole(t, ctx, exe, c.args...)
			assert.Equal(t, c.code, run.wait(t, 30*time.Second), "exit status")
			assert.Contains(t, run.stdout.String()+run.stderr.String(), c.want)
		})
	}
}
